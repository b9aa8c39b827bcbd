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
    "vcs.git": ("把源代码放进 Git 版本库管理", "Keep the source code in a Git repository"),
    "vcs.tags": (
        "每次发布时在版本库中打标签（如 v1.2.0），让发布版本可追溯",
        "Tag every release in the repository (e.g. v1.2.0) so that each release can be traced",
    ),
    "vcs.merges": (
        "通过合并请求把分支合并回主干，而不是直接在主干上提交",
        "Integrate branches into trunk through merge requests rather than committing to trunk directly",
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
