"""Metrics from ingested JUnit reports: test counts by layer, pass and success rates, flakiness, UI automation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from devmaturity.metrics.values import median, ratio, unknown
from devmaturity.model.evidence import TestKind, TestOutcome, TestRun
from devmaturity.model.metric import MetricValue, Window

_EXECUTED = (TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR)
NO_REPORTS = "no test reports in the window"


def runs_in(runs: Sequence[TestRun], window: Window) -> list[TestRun]:
    return [r for r in runs if window.contains(r.observed_at)]


def _unknown(metric: str, unit: str, window: Window, reason: str = NO_REPORTS) -> MetricValue:
    return unknown(metric, unit, window, reason)


def _evidence(runs: Sequence[TestRun]) -> tuple[str, ...]:
    return tuple(r.cite() for r in runs[-20:])


def distinct_cases(runs: Sequence[TestRun], kind: TestKind | None = None) -> set[str]:
    return {c.key for r in runs for c in r.cases if kind is None or c.kind is kind}


def case_count(metric: str, kind: TestKind | None):  # type: ignore[no-untyped-def]
    """A metric counting distinct automated cases (of one layer) seen in the window's reports."""

    def compute(runs: Sequence[TestRun], window: Window) -> MetricValue:
        inside = runs_in(runs, window)
        if not inside:
            return _unknown(metric, "tests", window)
        keys = distinct_cases(inside, kind)
        return MetricValue(
            metric=metric,
            value=float(len(keys)),
            unit="tests",
            window=window,
            sample_size=len(inside),
            evidence=_evidence(inside),
        )

    return compute


def automated_test_ratio(runs: Sequence[TestRun], window: Window, manual: int | None) -> MetricValue:
    inside = runs_in(runs, window)
    if not inside:
        return _unknown("automated_test_ratio", "ratio", window)
    if manual is None:
        return _unknown(
            "automated_test_ratio",
            "ratio",
            window,
            "manual test case count not given (set manual_test_cases in devmaturity.toml)",
        )
    automated = len(distinct_cases(inside))
    total = automated + manual
    if total == 0:
        return _unknown("automated_test_ratio", "ratio", window, "no test cases at all")
    return MetricValue(
        metric="automated_test_ratio",
        value=automated / total,
        unit="ratio",
        window=window,
        sample_size=total,
        evidence=_evidence(inside),
        details=(("automated", str(automated)), ("manual", str(manual))),
    )


def test_pass_rate(runs: Sequence[TestRun], window: Window) -> MetricValue:
    inside = runs_in(runs, window)
    executed = [c for r in inside for c in r.cases if c.outcome in _EXECUTED]
    passed = sum(1 for c in executed if c.outcome is TestOutcome.PASSED)
    return ratio(
        "test_pass_rate", window, passed, len(executed), "no executed test cases in the window", _evidence(inside)
    )


def automation_success_rate(runs: Sequence[TestRun], window: Window) -> MetricValue:
    inside = [r for r in runs_in(runs, window) if r.cases]
    green = sum(1 for r in inside if r.green)
    return ratio("automation_success_rate", window, green, len(inside), NO_REPORTS, _evidence(inside))


def flaky_test_rate(runs: Sequence[TestRun], window: Window) -> MetricValue:
    """Cases marked flaky by a rerun, or seen both passing and failing on the same commit, over all cases."""
    inside = runs_in(runs, window)
    keys = distinct_cases(inside)
    flaky = {c.key for r in inside for c in r.cases if c.flaky}
    outcomes: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for run in inside:
        if run.commit is None:
            continue
        for case in run.cases:
            if case.outcome in _EXECUTED:
                outcomes[(run.commit, case.key)].add(case.outcome is TestOutcome.PASSED)
    flaky |= {key for (_, key), seen in outcomes.items() if len(seen) == 2}
    return ratio("flaky_test_rate", window, len(flaky), len(keys), NO_REPORTS, sorted(flaky)[:20])


def ui_automation_success_rate(runs: Sequence[TestRun], window: Window) -> MetricValue:
    with_ui = [r for r in runs_in(runs, window) if any(c.kind is TestKind.UI for c in r.cases)]
    green = sum(
        1
        for r in with_ui
        if all(c.outcome in (TestOutcome.PASSED, TestOutcome.SKIPPED) for c in r.cases if c.kind is TestKind.UI)
    )
    return ratio(
        "ui_automation_success_rate", window, green, len(with_ui), "no UI test runs in the window", _evidence(with_ui)
    )


def feedback_cycle_from_builds(runs: Sequence[TestRun], window: Window) -> MetricValue:
    """integration_feedback_cycle from the builds' test runs, when no CI server was synced: from a red build (the
    first, or one after a green build) inside the window to the next green build, in minutes; the median. The
    builds of a project are taken as one line in time order (test reports carry no branch)."""
    ordered = sorted(runs, key=lambda r: (r.observed_at, r.report))
    cycles: list[float] = []
    red_since = None
    for run in ordered:
        if not run.green:
            if red_since is None and window.contains(run.observed_at):
                red_since = run.observed_at
            continue
        if red_since is not None:
            cycles.append((run.observed_at - red_since).total_seconds() / 60.0)
            red_since = None
    metric = "integration_feedback_cycle"
    value = median(metric, "minutes", window, cycles, "no red-to-green sequence of builds in the window")
    if value.value is None:
        return value
    return MetricValue(
        metric=metric,
        value=value.value,
        unit="minutes",
        window=window,
        sample_size=value.sample_size,
        details=value.details,
        reason="from the builds' test reports (no CI server synced)",
        evidence=tuple(r.cite() for r in ordered if not r.green and window.contains(r.observed_at))[-20:],
    )
