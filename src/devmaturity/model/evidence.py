"""Evidence records collected from sources: commits, refs and the problems met while collecting."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_time: datetime
    committer_name: str
    committer_email: str
    committer_time: datetime
    subject: str
    files: tuple[str, ...] = ()
    insertions: int = 0
    deletions: int = 0

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def files_changed(self) -> int:
        return len(self.files)


class RefKind(enum.StrEnum):
    BRANCH = "branch"
    TAG = "tag"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ref:
    """A branch or tag; `time` is the tagger date of an annotated tag, else the target commit's date."""

    kind: RefKind
    name: str
    target: str
    time: datetime | None
    annotated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Something wrong with one input; the run records it and goes on with the others."""

    source: str
    message: str


class TestOutcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class TestKind(enum.StrEnum):
    """What layer a test belongs to; decided by configurable globs on path or suite name."""

    UNIT = "unit"
    INTEGRATION = "integration"
    UI = "ui"
    PERFORMANCE = "performance"


@dataclass(frozen=True, slots=True, kw_only=True)
class TestCaseResult:
    """One test case in one report. `flaky` means it failed and then passed on a rerun in the same run."""

    suite: str
    classname: str
    name: str
    outcome: TestOutcome
    kind: TestKind
    time: float = 0.0
    file: str | None = None
    message: str = ""
    flaky: bool = False
    reruns: int = 0

    @property
    def key(self) -> str:
        """Identity of the case across runs."""
        return f"{self.classname}::{self.name}" if self.classname else f"{self.suite}::{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class TestSuiteResult:
    """Totals of one <testsuite>, counted from its cases (declared attributes are checked against them)."""

    name: str
    kind: TestKind
    tests: int
    failures: int
    errors: int
    skipped: int
    time: float = 0.0
    timestamp: datetime | None = None
    hostname: str = ""
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportWarning:
    """Something doubtful in a report that was still read, e.g. a suite whose declared totals contradict its cases;
    stored with the report's summary and shown by ingest."""

    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FileCoverage:
    path: str
    lines_covered: int
    lines_valid: int
    branches_covered: int = 0
    branches_valid: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageSnapshot:
    """Line and branch coverage of one build, normalised from any coverage format, per file where given."""

    format: str
    lines_covered: int
    lines_valid: int
    branches_covered: int = 0
    branches_valid: int = 0
    files: tuple[FileCoverage, ...] = ()
    timestamp: datetime | None = None

    @property
    def line_rate(self) -> float | None:
        return self.lines_covered / self.lines_valid if self.lines_valid else None

    @property
    def branch_rate(self) -> float | None:
        return self.branches_covered / self.branches_valid if self.branches_valid else None


class Severity(enum.IntEnum):
    """One severity scale for every scanner; ordered so that comparisons read naturally."""

    NOTE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class FindingCategory(enum.StrEnum):
    """What a finding is about: only security findings count in the security metrics."""

    SECURITY = "security"
    QUALITY = "quality"


class ScanStatus(enum.StrEnum):
    """Whether one tool's run in a SARIF file is a scan whose results can be believed, clean or not."""

    OK = "ok"
    FAILED = "failed"  # the tool said it failed (executionSuccessful false, or an error notification and no results)
    NO_RESULTS = "no_results"  # no results array, or a document without runs: nothing was said either way


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRun:
    """How one run of one tool in a SARIF file ended; `tool` is "" for a document that holds no run at all."""

    tool: str
    status: ScanStatus
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityFinding:
    """One result of one scanner; `fingerprint` identifies the same finding across scans."""

    tool: str
    rule: str
    severity: Severity
    message: str
    fingerprint: str
    path: str | None = None
    line: int | None = None
    level: str = "warning"
    suppressed: bool = False
    baseline_state: str | None = None
    category: FindingCategory = FindingCategory.SECURITY


class ReportKind(enum.StrEnum):
    JUNIT = "junit"
    COVERAGE = "coverage"
    SARIF = "sarif"
    PERFORMANCE = "performance"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportMeta:
    """Where an ingested report came from and the commit and time it belongs to."""

    kind: ReportKind
    digest: str
    path: str
    format: str
    observed_at: datetime
    commit: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseOutcome:
    key: str
    kind: TestKind
    outcome: TestOutcome
    flaky: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TestRun:
    """One automated test run as the metrics see it: the test reports of one build (the report files ingested by
    one ingest run for one commit, e.g. Surefire's file per class), retried cases merged (see merge_attempts).
    `report` is the first report's id, `reports` all of them."""

    report: int
    observed_at: datetime
    commit: str | None
    cases: tuple[CaseOutcome, ...]
    reports: tuple[int, ...] = ()
    paths: tuple[str, ...] = ()  # the report files, as ingested: what a verdict cites

    def cite(self) -> str:
        """How a verdict names this run: its files (the first and how many more), else its report id."""
        return cite_files(self.paths, self.report)

    @property
    def green(self) -> bool:
        return all(c.outcome in (TestOutcome.PASSED, TestOutcome.SKIPPED) for c in self.cases)


