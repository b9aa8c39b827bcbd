"""Evidence records collected from sources: commits, refs and the problems met while collecting."""

from __future__ import annotations

import enum
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


class ReportKind(enum.StrEnum):
    JUNIT = "junit"
    COVERAGE = "coverage"
    SARIF = "sarif"


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
    """One ingested JUnit report as the metrics see it: one automated run."""

    report: int
    observed_at: datetime
    commit: str | None
    cases: tuple[CaseOutcome, ...]

    @property
    def green(self) -> bool:
        return all(c.outcome in (TestOutcome.PASSED, TestOutcome.SKIPPED) for c in self.cases)


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageReport:
    report: int
    observed_at: datetime
    commit: str | None
    snapshot: CoverageSnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """One ingested SARIF report: the findings of the tools it holds at one time."""

    report: int
    observed_at: datetime
    commit: str | None
    findings: tuple[SecurityFinding, ...]


def merge_snapshots(snapshots: list[CoverageSnapshot]) -> CoverageSnapshot:
    """Several coverage reports of one build as one: per file the larger covered and valid counts
    (reports of one build overlap on shared files; per-line data is not kept, so max is the safe union bound)."""
    if len(snapshots) == 1:
        return snapshots[0]
    files: dict[str, FileCoverage] = {}
    loose = CoverageSnapshot(format="merged", lines_covered=0, lines_valid=0)
    for snap in snapshots:
        if not snap.files:
            loose = CoverageSnapshot(
                format="merged",
                lines_covered=loose.lines_covered + snap.lines_covered,
                lines_valid=loose.lines_valid + snap.lines_valid,
                branches_covered=loose.branches_covered + snap.branches_covered,
                branches_valid=loose.branches_valid + snap.branches_valid,
            )
        for f in snap.files:
            old = files.get(f.path)
            files[f.path] = (
                f
                if old is None
                else FileCoverage(
                    path=f.path,
                    lines_covered=max(old.lines_covered, f.lines_covered),
                    lines_valid=max(old.lines_valid, f.lines_valid),
                    branches_covered=max(old.branches_covered, f.branches_covered),
                    branches_valid=max(old.branches_valid, f.branches_valid),
                )
            )
    merged = tuple(files[p] for p in sorted(files))
    return CoverageSnapshot(
        format="merged",
        lines_covered=loose.lines_covered + sum(f.lines_covered for f in merged),
        lines_valid=loose.lines_valid + sum(f.lines_valid for f in merged),
        branches_covered=loose.branches_covered + sum(f.branches_covered for f in merged),
        branches_valid=loose.branches_valid + sum(f.branches_valid for f in merged),
        files=merged,
    )
