"""SonarQube and performance-test metrics through the registry, with values worked out by hand; what the evidence
cannot show is unknown with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devmaturity.metrics.quality import quality_facts
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.facts import fact_spec
from devmaturity.model.metric import EvidenceKind, Window
from devmaturity.model.metric_catalogue import metric_spec
from devmaturity.model.quality import GateStatus, PerformanceRun, PerformanceSummary, QualityAnalysis

MAY = Window(start=datetime(2024, 5, 1, tzinfo=UTC), end=datetime(2024, 6, 1, tzinfo=UTC))


def analysis(day: tuple[int, int], gate: GateStatus, **measures: float) -> QualityAnalysis:
    month, dom = day
    return QualityAnalysis(
        source="sonarqube:acme:shop",
        id=f"A-{month}-{dom}",
        project="acme:shop",
        analysed_at=datetime(2024, month, dom, 12, tzinfo=UTC),
        gate=gate,
        **measures,
    )


ANALYSES = (
    analysis((4, 20), GateStatus.ERROR, coverage=50.0, vulnerabilities=9.0),  # before the window: ignored
    analysis((5, 2), GateStatus.ERROR, coverage=70.0, duplicated_lines_density=5.0, sqale_index=3000, ncloc=10000,
             vulnerabilities=6.0),
    analysis((5, 10), GateStatus.OK, coverage=75.0, duplicated_lines_density=4.0, sqale_debt_ratio=0.8,
             vulnerabilities=4.0),
    analysis((5, 20), GateStatus.NONE),  # no gate, no measures
    analysis((5, 25), GateStatus.WARN, coverage=82.0, duplicated_lines_density=3.0, sqale_debt_ratio=0.5,
             vulnerabilities=2.0),
)  # fmt: skip


def value(metric: str, inputs: Inputs) -> tuple[float | None, dict[str, str], str]:
    result = compute(metric, inputs, MAY)
    return result.value, dict(result.details), result.reason


def test_gate_pass_rate_counts_analyses_with_a_gate() -> None:
    """In May: ERROR, OK, NONE, WARN. Three have a gate; OK and WARN passed: 2/3."""
    got, details, _ = value("quality_gate_pass_rate", Inputs(quality=ANALYSES))
    assert got == pytest.approx(2 / 3)
    assert details == {"passed": "2", "failed": "1", "no_gate": "1"}


@pytest.mark.parametrize(
    ("metric", "expected", "trend"),
    [
        # newest with the measure is 25 May; the first in the window is 2 May
        ("sonar_coverage", 0.82, {"first": "0.7", "last": "0.82", "change": "+0.12", "analyses": "3"}),
        ("duplicated_lines_density", 0.03, {"first": "0.05", "last": "0.03", "change": "-0.02", "analyses": "3"}),
        # 2 May has no sqale_debt_ratio: 3000 min / (10000 lines x 30 min) = 0.01; then 0.8 % and 0.5 %
        ("technical_debt_ratio", 0.005, {"first": "0.01", "last": "0.005", "change": "-0.005", "analyses": "3"}),
        ("open_sonar_vulnerabilities", 2.0, {"first": "6", "last": "2", "change": "-4", "analyses": "3"}),
    ],
)
def test_newest_value_in_the_window_with_its_trend(metric: str, expected: float, trend: dict[str, str]) -> None:
    got, details, _ = value(metric, Inputs(quality=ANALYSES))
    assert got == pytest.approx(expected)
    assert details == trend


def test_no_analyses_is_unknown_with_the_reason() -> None:
    assert value("sonar_coverage", Inputs())[::2] == (None, "no SonarQube analyses synced for this project")
    june = (analysis((4, 20), GateStatus.OK, coverage=50.0),)
    assert value("sonar_coverage", Inputs(quality=june))[::2] == (None, "no SonarQube analysis in the window")
    gateless = (analysis((5, 3), GateStatus.NONE),)
    assert value("quality_gate_pass_rate", Inputs(quality=gateless))[::2] == (
        None,
        "no analysis in the window has a gate status",
    )
    assert value("sonar_coverage", Inputs(quality=gateless))[::2] == (None, "no analysis in the window has coverage")


def test_gate_fact_true_false_and_unknown() -> None:
    assert quality_facts(None, MAY) == []  # never synced: the engine sees no fact, so unknown
    [enforced] = quality_facts(ANALYSES, MAY)
    assert (enforced.id, enforced.value) == ("quality.sonar_gate_enforced", True)
    assert enforced.detail == "3 of 4 SonarQube analyses in the window have a quality gate status"
    [never] = quality_facts((analysis((5, 3), GateStatus.NONE),), MAY)
    assert never.value is False
    [outside] = quality_facts((analysis((4, 3), GateStatus.OK),), MAY)
    assert outside.value is None and outside.detail == "no SonarQube analysis in the window"
    assert fact_spec("quality.sonar_gate_enforced").evidence is EvidenceKind.QUALITY_ANALYSES


def run(report: int, day: tuple[int, int], samples: int, errors: int, p95: float) -> PerformanceRun:
    when = datetime(2024, day[0], day[1], 9, tzinfo=UTC)
    summary = PerformanceSummary(
        format="jtl-csv",
        samples=samples,
        errors=errors,
        started_at=when,
        ended_at=when,
        p50_ms=p95 / 2,
        p90_ms=p95,
        p95_ms=p95,
        p99_ms=p95,
        max_ms=p95,
        mean_ms=p95 / 2,
    )
    return PerformanceRun(report=report, observed_at=when, commit=None, summary=summary)


RUNS = (run(1, (4, 28), 1000, 500, 900), run(2, (5, 3), 100, 5, 250), run(3, (5, 15), 300, 3, 200))


def test_performance_metrics() -> None:
    """May holds runs 2 and 3: 2 runs; (5 + 3) / (100 + 300) = 0.02 errors; newest p95 200 ms, first 250."""
    inputs = Inputs(performance=RUNS)
    assert value("performance_test_runs", inputs)[0] == 2
    rate, details, _ = value("performance_error_rate", inputs)
    assert rate == pytest.approx(0.02)
    assert details == {"errors": "8", "samples": "400", "runs": "2"}
    p95, trend, _ = value("performance_p95_ms", inputs)
    assert p95 == 200
    assert trend == {"first": "250", "last": "200", "change": "-50", "runs": "2"}


def test_performance_unknowns() -> None:
    never = "no performance test results (JMeter JTL) ingested"
    assert value("performance_test_runs", Inputs())[::2] == (None, never)
    april = Inputs(performance=RUNS[:1])
    assert value("performance_test_runs", april)[0] == 0  # results exist, none this month: a real zero
    assert value("performance_error_rate", april)[::2] == (None, "no performance test run in the window")
    assert value("performance_p95_ms", april)[::2] == (None, "no performance test run in the window")


def test_catalogue_rows_name_their_evidence_and_both_languages() -> None:
    for mid in ("quality_gate_pass_rate", "sonar_coverage", "technical_debt_ratio", "open_sonar_vulnerabilities"):
        assert metric_spec(mid).evidence is EvidenceKind.QUALITY_ANALYSES
    for mid in ("performance_test_runs", "performance_error_rate", "performance_p95_ms"):
        spec = metric_spec(mid)
        assert spec.evidence is EvidenceKind.PERFORMANCE_TESTS and spec.name.zh and spec.name.en
