"""Code-quality metrics from SonarQube analyses and performance-test metrics from JMeter runs, over a window.

A "newest" metric takes the newest analysis (or run) in the window that has the measure, and reports the first one
in the window beside it as the trend (`first`, `last`, `change` in the details). SonarQube gives percentages 0-100;
the metrics are ratios 0-1 like the other coverage metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from devmaturity.metrics.values import unknown
from devmaturity.model.facts import Fact
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.quality import GateStatus, PerformanceRun, QualityAnalysis

DEV_MINUTES_PER_LINE = 30.0  # SonarQube's default cost to develop one line, the denominator of its debt ratio
_PASSED = (GateStatus.OK, GateStatus.WARN)  # WARN (before SonarQube 7.6) let the build pass
_GATED = (GateStatus.OK, GateStatus.WARN, GateStatus.ERROR)

Measure = Callable[[QualityAnalysis], float | None]


def _inside(analyses: Sequence[QualityAnalysis], window: Window) -> list[QualityAnalysis]:
    return sorted((a for a in analyses if window.contains(a.analysed_at)), key=lambda a: (a.analysed_at, a.id))


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _trend(first: float, last: float, count: int) -> tuple[tuple[str, str], ...]:
    return (("first", _fmt(first)), ("last", _fmt(last)), ("change", f"{last - first:+.4g}"), ("analyses", str(count)))


def quality_gate_pass_rate(analyses: Sequence[QualityAnalysis], window: Window) -> MetricValue:
    """Analyses in the window whose gate passed (OK, or WARN before SonarQube 7.6) ÷ analyses with a gate status."""
    mid = "quality_gate_pass_rate"
    inside = _inside(analyses, window)
    gated = [a for a in inside if a.gate in _GATED]
    if not gated:
        reason = "no SonarQube analysis in the window" if not inside else "no analysis in the window has a gate status"
        return unknown(mid, "ratio", window, reason)
    passed = [a for a in gated if a.gate in _PASSED]
    return MetricValue(
        metric=mid,
        value=len(passed) / len(gated),
        unit="ratio",
        window=window,
        sample_size=len(gated),
        evidence=tuple(f"{a.source}@{a.id}" for a in gated[-20:]),
        details=(
            ("passed", str(len(passed))),
            ("failed", str(len(gated) - len(passed))),
            ("no_gate", str(len(inside) - len(gated))),
        ),
    )


def newest(
    mid: str, unit: str, measure: Measure, name: str
) -> Callable[[Sequence[QualityAnalysis], Window], MetricValue]:
    """A metric that is the newest analysis's value of `measure` in the window, with the window's trend."""

    def compute(analyses: Sequence[QualityAnalysis], window: Window) -> MetricValue:
        inside = _inside(analyses, window)
        measured = [(a, value) for a in inside if (value := measure(a)) is not None]
        if not measured:
            reason = "no SonarQube analysis in the window" if not inside else f"no analysis in the window has {name}"
            return unknown(mid, unit, window, reason)
        first_value, (last, last_value) = measured[0][1], measured[-1]
        return MetricValue(
            metric=mid,
            value=last_value,
            unit=unit,
            window=window,
            sample_size=len(measured),
            evidence=(f"{last.source}@{last.id}",),
            details=_trend(first_value, last_value, len(measured)),
        )

    return compute


def _percent(key: str) -> Measure:
    def read(analysis: QualityAnalysis) -> float | None:
        value = analysis.measure(key)
        return None if value is None else value / 100.0

    return read


def debt_ratio(analysis: QualityAnalysis) -> float | None:
    """SonarQube's technical debt ratio (sqale_debt_ratio) as a ratio; from the debt and the lines of code with
    SonarQube's default 30 minutes a line when the server did not give it."""
    if analysis.sqale_debt_ratio is not None:
        return analysis.sqale_debt_ratio / 100.0
    if analysis.sqale_index is None or not analysis.ncloc:
        return None
    return analysis.sqale_index / (analysis.ncloc * DEV_MINUTES_PER_LINE)


