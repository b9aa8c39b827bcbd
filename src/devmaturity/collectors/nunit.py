"""Reads NUnit 3 (`<test-run>`) and NUnit 2.5 (`<test-results>`) result XML as a stream of test records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from devmaturity.collectors import testxml, xmlsafe
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.junit import (
    DEFAULT_KIND_RULES,
    KindRules,
    Record,
    contradiction,
    declared_count,
    parse_seconds,
    parse_timestamp,
)
from devmaturity.model.evidence import TestOutcome

ROOTS = ("test-run", "test-results")
_P, _F, _E, _S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED
# NUnit 3: result, then label for Failed (Error / Invalid / Cancelled are not assertion failures)
_NUNIT3 = {"Passed": _P, "Warning": _P, "Failed": _F, "Skipped": _S, "Inconclusive": _S}
_NUNIT3_ERROR_LABELS = frozenset({"Error", "Invalid", "Cancelled"})
# NUnit 2.5 result attribute; 2.2 files have only executed/success
_NUNIT2 = {
    "Success": _P,
    "Failure": _F,
    "Error": _E,
    "Cancelled": _E,
    "NotRunnable": _E,
    "Ignored": _S,
    "Skipped": _S,
    "Inconclusive": _S,
}


def _outcome3(attrib: Mapping[str, str]) -> TestOutcome | None:
    outcome = _NUNIT3.get(testxml.attr(attrib, "result"))
    if outcome is _F and testxml.attr(attrib, "label") in _NUNIT3_ERROR_LABELS:
        return _E
    return outcome


def _outcome2(attrib: Mapping[str, str]) -> TestOutcome | None:
    result = attrib.get("result")
    if result is not None:
        return _NUNIT2.get(result)
    if testxml.attr(attrib, "executed").lower() == "false":
        return _S
    return _P if testxml.attr(attrib, "success").lower() == "true" else _F


def split_name(full: str, fallback: str) -> tuple[str, str]:
    """NUnit 2 names a case `Namespace.Class.Method(args)`: (class, method with args); no dot -> (fallback, full)."""
    base = full.split("(", 1)[0]
    if "." not in base:
        return fallback, full
    classname = base.rsplit(".", 1)[0]
    return classname, full[len(classname) + 1 :]


class _Reader(testxml.Base):
    """Both NUnit formats: nested <test-suite> elements holding <test-case> elements (NUnit 2 inside <results>)."""

    def __init__(self, rules: KindRules) -> None:
        super().__init__(rules, "NUnit")
        self.version = 0
        self.root_attrib: Mapping[str, str] = {}
        self.stack: list[tuple[testxml.Tally, Mapping[str, str]]] = []
        self.root = testxml.Tally("", ())
        self.stamp: datetime | None = None
        self.test: Mapping[str, str] | None = None
        self.message = ""

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if not self.version:
            self._open_root(tag, attrib)
        elif tag == "test-case":
            if self.test is not None:
                raise ReportError("a <test-case> inside another <test-case>")
            self.test, self.message = dict(attrib), ""
        elif tag == "test-suite":
            self._open_suite(attrib)
        elif tag == "message" and self.test is not None:
            self.start_text()

    def _open_root(self, tag: str, attrib: Mapping[str, str]) -> None:
        name = xmlsafe.local(tag)
        if name not in ROOTS:
            raise ReportError(f"not an NUnit result file: root element is <{name}>")
        self.version = 3 if name == "test-run" else 2
        self.root_attrib = dict(attrib)
        self.stamp = (
            parse_timestamp(attrib.get("start-time"))
            if self.version == 3
            else testxml.date_time_stamp(attrib.get("date"), attrib.get("time"))
        )
        self.root = testxml.Tally(testxml.attr(attrib, "name"), ())

    def _open_suite(self, attrib: Mapping[str, str]) -> None:
        if self.test is not None:
            raise ReportError("a <test-suite> inside a <test-case>")
        self.enter()
        name = testxml.attr(attrib, "fullname") or testxml.attr(attrib, "name")
        parent = self.stack[-1][0].texts if self.stack else ()
        seconds = parse_seconds(attrib.get("duration") if self.version == 3 else attrib.get("time"))
        stamp = parse_timestamp(attrib.get("start-time")) or self.stamp
        # each suite keeps only its own name and its parent's: names of deeper ancestors add nothing to the kind
        self.stack.append((testxml.Tally(name, (name, *parent[:1]), seconds, stamp), dict(attrib)))

    def end(self, tag: str) -> None:
        if tag == "message" and self.capturing:
            self.message = self.message or self.end_text()
        elif tag == "test-case" and self.test is not None:
            self._close_case(self.test)
        elif tag == "test-suite" and self.stack:
            self._close_suite()
        elif tag in ROOTS:
            self._close_root()

    def _close_case(self, attrib: Mapping[str, str]) -> None:
        self.test = None
        tally = self.stack[-1][0] if self.stack else self.root
        outcome = _outcome3(attrib) if self.version == 3 else _outcome2(attrib)
        message = self.message
        if outcome is None:
            outcome, message = _E, f"unrecognised NUnit result {testxml.attr(attrib, 'result')!r}"
        if self.version == 3:
            classname = testxml.attr(attrib, "classname") or tally.name
            name = testxml.attr(attrib, "name")
            seconds = parse_seconds(attrib.get("duration"))
        else:
            classname, name = split_name(testxml.attr(attrib, "name"), tally.name)
            seconds = parse_seconds(attrib.get("time"))
        record = testxml.case(
            suite=tally.name,
            classname=classname,
            name=name,
            outcome=outcome,
            kind=self.kind(classname, *tally.texts),
            time=seconds,
            message=message if outcome is not _P else "",
        )
        tally.add(record)
        self.out.append(record)

    def _close_suite(self) -> None:
        tally, attrib = self.stack.pop()
        self.depth -= 1
        totals = tally.totals()
        if self.version == 3:
            self.warn(_declared3(tally.name, totals, attrib))
        (self.stack[-1][0] if self.stack else self.root).absorb(totals)
        if tally.own:
            self.out.append(tally.result(self.rules))

    def _close_root(self) -> None:
        totals, attrib = self.root.totals(), self.root_attrib
        if self.version == 3:
            self.warn(_declared3("test-run", totals, attrib))
        else:
            bad = [declared_count(attrib.get(key)) for key in ("failures", "errors", "invalid")]
            if any(count is not None for count in bad):
                declared = sum(count or 0 for count in bad)
                self.warn(contradiction("test-results", totals, None, declared, None))
        if self.root.own:
            self.out.append(self.root.result(self.rules))


def _declared3(name: str, totals: tuple[int, int, int, int], attrib: Mapping[str, str]) -> str | None:
    """NUnit 3 counts: total = passed + failed + warnings + inconclusive + skipped; failed includes errors."""
    skipped = declared_count(attrib.get("skipped"))
    inconclusive = declared_count(attrib.get("inconclusive"))
    declared_skipped = None if skipped is None else skipped + (inconclusive or 0)
    return contradiction(
        name,
        totals,
        declared_count(attrib.get("total")),
        declared_count(attrib.get("failed")),
        declared_skipped,
    )


def read_nunit(
    path: Path, *, kind_rules: KindRules = DEFAULT_KIND_RULES, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES
) -> Iterator[Record]:
    """Stream the records of one NUnit 3 or NUnit 2.5 result file: each test case as it ends, each suite holding
    cases as it ends. Totals are counted from the cases; declared totals that contradict them add a ReportWarning.
    Raises ReportError, possibly after some records were yielded."""
    return testxml.stream(path, _Reader(kind_rules), max_bytes)
