"""Tree facts about delivery practices: commit rules, artifact publishing, dependency proxies, configuration centres,
progressive delivery, feature toggles and database rollback scripts, each with the `path:line` that shows it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from devmaturity.collectors.globs import line_at
from devmaturity.collectors.globs import match as match_globs
from devmaturity.collectors.pipeline_config import Pipeline
from devmaturity.model.facts import Fact

ReadText = Callable[[str], str | None]
Check = Callable[[re.Match[str]], bool]

MAX_FILES_PER_RULE = 400  # a monorepo with thousands of manifests is judged on the first ones; evidence, not census
MAX_EVIDENCE = 20

# Hosts of public registries and public mirrors: a dependency URL there is not the organisation's own proxy.
PUBLIC_HOSTS: tuple[str, ...] = (
    "maven.apache.org",
    "repo1.maven.org",
    "jcenter.bintray.com",
    "plugins.gradle.org",
    "repo.gradle.org",
    "repo.spring.io",
    "oss.sonatype.org",
    "s01.oss.sonatype.org",
    "repository.jboss.org",
    "packages.confluent.io",
    "jitpack.io",
    "maven.google.com",
    "dl.google.com",
    "npmjs.org",
    "npmjs.com",
    "yarnpkg.com",
    "pypi.org",
    "pythonhosted.org",
    "download.pytorch.org",
    "anaconda.org",
    "proxy.golang.org",
    "goproxy.cn",
    "goproxy.io",
    "github.com",
    "githubusercontent.com",
    "gitlab.com",
    "aliyun.com",
    "huaweicloud.com",
    "tencent.com",
    "tencentyun.com",
    "tsinghua.edu.cn",
    "ustc.edu.cn",
    "npmmirror.com",
    "taobao.org",
    "163.com",
    "douban.com",
    "localhost",
    "127.0.0.1",
)
CI_FILES: tuple[str, ...] = (".gitlab-ci.yml", ".gitlab/ci/*.yml", ".github/workflows/*.yml")
CI_FILES += (".github/workflows/*.yaml", "Jenkinsfile*", "*.jenkinsfile", "Dockerfile", "Dockerfile.*", "*.Dockerfile")
CONFIG_FILES: tuple[str, ...] = ("bootstrap*.yml", "bootstrap*.yaml", "bootstrap*.properties")
CONFIG_FILES += ("application*.yml", "application*.yaml", "application*.properties")
MANIFESTS = ("*.yaml", "*.yml")
DEPENDENCY_MANIFESTS: tuple[str, ...] = ("pom.xml", "build.gradle", "build.gradle.kts", "package.json")
DEPENDENCY_MANIFESTS += ("requirements*.txt", "pyproject.toml", "setup.cfg", "Pipfile", "go.mod", "Gemfile")
DEPENDENCY_MANIFESTS += ("*.csproj", "packages.config")

_URL = r"[\"']?(?P<url>https?://[^\s\"'<>,;|)]+)"
# Spring Cloud's config client of a centre: `spring.cloud.<name>.config`, a nested `<name>:` ... `config:` block,
# or `spring.config.import: <name>:...` (discovery alone is not a configuration centre)
_CENTRE = r"spring\.cloud\.{name}\.config|^([ \t]+){name}:\s*\n(?:\1[ \t]+.*\n)*?\1[ \t]+config:|import:.*\b{name}:"


def _internal(match: re.Match[str]) -> bool:
    """The URL in the match's `url` group is on a host that is not a public registry or mirror."""
    host = (urlsplit(match.group("url")).hostname or "").lower()
    return bool(host) and not any(host == h or host.endswith("." + h) for h in PUBLIC_HOSTS)


def _internal_in_block(match: re.Match[str]) -> bool:
    """A Maven <repositories>, <pluginRepositories> or <mirror> block names at least one internal URL."""
    return any(_internal(m) for m in re.finditer(r"<url>\s*" + _URL, match.group("body")))


def _resolving_repository(match: re.Match[str]) -> bool:
    """A Gradle repository URL on an internal host that dependencies resolve from: not one inside a
    `publishing { repositories { ... } }` block, where the URL is where artifacts go."""
    if not _internal(match):
        return False
    before = match.string[: match.start()]
    opening = before.rfind("publishing")
    if opening < 0:
        return True
    inside = before[opening:]
    return inside.count("{") <= inside.count("}")


