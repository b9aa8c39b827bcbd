"""Facts from a repository's tracked files: CI definitions, build, migrations, IaC, containers, tests, quality.

Only the project's own definitions count: test data, fixtures, examples, vendored and generated trees are left
out of every fact but the tests.* ones (which are about test code), unless a user's `include` glob brings a
path back; files a pipeline references (GitLab `include: local`, Jenkins `load`) are read wherever they are."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from devmaturity.collectors.globs import match as match_globs
from devmaturity.collectors.pipeline_config import (
    MAX_CI_FILE_BYTES,
    PARSERS,
    Pipeline,
    pipeline_facts,
    provider_of,
)
from devmaturity.collectors.tree_ops import collect_ops_facts
from devmaturity.collectors.tree_practices import practice_facts
from devmaturity.model.evidence import Problem
from devmaturity.model.facts import Fact
from devmaturity.model.stages import PipelineVocabulary

ReadFile = Callable[[str], str | None]
"""Reads a tracked file's text by repository path; None when it is missing, too large or unreadable."""


# Trees that hold data, fixtures, examples or other people's code, never the project's own definitions.
NOT_DEFINITIONS: tuple[str, ...] = (
    "tests/*",
    "test/*",
    "*/tests/*",
    "*/test/*",
    "testdata/*",
    "*/testdata/*",
    "test-data/*",
    "*/test-data/*",
    "fixtures/*",
    "*/fixtures/*",
    "__fixtures__/*",
    "*/__fixtures__/*",
    "examples/*",
    "*/examples/*",
    "vendor/*",
    "*/vendor/*",
    "node_modules/*",
    "*/node_modules/*",
    "third_party/*",
    "*/third_party/*",
    "third-party/*",
    "*/third-party/*",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeScope:
    """Which tracked paths are the project's own definitions: not under NOT_DEFINITIONS or the user's `exclude`
    globs, or brought back by the user's `include` globs ([devmaturity.tree] in devmaturity.toml)."""

    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()

    def counts(self, path: str) -> bool:
        if self.include and match_globs(path, self.include):
            return True
        return not match_globs(path, NOT_DEFINITIONS) and not (self.exclude and match_globs(path, self.exclude))


@dataclass(frozen=True, slots=True)
class PathRule:
    """A fact holds when a tracked path matches one of the globs (matched on the full path and the name).

    `scoped` rules look only at the project's own definitions (TreeScope); tests.* rules look everywhere."""

    fact: str
    label: str
    globs: tuple[str, ...]
    scoped: bool = True


PATH_RULES: tuple[PathRule, ...] = (
    PathRule(
        "build.scripted",
        "build script",
        (
            "Makefile",
            "makefile",
            "GNUmakefile",
            "pom.xml",
            "build.gradle",
            "build.gradle.kts",
            "package.json",
            "pyproject.toml",
            "setup.py",
            "CMakeLists.txt",
            "go.mod",
            "Cargo.toml",
            "*.csproj",
            "*.sln",
            "build.xml",
            "meson.build",
            "WORKSPACE",
            "MODULE.bazel",
            "justfile",
            "Taskfile.yml",
            "build.sbt",
            "mix.exs",
        ),
    ),
    PathRule(
        "container.dockerfile", "container image", ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile")
    ),
    PathRule(
        "container.compose",
        "compose file",
        (
            "docker-compose*.yml",
            "docker-compose*.yaml",
            "compose.yml",
            "compose.yaml",
            "compose.*.yml",
        ),
    ),
    PathRule(
        "env.dev_standardised",
        "standard dev environment",
        (
            ".devcontainer/*",
            ".devcontainer.json",
            "Vagrantfile",
            ".tool-versions",
            ".nvmrc",
            ".python-version",
            ".sdkmanrc",
            "flake.nix",
            "shell.nix",
            "mise.toml",
            ".mise.toml",
            "devbox.json",
        ),
    ),
    PathRule(
        "deps.lockfile",
        "lock file",
        (
            "package-lock.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "poetry.lock",
            "Pipfile.lock",
            "uv.lock",
            "pdm.lock",
            "Gemfile.lock",
            "go.sum",
            "Cargo.lock",
            "composer.lock",
            "gradle.lockfile",
            "packages.lock.json",
            "mix.lock",
            "pubspec.lock",
            "Podfile.lock",
            "requirements*.lock",
            "conda-lock.yml",
        ),
    ),
    PathRule(
        "deps.build_tool",
        "build-tool dependency manifest",
        (
            "pom.xml",
            "build.gradle",
            "build.gradle.kts",
            "package.json",
            "pyproject.toml",
            "requirements*.txt",
            "setup.cfg",
            "go.mod",
            "Cargo.toml",
            "*.csproj",
            "packages.config",
            "Gemfile",
            "composer.json",
            "build.sbt",
            "pubspec.yaml",
        ),
    ),
    PathRule(
        "deps.update_automation",
        "dependency bot",
        (
            ".github/dependabot.yml",
            ".github/dependabot.yaml",
            "renovate.json",
            "renovate.json5",
            ".renovaterc",
            ".renovaterc.json",
            ".github/renovate.json",
            ".gitlab/renovate.json",
        ),
    ),
    PathRule(
        "vcs.codeowners", "code owners", ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
    ),
    PathRule("security.policy", "security policy", ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md")),
    PathRule(
        "iac.present",
        "infrastructure as code",
        (
            "*.tf",
            "*.tfvars",
            "Pulumi.yaml",
            "ansible.cfg",
            "playbook*.yml",
            "*/roles/*/tasks/main.yml",
            "roles/*/tasks/main.yml",
            "Chart.yaml",
            "kustomization.yaml",
            "kustomization.yml",
            "k8s/*.yaml",
            "k8s/*.yml",
            "kubernetes/*.yaml",
            "kubernetes/*.yml",
            "manifests/*.yaml",
            "*.template.yaml",
            "*.template.json",
            "cloudformation/*",
            "serverless.yml",
            "*.bicep",
            "cdk.json",
            "helmfile.yaml",
        ),
    ),
    PathRule(
        "quality.rules_defined",
        "linter configuration",
        (
            ".eslintrc*",
            "eslint.config.*",
            "ruff.toml",
            ".ruff.toml",
            ".flake8",
            ".pylintrc",
            "pylintrc",
            "checkstyle*.xml",
            ".golangci.yml",
            ".golangci.yaml",
            ".rubocop.yml",
            "phpstan.neon",
            ".stylelintrc*",
            "detekt.yml",
            ".clang-tidy",
            ".pre-commit-config.yaml",
            "clippy.toml",
            "mypy.ini",
            ".mypy.ini",
            "sonar-project.properties",
            "tslint.json",
            ".editorconfig-checker.json",
            "biome.json",
        ),
    ),
    PathRule(
        "security.secret_scan_config",
        "secret scanning",
        (
            ".gitleaks.toml",
            "gitleaks.toml",
            ".secrets.baseline",
            ".trufflehog*",
            ".gitguardian.yaml",
        ),
    ),
    PathRule(
        "tests.unit",
        "unit tests",
        (
            "tests/*",
            "test/*",
            "*/tests/*",
            "*/test/*",
            "test_*.py",
            "*_test.py",
            "*_test.go",
            "*.test.js",
            "*.test.ts",
            "*.test.tsx",
            "*.test.jsx",
            "*Test.java",
            "*Tests.java",
            "*Test.kt",
            "*Tests.cs",
            "*_spec.rb",
            "*Test.php",
            "__tests__/*",
        ),
        scoped=False,
    ),
    PathRule(
        "tests.ui",
        "UI / end-to-end tests",
        (
            "cypress.config.*",
            "cypress.json",
            "cypress/*",
            "playwright.config.*",
            "e2e/*",
            "*/e2e/*",
            "*.e2e.ts",
            "*.e2e.js",
            "*.e2e-spec.ts",
            "wdio.conf.*",
            "nightwatch.conf.*",
            "protractor.conf.*",
            "*.robot",
            "ui-tests/*",
            "uitests/*",
            "*/uitest/*",
            "*UITests/*",
            ".detoxrc*",
        ),
        scoped=False,
    ),
    PathRule(
        "tests.performance",
        "performance tests",
        (
            "*.jmx",
            "locustfile.py",
            "*/locustfile.py",
            "k6/*",
            "*.k6.js",
            "*Simulation.scala",
            "artillery*.yml",
            "load-tests/*",
            "perf-tests/*",
            "performance-tests/*",
            "gatling/*",
        ),
        scoped=False,
    ),
)

# database migration tools: (tool, globs); the first that matches names the tool in the fact's detail
MIGRATION_TOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Flyway", ("*/db/migration/V*__*.sql", "db/migration/V*__*.sql", "flyway.conf", "flyway.toml", "*/flyway.conf")),
    (
        "Liquibase",
        ("*changelog*.xml", "*changelog*.yaml", "*changelog*.yml", "liquibase.properties", "*/liquibase.properties"),
    ),
    ("Alembic", ("alembic.ini", "*/alembic.ini", "*/alembic/env.py", "alembic/env.py")),
    ("Django", ("*/migrations/0001_*.py",)),
    ("Rails", ("db/migrate/*.rb",)),
    ("Prisma", ("prisma/migrations/*",)),
    ("Sequelize/Knex", ("migrations/*.js", "*/migrations/*.js", "knexfile.*", ".sequelizerc")),
    ("golang-migrate/dbmate", ("*.up.sql", "db/migrations/*.sql")),
    ("Entity Framework", ("*/Migrations/*_*.cs",)),
    ("Sqitch", ("sqitch.plan",)),
)

# file contents that show a quality gate: (file globs, pattern)
GATE_RULES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("pyproject.toml", "setup.cfg", ".coveragerc", "tox.ini"), re.compile(r"fail_under\s*=\s*\d")),
    (("package.json", "jest.config.*", "vitest.config.*"), re.compile(r"coverageThreshold|thresholds")),
    (
        ("pom.xml", "build.gradle", "build.gradle.kts"),
        re.compile(r"jacocoTestCoverageVerification|<minimum>|minimum\s*="),
    ),
    (("sonar-project.properties",), re.compile(r"sonar\.qualitygate\.wait\s*=\s*true")),
    (("codecov.yml", ".codecov.yml"), re.compile(r"target\s*:")),
)
_GATE_IN_CI = re.compile(r"--cov-fail-under|--fail-under|qualitygate|quality[-_ ]gate|coverage[-_ ]threshold", re.I)
_SECRET_HOOK = re.compile(r"gitleaks|detect-secrets|trufflehog|ggshield", re.IGNORECASE)
_LINT_SECTIONS = re.compile(r"^\[tool\.(ruff|pylint|flake8|mypy|black|isort)\b", re.MULTILINE)


