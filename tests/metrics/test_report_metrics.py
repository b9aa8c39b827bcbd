"""Test, coverage and security metrics on hand-built evidence; expected values worked out beside each test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devmaturity.metrics import coverage, security, testing
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.evidence import (
    CaseOutcome,
    CoverageReport,
    CoverageSnapshot,
    FileCoverage,
    FindingCategory,
    Scan,
    ScanRun,
    ScanStatus,
    SecurityFinding,
    Severity,
    TestKind,
    TestOutcome,
    TestRun,
)
from devmaturity.model.metric import Window

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = Window.last(30, now=NOW)
P, F, E, S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED
U, IT, UI = TestKind.UNIT, TestKind.INTEGRATION, TestKind.UI


def run(report: int, days_ago: float, commit: str | None, *cases: tuple[str, TestKind, TestOutcome]) -> TestRun:
    return TestRun(
        report=report,
        observed_at=NOW - timedelta(days=days_ago),
        commit=commit,
        cases=tuple(CaseOutcome(key=k, kind=kd, outcome=o) for k, kd, o in cases),
    )


# r1 (commit a): unit a P, unit b F, ui login P          -> not green
# r2 (commit a): unit a P, unit b P, ui login P          -> green; b failed and passed on commit a: flaky
# r3 (commit b): unit a P, unit c S, integration api E   -> not green
# r4 (40 days ago, outside the window): unit old P
RUNS = [
    run(1, 5, "a", ("a", U, P), ("b", U, F), ("login", UI, P)),
    run(2, 4, "a", ("a", U, P), ("b", U, P), ("login", UI, P)),
    run(3, 1, "b", ("a", U, P), ("c", U, S), ("api", IT, E)),
    run(4, 40, "z", ("old", U, P)),
]


def test_counts_are_distinct_cases_in_the_window() -> None:
    # keys in the window: a, b, c, login, api -> 5; unit a b c -> 3; ui login -> 1; integration api -> 1
    assert testing.case_count("automated_test_count", None)(RUNS, WINDOW).value == 5
    assert testing.case_count("unit_test_count", U)(RUNS, WINDOW).value == 3
    assert testing.case_count("ui_test_count", UI)(RUNS, WINDOW).value == 1
    assert testing.case_count("interface_test_count", IT)(RUNS, WINDOW).value == 1


def test_pass_rate_excludes_skipped() -> None:
    # executed: r1 3 (2 P), r2 3 (3 P), r3 2 (1 P, 1 E; c skipped) -> 6 / 8
    value = testing.test_pass_rate(RUNS, WINDOW)
    assert value.value == pytest.approx(6 / 8) and value.sample_size == 8


def test_automation_success_rate_counts_green_runs() -> None:
    # r2 green of r1, r2, r3 -> 1/3
    assert testing.automation_success_rate(RUNS, WINDOW).value == pytest.approx(1 / 3)


def test_flaky_rate_from_same_commit_pass_and_fail() -> None:
    # b failed (r1) and passed (r2) on commit a; 5 distinct keys -> 1/5
    value = testing.flaky_test_rate(RUNS, WINDOW)
    assert value.value == pytest.approx(0.2) and value.evidence == ("b",)


def test_flaky_flag_from_reruns_counts_too() -> None:
    flagged = TestRun(
        report=9,
        observed_at=NOW,
        commit=None,
        cases=(CaseOutcome(key="x", kind=U, outcome=P, flaky=True), CaseOutcome(key="y", kind=U, outcome=P)),
    )
    assert testing.flaky_test_rate([flagged], Window.last(1, now=NOW + timedelta(hours=1))).value == pytest.approx(0.5)


def test_ui_automation_success_rate() -> None:
    # runs with UI cases: r1, r2; both have login passed -> 1.0
    assert testing.ui_automation_success_rate(RUNS, WINDOW).value == 1.0


def test_automated_ratio_needs_the_manual_count() -> None:
    assert testing.automated_test_ratio(RUNS, WINDOW, None).value is None
    assert "manual_test_cases" in testing.automated_test_ratio(RUNS, WINDOW, None).reason
    # 5 automated, 5 manual -> 0.5
    assert testing.automated_test_ratio(RUNS, WINDOW, 5).value == pytest.approx(0.5)


def test_empty_window_is_unknown_not_zero() -> None:
    later = Window.last(7, now=NOW + timedelta(days=100))
    for fn in (
        testing.test_pass_rate,
        testing.automation_success_rate,
        testing.flaky_test_rate,
        testing.ui_automation_success_rate,
    ):
        assert fn(RUNS, later).value is None


def cov(report: int, days_ago: float, commit: str | None, *files: tuple[str, int, int, int, int]) -> CoverageReport:
    fs = tuple(
        FileCoverage(path=p, lines_covered=lc, lines_valid=lv, branches_covered=bc, branches_valid=bv)
        for p, lc, lv, bc, bv in files
    )
    snap = CoverageSnapshot(
        format="cobertura",
        lines_covered=sum(f.lines_covered for f in fs),
        lines_valid=sum(f.lines_valid for f in fs),
        branches_covered=sum(f.branches_covered for f in fs),
        branches_valid=sum(f.branches_valid for f in fs),
        files=fs,
    )
    return CoverageReport(report=report, observed_at=NOW - timedelta(days=days_ago), commit=commit, snapshot=snap)


def test_coverage_uses_the_latest_build_merged() -> None:
    reports = [
        cov(1, 10, "old", ("a.py", 1, 10, 0, 0)),  # older build: ignored
        cov(2, 2, "new", ("a.py", 6, 10, 1, 4), ("b.py", 3, 10, 0, 2)),  # backend job
        cov(3, 2, "new", ("a.py", 8, 10, 2, 4), ("c.ts", 5, 5, 0, 0)),  # another job, same commit
    ]
    # merged per file (max): a 8/10 2/4, b 3/10 0/2, c 5/5 -> lines 16/25, branches 2/6
    line = coverage.unit_test_line_coverage(reports, WINDOW)
    assert line.value == pytest.approx(16 / 25) and line.evidence == ("report#2", "report#3")
    assert coverage.unit_test_branch_coverage(reports, WINDOW).value == pytest.approx(2 / 6)


def test_coverage_without_branch_data_is_unknown() -> None:
    reports = [cov(1, 1, "x", ("a.py", 1, 2, 0, 0))]
    assert coverage.unit_test_line_coverage(reports, WINDOW).value == 0.5
    value = coverage.unit_test_branch_coverage(reports, WINDOW)
    assert value.value is None and "no branch data" in value.reason


def finding(
    tool: str, fp: str, sev: Severity, suppressed: bool = False, category: FindingCategory = FindingCategory.SECURITY
) -> SecurityFinding:
    return SecurityFinding(
        tool=tool, rule="r", severity=sev, message="m", fingerprint=fp, suppressed=suppressed, category=category
    )


def scan(
    report: int,
    days_ago: float,
    commit: str | None,
    *found: SecurityFinding,
    runs: tuple[ScanRun, ...] | None = None,
) -> Scan:
    """A stored SARIF report; by default every tool with a finding ran OK."""
    ok = tuple(ScanRun(tool=t, status=ScanStatus.OK) for t in sorted({f.tool for f in found}))
    return Scan(
        report=report,
        observed_at=NOW - timedelta(days=days_ago),
        commit=commit,
        findings=found,
        runs=ok if runs is None else runs,
    )


CRIT = security.open_by_severity("open_critical_findings", Severity.CRITICAL)
HIGH = security.open_by_severity("open_high_findings", Severity.HIGH)


def test_open_findings_from_the_latest_scans_deduplicated() -> None:
    scans = [
        scan(1, 20, "old", finding("codeql", "f1", Severity.CRITICAL), finding("codeql", "f9", Severity.CRITICAL)),
        scan(
            2,
            1,
            "new",
            finding("codeql", "f1", Severity.CRITICAL),
            finding("codeql", "f1", Severity.CRITICAL),
            finding("codeql", "f2", Severity.HIGH),
            finding("codeql", "f3", Severity.CRITICAL, True),
        ),
        scan(3, 1, "new", finding("trivy", "t1", Severity.HIGH)),
    ]
    # latest build "new": critical f1 (once; f3 suppressed; f9 fixed) -> 1; high f2 + t1 -> 2
    assert CRIT(scans, WINDOW).value == 1
    assert HIGH(scans, WINDOW).value == 2
    # f1 first seen 20 days before now
    assert security.critical_finding_age(scans, WINDOW).value == pytest.approx(20.0)


def test_clean_scan_gives_zero_not_unknown() -> None:
    scans = [scan(1, 1, "c", runs=(ScanRun(tool="Trivy", status=ScanStatus.OK),))]
    assert CRIT(scans, WINDOW).value == 0
    assert security.critical_finding_age(scans, WINDOW).value == 0.0


def test_a_newer_failed_scan_does_not_clear_open_findings() -> None:
    """codeql found critical f1 five days ago; yesterday's codeql run failed (no results). The failed run is no
    clean scan: the metric stays at the last successful scan's 1 and says why; f1 is 5 days old."""
    failed = ScanRun(tool="codeql", status=ScanStatus.FAILED, reason="the tool reported executionSuccessful is false")
    scans = [scan(1, 5, "a", finding("codeql", "f1", Severity.CRITICAL)), scan(2, 1, "b", runs=(failed,))]
    value = CRIT(scans, WINDOW)
    assert value.value == 1
    assert value.reason == (
        "codeql: newest scan (report 2, 2026-02-28) failed (the tool reported executionSuccessful is false); "
        "its last successful scan (report 1, 2026-02-24) is used"
    )
    assert security.critical_finding_age(scans, WINDOW).value == pytest.approx(5.0)


