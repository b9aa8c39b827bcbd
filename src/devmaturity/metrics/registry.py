"""Maps each catalogued metric id to the pure function that computes it from the evidence at hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from devmaturity.metrics import agile, coverage, delivery, git, operations, quality, security, testing
from devmaturity.model.evidence import CoverageReport, Scan, Severity, TestKind, TestRun
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.metric_catalogue import METRICS, metric_spec
from devmaturity.model.quality import PerformanceRun, QualityAnalysis

E = TypeVar("E")


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    """The evidence available to metrics in one assessment; None means that source was not collected."""

    history: git.GitHistory | None = None
    test_runs: Sequence[TestRun] | None = None
    coverage: Sequence[CoverageReport] | None = None
    scans: Sequence[Scan] | None = None
    manual_test_cases: int | None = None
    delivery: delivery.Delivery | None = None
    quality: Sequence[QualityAnalysis] | None = None
    performance: Sequence[PerformanceRun] | None = None


Compute = Callable[[Inputs, Window], MetricValue]


def _needs(
    get: Callable[[Inputs], E | None], fn: Callable[[E, Window], MetricValue], mid: str, missing: str
) -> Compute:
    """Wrap a pure metric so that a source never collected gives unknown with the reason."""

    def compute(inputs: Inputs, window: Window) -> MetricValue:
        evidence = get(inputs)
        if evidence is None or (isinstance(evidence, Sequence) and not evidence):
            spec = metric_spec(mid)
            return MetricValue(metric=mid, value=None, unit=spec.unit, window=window, reason=missing)
        return fn(evidence, window)

    return compute


def _git(mid: str, fn: Callable[[git.GitHistory, Window], MetricValue]) -> tuple[str, Compute]:
    return mid, _needs(lambda i: i.history, fn, mid, "no git history collected")


def _tests(mid: str, fn: Callable[[Sequence[TestRun], Window], MetricValue]) -> tuple[str, Compute]:
    return mid, _needs(lambda i: i.test_runs, fn, mid, "no test reports (JUnit XML) collected for this project")


def _cov(mid: str, fn: Callable[[Sequence[CoverageReport], Window], MetricValue]) -> tuple[str, Compute]:
    return mid, _needs(lambda i: i.coverage, fn, mid, "no coverage reports collected for this project")


def _sec(mid: str, fn: Callable[[Sequence[Scan], Window], MetricValue]) -> tuple[str, Compute]:
    return mid, _needs(lambda i: i.scans, fn, mid, "no security scans (SARIF) collected for this project")


def _feedback(inputs: Inputs, window: Window) -> MetricValue:
    """From the CI server's pipeline runs when synced, else from the builds' test reports."""
    ev = inputs.delivery
    if ev is not None and ev.run is not None and len(ev.run):
        return delivery.integration_feedback_cycle(ev, window)
    if inputs.test_runs:
        return testing.feedback_cycle_from_builds(inputs.test_runs, window)
    return MetricValue(
        metric="integration_feedback_cycle",
        value=None,
        unit="minutes",
        window=window,
        reason="no pipeline runs (devmaturity sync) and no test reports collected",
    )


def _dlv(mid: str, fn: Callable[[delivery.Delivery, Window], MetricValue]) -> tuple[str, Compute]:
    return mid, _needs(lambda i: i.delivery, fn, mid, "no delivery data (CI/CD, deployments, incidents, work items)")


def _sonar(mid: str, fn: Callable[[Sequence[QualityAnalysis], Window], MetricValue]) -> tuple[str, Compute]:
    return mid, _needs(lambda i: i.quality, fn, mid, "no SonarQube analyses synced for this project")


def _perf(mid: str, fn: Callable[[Sequence[PerformanceRun], Window], MetricValue]) -> tuple[str, Compute]:
    return mid, _needs(lambda i: i.performance, fn, mid, "no performance test results (JMeter JTL) ingested")


def _ratio(inputs: Inputs, window: Window) -> MetricValue:
    runs = inputs.test_runs or ()
    if not runs:
        return MetricValue(
            metric="automated_test_ratio",
            value=None,
            unit="ratio",
            window=window,
            reason="no test reports (JUnit XML) collected for this project",
        )
    return testing.automated_test_ratio(runs, window, inputs.manual_test_cases)


def _age(inputs: Inputs, window: Window) -> MetricValue:
    scans = inputs.scans or ()
    if not scans:
        return MetricValue(
            metric="critical_finding_age",
            value=None,
            unit="days",
            window=window,
            reason="no security scans (SARIF) collected for this project",
        )
    return security.critical_finding_age(scans, window)


COMPUTE: dict[str, Compute] = dict(
    [
        _git("commit_frequency", git.commit_frequency),
        _git("integration_frequency", git.integration_frequency),
        _git("branch_lifetime", git.branch_lifetime),
        _git("release_frequency", git.release_frequency),
        _git("reviewed_change_share", git.reviewed_change_share),
        _git("commit_requirement_link_share", git.commit_requirement_link_share),
        _git("test_change_share", git.code_with_tests_share),
        _git("active_developers", git.active_developers),
        _tests("automated_test_count", testing.case_count("automated_test_count", None)),
        _tests("unit_test_count", testing.case_count("unit_test_count", TestKind.UNIT)),
        _tests("interface_test_count", testing.case_count("interface_test_count", TestKind.INTEGRATION)),
        _tests("ui_test_count", testing.case_count("ui_test_count", TestKind.UI)),
        _tests("test_pass_rate", testing.test_pass_rate),
        _tests("automation_success_rate", testing.automation_success_rate),
        _tests("flaky_test_rate", testing.flaky_test_rate),
        _tests("ui_automation_success_rate", testing.ui_automation_success_rate),
        _cov("unit_test_line_coverage", coverage.unit_test_line_coverage),
        _cov("unit_test_branch_coverage", coverage.unit_test_branch_coverage),
        _sec("open_critical_findings", security.open_by_severity("open_critical_findings", Severity.CRITICAL)),
        _sec("open_high_findings", security.open_by_severity("open_high_findings", Severity.HIGH)),
        _dlv("deployment_frequency", delivery.deployment_frequency),
        _dlv("production_deploy_week_share", delivery.production_deploy_week_share),
        _dlv("test_deploy_workday_share", delivery.workday_share_of_test_deployments),
        _dlv("lead_time_for_changes", delivery.lead_time_for_changes),
        _dlv("change_failure_rate", delivery.change_failure_rate),
        _dlv("failed_deployment_recovery_time", delivery.failed_deployment_recovery_time),
        _dlv("deployment_rework_rate", delivery.deployment_rework_rate),
        _dlv("deployment_success_rate", delivery.deployment_success_rate),
        _dlv("change_first_time_failure_rate", delivery.change_first_time_failure_rate),
        _dlv("mttr", delivery.mttr),
        _dlv("availability", delivery.availability),
        _dlv("incident_auto_recovery_share", delivery.incident_auto_recovery_share),
        _dlv("requirement_delivery_cycle", delivery.requirement_delivery_cycle),
        _dlv("production_defect_escape_rate", delivery.production_defect_escape_rate),
        _dlv("release_frequency_deployments", delivery.release_frequency_deployments),
        _dlv("iteration_length", agile.iteration_length),
        _dlv("iteration_cadence_regularity", agile.iteration_cadence_regularity),
        _dlv("iteration_completion_rate", agile.iteration_completion_rate),
        _dlv("estimated_story_share", agile.estimated_story_share),
        _dlv("story_parent_share", agile.story_parent_share),
        _dlv("acceptance_criteria_share", agile.acceptance_criteria_share),
        _dlv("requirement_throughput", agile.requirement_throughput),
        _dlv("independent_review_share", agile.independent_review_share),
        _dlv("defect_fix_time", agile.defect_fix_time),
        _dlv("pipeline_duration_p50", delivery.pipeline_duration("pipeline_duration_p50", 50)),
        _dlv("pipeline_duration_p90", delivery.pipeline_duration("pipeline_duration_p90", 90)),
        _dlv("build_success_rate", delivery.build_success_rate),
        _dlv("environment_lead_time", delivery.environment_lead_time),
        ("integration_feedback_cycle", _feedback),
        _dlv("security_scan_run_share", delivery.security_scan_run_share),
        _sonar("quality_gate_pass_rate", quality.quality_gate_pass_rate),
        _sonar("sonar_coverage", quality.sonar_coverage),
        _sonar("duplicated_lines_density", quality.duplicated_lines_density),
        _sonar("technical_debt_ratio", quality.technical_debt_ratio),
        _sonar("open_sonar_vulnerabilities", quality.open_sonar_vulnerabilities),
        _perf("performance_test_runs", quality.performance_test_runs),
        _perf("performance_error_rate", quality.performance_error_rate),
        _perf("performance_p95_ms", quality.performance_p95_ms),
        _dlv("incident_postmortem_share", operations.incident_postmortem_share),
        _dlv("rollback_failure_rate", operations.rollback_failure_rate),
        _dlv("dr_drills", operations.dr_drills),
        _dlv("restore_drill_success_rate", operations.restore_drill_success_rate),
        ("automated_test_ratio", _ratio),
        ("critical_finding_age", _age),
    ]
)


def compute(metric_id: str, inputs: Inputs, window: Window) -> MetricValue:
    """One metric over one window; metrics whose evidence this version cannot collect yet are unknown."""
    spec = metric_spec(metric_id)
    fn = COMPUTE.get(metric_id)
    if fn is None:
        return MetricValue(
            metric=metric_id,
            value=None,
            unit=spec.unit,
            window=window,
            reason=f"no {spec.evidence.value.replace('_', ' ')} evidence collected for this project",
        )
    return fn(inputs, window)


def implemented() -> list[str]:
    return [spec.id for spec in METRICS if spec.id in COMPUTE]