def collect_tree_facts(
    paths: list[str], read: ReadFile, *, vocabulary: PipelineVocabulary, scope: TreeScope | None = None
) -> tuple[list[Fact], list[Pipeline], list[Problem]]:
    """All tree facts for the tracked `paths`; `read` gives the text of the few files we look inside.

    Definition facts (CI, IaC, containers, build, migrations, ...) come from the paths `scope` counts as the
    project's own; tests.* facts, which are about test code, look at every path."""
    scope = scope or TreeScope()
    read = functools.cache(read)  # the pipeline, practice and ops rules look into some files alike: read each once
    own = [p for p in paths if scope.counts(p)]
    problems: list[Problem] = []
    facts: dict[str, Fact] = {}
    for rule in PATH_RULES:
        hits = [p for p in (own if rule.scoped else paths) if match_globs(p, rule.globs)]
        facts[rule.fact] = _found(rule.fact, hits, rule.label)
    facts["db.migrations"] = _migrations(own)
    pipelines = _pipelines(own, set(paths), read, problems, vocabulary)
    for fact in pipeline_facts(pipelines, vocabulary):
        facts[fact.id] = fact
    facts["quality.gate_defined"] = _quality_gate(own, read, pipelines)
    _lint_in_pyproject(own, read, facts)
    _secret_hooks(own, read, facts)
    facts["vcs.config_versioned"] = _config_versioned(facts)
    facts.update((f.id, f) for f in practice_facts(own, read, pipelines, facts))
    facts.update((f.id, f) for f in collect_ops_facts(own, read))
    return list(facts.values()), pipelines, problems


