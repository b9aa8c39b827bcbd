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
)

FACT_IDS: frozenset[str] = frozenset(spec.id for spec in FACTS)


def fact_spec(fact_id: str) -> FactSpec:
    for spec in FACTS:
        if spec.id == fact_id:
            return spec
    raise KeyError(fact_id)
