"""Operations facts from small trees: each ops.* fact true, false and unknown, with `path:line` evidence.

The file texts follow the formats their tools document: Prometheus alerting rules (`groups:` of `alert:` rules),
Alertmanager configuration (`route:` + `receivers:`), Grafana dashboard JSON (`panels`, `schemaVersion`) and its
provisioning file, Kubernetes Deployment / HorizontalPodAutoscaler / KEDA ScaledObject manifests, the chart
`helm create` writes (autoscaling switched off in values.yaml), a Dockerfile HEALTHCHECK and Maven poms."""

from __future__ import annotations

import pytest

from devmaturity.collectors.tree import collect_tree_facts
from devmaturity.collectors.tree_ops import ABSENT, OPS_FACTS, collect_ops_facts
from devmaturity.frameworks.vocab import load_pipeline_vocabulary
from devmaturity.model.facts import FACT_IDS, Fact

VOCAB = load_pipeline_vocabulary()

RULES = """groups:
  - name: shop
    rules:
      - alert: HighErrorRate
        expr: rate(http_requests_total{code=~"5.."}[5m]) > 0.05
        for: 10m
"""
ALERTMANAGER = """global:
  resolve_timeout: 5m
route:
  receiver: oncall
receivers:
  - name: oncall
"""
DASHBOARD = '{\n  "title": "Shop",\n  "schemaVersion": 39,\n  "panels": [\n    {"type": "timeseries"}\n  ]\n}\n'
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  template:
    spec:
      containers:
        - name: shop
          image: shop:1.0
          readinessProbe:
            httpGet: {path: /actuator/health, port: 8080}
          resources:
            requests:
              cpu: 100m
            limits:
              memory: 512Mi
"""
BARE_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  template:
    spec:
      containers:
        - name: shop
          image: shop:1.0
"""
HPA = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: shop\n"
KEDA = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: shop\n"
HELM_HPA = """{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "shop.fullname" . }}
{{- end }}
"""
POM = """<project>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-actuator</artifactId>
    </dependency>
    <dependency>
      <groupId>io.opentelemetry</groupId>
      <artifactId>opentelemetry-api</artifactId>
    </dependency>
  </dependencies>
</project>
"""


def _ops(files: dict[str, str]) -> dict[str, Fact]:
    facts, _, problems = collect_tree_facts(sorted(files), files.get, vocabulary=VOCAB)
    assert problems == []
    return {f.id: f for f in facts if f.id.startswith("ops.")}


def test_every_ops_fact_is_in_the_catalogue_and_says_what_absence_means() -> None:
    assert set(OPS_FACTS) <= FACT_IDS
    assert set(OPS_FACTS) == set(ABSENT)
    assert set(_ops({})) >= {"ops.alert_rules", "ops.tracing", "ops.health_probes", "ops.autoscaling"}


def test_monitoring_as_code_is_true_with_the_deciding_line() -> None:
    """The rule's `alert:` is line 4 of the rule file, its `for:` line 6, Alertmanager's `route:` line 3, the dashboard's `panels`
    line 4, and the OpenTelemetry artifact line 8 of the pom."""
    facts = _ops(
        {
            "monitoring/rules/shop.rules.yml": RULES,
            "monitoring/alertmanager.yml": ALERTMANAGER,
            "monitoring/dashboards/shop.json": DASHBOARD,
            "pom.xml": POM,
        }
    )
    assert facts["ops.alert_rules"].value is True
    assert facts["ops.alert_rules"].evidence == ("monitoring/rules/shop.rules.yml:4",)
    assert facts["ops.alert_routing"].evidence == ("monitoring/alertmanager.yml:3",)
    # the rule waits `for: 10m` (line 6) before it fires: blips that clear sooner never notify
    assert facts["ops.alert_debounce"].evidence == ("monitoring/rules/shop.rules.yml:6",)
    assert facts["ops.dashboards"].evidence == ("monitoring/dashboards/shop.json:4",)
    assert facts["ops.tracing"].value is True and facts["ops.tracing"].evidence == ("pom.xml:8",)


def test_agents_and_exporters_show_tracing() -> None:
    dockerfile = "FROM eclipse-temurin:17\nCOPY app.jar /app.jar\n"
    dockerfile += 'ENTRYPOINT ["java", "-javaagent:/skywalking/agent/skywalking-agent.jar", "-jar", "/app.jar"]\n'
    facts = _ops({"Dockerfile": dockerfile})
    assert facts["ops.tracing"].value is True and facts["ops.tracing"].evidence == ("Dockerfile:3",)
    env = _ops({"deploy/app.yaml": "env:\n  - name: OTEL_EXPORTER_OTLP_ENDPOINT\n    value: http://otel:4317\n"})
    assert env["ops.tracing"].evidence == ("deploy/app.yaml:2",)


