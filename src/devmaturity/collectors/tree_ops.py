"""Operations facts from a repository's own files: alert rules, dashboards, tracing, health probes, autoscaling
and resource limits, each found by a table of content rules with `path:line` evidence.

What a repository does not show is often configured elsewhere (a monitoring platform, an operations repository,
agents injected by the cluster), so absence is *false* only where the repository holds the definitions the
practice would live in (Kubernetes workloads without probes, a Prometheus configuration without rules) and
*unknown* otherwise, with the reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

from devmaturity.collectors.globs import line_at
from devmaturity.collectors.globs import match as match_globs
from devmaturity.model.facts import Fact

ReadFile = Callable[[str], str | None]

MAX_FILES_READ = 2_000  # a monorepo's YAML can be vast; what is past this is left unread and said so
MAX_EVIDENCE = 20

_YAML = ("*.yaml", "*.yml")
_BUILD = (
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "package.json",
    "requirements*.txt",
    "pyproject.toml",
    "go.mod",
    "*.csproj",
    "Gemfile",
)
_DOCKER = ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile")
_CI = (*_YAML, "Jenkinsfile*", "*.jenkinsfile", "*.groovy", "Makefile", "*.sh")
_M = re.MULTILINE
_I = re.IGNORECASE | re.MULTILINE


@dataclass(frozen=True, slots=True)
class OpsRule:
    """A fact holds when a file matching `globs` contains every `needs` pattern; the evidence is the line of the
    first match of `at`."""

    fact: str
    label: str
    globs: tuple[str, ...]
    at: re.Pattern[str]
    needs: tuple[re.Pattern[str], ...] = ()


OPS_RULES: tuple[OpsRule, ...] = (
    # Prometheus rule files: `groups:` of rules with `alert:`
    OpsRule(
        "ops.alert_rules",
        "Prometheus alert rule",
        (*_YAML, "*.rules"),
        re.compile(r"^\s*-?\s*alert:\s*\S", _M),
        (re.compile(r"^\s*groups:\s*$", _M),),
    ),
    OpsRule("ops.alert_rules", "PrometheusRule resource", _YAML, re.compile(r"^kind:\s*PrometheusRule\b", _M)),
    OpsRule(
        "ops.alert_routing",
        "Alertmanager routing",
        _YAML,
        re.compile(r"^route:\s*$", _M),
        (re.compile(r"^receivers:\s*$", _M),),
    ),
    OpsRule(
        "ops.alert_routing",
        "AlertmanagerConfig resource",
        _YAML,
        re.compile(r"^kind:\s*AlertmanagerConfig\b", _M),
    ),
    OpsRule(
        "ops.alert_grouping",
        "Alertmanager grouping and inhibition",
        _YAML,
        re.compile(r"^\s*group_by:", _M),
        (re.compile(r"^\s*inhibit_rules:\s*$", _M), re.compile(r"^\s*(?:route|receivers):", _M)),
    ),
    OpsRule(
        "ops.alert_debounce",
        "alert with a pending duration (`for:`)",
        (*_YAML, "*.rules"),
        re.compile(r"^\s*for:\s*['\"]?\d+[smh]", _M),
        (re.compile(r"^\s*-?\s*alert:\s*\S", _M),),
    ),
    OpsRule(
        "ops.oncall_paging",
        "on-call paging receiver",
        _YAML,
        re.compile(r"^\s*-?\s*(?:pagerduty_configs|opsgenie_configs|victorops_configs):", _M),
    ),
    OpsRule(
        "ops.metrics_collection",
        "metrics collection",
        _YAML,
        re.compile(r"^scrape_configs:\s*$|^kind:\s*(?:ServiceMonitor|PodMonitor)\b|prometheus\.io/scrape", _M),
    ),
    OpsRule(
        "ops.metrics_collection",
        "metrics instrumentation",
        _BUILD,
        re.compile(
            r"micrometer-registry-prometheus|prometheus_client|prom-client|prometheus/client_golang|"
            r"simpleclient|prometheus-net"
        ),
    ),
    OpsRule(
        "ops.log_shipping",
        "central log shipping",
        (*_YAML, "*.conf", "logback*.xml", "log4j2*.xml", "*.toml"),
        re.compile(
            r"^filebeat\.inputs:|^\[(?:INPUT|OUTPUT)\]|^\s*\[sources\.|^positions:\s*$|"
            r"logstash-logback-encoder|LogstashTcpSocketAppender|loki4j|LokiAppender|<Socket\b|fluent-bit|fluentd",
            _M,
        ),
    ),
    OpsRule(
        "ops.synthetic_monitoring",
        "synthetic or real-user monitoring",
        (*_YAML, *_BUILD),
        re.compile(
            r"^kind:\s*Probe\b|blackbox[_-]exporter|http_2xx|@sentry/browser|@sentry/react|@sentry/vue|"
            r"@datadog/browser-rum|web-vitals|checkly|elastic-apm-rum",
            _M,
        ),
    ),
    OpsRule(
        "ops.slo",
        "service-level objectives as code",
        _YAML,
        re.compile(
            r"^kind:\s*(?:PrometheusServiceLevel|ServiceLevelObjective|SLO)\b|^version:\s*[\"']?prometheus/v1", _M
        ),
    ),
    OpsRule(
        "ops.runbooks",
        "runbook link on an alert",
        (*_YAML, "*.rules"),
        re.compile(r"^\s*runbook_url:\s*\S", _M),
    ),
    OpsRule(
        "ops.runbooks",
        "runbook or emergency plan",
        ("*runbook*.md", "*Runbook*.md", "runbooks/*", "*/runbooks/*", "*应急预案*", "*运维手册*", "*playbook*.md"),
        re.compile(r"\S"),
    ),
    OpsRule(
        "ops.multi_instance",
        "two or more replicas",
        _YAML,
        re.compile(r"^\s*(?:replicas|minReplicas|replicaCount):\s*(?:[2-9]|[1-9]\d+)\s*$", _M),
    ),
    OpsRule(
        "ops.zone_spread",
        "spread across zones",
        _YAML,
        re.compile(
            r"topologyKey:\s*['\"]?(?:topology\.kubernetes\.io/zone|failure-domain\.beta\.kubernetes\.io/zone)", _M
        ),
    ),
    OpsRule(
        "ops.backup_schedule",
        "scheduled backup",
        (*_YAML, "*.sh", "crontab*"),
        re.compile(
            r"^kind:\s*(?:ScheduledBackup|BackupSchedule)\b|velero\.io|pg_dump|pg_basebackup|mysqldump|xtrabackup|"
            r"mongodump|pgbackrest|wal-g|restic backup",
            _M,
        ),
        (re.compile(r"schedule|cron|CronJob|Schedule", re.I),),
    ),
    OpsRule(
        "ops.db_failover",
        "database with automatic failover",
        _YAML,
        re.compile(
            r"^apiVersion:\s*(?:postgresql\.cnpg\.io|acid\.zalan\.do|mysql\.oracle\.com|pxc\.percona\.com|"
            r"psmdb\.percona\.com)/|patroni",
            _M,
        ),
    ),
    OpsRule(
        "ops.policy_checks",
        "policy as code",
        (*_YAML, "*.rego"),
        re.compile(r"^kind:\s*(?:ClusterPolicy|ConstraintTemplate|ValidatingAdmissionPolicy)\b|^package\s+\w", _M),
    ),
    OpsRule(
        "deploy.gitops_self_heal",
        "GitOps reconciliation",
        _YAML,
        re.compile(r"^\s*selfHeal:\s*true\b|^apiVersion:\s*(?:kustomize|helm)\.toolkit\.fluxcd\.io/", _M),
    ),
    OpsRule(
        "arch.rules_checked",
        "architecture rules checked by tests",
        (
            *_BUILD,
            ".dependency-cruiser.js",
            ".dependency-cruiser.cjs",
            ".importlinter",
            "setup.cfg",
            "deptrac.yaml",
            ".go-arch-lint.yml",
        ),
        re.compile(
            r"archunit|dependency-cruiser|^\[(?:tool\.)?importlinter|import-linter|deptrac|NetArchTest|"
            r"go-arch-lint",
            re.I | re.M,
        ),
    ),
    OpsRule(
        "security.fuzzing",
        "fuzz testing",
        (*_BUILD, *_CI, "project.yaml"),
        re.compile(
            r"go test [^\n]*-fuzz|jazzer|atheris|cargo fuzz|cargo-fuzz|oss-fuzz|restler|schemathesis|"
            r"cifuzz|libfuzzer",
            re.I,
        ),
    ),
    # Grafana dashboard JSON, the grafana-operator resource and Grafana's dashboard provisioning
    OpsRule(
        "ops.dashboards",
        "Grafana dashboard",
        ("*dashboard*.json", "*grafana*/*.json", "*dashboards/*.json"),
        re.compile(r'"panels"\s*:\s*\['),
        (re.compile(r'"schemaVersion"\s*:'),),
    ),
    OpsRule("ops.dashboards", "GrafanaDashboard resource", _YAML, re.compile(r"^kind:\s*GrafanaDashboard\b", _M)),
    OpsRule(
        "ops.dashboards",
        "Grafana dashboard provisioning",
        _YAML,
        re.compile(r"^providers:\s*$", _M),
        (re.compile(r"^apiVersion:\s*1\s*$", _M), re.compile(r"^\s+path:\s*\S", _M)),
    ),
    # distributed tracing: SDK or agent dependencies, agents on the command line, exporter settings
    OpsRule(
        "ops.tracing",
        "tracing dependency",
        _BUILD,
        re.compile(r"opentelemetry|org\.apache\.skywalking|apm-toolkit|jaegertracing|jaeger-client|zipkin", re.I),
    ),
    OpsRule(
        "ops.tracing",
        "tracing agent or exporter",
        (*_DOCKER, *_YAML, "*.properties", "*.sh", "*.env", "*.conf"),
        re.compile(
            r"-javaagent:\S*(?:opentelemetry|skywalking)|OTEL_EXPORTER_OTLP_\w*ENDPOINT|OTEL_SERVICE_NAME|"
            r"SW_AGENT_NAME|JAEGER_(?:AGENT_HOST|ENDPOINT)|zipkin\.base-url|management\.tracing",
            _I,
        ),
    ),
    # health checks: Kubernetes probes, docker HEALTHCHECK, compose healthcheck, Spring Boot actuator
    OpsRule(
        "ops.health_probes",
        "Kubernetes probe",
        _YAML,
        re.compile(r"^\s*(?:livenessProbe|readinessProbe|startupProbe):", _M),
    ),
    OpsRule("ops.health_probes", "compose healthcheck", _YAML, re.compile(r"^\s+healthcheck:\s*$", _M)),
    OpsRule("ops.health_probes", "image HEALTHCHECK", _DOCKER, re.compile(r"^\s*HEALTHCHECK\s+(?!NONE\b)", _I)),
    OpsRule(
        "ops.health_probes",
        "Spring Boot actuator",
        ("pom.xml", "build.gradle", "build.gradle.kts"),
        re.compile(r"spring-boot-starter-actuator"),
    ),
    # capacity: autoscalers, containers' resource limits, namespace default limits
    OpsRule(
        "ops.autoscaling",
        "autoscaler",
        _YAML,
        re.compile(r"^kind:\s*(?:HorizontalPodAutoscaler|ScaledObject|ScaledJob)\b", _M),
    ),
    OpsRule(
        "ops.resource_limits",
        "resource limits",
        _YAML,
        re.compile(r"^\s+limits:\s*\n(?:\s*#.*\n)*\s+(?:cpus?|memory):\s*\S", _M),
        (re.compile(r"^\s*resources:\s*$", _M),),
    ),
    OpsRule("ops.resource_limits", "LimitRange", _YAML, re.compile(r"^kind:\s*LimitRange\b", _M)),
    # --- application design: interfaces, resilience, configuration ---
    OpsRule(
        "api.definitions",
        "OpenAPI / Swagger definition",
        (*_YAML, "*openapi*.json", "*swagger*.json", "*api-docs*.json", "*/api/*.json"),
        re.compile(r'^(?:openapi|swagger):\s*["\']?[23]\.|^\s*"(?:openapi|swagger)"\s*:\s*"[23]\.', _M),
    ),
    OpsRule(
        "api.definitions",
        "interface definition (Protobuf, GraphQL, Thrift, Avro, WSDL)",
        ("*.proto", "*.graphql", "*.graphqls", "*.thrift", "*.avsc", "*.wsdl"),
        re.compile(r"\S"),
    ),
    OpsRule(
        "api.lint",
        "interface linting",
        (".spectral.yaml", ".spectral.yml", ".spectral.json", "buf.yaml", ".protolint.yaml", ".redocly.yaml"),
        re.compile(r"^\s*(?:extends|rules|lint):", _M),
    ),
    OpsRule(
        "api.compatibility_checks",
        "contract tests or breaking-change detection",
        (*_BUILD, *_CI),
        re.compile(
            r"pact-foundation|au\.com\.dius\.pact|pact-python|pact-go|spring-cloud-contract|"
            r"oasdiff|openapi-diff|buf breaking|graphql-inspector",
            re.I,
        ),
    ),
    OpsRule(
        "resilience.circuit_breaker",
        "circuit breaker",
        (*_BUILD, *_YAML),
        re.compile(
            r"resilience4j|com\.alibaba\.csp|alibaba-sentinel|hystrix|\bPolly\b|gobreaker|pybreaker|opossum|"
            r"^\s*outlierDetection:|^\s*circuit_breakers:",
            _M,
        ),
    ),
    OpsRule(
        "resilience.rate_limit",
        "rate limiting",
        (*_BUILD, *_YAML, "*.conf"),
        re.compile(
            r"resilience4j-ratelimiter|bucket4j|com\.alibaba\.csp|alibaba-sentinel|express-rate-limit|slowapi|"
            r"django-ratelimit|golang\.org/x/time|limit_req_zone|local_ratelimit|limit-rps|RateLimit\b",
        ),
    ),
    OpsRule(
        "resilience.fault_injection",
        "fault injection",
        (*_BUILD, *_YAML),
        re.compile(
            r"^kind:\s*(?:PodChaos|NetworkChaos|StressChaos|IOChaos|HTTPChaos|TimeChaos|ChaosEngine|"
            r"ChaosBlade)\b|chaos-monkey-spring-boot|toxiproxy|chaosblade|^\s*fault:\s*$",
            _M,
        ),
        (re.compile(r"chaos|toxiproxy|fault", re.I),),
    ),
    # --- security tooling beyond the pipeline's stage names ---
    OpsRule(
        "security.secrets_manager",
        "secrets manager",
        (*_BUILD, *_YAML, ".sops.yaml"),
        re.compile(
            r"^kind:\s*(?:ExternalSecret|SealedSecret|SecretProviderClass|VaultStaticSecret)\b|"
            r"vault\.hashicorp\.com/agent-inject|spring-cloud-starter-vault|\bhvac\b|^creation_rules:",
            _M,
        ),
    ),
    OpsRule(
        "security.sast",
        "static application security testing",
        (*_BUILD, *_CI),
        re.compile(
            r"semgrep|codeql|find-sec-bugs|findsecbugs|\bbandit\b|\bgosec\b|fortify|sourceanalyzer|checkmarx|"
            r"brakeman|horusec|njsscan",
            re.I,
        ),
    ),
    OpsRule(
        "security.sca",
        "dependency vulnerability scanning",
        (*_BUILD, *_CI),
        re.compile(
            r"dependency-check|snyk test|trivy fs|npm audit|yarn audit|pip-audit|osv-scanner|murphysec|墨菲|grype|"
            r"govulncheck|safety check|cargo audit|bundle-audit",
            re.I,
        ),
    ),
    OpsRule(
        "security.image_iac_scan",
        "image or infrastructure-as-code scanning",
        _CI,
        re.compile(
            r"trivy (?:image|config)|grype\s|checkov|tfsec|\bkics\b|kubesec|kube-score|terrascan|"
            r"aquasecurity/trivy-action|anchore",
            re.I,
        ),
    ),
    OpsRule(
        "security.dast",
        "dynamic application security testing",
        _CI,
        re.compile(r"zap-baseline|zap-full-scan|zap-api-scan|zaproxy|owasp/zap|\bnuclei\b|arachni|nikto", re.I),
    ),
    OpsRule(
        "security.sbom",
        "SBOM generation",
        (*_BUILD, *_CI),
        re.compile(r"cyclonedx|\bsyft\b|spdx-sbom|sbom-tool|--format\s+spdx", re.I),
    ),
    OpsRule(
        "security.artifact_signing",
        "artefact or image signing",
        (*_BUILD, *_CI),
        re.compile(
            r"cosign sign|notation sign|sigstore|maven-gpg-plugin|gpg --detach-sign|slsa-github-generator", re.I
        ),
    ),
    # --- deployment: rollback and progressive delivery ---
    OpsRule(
        "deploy.rollback",
        "scripted rollback",
        _CI,
        re.compile(
            r"helm rollback|kubectl rollout undo|argo rollouts? (?:undo|abort)|kubectl argo rollouts (?:undo|abort)"
        ),
    ),
)

OPS_FACTS: tuple[str, ...] = tuple(dict.fromkeys(rule.fact for rule in OPS_RULES))

# Where a practice would be defined if the repository defined it: when such files are here and show none,
# the fact is false; when none are here, it is unknown (the practice may live on a platform or elsewhere).
_WORKLOAD = re.compile(r"^kind:\s*(?:Deployment|StatefulSet|DaemonSet|Rollout|DeploymentConfig)\b", _M)
_COMPOSE_SERVICES = re.compile(r"^services:\s*$", _M)
_PROMETHEUS_CONFIG = re.compile(r"^scrape_configs:\s*$", _M)
_GRAFANA_CONFIG = re.compile(r"^datasources:\s*$", _M)


@dataclass(frozen=True, slots=True)
class Absent:
    """What a fact's absence means: false when a file matching `globs` has `context` (the place the practice
    would be defined), unknown with `reason` otherwise."""

    context: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]
    context_label: str
    reason: str


_WORKLOADS = (((*_YAML,), _WORKLOAD), (("docker-compose*.y*ml", "compose*.y*ml"), _COMPOSE_SERVICES))
ABSENT: dict[str, Absent] = {
    "ops.alert_rules": Absent(
        (((*_YAML,), _PROMETHEUS_CONFIG),),
        "Prometheus configuration",
        "no alert rules in the repository; alerting is often configured on the monitoring platform",
    ),
    "ops.dashboards": Absent(
        (((*_YAML,), _GRAFANA_CONFIG),),
        "Grafana provisioning",
        "no dashboards in the repository; dashboards are often kept in the monitoring platform",
    ),
    "ops.tracing": Absent(
        (),
        "",
        "no tracing SDK, agent or exporter in the repository; agents are often injected by the platform",
    ),
    "ops.health_probes": Absent(
        _WORKLOADS,
        "workload definitions",
        "the repository defines no Kubernetes workloads or compose services; deployment is defined elsewhere",
    ),
    "ops.autoscaling": Absent(
        (((*_YAML,), _WORKLOAD),),
        "Kubernetes workloads",
        "the repository defines no Kubernetes workloads; scaling is configured elsewhere",
    ),
    "ops.resource_limits": Absent(
        _WORKLOADS,
        "workload definitions",
        "the repository defines no Kubernetes workloads or compose services; deployment is defined elsewhere",
    ),
}
# the facts below are one way among several of showing a practice (a platform, a gateway, a server-side tool may
# do it instead), so their absence from the repository is always unknown
_ELSEWHERE: dict[str, str] = {
    "api.definitions": "no interface definitions in the repository; they may be kept on an API platform",
    "api.lint": "no interface lint configuration in the repository; checks may run on an API platform",
    "api.compatibility_checks": "no contract tests or breaking-change checks in the repository's files",
    "resilience.circuit_breaker": "no circuit-breaker library or mesh setting in the repository; a gateway may do it",
    "resilience.rate_limit": "no rate-limit library or setting in the repository; a gateway may do it",
    "resilience.fault_injection": "no fault-injection experiments in the repository; a chaos platform may hold them",
    "security.secrets_manager": "no secrets-manager integration in the repository; the platform may inject secrets",
    "security.sast": "no SAST tool named in the repository; scans may run on a security platform",
    "security.sca": "no dependency scanner named in the repository; scans may run on a security platform",
    "security.image_iac_scan": "no image or IaC scanner named in the repository; a registry or platform may scan",
    "security.dast": "no DAST tool named in the repository; dynamic scans may run elsewhere",
    "security.sbom": "no SBOM generation named in the repository; the artefact repository may produce it",
    "security.artifact_signing": "no signing step named in the repository; the artefact repository may sign",
    "deploy.rollback": "no scripted rollback in the repository; the deployment platform may offer it",
    "ops.alert_routing": "no alert routing in the repository; alert notification is often set on the platform",
    "ops.alert_grouping": "no alert grouping and inhibition in the repository's Alertmanager configuration",
    "ops.alert_debounce": "no alert rules with a pending duration in the repository",
    "ops.oncall_paging": "no paging receiver in the repository; on-call paging is often set on the platform",
    "ops.metrics_collection": "no metrics collection or instrumentation in the repository's files",
    "ops.log_shipping": "no log shipping in the repository; log agents are often run by the platform",
    "ops.synthetic_monitoring": "no synthetic probes or real-user monitoring in the repository's files",
    "ops.slo": "no service-level objectives as code in the repository",
    "ops.runbooks": "no runbooks or emergency plans in the repository; they are often kept in a wiki",
    "ops.multi_instance": "no workload with two or more replicas declared in the repository",
    "ops.zone_spread": "no spread across zones declared in the repository",
    "ops.backup_schedule": "no scheduled backup in the repository; backups are often run by the platform",
    "ops.db_failover": "no database with automatic failover declared in the repository",
    "ops.policy_checks": "no policy-as-code rules in the repository",
    "deploy.gitops_self_heal": "no GitOps reconciliation in the repository",
    "arch.rules_checked": "no architecture rule checks in the repository's files",
    "security.fuzzing": "no fuzz testing in the repository's files",
}
ABSENT.update((fid, Absent((), "", reason)) for fid, reason in _ELSEWHERE.items())

_HELM_GUARD = re.compile(r"\{\{-?\s*if\s+\.Values\.([\w.]+)\s*-?\}\}")


class _Files:
    """The project's own files, each read at most once, up to MAX_FILES_READ reads."""

    def __init__(self, own: list[str], read: ReadFile) -> None:
        self.own = own
        self._read = read
        self._texts: dict[str, str | None] = {}
        self._unread: set[str] = set()

    @property
    def unread(self) -> int:
        return len(self._unread)

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            if len(self._texts) >= MAX_FILES_READ:
                self._unread.add(path)
                return None
            self._texts[path] = self._read(path)
        return self._texts[path]

    def matching(self, globs: tuple[str, ...]) -> Iterable[tuple[str, str]]:
        for path in self.own:
            if match_globs(path, globs):
                text = self.text(path)
                if text:
                    yield path, text


