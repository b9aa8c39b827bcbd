"""The catalogue of facts a collector can establish about a project (ids used by model files)."""

from __future__ import annotations

from dataclasses import dataclass, field

from devmaturity.model.metric import EvidenceKind
from devmaturity.model.text import Text


@dataclass(frozen=True, slots=True, kw_only=True)
class FactSpec:
    id: str
    name: Text
    evidence: EvidenceKind


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """An observed fact: its value, a one-line detail and the paths or refs that show it.

    `value` is None when the evidence cannot tell (e.g. triggers configured on a Jenkins server): the fact is
    *unknown*, never false, and `detail` says why."""

    id: str
    value: bool | None  # None: unknown, the reason in `detail`
    detail: str = ""
    evidence: tuple[str, ...] = field(default=())


def _spec(fid: str, zh: str, en: str, kind: EvidenceKind = EvidenceKind.TREE) -> FactSpec:
    return FactSpec(id=fid, name=Text(zh=zh, en=en), evidence=kind)


FACTS: tuple[FactSpec, ...] = (
    _spec("vcs.git", "代码托管在 Git 版本库中", "Source code is kept in a Git repository", EvidenceKind.COMMITS),
    _spec("vcs.tags", "用标签标记发布版本", "Releases are marked with tags", EvidenceKind.REFS),
    _spec(
        "vcs.merges", "通过合并把分支集成到主干", "Branches are integrated into trunk by merges", EvidenceKind.COMMITS
    ),
    _spec("vcs.codeowners", "定义了代码所有者（CODEOWNERS）", "Code owners are defined (CODEOWNERS)"),
    _spec(
        "vcs.config_versioned",
        "构建、部署脚本和配置文件纳入版本控制",
        "Build and deployment scripts and configuration files are versioned",
    ),
    _spec(
        "build.scripted",
        "构建由脚本自动完成（Makefile、Maven、Gradle、npm、pyproject 等）",
        "The build is scripted (Makefile, Maven, Gradle, npm, pyproject, ...)",
    ),
    _spec("ci.present", "存在持续集成流水线定义", "A CI pipeline definition exists"),
    _spec("ci.github_actions", "使用 GitHub Actions 流水线", "GitHub Actions workflows are defined"),
    _spec("ci.gitlab_ci", "使用 GitLab CI 流水线", "A GitLab CI pipeline is defined"),
    _spec("ci.jenkins", "使用 Jenkins 流水线（Jenkinsfile）", "A Jenkins pipeline (Jenkinsfile) is defined"),
    _spec("pipeline.shared_library", "流水线复用共享模板或库", "Pipelines reuse shared templates or libraries"),
    _spec("pipeline.trigger.commit", "每次提交自动触发流水线", "Every commit triggers the pipeline"),
    _spec("pipeline.trigger.pull_request", "合并请求自动触发流水线", "Pull/merge requests trigger the pipeline"),
    _spec(
        "pipeline.trigger.automatic",
        "构建自动触发（定时或提交触发）",
        "Builds start automatically (on a schedule or on every commit)",
    ),
    _spec("pipeline.trigger.schedule", "流水线按计划定时运行", "The pipeline also runs on a schedule"),
    _spec("pipeline.stage.build", "流水线包含构建阶段", "The pipeline has a build stage"),
    _spec("pipeline.stage.unit_test", "流水线包含单元测试阶段", "The pipeline runs unit tests"),
    _spec(
        "pipeline.stage.integration_test",
        "流水线包含接口/集成测试阶段",
        "The pipeline runs interface or integration tests",
    ),
    _spec("pipeline.stage.ui_test", "流水线包含 UI/端到端测试阶段", "The pipeline runs UI or end-to-end tests"),
    _spec("pipeline.stage.performance_test", "流水线包含性能测试阶段", "The pipeline runs performance tests"),
    _spec("pipeline.stage.static_analysis", "流水线包含静态代码分析", "The pipeline runs static analysis"),
    _spec(
        "pipeline.stage.security_scan",
        "流水线包含安全扫描（SAST、依赖、密钥、镜像）",
        "The pipeline runs security scans (SAST, dependencies, secrets, images)",
    ),
    _spec("pipeline.stage.deploy", "流水线包含部署阶段", "The pipeline deploys"),
    _spec(
        "pipeline.stage.publish",
        "流水线上传发布制品（镜像推送、Maven deploy、PyPI/npm 发布）",
        "The pipeline publishes artifacts (image push, Maven deploy, PyPI/npm publish)",
    ),
    _spec("pipeline.stage.db_migration", "流水线执行数据库变更", "The pipeline applies database changes"),
    _spec(
        "pipeline.deploy_after_tests",
        "部署以自动化测试通过为前提",
        "Deployment runs only after automated tests have passed",
    ),
    _spec(
        "pipeline.multi_environment",
        "流水线部署到多个环境（测试、预发、生产）",
        "The pipeline deploys to several environments (test, staging, production)",
    ),
    _spec("pipeline.manual_approval", "生产部署前有人工确认环节", "Production deployment waits for a manual approval"),
    _spec(
        "db.migrations",
        "数据库变更用迁移工具管理（Flyway、Liquibase、Alembic 等）",
        "Database changes are managed by a migration tool (Flyway, Liquibase, Alembic, ...)",
    ),
    # --- continuous delivery practices (issue 9) ---
    _spec(
        "db.rollback_scripts",
        "数据库变更附带回滚脚本（Flyway undo、down 脚本、Liquibase rollback、Alembic downgrade）",
        "Database changes ship rollback scripts (Flyway undo, down scripts, Liquibase rollback, Alembic downgrade)",
    ),
    _spec(
        "vcs.commit_rules",
        "版本库中设置了提交信息规范（commitlint、commit-msg 钩子、提交模板）",
        "Commit-message rules are set in the repository (commitlint, commit-msg hooks, message template)",
    ),
    _spec(
        "artifacts.repository",
        "构建产物发布到制品库（流水线发布阶段、distributionManagement、Gradle publishing）",
        "Build outputs are published to an artifact repository (pipeline publish stage, distributionManagement, "
        "Gradle publishing)",
    ),
    _spec(
        "deps.proxy",
        "第三方依赖经内部制品库代理或镜像获取（Maven mirror、.npmrc、pip index、GOPROXY）",
        "Third-party dependencies come through an internal repository proxy or mirror (Maven mirror, .npmrc, "
        "pip index, GOPROXY)",
    ),
    _spec(
        "config.centre",
        "应用配置由配置中心或 ConfigMap 管理，与应用分离（Nacos、Apollo、Spring Cloud Config、Consul）",
        "Application configuration is kept apart from the application in a configuration centre or ConfigMaps "
        "(Nacos, Apollo, Spring Cloud Config, Consul)",
    ),
    _spec(
        "deploy.progressive",
        "采用灰度（金丝雀）或蓝绿发布（Argo Rollouts、Flagger、Istio 权重、Ingress canary）",
        "Canary or blue-green releases are used (Argo Rollouts, Flagger, Istio weights, ingress canary)",
    ),
    _spec(
        "db.migrate_on_deploy",
        "数据库迁移随应用部署自动执行（应用内置 Flyway/Liquibase 或启动时迁移）",
        "Database migrations run with the application's deployment (Flyway/Liquibase in the application, or a "
        "migrate step at start-up)",
    ),
    _spec(
        "vcs.release_automation",
        "发布版本号和标签由工具或流水线自动生成（semantic-release、maven-release-plugin 等）",
        "Release versions and tags are created by tools or the pipeline (semantic-release, maven-release-plugin, ...)",
    ),
    _spec(
        "ci.container_agents",
        "流水线任务在容器镜像或按任务分配的托管执行机上运行",
        "Pipeline jobs run in container images or on hosted runners allocated per job",
    ),
    _spec(
        "code.feature_toggles",
        "使用特性开关库（Togglz、FF4J、Unleash、LaunchDarkly、OpenFeature 等）",
        "A feature-toggle library is used (Togglz, FF4J, Unleash, LaunchDarkly, OpenFeature, ...)",
    ),
    _spec(
        "iac.present",
        "基础设施即代码（Terraform、Ansible、Helm、Kubernetes 清单等）",
        "Infrastructure as code (Terraform, Ansible, Helm, Kubernetes manifests, ...)",
    ),
    _spec(
        "container.dockerfile",
        "应用以容器镜像交付（Dockerfile）",
        "The application ships as a container image (Dockerfile)",
    ),
    _spec(
        "container.compose", "用 Compose 文件描述本地或测试环境", "A Compose file describes a local or test environment"
    ),
    _spec(
        "env.dev_standardised",
        "开发环境标准化（devcontainer、Vagrant、工具版本文件）",
        "The development environment is standardised (devcontainer, Vagrant, tool-version files)",
    ),
    _spec("deps.lockfile", "依赖版本由锁文件固定", "Dependency versions are pinned by lock files"),
    _spec(
        "deps.build_tool",
        "依赖通过构建工具声明和管理（Maven、Gradle、npm、pip、Go modules 等）",
        "Dependencies are declared to and managed by a build tool (Maven, Gradle, npm, pip, Go modules, ...)",
    ),
    _spec(
        "deps.update_automation",
        "依赖更新自动化（Dependabot、Renovate）",
        "Dependency updates are automated (Dependabot, Renovate)",
    ),
    _spec(
        "quality.rules_defined",
        "代码规范和静态检查规则已配置（lint 配置）",
        "Coding rules and static checks are configured (linter configuration)",
    ),
    _spec(
        "quality.gate_defined",
        "配置了质量门禁（覆盖率下限、Sonar 质量门等）",
        "A quality gate is configured (coverage floor, Sonar quality gate, ...)",
    ),
    _spec(
        "quality.sonar_gate_enforced",
        "SonarQube 分析带有质量门禁结论（窗口内的分析有门禁状态）",
        "SonarQube analyses carry a quality gate verdict (analyses in the window have a gate status)",
        EvidenceKind.QUALITY_ANALYSES,
    ),
    _spec("tests.unit", "存在单元测试代码", "Unit tests exist in the repository"),
    _spec("tests.ui", "存在 UI/端到端测试代码", "UI or end-to-end tests exist in the repository"),
    _spec(
        "tests.performance",
        "存在性能测试脚本（JMeter、Locust、k6、Gatling）",
        "Performance test scripts exist (JMeter, Locust, k6, Gatling)",
    ),
    _spec("security.policy", "有安全策略文档（SECURITY.md）", "A security policy is documented (SECURITY.md)"),
    _spec(
        "security.secret_scan_config",
        "配置了密钥泄露检测（gitleaks、detect-secrets 等）",
        "Secret-leak detection is configured (gitleaks, detect-secrets, ...)",
    ),
    # --- operations, design, security (issue 9) ---
    _spec(
        "ops.alert_rules",
        "告警规则以代码管理（Prometheus 规则、PrometheusRule、Alertmanager 路由）",
        "Alert rules are kept as code (Prometheus rules, PrometheusRule, Alertmanager routing)",
    ),
    _spec(
        "ops.dashboards",
        "监控仪表盘以代码管理（Grafana 仪表盘 JSON、仪表盘配置）",
        "Monitoring dashboards are kept as code (Grafana dashboard JSON, dashboard provisioning)",
    ),
    _spec(
        "ops.tracing",
        "应用接入分布式链路追踪（SkyWalking、OpenTelemetry、Jaeger、Zipkin）",
        "The application is instrumented for distributed tracing (SkyWalking, OpenTelemetry, Jaeger, Zipkin)",
    ),
    _spec(
        "ops.health_probes",
        "服务定义了健康检查（Kubernetes 探针、HEALTHCHECK、Spring Boot Actuator）",
        "Services define health checks (Kubernetes probes, HEALTHCHECK, Spring Boot Actuator)",
    ),
    _spec(
        "ops.autoscaling",
        "配置了自动弹性伸缩（HPA、KEDA）",
        "Automatic scaling is configured (HorizontalPodAutoscaler, KEDA)",
    ),
    _spec(
        "ops.resource_limits",
        "容器设置了资源上限（resources.limits、LimitRange）",
        "Containers have resource limits (resources.limits, LimitRange)",
    ),
    _spec(
        "api.definitions",
        "接口以机器可读形式定义并纳入版本库（OpenAPI、Protobuf、GraphQL 等）",
        "Interfaces are defined in machine-readable form in the repository (OpenAPI, Protobuf, GraphQL, ...)",
    ),
    _spec(
        "api.lint",
        "接口定义有自动规范检查（Spectral、buf lint 等）",
        "Interface definitions are linted automatically (Spectral, buf lint, ...)",
    ),
    _spec(
        "api.compatibility_checks",
        "有契约测试或接口破坏性变更检测（Pact、Spring Cloud Contract、oasdiff、buf breaking）",
        "Contract tests or breaking-change detection exist (Pact, Spring Cloud Contract, oasdiff, buf breaking)",
    ),
    _spec(
        "resilience.circuit_breaker",
        "对依赖调用使用熔断（Resilience4j、Sentinel、Hystrix、服务网格异常检测）",
        "Calls to dependencies use circuit breakers (Resilience4j, Sentinel, Hystrix, mesh outlier detection)",
    ),
    _spec(
        "resilience.rate_limit",
        "配置了限流（Sentinel、Resilience4j、Bucket4j、网关或 Nginx 限流）",
        "Rate limiting is configured (Sentinel, Resilience4j, Bucket4j, gateway or Nginx limits)",
    ),
    _spec(
        "resilience.fault_injection",
        "有故障注入实验定义（Chaos Mesh、LitmusChaos、ChaosBlade、Toxiproxy）",
        "Fault-injection experiments are defined (Chaos Mesh, LitmusChaos, ChaosBlade, Toxiproxy)",
    ),
    _spec(
        "config.center",
        "应用从配置中心获取配置（Nacos、Apollo、Spring Cloud Config、Consul）",
        "The application reads configuration from a configuration centre (Nacos, Apollo, Spring Cloud Config, Consul)",
    ),
    _spec(
        "config.feature_flags",
        "使用特性开关（Unleash、LaunchDarkly、FF4J、Togglz、OpenFeature）",
        "Feature flags are used (Unleash, LaunchDarkly, FF4J, Togglz, OpenFeature)",
    ),
    _spec(
        "security.secrets_manager",
        "密钥由密钥管理服务注入（Vault、External Secrets、Sealed Secrets、SOPS）",
        "Secrets come from a secrets manager (Vault, External Secrets, Sealed Secrets, SOPS)",
    ),
    _spec(
        "security.sast",
        "使用静态应用安全测试工具（Semgrep、CodeQL、Find Security Bugs、Fortify 等）",
        "A static application security testing tool is used (Semgrep, CodeQL, Find Security Bugs, Fortify, ...)",
    ),
    _spec(
        "security.sca",
        "扫描第三方依赖漏洞（Dependency-Check、Snyk、Trivy、npm audit、墨菲等）",
        "Third-party dependencies are scanned for vulnerabilities (Dependency-Check, Snyk, Trivy, npm audit, ...)",
    ),
    _spec(
        "security.image_iac_scan",
        "扫描容器镜像或基础设施代码（Trivy、Grype、Checkov、tfsec、KICS）",
        "Container images or infrastructure code are scanned (Trivy, Grype, Checkov, tfsec, KICS)",
    ),
    _spec(
        "security.dast",
        "使用动态应用安全测试工具（OWASP ZAP、Nuclei 等）",
        "A dynamic application security testing tool is used (OWASP ZAP, Nuclei, ...)",
    ),
    _spec(
        "security.sbom",
        "生成软件物料清单（CycloneDX、Syft、SPDX）",
        "A software bill of materials is generated (CycloneDX, Syft, SPDX)",
    ),
    _spec(
        "security.artifact_signing",
        "制品或镜像被签名（cosign、Notation、GPG、SLSA 溯源）",
        "Artefacts or images are signed (cosign, Notation, GPG, SLSA provenance)",
    ),
    _spec(
        "deploy.rollback",
        "回滚以脚本执行（helm rollback、kubectl rollout undo、Argo Rollouts）",
        "Rollback is scripted (helm rollback, kubectl rollout undo, Argo Rollouts)",
    ),
    _spec(
        "deploy.progressive",
        "渐进式发布带自动分析（Flagger Canary、Argo Rollouts 分析模板）",
        "Progressive delivery with automated analysis (Flagger Canary, Argo Rollouts analysis templates)",
    ),
    _spec(
        "ops.alert_routing",
        "告警按路由通知到接收人（Alertmanager 路由和接收人）",
        "Alerts are routed to receivers (Alertmanager routes and receivers)",
    ),
    _spec(
        "ops.alert_grouping",
        "重复告警合并、相关告警抑制（Alertmanager group_by 与 inhibit_rules）",
        "Duplicate alerts are grouped and related ones inhibited (Alertmanager group_by and inhibit_rules)",
    ),
    _spec(
        "ops.alert_debounce",
        "告警规则设置了持续时间，短暂波动不告警（Prometheus for:）",
        "Alert rules have a pending duration, so brief blips do not alert (Prometheus for:)",
    ),
    _spec(
        "ops.oncall_paging",
        "告警接入值班呼叫（PagerDuty、Opsgenie 等）",
        "Alerts page the on-call person (PagerDuty, Opsgenie, ...)",
    ),
    _spec(
        "ops.metrics_collection",
        "监控指标采集以代码定义（Prometheus 采集配置、ServiceMonitor、指标埋点库）",
        "Metrics collection is defined as code (Prometheus scrape configuration, ServiceMonitor, instrumentation)",
    ),
    _spec(
        "ops.log_shipping",
        "日志集中采集（Filebeat、Fluent Bit、Vector、Promtail、Logstash 输出）",
        "Logs are shipped to a central store (Filebeat, Fluent Bit, Vector, Promtail, Logstash output)",
    ),
    _spec(
        "ops.synthetic_monitoring",
        "有拨测或真实用户监控（Blackbox 探测、前端 RUM SDK）",
        "Synthetic probes or real-user monitoring exist (Blackbox probes, front-end RUM SDK)",
    ),
    _spec(
        "ops.slo",
        "服务等级目标以代码定义（Sloth、Pyrra、OpenSLO）",
        "Service-level objectives are defined as code (Sloth, Pyrra, OpenSLO)",
    ),
    _spec(
        "ops.runbooks",
        "有运维手册或应急预案（runbook 文档、告警的 runbook_url）",
        "Runbooks or emergency plans exist (runbook documents, runbook_url on alerts)",
    ),
    _spec(
        "ops.multi_instance",
        "服务以两个及以上实例运行（replicas、minReplicas）",
        "Services run two or more instances (replicas, minReplicas)",
    ),
    _spec(
        "ops.zone_spread",
        "实例跨可用区分布（按可用区的拓扑分布或反亲和）",
        "Instances are spread across zones (zone topology spread or anti-affinity)",
    ),
    _spec(
        "ops.backup_schedule",
        "数据按计划自动备份（Velero 计划、定时备份任务）",
        "Data is backed up automatically on a schedule (Velero schedules, scheduled backup jobs)",
    ),
    _spec(
        "ops.db_failover",
        "数据库配置了自动故障切换（CloudNativePG、Zalando、Percona 等 Operator，Patroni）",
        "Databases have automatic failover (CloudNativePG, Zalando, Percona operators, Patroni)",
    ),
    _spec(
        "ops.policy_checks",
        "配置以策略即代码自动检查（Kyverno、OPA Gatekeeper、Rego）",
        "Configuration is checked by policy as code (Kyverno, OPA Gatekeeper, Rego)",
    ),
    _spec(
        "deploy.gitops_self_heal",
        "环境由 GitOps 持续对齐声明的配置（Argo CD selfHeal、Flux）",
        "Environments are reconciled to their declared configuration by GitOps (Argo CD selfHeal, Flux)",
    ),
    _spec(
        "arch.rules_checked",
        "架构约束由自动化检查守护（ArchUnit、dependency-cruiser、import-linter、Deptrac）",
        "Architecture rules are guarded by automated checks (ArchUnit, dependency-cruiser, import-linter, Deptrac)",
    ),
    _spec(
        "security.fuzzing",
        "有模糊测试（Go fuzz、Jazzer、Atheris、cargo fuzz、RESTler、Schemathesis）",
        "Fuzz testing exists (Go fuzz, Jazzer, Atheris, cargo fuzz, RESTler, Schemathesis)",
    ),
)

FACT_IDS: frozenset[str] = frozenset(spec.id for spec in FACTS)


def fact_spec(fact_id: str) -> FactSpec:
    for spec in FACTS:
        if spec.id == fact_id:
            return spec
    raise KeyError(fact_id)
