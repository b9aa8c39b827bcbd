"""Coverage metrics: line and branch coverage of the latest build's (merged) coverage reports in the window."""

from __future__ import annotations

from collections.abc import Sequence

from devmaturity.model.evidence import CoverageReport, merge_snapshots
from devmaturity.model.metric import MetricValue, Window


def latest_build(reports: Sequence[CoverageReport], window: Window) -> list[CoverageReport]:
    """The reports of the newest build in the window: same commit, or same day when no commit is known."""
    inside = [r for r in reports if window.contains(r.observed_at)]
    if not inside:
        return []
    newest = max(inside, key=lambda r: (r.observed_at, r.report))

    def build(r: CoverageReport) -> object:
        return r.commit if r.commit else r.observed_at.date()

    return [r for r in inside if build(r) == build(newest)]


def _coverage(metric: str, reports: Sequence[CoverageReport], window: Window, branches: bool) -> MetricValue:
    build = latest_build(reports, window)
    if not build:
        return MetricValue(
            metric=metric, value=None, unit="ratio", window=window, reason="no coverage reports in the window"
        )
    merged = merge_snapshots([r.snapshot for r in build])
    covered, valid = (
        (merged.branches_covered, merged.branches_valid) if branches else (merged.lines_covered, merged.lines_valid)
    )
    evidence = tuple(r.cite() for r in build)
    if valid == 0:
        what = "branch data" if branches else "executable lines"
        return MetricValue(
            metric=metric,
            value=None,
            unit="ratio",
            window=window,
            evidence=evidence,
            reason=f"the latest coverage reports have no {what}",
        )
    return MetricValue(
        metric=metric,
        value=covered / valid,
        unit="ratio",
        window=window,
        sample_size=valid,
        evidence=evidence,
        details=(("covered", str(covered)), ("valid", str(valid)), ("files", str(len(merged.files)))),
    )


def unit_test_line_coverage(reports: Sequence[CoverageReport], window: Window) -> MetricValue:
    return _coverage("unit_test_line_coverage", reports, window, branches=False)


def unit_test_branch_coverage(reports: Sequence[CoverageReport], window: Window) -> MetricValue:
    return _coverage("unit_test_branch_coverage", reports, window, branches=True)