def test_only_failed_or_empty_scans_are_unknown_with_the_reason() -> None:
    """No tool has a successful scan in the window: unknown, never 0."""
    failed = ScanRun(tool="Trivy", status=ScanStatus.FAILED, reason="the tool reported an error and no results: x")
    empty = ScanRun(tool="", status=ScanStatus.NO_RESULTS, reason="the document has no runs")
    scans = [scan(1, 2, "a", runs=(failed,)), scan(2, 1, "b", runs=(empty,))]
    for value in (CRIT(scans, WINDOW), HIGH(scans, WINDOW), security.critical_finding_age(scans, WINDOW)):
        assert value.value is None
        assert value.reason == (
            "no successful security scan in the window: "
            "a SARIF file without runs: newest scan (report 2, 2026-02-28) produced no results "
            "(the document has no runs), and no successful scan in the window; "
            "Trivy: newest scan (report 1, 2026-02-27) failed (the tool reported an error and no results: x), "
            "and no successful scan in the window"
        )


def test_each_tool_reads_its_own_newest_successful_scan() -> None:
    """Report 3 (1 day ago) has Trivy OK with t2 (high) and CodeQL failed; CodeQL's newest OK scan is report 1 with
    c1 (critical), whose Trivy finding t1 is superseded by report 3. Report 2's CodeQL run produced no results.
    Critical: c1 -> 1. High: t2 only (t1 belongs to Trivy's older scan) -> 1."""
    ok = ScanStatus.OK
    scans = [
        scan(1, 10, "a", finding("CodeQL", "c1", Severity.CRITICAL), finding("Trivy", "t1", Severity.HIGH)),
        scan(2, 5, "b", runs=(ScanRun(tool="CodeQL", status=ScanStatus.NO_RESULTS),)),
        scan(
            3,
            1,
            "c",
            finding("Trivy", "t2", Severity.HIGH),
            runs=(ScanRun(tool="Trivy", status=ok), ScanRun(tool="CodeQL", status=ScanStatus.FAILED)),
        ),
    ]
    assert CRIT(scans, WINDOW).value == 1
    high = HIGH(scans, WINDOW)
    assert (high.value, high.evidence, high.sample_size) == (1, ("Trivy:r:None:None",), 2)
    assert high.reason.startswith("CodeQL: newest scan (report 3, 2026-02-28) failed; its last successful scan")


