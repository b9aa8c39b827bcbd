"""Reads xUnit.net v2 XML results (`<assemblies>`, as `dotnet test` / the xunit console write them) as a stream."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
)
from devmaturity.model.evidence import TestOutcome

ROOT = "assemblies"
# the result attribute of <test>: Pass, Fail, Skip, and NotRun (xunit 2.5+ explicit tests not run)
_RESULTS = {
    "Pass": TestOutcome.PASSED,
    "Fail": TestOutcome.FAILED,
    "Skip": TestOutcome.SKIPPED,
    "NotRun": TestOutcome.SKIPPED,
}


class _Reader(testxml.Base):
    """assemblies > assembly > (errors > error > failure) | (collection > test > failure/reason)."""

    def __init__(self, rules: KindRules) -> None:
        super().__init__(rules, "xUnit.net")
        self.assembly: testxml.Tally | None = None
        self.assembly_attrib: Mapping[str, str] = {}
        self.assembly_errors = 0
        self.collection: testxml.Tally | None = None
        self.collection_attrib: Mapping[str, str] = {}
        self.test: Mapping[str, str] | None = None
        self.error: Mapping[str, str] | None = None
        self.message = ""
        self.root_seen = False

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if not self.root_seen:
            self.root_seen = True
            if tag != ROOT:
                raise ReportError(f"not an xUnit.net v2 report: root element is <{xmlsafe.local(tag)}>")
            return
        if tag == "test" and self.collection is not None:
            if self.test is not None:
                raise ReportError("a <test> inside another <test>")
            self.test, self.message = dict(attrib), ""
        elif tag == "collection" and self.assembly is not None:
            self.enter()
            self.collection_attrib = dict(attrib)
            name = testxml.attr(attrib, "name")
            seconds = parse_seconds(attrib.get("time"))
            self.collection = testxml.Tally(name, (name, self.assembly.name), seconds, self.assembly.timestamp)
        elif tag == "assembly":
            self._open_assembly(attrib)
        elif tag == "error" and self.assembly is not None and self.test is None:
            self.error, self.message = dict(attrib), ""
        elif tag in ("message", "reason") and (self.test is not None or self.error is not None):
            self.start_text()

    def _open_assembly(self, attrib: Mapping[str, str]) -> None:
        self.enter()
        if self.assembly is not None:
            raise ReportError("an <assembly> inside another <assembly>")
        self.assembly_attrib, self.assembly_errors = dict(attrib), 0
        name = testxml.attr(attrib, "name")
        stamp = testxml.date_time_stamp(attrib.get("run-date"), attrib.get("run-time"))
        self.assembly = testxml.Tally(name, (name,), parse_seconds(attrib.get("time")), stamp)

    def end(self, tag: str) -> None:
        if tag in ("message", "reason") and self.capturing:
            self.message = self.message or self.end_text()
        elif tag == "test" and self.test is not None:
            self._close_test(self.test)
        elif tag == "error" and self.error is not None:
            self._close_error(self.error)
        elif tag == "collection" and self.collection is not None:
            self._close_collection(self.collection)
        elif tag == "assembly" and self.assembly is not None:
            self._close_assembly(self.assembly)

    def _close_test(self, attrib: Mapping[str, str]) -> None:
        assert self.collection is not None and self.assembly is not None
        self.test = None
        result = testxml.attr(attrib, "result")
        outcome = _RESULTS.get(result)
        message = self.message
        if outcome is None:
            outcome, message = TestOutcome.ERROR, f"unrecognised xUnit.net result {result!r}"
        classname = testxml.attr(attrib, "type")
        record = testxml.case(
            suite=self.collection.name,
            classname=classname,
            name=testxml.attr(attrib, "name"),
            outcome=outcome,
            kind=self.kind(classname, self.collection.name, self.assembly.name),
            time=parse_seconds(attrib.get("time")),
            message=message if outcome is not TestOutcome.PASSED else "",
        )
        self.collection.add(record)
        self.out.append(record)

    def _close_error(self, attrib: Mapping[str, str]) -> None:
        """An error outside any test (fixture or assembly cleanup): the run failed, so it counts as an errored case."""
        assert self.assembly is not None
        self.error = None
        kind = testxml.attr(attrib, "type") or "error"
        record = testxml.case(
            suite=self.assembly.name,
            classname=f"[{kind}]",
            name=testxml.attr(attrib, "name") or kind,
            outcome=TestOutcome.ERROR,
            kind=self.kind(self.assembly.name),
            time=0.0,
            message=self.message,
        )
        self.assembly.add(record)
        self.assembly_errors += 1
        self.out.append(record)

    def _close_collection(self, tally: testxml.Tally) -> None:
        assert self.assembly is not None
        self.collection, self.depth = None, self.depth - 1
        attrib = self.collection_attrib
        totals = tally.totals()
        self.warn(
            contradiction(
                tally.name,
                totals,
                declared_count(attrib.get("total")),
                declared_count(attrib.get("failed")),
                declared_count(attrib.get("skipped")),
            )
        )
        self.assembly.absorb(totals)
        self.out.append(tally.result(self.rules))

    def _close_assembly(self, tally: testxml.Tally) -> None:
        self.assembly, self.depth = None, self.depth - 1
        attrib, errors = self.assembly_attrib, self.assembly_errors
        tests, failed, errored, skipped = tally.totals()
        declared_failed = declared_count(attrib.get("failed"))
        declared_errors = declared_count(attrib.get("errors"))
        bad = None if declared_failed is None else declared_failed + (declared_errors or 0)
        self.warn(
            contradiction(
                tally.name,
                (tests - errors, failed, errored, skipped),
                declared_count(attrib.get("total")),
                bad,
                declared_count(attrib.get("skipped")),
            )
        )
        if tally.own:
            self.out.append(tally.result(self.rules))


def read_xunit(
    path: Path, *, kind_rules: KindRules = DEFAULT_KIND_RULES, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES
) -> Iterator[Record]:
    """Stream the records of one xUnit.net v2 XML file: each test, each collection as a suite, and errors outside
    tests (assembly or fixture cleanup) as errored cases. Totals are counted from the tests; declared totals that
    contradict them add a ReportWarning. Raises ReportError, possibly after some records were yielded."""
    return testxml.stream(path, _Reader(kind_rules), max_bytes)