def _found(fid: str, hits: list[str], label: str) -> Fact:
    if not hits:
        return Fact(id=fid, value=False, detail=f"no {label} found among the project's tracked files")
    shown = ", ".join(hits[:5]) + (f" (+{len(hits) - 5} more)" if len(hits) > 5 else "")
    return Fact(id=fid, value=True, detail=f"{label}: {shown}", evidence=tuple(hits[:20]))


def _migrations(paths: list[str]) -> Fact:
    tools: list[str] = []
    evidence: list[str] = []
    for tool, globs in MIGRATION_TOOLS:
        hits = [p for p in paths if match_globs(p, globs)]
        if hits:
            tools.append(tool)
            evidence.extend(hits[:3])
    if not tools:
        return Fact(id="db.migrations", value=False, detail="no database migration tooling found")
    return Fact(
        id="db.migrations", value=True, detail=f"migration tooling: {', '.join(tools)}", evidence=tuple(evidence)
    )


def _pipelines(
    own: list[str], tracked: set[str], read: ReadFile, problems: list[Problem], vocabulary: PipelineVocabulary
) -> list[Pipeline]:
    """The pipelines at the conventional places among `own`, then the tracked files they reference, once each."""
    todo = [(path, provider) for path in own if (provider := provider_of(path)) is not None]
    done: set[str] = set()
    found: list[Pipeline] = []
    while todo:
        path, provider = todo.pop(0)
        if path in done:
            continue
        done.add(path)
        text = read(path)
        if text is None:
            problems.append(
                Problem(source=path, message=f"not read: missing, unreadable or over {MAX_CI_FILE_BYTES} bytes")
            )
            continue
        pipe = PARSERS[provider](path, text, problems, vocabulary)
        if pipe is None:
            continue
        found.append(pipe)
        for ref in pipe.references:
            if ref in tracked:
                todo.append((ref, provider))
            else:
                problems.append(Problem(source=path, message=f"references {ref}, which git does not track"))
    return found


