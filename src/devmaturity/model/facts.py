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
    advice: Text  # what to do to make the fact true, in words


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
    zh_advice, en_advice = ADVICE[fid]
    return FactSpec(id=fid, name=Text(zh=zh, en=en), evidence=kind, advice=Text(zh=zh_advice, en=en_advice))


# What to do to make each fact true (zh, en): written as an action for people, never as a fact id.
ADVICE: dict[str, tuple[str, str]] = {
    "db.rollback_scripts": (
        "为每个数据库变更写好回滚脚本（Flyway undo、down 脚本、Liquibase rollback），并在测试环境演练回滚",
        "Write a rollback script for every database change (Flyway undo, down scripts, Liquibase rollback) "
        "and rehearse it in a test environment",
    ),
    "vcs.commit_rules": (
        "在版本库中约定并检查提交信息格式（commitlint、commit-msg 钩子，或 GitLab 推送规则），要求引用需求编号",
        "Agree on a commit-message format and check it (commitlint, a commit-msg hook or GitLab push rules), "
        "requiring a work-item reference",
    ),
    "artifacts.repository": (
        "让流水线把构建产物发布到制品库（Nexus、Artifactory、Harbor），部署只取制品库中的版本",
        "Have the pipeline publish build outputs to an artifact repository (Nexus, Artifactory, Harbor) and "
        "deploy only versions taken from it",
    ),
    "deps.proxy": (
        "通过内部制品库代理获取第三方依赖（Maven settings.xml 镜像、.npmrc、pip 镜像、GOPROXY），并纳入版本库",
        "Fetch third-party dependencies through an internal repository proxy (a Maven settings.xml mirror, "
        ".npmrc, a pip index, GOPROXY), versioned with the code",
    ),
    "config.centre": (
        "把应用配置从制品中分离，放进配置中心或 ConfigMap（Nacos、Apollo、Spring Cloud Config）",
        "Move application configuration out of the artefact into a configuration centre or ConfigMaps (Nacos,"
        " Apollo, Spring Cloud Config)",
    ),
    "deploy.progressive": (
        "用灰度或蓝绿方式发布（Argo Rollouts、Flagger、Ingress canary），先放少量流量验证再全量",
        "Release with canary or blue-green deployments (Argo Rollouts, Flagger, ingress canary), checking a "
        "small share of traffic before the rest",
    ),
    "db.migrate_on_deploy": (
        "让数据库迁移随部署自动执行（流水线中的迁移步骤，或应用启动时的 Flyway/Liquibase）",
        "Run database migrations automatically with each deployment (a pipeline migration step, or "
        "Flyway/Liquibase at application start)",
    ),
    "vcs.release_automation": (
        "用工具或流水线自动生成版本号和标签（maven-release-plugin、semantic-release）",
        "Let a tool or the pipeline create release versions and tags (maven-release-plugin, semantic-release)",
    ),
    "ci.container_agents": (
        "让流水线任务在统一的容器镜像或按需分配的执行机上运行（Jenkins docker/kubernetes agent、GitLab image）",
        "Run pipeline jobs in shared container images or on agents allocated per job (Jenkins "
        "docker/kubernetes agents, GitLab image)",
    ),
    "code.feature_toggles": (
        "引入特性开关（Togglz、FF4J、Unleash），让未完成的功能随主干发布而不对用户开放",
        "Introduce feature toggles (Togglz, FF4J, Unleash) so unfinished features ship with trunk but stay "
        "off for users",
    ),
    "ops.alert_rules": (
        "把告警规则写成代码纳入版本库（Prometheus 规则、PrometheusRule）",
        "Keep alert rules as code in the repository (Prometheus rules, PrometheusRule)",
    ),
    "ops.dashboards": (
        "把监控仪表盘导出为代码纳入版本库（Grafana 仪表盘 JSON 与 provisioning）",
        "Keep monitoring dashboards as code in the repository (Grafana dashboard JSON and provisioning)",
    ),
    "ops.tracing": (
        "为服务接入分布式链路追踪（SkyWalking、OpenTelemetry）",
        "Instrument the services for distributed tracing (SkyWalking, OpenTelemetry)",
    ),
    "ops.health_probes": (
        "为每个服务定义健康检查（Kubernetes 存活/就绪探针、Actuator health）",
        "Define health checks for every service (Kubernetes liveness and readiness probes, Actuator health)",
    ),
    "ops.autoscaling": (
        "为负载变化大的服务配置自动伸缩（HPA、KEDA）",
        "Configure automatic scaling for services whose load varies (HorizontalPodAutoscaler, KEDA)",
    ),
    "ops.resource_limits": (
        "为容器设置 CPU 和内存上限（resources.limits），避免互相挤占",
        "Set CPU and memory limits on containers (resources.limits) so they cannot starve each other",
    ),
    "api.definitions": (
        "用机器可读的接口定义描述服务接口并纳入版本库（OpenAPI、Protobuf）",
        "Describe service interfaces in machine-readable definitions kept in the repository (OpenAPI, Protobuf)",
    ),
    "api.lint": (
        "在流水线中自动检查接口定义的规范（Spectral、buf lint）",
        "Lint the interface definitions in the pipeline (Spectral, buf lint)",
    ),
    "api.compatibility_checks": (
        "加入契约测试或接口兼容性检查（Pact、Spring Cloud Contract、oasdiff），拦截破坏性变更",
        "Add contract tests or compatibility checks (Pact, Spring Cloud Contract, oasdiff) that stop breaking"
        " interface changes",
    ),
    "resilience.circuit_breaker": (
        "对外部依赖调用加熔断和降级（Resilience4j、Sentinel）",
        "Put circuit breakers and fallbacks on calls to dependencies (Resilience4j, Sentinel)",
    ),
    "resilience.rate_limit": (
        "在网关或服务中配置限流（Sentinel、Bucket4j、Nginx limit_req）",
        "Configure rate limits at the gateway or in the services (Sentinel, Bucket4j, Nginx limit_req)",
    ),
    "resilience.fault_injection": (
        "定期做故障注入演练（Chaos Mesh、ChaosBlade），并把实验定义纳入版本库",
        "Run fault-injection exercises regularly (Chaos Mesh, ChaosBlade) and keep the experiments in the repository",
    ),
    "security.secrets_manager": (
        "用密钥管理服务注入密钥（Vault、External Secrets、Sealed Secrets），不要把密钥写进配置文件",
        "Inject secrets from a secrets manager (Vault, External Secrets, Sealed Secrets) instead of writing "
        "them into configuration",
    ),
    "security.sast": (
        "在流水线中运行静态应用安全测试（Semgrep、CodeQL、Fortify）",
        "Run static application security testing in the pipeline (Semgrep, CodeQL, Fortify)",
    ),
    "security.sca": (
        "在流水线中扫描第三方依赖漏洞（Dependency-Check、Trivy、墨菲）",
        "Scan third-party dependencies for vulnerabilities in the pipeline (Dependency-Check, Trivy, MurphySec)",
    ),
    "security.image_iac_scan": (
        "扫描容器镜像和基础设施代码（Trivy、Checkov）",
        "Scan container images and infrastructure code (Trivy, Checkov)",
    ),
    "security.dast": (
        "对测试环境运行动态应用安全测试（OWASP ZAP）",
        "Run dynamic application security testing against a test environment (OWASP ZAP)",
    ),
    "security.sbom": (
        "在构建时生成软件物料清单（CycloneDX、Syft）",
        "Generate a software bill of materials at build time (CycloneDX, Syft)",
    ),
    "security.artifact_signing": (
        "对发布的制品和镜像签名并在部署前验签（cosign、GPG）",
        "Sign released artefacts and images and verify the signature before deploying (cosign, GPG)",
    ),
    "deploy.rollback": (
        "把回滚写成脚本或流水线步骤（helm rollback、kubectl rollout undo），并定期演练",
        "Script the rollback as a command or pipeline step (helm rollback, kubectl rollout undo) and rehearse it",
    ),
    "ops.alert_routing": (
        "按服务和级别把告警路由到负责人（Alertmanager 路由与接收人）",
        "Route alerts to their owners by service and severity (Alertmanager routes and receivers)",
    ),
    "ops.alert_grouping": (
        "合并重复告警并抑制关联告警（Alertmanager group_by、inhibit_rules）",
        "Group duplicate alerts and inhibit related ones (Alertmanager group_by, inhibit_rules)",
    ),
    "ops.alert_debounce": (
        "为告警规则设置持续时间（Prometheus for:），避免短暂波动告警",
        "Give alert rules a pending duration (Prometheus for:) so brief blips do not alert",
    ),
    "ops.oncall_paging": (
        "把严重告警接入值班呼叫（PagerDuty、Opsgenie 或企业值班系统）",
        "Page the on-call person for severe alerts (PagerDuty, Opsgenie or the company's on-call system)",
    ),
    "ops.metrics_collection": (
        "把指标采集配置写成代码（Prometheus 采集配置、ServiceMonitor、Micrometer）",
        "Define metrics collection as code (Prometheus scrape configuration, ServiceMonitor, Micrometer)",
    ),
    "ops.log_shipping": (
        "把日志集中采集到统一平台（Filebeat、Fluent Bit、Vector）",
        "Ship logs to a central platform (Filebeat, Fluent Bit, Vector)",
    ),
    "ops.synthetic_monitoring": (
        "为关键业务配置拨测或真实用户监控（Blackbox 探测、前端 RUM）",
        "Set up synthetic probes or real-user monitoring for key journeys (Blackbox probes, front-end RUM)",
    ),
    "ops.slo": (
        "为关键服务定义服务等级目标并以代码管理（Sloth、OpenSLO）",
        "Define service-level objectives for key services as code (Sloth, OpenSLO)",
    ),
    "ops.runbooks": (
        "为告警和常见故障编写运维手册，并在告警中附上 runbook_url",
        "Write runbooks for alerts and common failures and link them from the alerts (runbook_url)",
    ),
    "ops.multi_instance": (
        "让服务至少以两个实例运行（replicas ≥ 2），避免单点",
        "Run each service with at least two instances (replicas >= 2) so none is a single point of failure",
    ),
    "ops.zone_spread": (
        "把实例分布到多个可用区（拓扑分布约束或反亲和）",
        "Spread instances over several zones (topology spread constraints or anti-affinity)",
    ),
    "ops.backup_schedule": (
        "为数据配置定时自动备份（Velero 计划、定时备份任务），并演练恢复",
        "Schedule automatic backups of the data (Velero schedules, backup jobs) and rehearse restores",
    ),
    "ops.db_failover": (
        "为数据库配置自动故障切换（Patroni、数据库 Operator 或 MHA）",
        "Configure automatic database failover (Patroni, a database operator or MHA)",
    ),
    "ops.policy_checks": (
        "用策略即代码自动检查部署配置（Kyverno、OPA Gatekeeper）",
        "Check deployment configuration automatically with policy as code (Kyverno, OPA Gatekeeper)",
    ),
    "deploy.gitops_self_heal": (
        "用 GitOps 让环境持续对齐版本库中的声明（Argo CD 自动同步与自愈、Flux）",
        "Keep environments aligned with their declarations in the repository through GitOps (Argo CD auto-"
        "sync and self-heal, Flux)",
    ),
    "arch.rules_checked": (
        "把架构约束写成自动检查（ArchUnit、dependency-cruiser、import-linter）",
        "Turn architecture rules into automated checks (ArchUnit, dependency-cruiser, import-linter)",
    ),
    "security.fuzzing": (
        "为解析外部输入的代码加入模糊测试（Jazzer、Go fuzz、Schemathesis）",
        "Add fuzz tests for code that parses outside input (Jazzer, Go fuzz, Schemathesis)",
    ),
    "vcs.git": ("把源代码放进 Git 版本库管理", "Keep the source code in a Git repository"),
    "vcs.tags": (
        "每次发布时在版本库中打标签（如 v1.2.0），让发布版本可追溯",
        "Tag every release in the repository (e.g. v1.2.0) so that each release can be traced",
    ),
    "vcs.merges": (
        "通过合并请求把分支合并回主干，而不是直接在主干上提交",
        "Integrate branches into trunk through merge requests rather than committing to trunk directly",
    ),
    "vcs.branch_protected": (
        "在代码托管平台上保护默认分支（GitHub 分支保护规则、GitLab 受保护分支），禁止直接推送和强制推送",
        "Protect the default branch on the hosting platform (a GitHub branch protection rule, a GitLab protected "
        "branch) so nobody pushes or force-pushes to it directly",
    ),
    "vcs.reviews_required": (
        "要求合并到默认分支前至少有一位非作者审批（GitHub 必需审批数、GitLab 合并审批规则）",
        "Require at least one approval by someone other than the author before merging into the default branch "
        "(GitHub required approving reviews, GitLab merge request approval rules)",
    ),
    "vcs.least_privilege": (
        "按岗位授予代码库权限：只有少数负责人拥有管理权限，开发者只有写权限，其他人只读，并定期清理多余权限",
        "Grant repository access by role: only a few owners administer the repository, developers may write, "
        "everyone else may only read, and surplus access is removed regularly",
    ),
    "vcs.codeowners": (
        "添加 CODEOWNERS 文件，写明每个目录由谁负责评审",
        "Add a CODEOWNERS file that names who reviews each directory",
    ),
    "vcs.config_versioned": (
        "把构建脚本、部署脚本和配置文件都提交到版本库中",
        "Commit the build scripts, deployment scripts and configuration files to the repository",
    ),
    "build.scripted": (
        "用构建脚本或构建工具（Makefile、Maven、Gradle、npm、pyproject 等）让一条命令完成构建",
        "Script the build with a build tool (Makefile, Maven, Gradle, npm, pyproject, ...) so that one command builds",
    ),
    "ci.present": (
        "在版本库中添加持续集成流水线定义（Jenkinsfile、.gitlab-ci.yml 或 GitHub Actions 工作流）",
        "Add a CI pipeline definition to the repository (a Jenkinsfile, .gitlab-ci.yml or a GitHub Actions workflow)",
    ),
    "ci.github_actions": (
        "在 .github/workflows 下添加 GitHub Actions 工作流",
        "Add a GitHub Actions workflow under .github/workflows",
    ),
    "ci.gitlab_ci": (
        "在版本库根目录添加 .gitlab-ci.yml 流水线",
        "Add a .gitlab-ci.yml pipeline at the repository root",
    ),
    "ci.jenkins": (
        "在版本库中添加 Jenkinsfile 定义 Jenkins 流水线",
        "Add a Jenkinsfile that defines the Jenkins pipeline",
    ),
    "pipeline.shared_library": (
        "把流水线的公共步骤抽成共享库（Jenkins Shared Library、GitLab include、可复用 workflow），"
        "让各项目的流水线都引用它",
        "Move the common pipeline steps into a shared library (a Jenkins shared library, a GitLab include or a "
        "reusable workflow) that every project's pipeline uses",
    ),
    "pipeline.trigger.commit": (
        "让每次向版本库推送提交都自动触发流水线",
        "Make every push of a commit start the pipeline automatically",
    ),
    "pipeline.trigger.pull_request": (
        "让每个合并请求都自动触发流水线，并在合并前看到结果",
        "Make every pull or merge request start the pipeline, with the result shown before merging",
    ),
    "pipeline.trigger.automatic": (
        "让构建自动开始：提交触发或定时触发，而不是手工点击",
        "Make builds start by themselves, on every commit or on a schedule, rather than by hand",
    ),
    "pipeline.trigger.schedule": (
        "为流水线增加定时运行（如每晚构建）",
        "Add a scheduled run of the pipeline (a nightly build, say)",
    ),
    "pipeline.stage.build": ("在流水线中增加构建步骤", "Add a build step to the pipeline"),
    "pipeline.stage.unit_test": ("在流水线中运行单元测试", "Run the unit tests in the pipeline"),
    "pipeline.stage.integration_test": (
        "在流水线中运行接口测试或集成测试",
        "Run the interface or integration tests in the pipeline",
    ),
    "pipeline.stage.ui_test": ("在流水线中运行 UI 或端到端测试", "Run the UI or end-to-end tests in the pipeline"),
    "pipeline.stage.performance_test": ("在流水线中运行性能测试", "Run the performance tests in the pipeline"),
    "pipeline.stage.static_analysis": (
        "在流水线中运行静态代码分析（如 SonarQube 或代码规范检查）",
        "Run static analysis in the pipeline (SonarQube or a linter, say)",
    ),
    "pipeline.stage.security_scan": (
        "在流水线中加入安全扫描：源码扫描、依赖漏洞扫描、密钥扫描或镜像扫描",
        "Add security scans to the pipeline: source code, dependency vulnerabilities, secrets or images",
    ),
    "pipeline.stage.deploy": ("让流水线自动完成部署", "Let the pipeline carry out the deployment"),
    "pipeline.stage.publish": (  # in main since h-pipeline; kept here so the merge finds its advice
        "让流水线把构建产物上传到制品库（推送镜像、Maven deploy、发布到 PyPI 或 npm）",
        "Let the pipeline upload the build artifacts to a repository (push the image, Maven deploy, publish to PyPI "
        "or npm)",
    ),
    "pipeline.stage.db_migration": (
        "让流水线在部署时自动执行数据库变更脚本",
        "Let the pipeline apply the database changes as part of the deployment",
    ),
    "pipeline.deploy_after_tests": (
        "把部署步骤放在自动化测试之后，测试不通过就不部署",
        "Put the deployment after the automated tests so that nothing is deployed when a test fails",
    ),
    "pipeline.multi_environment": (
        "让同一条流水线依次部署到测试、预发和生产等多个环境",
        "Let one pipeline deploy in turn to several environments: test, staging and production",
    ),
    "pipeline.manual_approval": (
        "在生产部署前加入人工审批步骤",
        "Add a manual approval step before the production deployment",
    ),
    "db.migrations": (
        "用数据库迁移工具（Flyway、Liquibase、Alembic 等）管理数据库变更，并把迁移脚本放进版本库",
        "Manage database changes with a migration tool (Flyway, Liquibase, Alembic, ...) and keep the migrations "
        "in the repository",
    ),
    "iac.present": (
        "用代码描述基础设施（Terraform、Ansible、Helm 或 Kubernetes 清单）并放进版本库",
        "Describe the infrastructure as code (Terraform, Ansible, Helm or Kubernetes manifests) in the repository",
    ),
    "container.dockerfile": (
        "添加 Dockerfile，把应用构建成容器镜像交付",
        "Add a Dockerfile so that the application ships as a container image",
    ),
    "container.compose": (
        "添加 Compose 文件，一条命令拉起本地或测试环境",
        "Add a Compose file that starts a local or test environment with one command",
    ),
    "env.dev_standardised": (
        "把开发环境标准化：提供 devcontainer、Vagrant 文件或工具版本文件（如 .tool-versions）",
        "Standardise the development environment with a devcontainer, a Vagrantfile or tool-version files "
        "(.tool-versions, say)",
    ),
    "deps.lockfile": ("提交依赖锁文件，固定依赖版本", "Commit lock files that pin the dependency versions"),
    "deps.build_tool": (
        "通过构建工具（Maven、Gradle、npm、pip、Go modules 等）声明和管理依赖",
        "Declare and manage the dependencies through a build tool (Maven, Gradle, npm, pip, Go modules, ...)",
    ),
    "deps.update_automation": (
        "启用依赖自动更新（Dependabot 或 Renovate）",
        "Turn on automated dependency updates (Dependabot or Renovate)",
    ),
    "quality.rules_defined": (
        "在版本库中配置代码规范和静态检查规则（lint 配置文件）",
        "Configure the coding rules and static checks in the repository (a linter configuration file)",
    ),
    "quality.gate_defined": (
        "配置质量门禁：覆盖率下限或 SonarQube 质量门，不达标则流水线失败",
        "Configure a quality gate (a coverage floor or a SonarQube quality gate) that fails the pipeline",
    ),
    "quality.sonar_gate_enforced": (
        "在 SonarQube 中为项目设置质量门禁，并让每次分析都给出门禁结论",
        "Set a quality gate for the project in SonarQube so that every analysis gives a gate verdict",
    ),
    "tests.unit": ("为代码编写单元测试并放进版本库", "Write unit tests for the code and keep them in the repository"),
    "tests.ui": (
        "编写 UI 或端到端自动化测试并放进版本库",
        "Write automated UI or end-to-end tests and keep them in the repository",
    ),
    "tests.performance": (
        "编写性能测试脚本（JMeter、Locust、k6 或 Gatling）并放进版本库",
        "Write performance test scripts (JMeter, Locust, k6 or Gatling) and keep them in the repository",
    ),
    "security.policy": (
        "添加 SECURITY.md，说明如何报告和处理安全问题",
        "Add a SECURITY.md that says how security issues are reported and handled",
    ),
    "security.secret_scan_config": (
        "配置密钥泄露检测（gitleaks、detect-secrets 等）",
        "Configure secret-leak detection (gitleaks, detect-secrets, ...)",
    ),
}


FACTS: tuple[FactSpec, ...] = (
    _spec("vcs.git", "代码托管在 Git 版本库中", "Source code is kept in a Git repository", EvidenceKind.COMMITS),
    _spec("vcs.tags", "用标签标记发布版本", "Releases are marked with tags", EvidenceKind.REFS),
    _spec(
        "vcs.merges", "通过合并把分支集成到主干", "Branches are integrated into trunk by merges", EvidenceKind.COMMITS
    ),
    _spec("vcs.codeowners", "定义了代码所有者（CODEOWNERS）", "Code owners are defined (CODEOWNERS)"),
    _spec("vcs.branch_protected", "默认分支受保护", "The default branch is protected", EvidenceKind.REFS),
    _spec(
        "vcs.reviews_required",
        "合并到默认分支前必须经过审批",
        "Merging into the default branch requires approval",
        EvidenceKind.REFS,
    ),
    _spec(
        "vcs.least_privilege",
        "代码库管理权限只授予少数成员，角色有区分",
        "Repository administration is limited to a few members, with distinct roles",
        EvidenceKind.REFS,
    ),
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
