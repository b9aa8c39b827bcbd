"""What the streaming .NET test report readers (TRX, NUnit, xUnit.net) share: the feed loop, suite tallies, checks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from devmaturity.collectors import xmlsafe
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.junit import (
    CHUNK_BYTES,
    MAX_SUITE_DEPTH,
    MAX_WARNINGS,
    MESSAGE_LIMIT,
    KindRules,
    Record,
    classify,
)
from devmaturity.model.evidence import ReportWarning, TestCaseResult, TestKind, TestOutcome, TestSuiteResult

_KIND_CACHE_LIMIT = 1024


class Target(Protocol):
    """An lxml feed-parser target that leaves its records in `out`."""

    out: list[Record]

    def trim(self) -> None: ...

    def finish(self) -> None: ...


class Tally:
    """Counts of one suite (its own cases, and the cases of suites nested in it), and its records."""

    __slots__ = ("counts", "kinds", "name", "nested", "texts", "time", "timestamp")

    def __init__(self, name: str, texts: tuple[str, ...], time: float = 0.0, timestamp: datetime | None = None) -> None:
        self.name = name
        self.texts = texts
        self.counts = dict.fromkeys(TestOutcome, 0)
        self.kinds = dict.fromkeys(TestKind, 0)
        self.nested = (0, 0, 0, 0)
        self.time = time
        self.timestamp = timestamp

    @property
    def own(self) -> int:
        return sum(self.counts.values())

    def add(self, case: TestCaseResult) -> None:
        self.counts[case.outcome] += 1
        self.kinds[case.kind] += 1

    def totals(self) -> tuple[int, int, int, int]:
        """Tests, failed, error, skipped: own cases plus nested suites."""
        c, n = self.counts, self.nested
        return (
            self.own + n[0],
            c[TestOutcome.FAILED] + n[1],
            c[TestOutcome.ERROR] + n[2],
            c[TestOutcome.SKIPPED] + n[3],
        )

    def absorb(self, child: tuple[int, int, int, int]) -> None:
        self.nested = (
            self.nested[0] + child[0],
            self.nested[1] + child[1],
            self.nested[2] + child[2],
            self.nested[3] + child[3],
        )

    def result(self, rules: KindRules) -> TestSuiteResult:
        seen = {kind: n for kind, n in self.kinds.items() if n}
        kind = max(seen, key=seen.__getitem__) if seen else classify(self.texts, rules)
        return TestSuiteResult(
            name=self.name,
            kind=kind,
            tests=self.own,
            failures=self.counts[TestOutcome.FAILED],
            errors=self.counts[TestOutcome.ERROR],
            skipped=self.counts[TestOutcome.SKIPPED],
            time=self.time,
            timestamp=self.timestamp,
        )


class Base:
    """Shared state of the .NET readers: records out, text capture, kind cache, depth and warning limits."""

    def __init__(self, rules: KindRules, format_name: str) -> None:
        self.rules = rules
        self.format_name = format_name
        self.out: list[Record] = []
        self.text: list[str] = []
        self.capturing = False
        self.kind_cache: dict[tuple[str, ...], TestKind] = {}
        self.depth = 0
        self.warnings = 0

    # lxml target callbacks shared by all readers
    def data(self, text: str) -> None:
        if self.capturing:
            self.text.append(text)

    def doctype(self, name: str | None, pubid: str | None, system: str | None) -> None:
        raise xmlsafe.UnsafeXml(f"has a DOCTYPE (refused: {self.format_name} files never have one)")

    def close(self) -> None:
        return None

    def trim(self) -> None:
        if not self.capturing:
            self.text.clear()

    def enter(self) -> None:
        """Count one more open suite; refuse nesting deeper than MAX_SUITE_DEPTH."""
        self.depth += 1
        if self.depth > MAX_SUITE_DEPTH:
            raise ReportError(f"test suites nested more than {MAX_SUITE_DEPTH} levels deep (refused)")

    def start_text(self) -> None:
        self.text.clear()
        self.capturing = True

    def end_text(self) -> str:
        self.capturing = False
        out = "".join(self.text).strip()[:MESSAGE_LIMIT]
        self.text.clear()
        return out

    def kind(self, *texts: str) -> TestKind:
        kind = self.kind_cache.get(texts)
        if kind is None:
            if len(self.kind_cache) >= _KIND_CACHE_LIMIT:
                self.kind_cache.clear()
            kind = self.kind_cache[texts] = classify(texts, self.rules)
        return kind

    def warn(self, message: str | None) -> None:
        if message is None:
            return
        self.warnings += 1
        if self.warnings <= MAX_WARNINGS:
            self.out.append(ReportWarning(message=message))

    def finish(self) -> None:
        if self.warnings > MAX_WARNINGS:
            more = self.warnings - MAX_WARNINGS
            self.out.append(
                ReportWarning(message=f"and {more} more suite(s) whose declared totals contradict their cases")
            )


def date_time_stamp(date: str | None, time: str | None) -> datetime | None:
    """A run's separate date (yyyy-MM-dd) and time (HH:mm:ss), as NUnit 2 and xUnit.net write them: the runner's
    local time, taken as UTC; None when absent or unreadable."""
    if not date:
        return None
    try:
        return datetime.fromisoformat(f"{date.strip()}T{(time or '00:00:00').strip()}").replace(tzinfo=UTC)
    except ValueError:
        return None


def stream(path: Path, target: Target, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> Iterator[Record]:
    """Feed one file through `target` in chunks, yielding its records as they are made; errors as ReportError."""
    yield from xmlsafe.feed(path, target, max_bytes, CHUNK_BYTES)


def case(
    *,
    suite: str,
    classname: str,
    name: str,
    outcome: TestOutcome,
    kind: TestKind,
    time: float,
    message: str = "",
    file: str | None = None,
) -> TestCaseResult:
    return TestCaseResult(
        suite=suite,
        classname=classname,
        name=name,
        outcome=outcome,
        kind=kind,
        time=time,
        file=file,
        message=message[:MESSAGE_LIMIT],
    )


def attr(attrib: Mapping[str, str], name: str) -> str:
    return attrib.get(name) or ""