def _downgrade_has_body(match: re.Match[str]) -> bool:
    """An Alembic `downgrade()` does something: its body is more than `pass`, comments and a docstring."""
    lines = [line.strip() for line in match.group("body").splitlines()]
    code = [line for line in lines if line and not line.startswith(("#", '"""', "'''"))]
    return any(line != "pass" for line in code)


@dataclass(frozen=True, slots=True)
class Rule:
    """Evidence of a practice: a tracked path matching `globs` and, when `pattern` is set, a match in its text
    (that `check` accepts, when given). The evidence is the path, or `path:line` of the match."""

    fact: str
    label: str
    globs: tuple[str, ...]
    pattern: re.Pattern[str] | None = None
    check: Check | None = None


def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags | re.MULTILINE)


RULES: tuple[Rule, ...] = (
    # --- commit-message rules (vcs.commit_rules) ---
    Rule("vcs.commit_rules", "commitlint", ("commitlint.config.*", ".commitlintrc", ".commitlintrc.*")),
    Rule("vcs.commit_rules", "commit-msg hook", (".husky/commit-msg", ".githooks/commit-msg", "githooks/commit-msg")),
    Rule("vcs.commit_rules", "hook script", ("hooks/commit-msg", "*/hooks/commit-msg")),
    Rule("vcs.commit_rules", "server hook", ("hooks/pre-receive", "*/hooks/pre-receive")),
    Rule("vcs.commit_rules", "commit message template", (".gitmessage", ".gitmessage.txt", ".gitlint")),
    Rule("vcs.commit_rules", "commit-msg hook", ("package.json",), _re(r"\"commit-msg\"\s*:|\"@commitlint/")),
    Rule(
        "vcs.commit_rules",
        "commit-msg hook",
        (".pre-commit-config.yaml",),
        _re(r"commit-msg|conventional-pre-commit|gitlint|commitizen"),
    ),
    # --- publishing to an artifact repository (artifacts.repository); pipeline publish jobs are added too ---
    Rule("artifacts.repository", "Maven distributionManagement", ("pom.xml",), _re(r"<distributionManagement>")),
    Rule(
        "artifacts.repository",
        "Gradle publishing",
        ("build.gradle", "build.gradle.kts"),
        _re(r"^\s*publishing\s*\{"),
    ),
    Rule("artifacts.repository", "npm publishConfig", ("package.json",), _re(r"\"publishConfig\"\s*:")),
    # --- a dependency proxy or mirror on an internal host (deps.proxy) ---
    Rule(
        "deps.proxy",
        "Maven mirror",
        ("settings.xml", "*/settings.xml"),
        re.compile(r"<mirror>(?P<body>.*?)</mirror>", re.DOTALL),
        _internal_in_block,
    ),
    Rule(
        "deps.proxy",
        "Maven repository",
        ("pom.xml",),
        re.compile(r"<(?P<tag>repositories|pluginRepositories)>(?P<body>.*?)</(?P=tag)>", re.DOTALL),
        _internal_in_block,
    ),
    Rule(
        "deps.proxy",
        "Gradle repository",
        ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "init.gradle"),
        _re(r"\burl\s*[=(]?\s*(?:uri\s*\(\s*)?" + _URL),
        _resolving_repository,
    ),
    Rule(
        "deps.proxy",
        "npm registry",
        (".npmrc", ".yarnrc", ".yarnrc.yml"),
        _re(r"(?:registry|npmRegistryServer)\s*[=: ]\s*" + _URL),
        _internal,
    ),
    Rule(
        "deps.proxy",
        "pip index",
        ("pip.conf", "pip.ini", "requirements*.txt", "pyproject.toml", "Pipfile", "uv.toml"),
        _re(r"(?:index-url|index_url|^\s*url)\s*[=: ]\s*" + _URL),
        _internal,
    ),
    Rule(
        "deps.proxy",
        "registry in CI",
        CI_FILES,
        _re(
            r"(?:PIP_INDEX_URL|PIP_EXTRA_INDEX_URL|UV_INDEX_URL|GOPROXY|NPM_CONFIG_REGISTRY|npm_config_registry"
            r"|--registry|--index-url|set registry)\s*[=: ]\s*" + _URL
        ),
        _internal,
    ),
    # --- configuration centre (config.centre) ---
    Rule("config.centre", "Nacos", CONFIG_FILES, _re(_CENTRE.format(name="nacos"))),
    Rule("config.centre", "Apollo", CONFIG_FILES, _re(r"^\s*apollo[.:]|\bapollo\.meta\b|^app\.id\s*[=:]")),
    Rule("config.centre", "Apollo", ("META-INF/app.properties", "*/META-INF/app.properties"), _re(r"^app\.id\s*=")),
    Rule(
        "config.centre",
        "Spring Cloud Config",
        CONFIG_FILES,
        _re(r"spring\.cloud\.config\.uri|configserver:|^([ \t]+)config:\s*\n(?:\1[ \t]+.*\n)*?\1[ \t]+uri:"),
    ),
    Rule("config.centre", "Consul", CONFIG_FILES, _re(_CENTRE.format(name="consul"))),
    Rule("config.centre", "etcd", CONFIG_FILES, _re(r"spring\.cloud\.etcd|etcd\.endpoints")),
    Rule(
        "config.centre", "Kubernetes ConfigMap", MANIFESTS, _re(r"^kind:\s*ConfigMap\b|configMapRef:|configMapKeyRef:")
    ),
    # --- progressive delivery (deploy.progressive); canary or blue-green deploy jobs are added too ---
    Rule(
        "deploy.progressive",
        "Argo Rollouts",
        MANIFESTS,
        _re(r"^kind:\s*Rollout\b[\s\S]*?^\s+(?:canary|blueGreen):"),
    ),
    Rule("deploy.progressive", "Flagger", MANIFESTS, _re(r"^kind:\s*Canary\b")),
    Rule(
        "deploy.progressive",
        "Istio weighted routes",
        MANIFESTS,
        _re(r"^kind:\s*VirtualService\b[\s\S]*?^\s+weight:\s*\d"),
    ),
    Rule(
        "deploy.progressive",
        "ingress-nginx canary",
        MANIFESTS,
        _re(r"nginx\.ingress\.kubernetes\.io/canary:\s*[\"']?true"),
    ),
    Rule("deploy.progressive", "Spinnaker/Kayenta canary", ("*.json", *MANIFESTS), _re(r"kayenta|canaryConfigId")),
    Rule(
        "deploy.progressive",
        "Helm canary values",
        ("values*.yaml", "values*.yml"),
        _re(r"^\s*canary:\s*\n\s+enabled:\s*true"),
    ),
    # --- feature toggles (code.feature_toggles): a toggle library among the dependencies ---
    Rule(
        "code.feature_toggles",
        "feature-toggle library",
        DEPENDENCY_MANIFESTS,
        _re(
            r"togglz|\bff4j\b|unleash|launchdarkly|flagsmith|openfeature|growthbook|flipt"
            r"|io\.split\.client|splitio|Microsoft\.FeatureManagement",
            re.I,
        ),
    ),
    # --- migrations applied by the application's own deployment (db.migrate_on_deploy) ---
    Rule(
        "db.migrate_on_deploy",
        "migration library in the application",
        ("pom.xml", "build.gradle", "build.gradle.kts"),
        _re(
            r"<artifactId>(?:flyway-core|liquibase-core)</artifactId>|org\.flywaydb:flyway-core|org\.liquibase:liquibase-core"
        ),
    ),
    Rule(
        "db.migrate_on_deploy",
        "migrate step at start-up",
        ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*entrypoint*.sh", "Procfile", "docker-compose*.yml"),
        _re(
            r"manage\.py\s+migrate|\b(?:rails|rake)\s+db:migrate|alembic\s+upgrade|flyway\s+migrate"
            r"|liquibase\s+update|prisma\s+migrate\s+deploy|\bmigrate\s+-path"
        ),
    ),
    # --- release tagging by automation (vcs.release_automation) ---
    Rule(
        "vcs.release_automation",
        "release tool",
        (".releaserc", ".releaserc.*", "release.config.*", "release-please-config.json", ".goreleaser.yml"),
    ),
    Rule("vcs.release_automation", "release tool", (".goreleaser.yaml", ".changeset/config.json", ".bumpversion.cfg")),
    Rule(
        "vcs.release_automation",
        "release tool",
        ("package.json", "pom.xml"),
        _re(r"\"(?:semantic-release|standard-version|release-it)\"\s*:|<artifactId>maven-release-plugin<"),
    ),
    Rule(
        "vcs.release_automation",
        "tagging in CI",
        CI_FILES,
        _re(
            r"\bgit tag\s+(?:-a\s+)?[\w$\"'{]|git push\b.*--tags|\bsemantic-release\b|release-please|goreleaser"
            r"|mvn\b.*\brelease:(?:prepare|perform)|gh release create|action-gh-release|actions/create-release"
            r"|\bcz bump\b|changesets/action"
        ),
    ),
    # --- pipeline jobs in containers or on runners allocated per job (ci.container_agents) ---
    Rule("ci.container_agents", "GitLab job image", (".gitlab-ci.yml", ".gitlab/ci/*.yml"), _re(r"^\s*image:\s*\S")),
    Rule(
        "ci.container_agents",
        "GitHub runner",
        (".github/workflows/*.yml", ".github/workflows/*.yaml"),
        _re(r"runs-on:\s*\[?\s*[\"']?(?:ubuntu|windows|macos)-|^\s+container:\s*\S"),
    ),
    Rule(
        "ci.container_agents",
        "Jenkins container agent",
        ("Jenkinsfile*", "*.jenkinsfile"),
        _re(r"agent\s*\{\s*(?:docker|dockerfile|kubernetes)\b|podTemplate\s*\(|docker\.image\([^)]*\)\.inside"),
    ),
    # --- database rollback scripts (db.rollback_scripts) ---
    Rule("db.rollback_scripts", "Flyway undo", ("*/db/migration/U*__*.sql", "db/migration/U*__*.sql")),
    Rule("db.rollback_scripts", "down migration", ("*.down.sql",)),
    Rule("db.rollback_scripts", "rollback script", ("*rollback*.sql", "*回滚*.sql", "*/rollback/*.sql")),
    Rule(
        "db.rollback_scripts",
        "Liquibase rollback",
        ("*changelog*.xml", "*changelog*.yaml", "*changelog*.yml", "*changelog*.sql"),
        _re(
            r"<rollback>\s*(?!</rollback>)\S|<rollback\s+[^>]*[^/]>"
            r"|^\s*-?\s*rollback:\s*\S|^--\s*rollback\s+(?!not required)\S"
        ),
    ),
    Rule(
        "db.rollback_scripts",
        "Alembic downgrade",
        ("*/versions/*.py", "versions/*.py"),
        _re(r"^def downgrade\(\)[^:\n]*:\n(?P<body>(?:[ \t]+.*\n?|[ \t]*\n)*)"),
        _downgrade_has_body,
    ),
    Rule("db.rollback_scripts", "dbmate down", ("*.sql",), _re(r"^--\s*migrate:down\s*\n(?:\s*\n)*\s*[^\s-]")),
    Rule("db.rollback_scripts", "Rails down", ("db/migrate/*.rb", "*/db/migrate/*.rb"), _re(r"^\s*def down\b")),
)

