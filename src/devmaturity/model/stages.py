"""What a pipeline job does, told by its names and by what it runs: the pipeline vocabulary as one typed table."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from devmaturity.model.text import Text


@dataclass(frozen=True, slots=True, kw_only=True)
class StageRule:
    """One kind of pipeline stage: the names (zh/en) that call a stage, job or step so, and the commands,
    tools and actions that do it. `overrides` lists stages this one cancels when those were only *named*:
    a job named "deploy" that runs `mvn deploy` publishes an artifact, it does not deploy."""

    id: str
    name: Text
    names: re.Pattern[str] | None
    commands: re.Pattern[str] | None
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvironmentRule:
    """One normalised environment (dev, test, uat, staging, production) and the words that name it."""

    id: str
    name: Text
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Classified:
    """What one job was found to do: its stages, and whether it waits for a person."""

    stages: frozenset[str]
    approval: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineVocabulary:
    """Stage, approval and environment vocabulary (loaded from frameworks/vocabulary/pipeline.yaml)."""

    format: int
    stages: tuple[StageRule, ...]
    environments: tuple[EnvironmentRule, ...]
    approval_names: re.Pattern[str] | None
    approval_commands: re.Pattern[str] | None

    @property
    def stage_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.stages)

    def classify(self, names: Iterable[str], commands: str) -> Classified:
        """What a job does, from its own names (job, stage, step names) and what its steps run.

        Nothing else is looked at: not the repository's name, conditions or variables. A stage that was only
        named is dropped when an overriding stage was found (`mvn deploy` publishes), or when the job is an
        approval step (发布审批 names 发布 but deploys nothing)."""
        shown = [n for n in names if n]
        named = {r.id for r in self.stages if r.names is not None and any(r.names.search(n) for n in shown)}
        run = {r.id for r in self.stages if r.commands is not None and r.commands.search(commands)}
        found = named | run
        for rule in self.stages:
            if rule.id in found:
                found -= {o for o in rule.overrides if o not in run}
        approval = self.is_approval(shown, commands)
        if approval and not run:
            found = set()
        return Classified(stages=frozenset(found), approval=approval)

    def is_approval(self, names: Iterable[str], commands: str) -> bool:
        """A stage or step that waits for a person: named so (审批, 人工确认, approval) or running an input step."""
        if self.approval_commands is not None and self.approval_commands.search(commands):
            return True
        return self.approval_names is not None and any(self.approval_names.search(n) for n in names if n)

    def deploy_environment(self, name: str) -> str | None:
        """The environment a stage called `name` deploys to (部署SIT -> test, 生产发布 -> production); None when
        the name says no deploy (a 单元测试 stage names 测试 but deploys nowhere) or no environment."""
        return self.environment_of(name) if "deploy" in self.classify((name,), "").stages else None

    def environment_of(self, text: str) -> str | None:
        """The normalised environment a name or deploy target points at (first rule that matches), or None."""
        return next((rule.id for rule in self.environments if rule.pattern.search(text)), None)


# Job-name patterns for jobs reported by CI servers (REST), where only a name and a stage name are known.
# Kept as a plain table: model/frames.py and migration 0004 read it at import, before any vocabulary is loaded.
STAGE_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "build": r"\bbuild\b|\bcompile\b|\bmvn\b[^\n]*\b(package|install|verify)\b|gradlew?\b[^\n]*\b(build|assemble)\b"
        r"|\b(npm|yarn|pnpm)\s+(run\s+)?build\b|python\s+-m\s+build|docker\s+build|\bgo\s+build\b|cargo\s+build"
        r"|dotnet\s+build|msbuild|\bpip\s+install\s+(-e\s+)?\.|\bmake\b",
        "unit_test": r"\bpytest\b|\bunittest\b|\btox\b|\bnox\b|\bjest\b|\bvitest\b|\bmocha\b|\bkarma\b|\bgo\s+test\b"
        r"|cargo\s+test|\bmvn\b[^\n]*\b(test|verify)\b|gradlew?\b[^\n]*\btest\b|\b(npm|yarn|pnpm)\s+(run\s+)?test\b"
        r"|dotnet\s+test|phpunit|\brspec\b|\bctest\b|unit[-_ ]?tests?\b",
        "integration_test": r"integration[-_ ]?tests?|\bfailsafe\b|api[-_ ]?tests?|\bnewman\b|\bkarate\b"
        r"|contract[-_ ]?tests?|\bpact\b",
        "ui_test": r"cypress|playwright|selenium|appium|webdriver|puppeteer|testcafe|\be2e\b|end[-_ ]to[-_ ]end"
        r"|\bui[-_ ]?tests?\b|\bdetox\b|\bespresso\b|xcuitest",
        "performance_test": r"\bjmeter\b|\blocust\b|\bk6\b|\bgatling\b|performance[-_ ]?tests?|load[-_ ]?tests?"
        r"|\bartillery\b",
        "static_analysis": r"\bruff\b|flake8|pylint|\bmypy\b|pyright|eslint|tslint|stylelint|checkstyle|spotbugs"
        r"|findbugs|\bpmd\b|sonar|golangci|go\s+vet|staticcheck|clippy|rubocop|phpstan|psalm|ktlint|detekt"
        r"|shellcheck|hadolint|\blint\b|codeclimate|import-linter|lint-imports",
        "security_scan": r"codeql|semgrep|bandit|gitleaks|trufflehog|detect-secrets|\btrivy\b|\bgrype\b|\bsnyk\b"
        r"|dependency-check|pip-audit|safety\s+check|(npm|yarn|pnpm)\s+audit|osv-scanner|checkov|tfsec|\bkics\b"
        r"|\bzap\b|\bdast\b|\bsast\b|anchore|govulncheck|cargo\s+audit|brakeman|dependency-review|fortify"
        r"|veracode|blackduck|security[-_ ]?scan",
        "deploy": r"\bdeploy|kubectl\s+(apply|rollout|set\s+image)|helm\s+(upgrade|install)|terraform\s+apply"
        r"|ansible-playbook|\bcf\s+push\b|gcloud\s+\S+\s+deploy|aws\s+(ecs|lambda|s3\s+sync)|az\s+webapp"
        r"|\bargocd\b|skaffold\s+run|pulumi\s+up|\bfly\s+deploy\b",
        "db_migration": r"\bflyway\b|liquibase|alembic\s+upgrade|manage\.py\s+migrate|db:migrate|prisma\s+migrate"
        r"|knex\s+migrate|\bmigrate\s+(up|-path)",
    }.items()
}

# A job, stage or pipeline that provisions an environment (CD.EM.EM.EB, environment lead time), by its name:
# infrastructure tools that create resources, and the words teams use for it. Planning, checking and tearing down
# an environment is not provisioning it; an application deployment by Ansible or Helm is not either, unless its
# name says it sets up an environment.
PROVISION_NAMES = re.compile(
    r"provision|terraform|\bopentofu\b|\btofu\s+apply|pulumi|crossplane|cloudformation|\bcdk\s+deploy"
    r"|环境(准备|搭建|创建|初始化|构建|申请|开通)|(搭建|创建|准备|初始化|构建|申请|开通)[^环部发]{0,12}环境"
    r"|\b(setup|create|build|prepare|spin[-_ ]?up|bootstrap)[-_ ]?(env|envs|environment|infra|infrastructure)\b"
    r"|\b(env|environment|infra|infrastructure)[-_ ]?"
    r"(setup|create|creation|build|prepare|provision|bootstrap|up|apply)\b"
    r"|\bansible\b.*\b(env|environment|infra|setup|provision)\b|\b(env|environment|infra)\b.*\bansible\b",
    re.IGNORECASE,
)
NOT_PROVISION = re.compile(
    r"\bplan\b|validat|\bfmt\b|\blint|\bdestroy|teardown|tear[-_ ]down|cleanup|clean[-_ ]up|销毁|回收|清理|drift",
    re.IGNORECASE,
)


def provisions(name: str) -> bool:
    """Whether a job, stage or pipeline called `name` provisions an environment (terraform apply, 环境搭建)."""
    return bool(PROVISION_NAMES.search(name)) and not NOT_PROVISION.search(name)