def _quality_gate(paths: list[str], read: ReadFile, pipelines: list[Pipeline]) -> Fact:
    hits: list[str] = []
    for globs, pattern in GATE_RULES:
        for path in paths:
            if path.count("/") <= 1 and match_globs(path, globs):
                text = read(path)
                match = pattern.search(text) if text else None
                if text and match:
                    hits.append(_at(path, text, match.start()))
    hits.extend(j.ref for p in pipelines for j in p.jobs if _GATE_IN_CI.search(j.text))
    return _found("quality.gate_defined", hits, "quality gate")


def _lint_in_pyproject(paths: list[str], read: ReadFile, facts: dict[str, Fact]) -> None:
    if facts["quality.rules_defined"].value or "pyproject.toml" not in paths:
        return
    text = read("pyproject.toml") or ""
    match = _LINT_SECTIONS.search(text)
    if match:
        where = _at("pyproject.toml", text, match.start())
        facts["quality.rules_defined"] = _found("quality.rules_defined", [where], "linter configuration")


def _secret_hooks(paths: list[str], read: ReadFile, facts: dict[str, Fact]) -> None:
    if facts["security.secret_scan_config"].value or ".pre-commit-config.yaml" not in paths:
        return
    text = read(".pre-commit-config.yaml") or ""
    match = _SECRET_HOOK.search(text)
    if match:
        where = _at(".pre-commit-config.yaml", text, match.start())
        facts["security.secret_scan_config"] = _found("security.secret_scan_config", [where], "secret scanning")


def _at(path: str, text: str, offset: int) -> str:
    """`path:line` of a character offset in a file's text: the evidence names the line that decided."""
    return f"{path}:{text.count(chr(10), 0, offset) + 1}"


def _config_versioned(facts: dict[str, Fact]) -> Fact:
    build = facts["build.scripted"]
    delivery = [facts[f] for f in ("ci.present", "iac.present", "container.dockerfile") if facts[f].value]
    if build.value and delivery:
        evidence = build.evidence[:3] + tuple(e for f in delivery for e in f.evidence[:3])
        return Fact(
            id="vcs.config_versioned",
            value=True,
            evidence=evidence,
            detail="build scripts and pipeline/deployment definitions are tracked in git",
        )
    missing = "build scripts" if not build.value else "pipeline or deployment definitions"
    return Fact(id="vcs.config_versioned", value=False, detail=f"no {missing} tracked in git")