# Deploy jobs whose own names say canary or blue-green release (Chinese and English).
_PROGRESSIVE_JOB = re.compile(r"canary|blue[-_ ]?green|灰度|金丝雀|蓝绿", re.IGNORECASE)

ABSENT: dict[str, str] = {
    "vcs.commit_rules": "no commit-message rules among the tracked files (commitlint, commit-msg hooks, templates); "
    "server-side rules (GitLab push rules, pre-receive hooks on the server) cannot be seen in the repository",
    "artifacts.repository": "no artifact publishing found (pipeline publish job, distributionManagement, "
    "Gradle publishing, npm publishConfig)",
    "deps.proxy": "no internal dependency proxy or mirror among the tracked files; Maven settings.xml, .npmrc or "
    "pip.conf on the build agents cannot be seen in the repository",
    "config.centre": "no configuration centre found (Nacos, Apollo, Spring Cloud Config, Consul, etcd, "
    "Kubernetes ConfigMaps)",
    "deploy.progressive": "no canary or blue-green release found (Argo Rollouts, Flagger, Istio weights, "
    "ingress-nginx canary, Kayenta, canary deploy jobs)",
    "code.feature_toggles": "no feature-toggle library among the dependencies (Togglz, FF4J, Unleash, "
    "LaunchDarkly, Flagsmith, OpenFeature, ...)",
    "db.migrate_on_deploy": "no migration applied by the application's deployment (flyway-core or liquibase-core "
    "in the application, a migrate step in its Dockerfile, entrypoint or Procfile)",
    "vcs.release_automation": "no release tagging by automation found (semantic-release, release-please, "
    "maven-release-plugin, goreleaser, git tag in a pipeline)",
    "ci.container_agents": "no pipeline job runs in a container image or on a hosted runner (GitLab image:, "
    "GitHub hosted runs-on or container:, Jenkins docker/kubernetes agents); agents set on the CI server cannot be "
    "seen in the repository",
    "db.rollback_scripts": "no database rollback scripts found (Flyway undo, *.down.sql, Liquibase rollback, "
    "Alembic downgrade, Rails down)",
}
PRACTICE_FACTS: tuple[str, ...] = tuple(ABSENT)


