"""Reads Visual Studio TRX test results (`dotnet test --logger trx`, vstest, MSTest) as a stream of test records."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from devmaturity.collectors import testxml, xmlsafe
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.junit import (
    DEFAULT_KIND_RULES,
    MAX_SECONDS,
    KindRules,
    Record,
    contradiction,
    declared_count,
    parse_timestamp,
)
from devmaturity.model.evidence import TestOutcome

NAMESPACE = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"
ROOT = "TestRun"
# results come before the definitions naming their classes, so they wait; this many at most (~200 bytes each)
MAX_WAITING = 2_000_000
_P, _F, _E, _S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED
# vstst.xsd TestOutcome values
_OUTCOMES = {
    "Passed": _P,
    "PassedButRunAborted": _P,
    "Completed": _P,
    "Warning": _P,
    "Failed": _F,
    "Timeout": _F,
    "Aborted": _E,
    "Error": _E,
    "Disconnected": _E,
    "NotExecuted": _S,
    "NotRunnable": _S,
    "Inconclusive": _S,
    "Pending": _S,
    "InProgress": _S,
}
_TIMESPAN = re.compile(r"(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)")


def parse_timespan(text: str | None) -> float:
    """A .NET TimeSpan `[d.]hh:mm:ss[.fffffff]` in seconds, else 0."""
    match = _TIMESPAN.fullmatch(text.strip()) if text else None
    if match is None:
        return 0.0
    days, hours, minutes, seconds = match.groups()
    value = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return value if value <= MAX_SECONDS else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Waiting:
    """A result read before its definition."""

    name: str
    outcome: TestOutcome
    time: float
    message: str


class _Open:
    """A <UnitTestResult> being read; `inner` when it holds <InnerResults> (then only those count)."""

    __slots__ = ("attrib", "inner", "message")

    def __init__(self, attrib: Mapping[str, str]) -> None:
        self.attrib = attrib
        self.inner = False
        self.message = ""


class _Reader(testxml.Base):
    """TestRun > Results > UnitTestResult (> InnerResults > UnitTestResult), then TestDefinitions > UnitTest >
    TestMethod naming the class; cases are made when their definition ends."""

    def __init__(self, rules: KindRules) -> None:
        super().__init__(rules, "TRX")
        self.root_seen = False
        self.stamp: datetime | None = None
        self.open: list[_Open] = []
        self.waiting: dict[str, list[_Waiting]] = {}
        self.waiting_count = 0
        self.unit: Mapping[str, str] | None = None
        self.method: Mapping[str, str] = {}
        self.classes: dict[str, testxml.Tally] = {}
        self.counters: Mapping[str, str] | None = None

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        name = xmlsafe.local(tag)
        if not self.root_seen:
            self.root_seen = True
            if name != ROOT:
                raise ReportError(f"not a TRX file: root element is <{name}>")
            return
        if name == "UnitTestResult":
            if self.open:
                self.open[-1].inner = True
            if len(self.open) >= 8:
                raise ReportError("<UnitTestResult> nested more than 8 levels deep (refused)")
            self.open.append(_Open(dict(attrib)))
        elif name == "Message" and self.open:
            self.start_text()
        elif name == "UnitTest":
            self.unit, self.method = dict(attrib), {}
        elif name == "TestMethod" and self.unit is not None:
            self.method = dict(attrib)
        elif name == "Times":
            self.stamp = parse_timestamp(attrib.get("start") or attrib.get("creation"))
        elif name == "Counters":
            self.counters = dict(attrib)

    def end(self, tag: str) -> None:
        name = xmlsafe.local(tag)
        if name == "Message" and self.capturing:
            text = self.end_text()
            if self.open and not self.open[-1].message:
                self.open[-1].message = text
        elif name == "UnitTestResult" and self.open:
            self._close_result(self.open.pop())
        elif name == "UnitTest" and self.unit is not None:
            self._close_definition(self.unit, self.method)
        elif name == ROOT:
            self._close_root()

    def _close_result(self, result: _Open) -> None:
        if result.inner:
            return  # a data-driven parent: its inner results are the tests
        attrib = result.attrib
        word = testxml.attr(attrib, "outcome")
        outcome = _OUTCOMES.get(word)
        message = result.message
        if outcome is None:
            outcome, message = _E, f"unrecognised TRX outcome {word!r}"
        if self.waiting_count >= MAX_WAITING:
            raise ReportError(f"more than {MAX_WAITING:,} results before their test definitions (refused)")
        self.waiting_count += 1
        self.waiting.setdefault(testxml.attr(attrib, "testId"), []).append(
            _Waiting(
                name=testxml.attr(attrib, "testName"),
                outcome=outcome,
                time=parse_timespan(attrib.get("duration")),
                message=message if outcome is not _P else "",
            )
        )

    def _close_definition(self, unit: Mapping[str, str], method: Mapping[str, str]) -> None:
        self.unit = None
        results = self.waiting.pop(testxml.attr(unit, "id"), None)
        if results is None:
            return
        self.waiting_count -= len(results)
        # MSTest writes "Namespace.Class, Assembly, Version=..." as the class name
        classname = testxml.attr(method, "className").split(",", 1)[0].strip()
        self._emit(classname, testxml.attr(unit, "storage") or testxml.attr(method, "codeBase"), results)

    def _emit(self, classname: str, storage: str, results: list[_Waiting]) -> None:
        tally = self.classes.get(classname)
        if tally is None:
            tally = self.classes[classname] = testxml.Tally(classname, (classname, storage), timestamp=self.stamp)
        for waiting in results:
            record = testxml.case(
                suite=classname,
                classname=classname,
                name=waiting.name,
                outcome=waiting.outcome,
                kind=self.kind(classname, storage),
                time=waiting.time,
                message=waiting.message,
            )
            tally.add(record)
            tally.time += waiting.time
            self.out.append(record)

    def _close_root(self) -> None:
        orphans = [w for results in self.waiting.values() for w in results]
        if orphans:
            self.warn(f"{len(orphans)} result(s) without a test definition: counted without a class name")
            self._emit("", "", orphans)
        self.waiting.clear()
        totals = [0, 0, 0, 0]
        for tally in self.classes.values():
            self.out.append(tally.result(self.rules))
            totals = [a + b for a, b in zip(totals, tally.totals(), strict=True)]
        if self.counters is not None:
            counters = self.counters
            bad = [declared_count(counters.get(key)) for key in ("failed", "error", "timeout", "aborted")]
            declared_bad = sum(n or 0 for n in bad) if any(n is not None for n in bad) else None
            total = declared_count(counters.get("total"))
            self.warn(contradiction("ResultSummary", totals, total, declared_bad, None))


def read_trx(
    path: Path, *, kind_rules: KindRules = DEFAULT_KIND_RULES, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES
) -> Iterator[Record]:
    """Stream the records of one TRX file: each result once its test definition (naming the class) is read, one
    suite per class at the end. A test run again (duplicate results of one testId) gives one case per attempt;
    the store merges them. Totals are counted from the results; ResultSummary counters that contradict them add a
    ReportWarning. Raises ReportError, possibly after some records were yielded."""
    return testxml.stream(path, _Reader(kind_rules), max_bytes)