_FAILING = (TestOutcome.FAILED, TestOutcome.ERROR)


def merge_attempts(cases: Iterable[CaseOutcome]) -> tuple[CaseOutcome, ...]:
    """Cases of one run with the same key merged into one test with its retries, in first-seen order.

    A retry stops once the test passes, so a test that passed in any attempt finally passed; it is flaky when
    another attempt failed or errored (or an attempt was already marked flaky). A test that never passed takes its
    last failing outcome (failed or error), else it was skipped in every attempt.
    """
    attempts: dict[str, list[CaseOutcome]] = {}
    for case in cases:
        attempts.setdefault(case.key, []).append(case)
    return tuple(group[0] if len(group) == 1 else _merged(group) for group in attempts.values())


def _merged(group: list[CaseOutcome]) -> CaseOutcome:
    outcomes = [case.outcome for case in group]
    failing = [outcome for outcome in outcomes if outcome in _FAILING]
    passed = TestOutcome.PASSED in outcomes
    outcome = TestOutcome.PASSED if passed else (failing[-1] if failing else TestOutcome.SKIPPED)
    flaky = passed and (bool(failing) or any(case.flaky for case in group))
    return CaseOutcome(key=group[0].key, kind=group[0].kind, outcome=outcome, flaky=flaky)


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageReport:
    report: int
    observed_at: datetime
    commit: str | None
    snapshot: CoverageSnapshot
    path: str = ""

    def cite(self) -> str:
        return cite_files((self.path,) if self.path else (), self.report)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """One ingested SARIF report: the findings of the tools it holds at one time, and how each tool's run ended.

    Only tools with a run here count: a report whose every tool was excluded holds no run and stands for no scan.
    The store gives reports saved before statuses were recorded one OK run per tool with findings (the old reading)."""

    report: int
    observed_at: datetime
    commit: str | None
    findings: tuple[SecurityFinding, ...]
    runs: tuple[ScanRun, ...] = ()


def cite_files(paths: tuple[str, ...], report: int) -> str:
    """'target/surefire-reports/TEST-a.xml (+4 files)': the evidence named so a person can open it."""
    if not paths:
        return f"report#{report}"
    more = f" (+{len(paths) - 1} files)" if len(paths) > 1 else ""
    return f"{paths[0]}{more}"


def combine_files(files: Iterable[FileCoverage]) -> list[FileCoverage]:
    """Entries of the same path folded into one by taking the largest of each count; first-seen order.

    Coverage records carry counts, not line numbers, so the largest counts are the safe bound of the union:
    exact when one report covers a superset of the other."""
    by_path: dict[str, FileCoverage] = {}
    for entry in files:
        seen = by_path.get(entry.path)
        by_path[entry.path] = (
            entry
            if seen is None
            else FileCoverage(
                path=seen.path,
                lines_covered=max(seen.lines_covered, entry.lines_covered),
                lines_valid=max(seen.lines_valid, entry.lines_valid),
                branches_covered=max(seen.branches_covered, entry.branches_covered),
                branches_valid=max(seen.branches_valid, entry.branches_valid),
            )
        )
    return list(by_path.values())


def merge_snapshots(snapshots: list[CoverageSnapshot]) -> CoverageSnapshot:
    """Several coverage reports of one build as one: files combined by combine_files(); reports without
    per-file data add their totals."""
    if len(snapshots) == 1:
        return snapshots[0]
    files = combine_files(f for snap in snapshots for f in snap.files)
    loose = [snap for snap in snapshots if not snap.files]
    stamps = [snap.timestamp for snap in snapshots if snap.timestamp is not None]
    return CoverageSnapshot(
        format="+".join(sorted({snap.format for snap in snapshots})),
        lines_covered=sum(f.lines_covered for f in files) + sum(x.lines_covered for x in loose),
        lines_valid=sum(f.lines_valid for f in files) + sum(x.lines_valid for x in loose),
        branches_covered=sum(f.branches_covered for f in files) + sum(x.branches_covered for x in loose),
        branches_valid=sum(f.branches_valid for f in files) + sum(x.branches_valid for x in loose),
        files=tuple(files),
        timestamp=max(stamps) if stamps else None,
    )