def _hits(rule: Rule, own: list[str], read: ReadText) -> list[str]:
    """The evidence of one rule: matching paths, or `path:line` of the first accepted match in each."""
    paths = [p for p in own if match_globs(p, rule.globs)][:MAX_FILES_PER_RULE]
    if rule.pattern is None:
        return paths
    found: list[str] = []
    for path in paths:
        text = read(path)
        if not text:
            continue
        for match in rule.pattern.finditer(text):
            if rule.check is None or rule.check(match):
                found.append(f"{path}:{line_at(text, match.start())}")
                break
    return found


def _from_pipelines(pipelines: list[Pipeline]) -> dict[str, list[str]]:
    publish = [j.ref for p in pipelines for j in p.jobs if "publish" in j.stages]
    progressive = [
        j.ref for p in pipelines for j in p.jobs if "deploy" in j.stages and _PROGRESSIVE_JOB.search(" ".join(j.names))
    ]
    return {"artifacts.repository": publish, "deploy.progressive": progressive}


def practice_facts(own: list[str], read: ReadText, pipelines: list[Pipeline], facts: Mapping[str, Fact]) -> list[Fact]:
    """The practice facts over the project's own tracked paths (`own`, already scoped by TreeScope).

    True names the evidence; false says what was looked for. artifacts.repository is unknown, not false, when no
    publishing is seen but the pipeline's publish stage itself is unknown (steps in a shared library)."""
    cache: dict[str, str | None] = {}

    def cached(path: str) -> str | None:
        if path not in cache:
            cache[path] = read(path)
        return cache[path]

    evidence: dict[str, list[str]] = {fid: [] for fid in PRACTICE_FACTS}
    labels: dict[str, list[str]] = {fid: [] for fid in PRACTICE_FACTS}
    for rule in RULES:
        hits = _hits(rule, own, cached)
        if hits:
            evidence[rule.fact].extend(hits)
            labels[rule.fact].append(rule.label)
    for fid, refs in _from_pipelines(pipelines).items():
        if refs:
            evidence[fid].extend(refs)
            labels[fid].append("pipeline job")
    return [_fact(fid, evidence[fid], labels[fid], facts) for fid in PRACTICE_FACTS]


def _fact(fid: str, evidence: list[str], labels: list[str], facts: Mapping[str, Fact]) -> Fact:
    if evidence:
        kinds = ", ".join(dict.fromkeys(labels))
        shown = ", ".join(evidence[:5]) + (f" (+{len(evidence) - 5} more)" if len(evidence) > 5 else "")
        return Fact(id=fid, value=True, detail=f"{kinds}: {shown}", evidence=tuple(evidence[:MAX_EVIDENCE]))
    publish = facts.get("pipeline.stage.publish")
    if fid == "artifacts.repository" and publish is not None and publish.value is None:
        return Fact(id=fid, value=None, detail=f"{ABSENT[fid]}; {publish.detail}", evidence=publish.evidence)
    return Fact(id=fid, value=False, detail=ABSENT[fid])