def test_workload_with_probe_and_limits_but_no_autoscaler() -> None:
    """readinessProbe is line 11; `limits:` line 16. The Deployment is here and no autoscaler is: false."""
    facts = _ops({"k8s/deployment.yaml": DEPLOYMENT})
    assert facts["ops.health_probes"].value is True
    assert facts["ops.health_probes"].evidence == ("k8s/deployment.yaml:11",)
    assert facts["ops.resource_limits"].evidence == ("k8s/deployment.yaml:16",)
    assert facts["ops.autoscaling"].value is False
    assert facts["ops.autoscaling"].evidence == ("k8s/deployment.yaml:2",)
    assert "not found" in facts["ops.autoscaling"].detail


def test_workload_without_probes_or_limits_is_false() -> None:
    facts = _ops({"k8s/deployment.yaml": BARE_DEPLOYMENT})
    assert facts["ops.health_probes"].value is False
    assert facts["ops.resource_limits"].value is False


def test_autoscalers_hpa_and_keda() -> None:
    assert _ops({"k8s/hpa.yaml": HPA})["ops.autoscaling"].evidence == ("k8s/hpa.yaml:2",)
    assert _ops({"deploy/keda.yml": KEDA})["ops.autoscaling"].evidence == ("deploy/keda.yml:2",)


def test_helm_template_switched_off_in_values_does_not_count() -> None:
    """`helm create` writes an HPA template guarded by autoscaling.enabled, false in values.yaml."""
    chart = {
        "chart/Chart.yaml": "apiVersion: v2\nname: shop\n",
        "chart/templates/hpa.yaml": HELM_HPA,
        "chart/templates/deployment.yaml": BARE_DEPLOYMENT,
    }
    off = _ops({**chart, "chart/values.yaml": "autoscaling:\n  enabled: false\n"})
    assert off["ops.autoscaling"].value is False
    on = _ops({**chart, "chart/values.yaml": "autoscaling:\n  enabled: true\n"})
    assert on["ops.autoscaling"].evidence == ("chart/templates/hpa.yaml:3",)


def test_dockerfile_healthcheck_and_actuator() -> None:
    docker = _ops({"Dockerfile": "FROM nginx\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/\n"})
    assert docker["ops.health_probes"].evidence == ("Dockerfile:2",)
    none = _ops({"Dockerfile": "FROM nginx\nHEALTHCHECK NONE\n"})
    assert none["ops.health_probes"].value is None
    assert _ops({"pom.xml": POM})["ops.health_probes"].evidence == ("pom.xml:5",)


def test_nothing_here_is_unknown_with_a_reason() -> None:
    facts = _ops({"README.md": "# shop\n", "src/app.py": "print('hi')\n"})
    assert all(f.value is None and f.detail for f in facts.values())


def test_monitoring_config_without_rules_or_dashboards_is_false() -> None:
    prom = "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: shop\n"
    grafana = "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n"
    facts = _ops({"monitoring/prometheus.yml": prom, "monitoring/grafana/datasources.yaml": grafana})
    assert facts["ops.alert_rules"].value is False
    assert facts["ops.alert_rules"].evidence == ("monitoring/prometheus.yml:3",)
    assert facts["ops.dashboards"].value is False


def test_fixtures_and_vendored_trees_never_count() -> None:
    facts = _ops(
        {
            "tests/data/k8s/deployment.yaml": DEPLOYMENT,
            "vendor/x/rules.yml": RULES,
            "examples/hpa.yaml": HPA,
            "src/test/resources/pom.xml": POM,
        }
    )
    assert all(f.value is None for f in facts.values())


def test_collect_ops_facts_reads_each_file_once() -> None:
    reads: list[str] = []

    def read(path: str) -> str | None:
        reads.append(path)
        return DEPLOYMENT

    collect_ops_facts(["k8s/deployment.yaml"], read)
    assert reads == ["k8s/deployment.yaml"]


