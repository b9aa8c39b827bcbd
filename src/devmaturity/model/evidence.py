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