def collect_ops_facts(own: list[str], read: ReadFile) -> list[Fact]:
    """The ops.* facts of the project's own tracked files `own` (already filtered by the TreeScope)."""
    files = _Files(own, read)
    hits: dict[str, list[tuple[str, str]]] = {fid: [] for fid in OPS_FACTS}
    for rule in OPS_RULES:
        for path, text in files.matching(rule.globs):
            where = _hit(rule, path, text, files)
            if where:
                hits[rule.fact].append((where, rule.label))
    return [_fact(fid, hits[fid], files) for fid in OPS_FACTS]


def _hit(rule: OpsRule, path: str, text: str, files: _Files) -> str | None:
    if not all(p.search(text) for p in rule.needs):
        return None
    for match in rule.at.finditer(text):
        if not _helm_switched_off(path, text, match.start(), files):
            return f"{path}:{line_at(text, match.start())}"
    return None


def _helm_switched_off(path: str, text: str, offset: int, files: _Files) -> bool:
    """A Helm template's block under `{{- if .Values.x.enabled }}` whose chart's values.yaml sets it false
    (as `helm create` does for autoscaling) is not part of what the chart deploys by default."""
    parts = PurePosixPath(path).parts
    if "templates" not in parts:
        return False
    guards = _HELM_GUARD.findall(text, 0, offset)
    if not guards:
        return False
    chart = PurePosixPath(*parts[: parts.index("templates")])
    values_text = files.text(str(chart / "values.yaml"))
    try:
        values: Any = yaml.safe_load(values_text) if values_text else None
    except yaml.YAMLError:
        return False
    node: Any = values
    for key in guards[-1].split("."):
        if not isinstance(node, dict) or key not in node:
            return False  # not set in values.yaml: the template cannot tell, so the definition counts
        node = node[key]
    return node is False or node is None


def _fact(fid: str, found: list[tuple[str, str]], files: _Files) -> Fact:
    if found:
        labels = ", ".join(dict.fromkeys(label for _, label in found))
        shown = ", ".join(w for w, _ in found[:5]) + (f" (+{len(found) - 5} more)" if len(found) > 5 else "")
        return Fact(id=fid, value=True, detail=f"{labels}: {shown}", evidence=tuple(w for w, _ in found[:MAX_EVIDENCE]))
    absent = ABSENT[fid]
    context = [
        f"{path}:{line_at(text, m.start())}"
        for globs, pattern in absent.context
        for path, text in files.matching(globs)
        if (m := pattern.search(text))
    ]
    if context:
        return Fact(
            id=fid,
            value=False,
            detail=f"{absent.context_label} found but none defines it: not found",
            evidence=tuple(context[:MAX_EVIDENCE]),
        )
    reason = absent.reason + (f" ({files.unread} files past the read limit)" if files.unread else "")
    return Fact(id=fid, value=None, detail=reason)