sonar_coverage = newest("sonar_coverage", "ratio", _percent("coverage"), "coverage")
duplicated_lines_density = newest(
    "duplicated_lines_density", "ratio", _percent("duplicated_lines_density"), "duplicated lines"
)
technical_debt_ratio = newest("technical_debt_ratio", "ratio", debt_ratio, "a technical debt ratio")
open_sonar_vulnerabilities = newest(
    "open_sonar_vulnerabilities", "vulnerabilities", lambda a: a.vulnerabilities, "a vulnerability count"
)


def quality_facts(analyses: Sequence[QualityAnalysis] | None, window: Window) -> list[Fact]:
    """quality.sonar_gate_enforced: true when analyses in the window carry a quality gate status; unknown (None)
    when none was collected or none falls in the window, false when they all lack a gate."""
    fid = "quality.sonar_gate_enforced"
    if analyses is None:
        return []
    inside = _inside(analyses, window)
    if not inside:
        return [Fact(id=fid, value=None, detail="no SonarQube analysis in the window")]
    gated = [a for a in inside if a.gate in _GATED]
    if not gated:
        return [
            Fact(
                id=fid,
                value=False,
                detail=f"{len(inside)} SonarQube analyses in the window, none with a quality gate status",
                evidence=tuple(f"{a.source}@{a.id}" for a in inside[-10:]),
            )
        ]
    return [
        Fact(
            id=fid,
            value=True,
            detail=f"{len(gated)} of {len(inside)} SonarQube analyses in the window have a quality gate status",
            evidence=tuple(f"{a.source}@{a.id}" for a in gated[-10:]),
        )
    ]


# --- performance tests (JMeter) ---------------------------------------------------------------------------------


def _runs_inside(runs: Sequence[PerformanceRun], window: Window) -> list[PerformanceRun]:
    return sorted((r for r in runs if window.contains(r.observed_at)), key=lambda r: (r.observed_at, r.report))


def performance_test_runs(runs: Sequence[PerformanceRun], window: Window) -> MetricValue:
    """Performance test runs (ingested JTL reports) in the window."""
    inside = _runs_inside(runs, window)
    return MetricValue(
        metric="performance_test_runs",
        value=float(len(inside)),
        unit="runs",
        window=window,
        sample_size=len(inside),
        evidence=tuple(f"report#{r.report}" for r in inside[-20:]),
    )


def performance_error_rate(runs: Sequence[PerformanceRun], window: Window) -> MetricValue:
    """Failed samples ÷ all samples over every run in the window."""
    mid = "performance_error_rate"
    inside = _runs_inside(runs, window)
    samples = sum(r.summary.samples for r in inside)
    if not samples:
        return unknown(mid, "ratio", window, "no performance test run in the window")
    errors = sum(r.summary.errors for r in inside)
    return MetricValue(
        metric=mid,
        value=errors / samples,
        unit="ratio",
        window=window,
        sample_size=samples,
        evidence=tuple(f"report#{r.report}" for r in inside[-20:]),
        details=(("errors", str(errors)), ("samples", str(samples)), ("runs", str(len(inside)))),
    )


def performance_p95_ms(runs: Sequence[PerformanceRun], window: Window) -> MetricValue:
    """The newest run's 95th percentile response time (percentiles of different runs do not add up)."""
    mid = "performance_p95_ms"
    inside = _runs_inside(runs, window)
    if not inside:
        return unknown(mid, "ms", window, "no performance test run in the window")
    first, last = inside[0].summary, inside[-1].summary
    return MetricValue(
        metric=mid,
        value=last.p95_ms,
        unit="ms",
        window=window,
        sample_size=last.samples,
        evidence=(f"report#{inside[-1].report}",),
        details=(
            ("first", _fmt(first.p95_ms)),
            ("last", _fmt(last.p95_ms)),
            ("change", f"{last.p95_ms - first.p95_ms:+.4g}"),
            ("runs", str(len(inside))),
        ),
    )