# (fact, path, text, evidence): one small file in each tool's documented form shows the fact at that line
DESIGN_AND_SECURITY = [
    ("api.definitions", "api/openapi.yaml", "openapi: 3.0.3\ninfo:\n  title: Shop\n", "api/openapi.yaml:1"),
    ("api.definitions", "proto/shop.proto", 'syntax = "proto3";\n', "proto/shop.proto:1"),
    ("api.lint", ".spectral.yaml", "extends: spectral:oas\n", ".spectral.yaml:1"),
    (
        "api.compatibility_checks",
        ".github/workflows/api.yml",
        "on: pull_request\njobs:\n  diff:\n    runs-on: x\n    steps:\n      - run: oasdiff breaking a.yaml b.yaml\n",
        ".github/workflows/api.yml:6",
    ),
    (
        "resilience.circuit_breaker",
        "pom.xml",
        "<project>\n  <artifactId>resilience4j-spring-boot3</artifactId>\n</project>\n",
        "pom.xml:2",
    ),
    (
        "resilience.rate_limit",
        "deploy/nginx.conf",
        "http {\n  limit_req_zone $binary_remote_addr zone=one:10m rate=10r/s;\n}\n",
        "deploy/nginx.conf:2",
    ),
    (
        "resilience.fault_injection",
        "chaos/pod-kill.yaml",
        "apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata:\n  name: kill\n",
        "chaos/pod-kill.yaml:2",
    ),
    (
        "security.secrets_manager",
        "k8s/secret.yaml",
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\n",
        "k8s/secret.yaml:2",
    ),
    ("security.sast", ".gitlab-ci.yml", "sast:\n  script:\n    - semgrep ci\n", ".gitlab-ci.yml:3"),
    ("security.sca", "Jenkinsfile", "stage('SCA') {\n  sh 'mvn dependency-check:check'\n}\n", "Jenkinsfile:2"),
    ("security.image_iac_scan", ".gitlab-ci.yml", "scan:\n  script:\n    - trivy image shop:1\n", ".gitlab-ci.yml:3"),
    ("security.dast", ".gitlab-ci.yml", "dast:\n  script:\n    - zap-baseline.py -t https://t\n", ".gitlab-ci.yml:3"),
    (
        "security.sbom",
        "pom.xml",
        "<project>\n  <artifactId>cyclonedx-maven-plugin</artifactId>\n</project>\n",
        "pom.xml:2",
    ),
    ("security.artifact_signing", ".gitlab-ci.yml", "sign:\n  script:\n    - cosign sign $IMAGE\n", ".gitlab-ci.yml:3"),
    ("deploy.rollback", "Jenkinsfile", "stage('回滚') {\n  sh 'helm rollback shop 0'\n}\n", "Jenkinsfile:2"),
    (
        "ops.alert_grouping",
        "alertmanager.yml",
        "route:\n  receiver: ops\n  group_by: [alertname]\nreceivers:\n  - name: ops\ninhibit_rules:\n  - equal: [x]\n",
        "alertmanager.yml:3",
    ),
    (
        "ops.oncall_paging",
        "alertmanager.yml",
        "receivers:\n  - name: ops\n    pagerduty_configs:\n      - routing_key: k\n",
        "alertmanager.yml:3",
    ),
    ("ops.metrics_collection", "k8s/monitor.yaml", "kind: ServiceMonitor\nspec: {}\n", "k8s/monitor.yaml:1"),
    ("ops.log_shipping", "deploy/filebeat.yml", "filebeat.inputs:\n  - type: container\n", "deploy/filebeat.yml:1"),
    (
        "ops.synthetic_monitoring",
        "k8s/probe.yaml",
        "apiVersion: monitoring.coreos.com/v1\nkind: Probe\n",
        "k8s/probe.yaml:2",
    ),
    ("ops.slo", "slo/shop.yaml", "version: prometheus/v1\nservice: shop\nslos: []\n", "slo/shop.yaml:1"),
    ("ops.runbooks", "docs/runbooks/db-down.md", "# Database down\n", "docs/runbooks/db-down.md:1"),
    ("ops.multi_instance", "k8s/deployment.yaml", "kind: Deployment\nspec:\n  replicas: 3\n", "k8s/deployment.yaml:3"),
    (
        "ops.zone_spread",
        "k8s/deployment.yaml",
        "spec:\n  topologySpreadConstraints:\n    - topologyKey: topology.kubernetes.io/zone\n",
        "k8s/deployment.yaml:3",
    ),
    (
        "ops.backup_schedule",
        "k8s/backup.yaml",
        "kind: CronJob\nspec:\n  schedule: '0 2 * * *'\n  jobTemplate:\n    command: [pg_dump, shop]\n",
        "k8s/backup.yaml:5",
    ),
    ("ops.db_failover", "k8s/db.yaml", "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n", "k8s/db.yaml:1"),
    (
        "ops.policy_checks",
        "policy/limits.yaml",
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\n",
        "policy/limits.yaml:2",
    ),
    (
        "deploy.gitops_self_heal",
        "argocd/shop.yaml",
        "kind: Application\nspec:\n  syncPolicy:\n    automated:\n      selfHeal: true\n",
        "argocd/shop.yaml:5",
    ),
    (
        "arch.rules_checked",
        "pom.xml",
        "<project>\n  <artifactId>archunit-junit5</artifactId>\n</project>\n",
        "pom.xml:2",
    ),
    ("security.fuzzing", "Makefile", "fuzz:\n\tgo test ./parser -fuzz=FuzzParse\n", "Makefile:2"),
]


@pytest.mark.parametrize(("fid", "path", "text", "evidence"), DESIGN_AND_SECURITY, ids=lambda v: str(v)[:30])
def test_design_and_security_facts(fid: str, path: str, text: str, evidence: str | None) -> None:
    """True with the deciding line when the file is the project's own; unknown (never false: a platform may do
    it) when the same file is only a test fixture."""
    found = {f.id: f for f in collect_ops_facts([path], {path: text}.get)}
    assert found[fid].value is True
    if evidence:
        assert found[fid].evidence == (evidence,)
    facts, _, _ = collect_tree_facts([f"tests/data/{path}"], {f"tests/data/{path}": text}.get, vocabulary=VOCAB)
    fixture = {f.id: f for f in facts}[fid]
    assert fixture.value is None and fixture.detail