def test_quality_findings_never_count_as_security() -> None:
    """A ruff run's high "findings" are quality: 0 open high security findings, not 2."""
    q = FindingCategory.QUALITY
    scans = [
        scan(
            1,
            1,
            "a",
            finding("ruff", "r1", Severity.HIGH, category=q),
            finding("ruff", "r2", Severity.HIGH, category=q),
        )
    ]
    assert HIGH(scans, WINDOW).value == 0


def test_registry_says_which_source_is_missing() -> None:
    value = compute("unit_test_line_coverage", Inputs(), WINDOW)
    assert value.value is None and value.reason == "no coverage reports collected for this project"
    value = compute("open_critical_findings", Inputs(scans=[]), WINDOW)
    assert "no security scans" in value.reason
    assert compute("test_pass_rate", Inputs(test_runs=RUNS), WINDOW).value == pytest.approx(0.75)


def test_verdicts_cite_the_report_files_not_internal_ids() -> None:
    """A build's five Surefire files are cited by the first file and the count; a report stored without a path
    (none is, but an id is all that is left) falls back to its id."""
    from devmaturity.model.evidence import TestRun, cite_files

    files = tuple(f"target/surefire-reports/TEST-com.acme.T{n}.xml" for n in range(5))
    run = TestRun(
        report=7, reports=(7, 8, 9, 10, 11), paths=files, observed_at=datetime(2026, 1, 1), commit="c", cases=()
    )
    assert run.cite() == "target/surefire-reports/TEST-com.acme.T0.xml (+4 files)"
    assert cite_files(("coverage.xml",), 3) == "coverage.xml"
    assert cite_files((), 3) == "report#3"
