"""Reads JUnit XML test reports of every common producer as a stream of test case and test suite records."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from devmaturity.collectors import xmlsafe
from devmaturity.collectors.base import ReportError
from devmaturity.model.evidence import ReportWarning, TestCaseResult, TestKind, TestOutcome, TestSuiteResult

KindRules = tuple[tuple[TestKind, tuple[str, ...]], ...]
Record = TestCaseResult | TestSuiteResult | ReportWarning

# Globs are matched against a case's file path, classname and suite names, each whole and split into its
# path / package segments (on / \ . :); the first rule with a matching glob wins, else UNIT. A glob written all
# in lower case ignores case; one with a capital letter is case-sensitive ("smart case"), so "*IT" finds
# Maven Failsafe's OrderServiceIT without also finding test_git or RateLimit.
DEFAULT_KIND_RULES: KindRules = (
    (
        TestKind.UI,
        (
            "*e2e*",
            "end-to-end*",
            "end_to_end*",
            "*end2end*",
            "ui-test*",
            "ui_test*",
            "uitest*",
            "*UITest*",
            "*UiTest*",
            "*xcuitest*",
            "*espresso*",
            "androidTest",
            "*appium*",
            "*cypress*",
            "*.cy.*",
            "*playwright*",
            "*selenium*",
            "*webdriver*",
            "*puppeteer*",
            "*testcafe*",
            "*nightwatch*",
            "*detox*",
        ),
    ),
    (
        TestKind.PERFORMANCE,
        (
            "perf",
            "perf-*",
            "perf_*",
            "*perftest*",
            "*perf-test*",
            "*perf_test*",
            "performance",
            "performance-*",
            "performance_*",
            "*PerformanceTest*",
            "*benchmark*",
            "bench",
            "benches",
            "*jmeter*",
            "*gatling*",
            "*locust*",
            "k6",
            "*load-test*",
            "*load_test*",
            "*loadtest*",
            "*LoadTest*",
            "*stress-test*",
            "*stress_test*",
        ),
    ),
    (
        TestKind.INTEGRATION,
        (
            "*integration*",
            "integ",
            "*IT",
            "*ITCase",
            "IT[A-Z]*",
            "api-test*",
            "api_test*",
            "apitest*",
            "contract-test*",
            "contract_test*",
            "contracttest*",
            "*ContractTest*",
            "pact",
            "*PactTest*",
            "system-test*",
            "system_test*",
            "systemtest*",
            "*testcontainers*",
        ),
    ),
)

MESSAGE_LIMIT = 500
# records are handed on after each chunk: a small chunk keeps few alive when the garbage collector's young
# generation is scanned, so few get promoted and rescanned (256 KiB chunks cost ~5% more on a 200 MB file)
CHUNK_BYTES = 64 * 1024
MAX_SECONDS = 10.0**9
# deeper suite nesting is refused: no producer nests anywhere near this, and each open suite holds the names of
# all suites above it, so unbounded nesting would cost memory quadratic in the depth; below libxml2's own
# default depth limit (256 since lxml 6.2), so that our message, not the parser's, names the cause
MAX_SUITE_DEPTH = 200
# a file whose suites contradict their declared totals gets this many warnings, then one counting the rest
MAX_WARNINGS = 20
ROOT_TAGS = ("testsuites", "testsuite")
_KIND_CACHE_LIMIT = 1024
_SECONDS_CACHE_LIMIT = 4096
_SEGMENTS = re.compile(r"[/\\.:]+")
_WILDCARDS = re.compile(r"\[[^\]]*\]|[*?]")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(,\d{3})+")

# roles of the elements the reader acts on (ints: compared on every element)
_CASE, _SUITE, _SUITES, _FAILURE, _ERROR, _SKIPPED, _FLAKY, _RERUN, _PROPERTY = range(1, 10)
_ROLE_TAGS = {
    "testcase": _CASE,
    "testsuite": _SUITE,
    "testsuites": _SUITES,
    "failure": _FAILURE,
    "error": _ERROR,
    "skipped": _SKIPPED,
    "flakyFailure": _FLAKY,
    "flakyError": _FLAKY,
    "rerunFailure": _RERUN,
    "rerunError": _RERUN,
    "property": _PROPERTY,
}
_PASSED = TestOutcome.PASSED
_NO_CASE: Mapping[str, str] = MappingProxyType({})
_FAULTS = {_FAILURE: TestOutcome.FAILED, _ERROR: TestOutcome.ERROR, _SKIPPED: TestOutcome.SKIPPED}
# outcome words some producers write in a testcase's status attribute instead of child elements
_STATUS = {
    word: outcome
    for outcome, words in (
        (TestOutcome.SKIPPED, "skipped skip disabled ignored notrun not_run notexecuted not_executed pending excluded"),
        (TestOutcome.FAILED, "failed fail failure"),
        (TestOutcome.ERROR, "error errored broken"),
    )
    for word in words.split()
}


def classify(texts: Iterable[str], rules: KindRules = DEFAULT_KIND_RULES) -> TestKind:
    """The kind of the first rule with a glob matching any text (whole, or one of its path/package segments)."""
    texts = [text for text in texts if text]
    joined = "\n".join(texts)
    lowered = joined.lower()
    candidates: list[str] | None = None
    for kind, globs in _compiled(rules):
        for glob in globs:
            # a cheap substring test first: most globs cannot match, and regexes cost a microsecond each
            if glob.needle in (joined if glob.case_sensitive else lowered):
                candidates = _candidates(texts) if candidates is None else candidates
                if any(glob.pattern.match(text) for text in candidates):
                    return kind
    return TestKind.UNIT


def _candidates(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        out.append(text)
        out.extend(part for part in _SEGMENTS.split(text) if part and part != text)
    return out


class _Glob:
    """One compiled glob: the literal it must contain, and its full-match pattern."""

    __slots__ = ("case_sensitive", "needle", "pattern")

    def __init__(self, glob: str) -> None:
        self.case_sensitive = glob != glob.lower()
        self.pattern = re.compile(fnmatch.translate(glob), 0 if self.case_sensitive else re.IGNORECASE)
        literals = _WILDCARDS.split(glob)
        self.needle = max(literals, key=len) if self.case_sensitive else max(literals, key=len).lower()


@functools.lru_cache(maxsize=32)
def _compiled(rules: KindRules) -> tuple[tuple[TestKind, tuple[_Glob, ...]], ...]:
    return tuple((kind, tuple(_Glob(glob) for glob in globs)) for kind, globs in rules)


def parse_seconds(text: str | None) -> float:
    """A duration attribute in seconds; tolerates thousands separators and decimal commas, else 0."""
    if not text:
        return 0.0
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        if "," not in text:
            return 0.0
        text = text.replace(",", "") if "." in text or _THOUSANDS.fullmatch(text) else text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return 0.0
    return value if 0.0 <= value <= MAX_SECONDS else 0.0


def parse_timestamp(text: str | None) -> datetime | None:
    """An ISO 8601 timestamp attribute, with or without zone (naive is taken as UTC); Go's zero time is None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("T ", "T"))
    except ValueError:
        return None
    if value.year <= 1:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _CaseSlots:
    """TestCaseResult's exact slot layout: the reader fills one by plain stores, then re-labels it TestCaseResult.

    The frozen dataclass __init__ makes ten object.__setattr__ calls, about 1.2 µs a record, as much as parsing
    the element; this takes about 0.17 µs. The object is a genuine, immutable TestCaseResult (tests check it).
    """

    __slots__ = TestCaseResult.__slots__
    suite: str
    classname: str
    name: str
    outcome: TestOutcome
    kind: TestKind
    time: float
    file: str | None
    message: str
    flaky: bool
    reruns: int


class _Suite:
    """Tallies of one open <testsuite> (or of the root <testsuites> when cases sit directly in it)."""

    __slots__ = (
        "attrib",
        "counts",
        "file",
        "has_suites",
        "kind_cache",
        "kind_from",
        "kinds",
        "last_classname",
        "last_file",
        "last_kind",
        "name",
        "nested",
        "properties",
        "tests",
        "texts",
    )

    def __init__(self, attrib: Mapping[str, str], parent: _Suite | None, sticky_file: str | None) -> None:
        self.attrib = dict(attrib)
        self.name = attrib.get("name") or ""
        # mocha / Cypress put the spec file only on the empty "Root Suite" written before the describe suites
        self.file: str | None = attrib.get("file") or (parent.file if parent else None) or sticky_file
        self.texts: tuple[str, ...] = (self.name, *(parent.texts if parent else ()))
        # the reader counts every case in `tests` but only the others in `counts`: passed = tests - the rest
        self.tests = 0
        self.counts = dict.fromkeys(TestOutcome, 0)
        # kinds are counted per run of cases of one kind: last_kind covers the cases from number kind_from on
        self.kinds = dict.fromkeys(TestKind, 0)
        self.kind_from = 0
        self.kind_cache: dict[tuple[str | None, str], TestKind] = {}
        self.last_classname: str | None = None
        self.last_file: str | None = None
        self.last_kind = TestKind.UNIT
        self.properties: list[tuple[str, str]] = []
        self.has_suites = False
        # tests, failed, error, skipped of the suites nested in this one, for checking its declared totals
        self.nested = [0, 0, 0, 0]

    def switch(self, file: str | None, classname: str, rules: KindRules) -> None:
        """Make last_* describe a case of (file, classname), whose kind is cached; called when either changes."""
        kind = self.kind_cache.get((file, classname))
        if kind is None:
            if len(self.kind_cache) >= _KIND_CACHE_LIMIT:
                self.kind_cache.clear()
            kind = self.kind_cache[file, classname] = classify((file or "", classname, *self.texts), rules)
        if kind is not self.last_kind:
            self.kinds[self.last_kind] += self.tests - self.kind_from
            self.kind_from = self.tests
        self.last_classname, self.last_file, self.last_kind = classname, file, kind

    def totals(self) -> list[int]:
        """Tests, failed, error and skipped cases in this suite and the suites nested in it."""
        counts, nested = self.counts, self.nested
        return [
            self.tests + nested[0],
            counts[TestOutcome.FAILED] + nested[1],
            counts[TestOutcome.ERROR] + nested[2],
            counts[TestOutcome.SKIPPED] + nested[3],
        ]

    def contradiction(self, totals: list[int]) -> str | None:
        """What the suite's declared counts say against its cases, if they disagree (see contradiction())."""
        attrib = self.attrib
        failures, errors = declared_count(attrib.get("failures")), declared_count(attrib.get("errors"))
        bad = None if failures is None and errors is None else (failures or 0) + (errors or 0)
        tests, skipped = declared_count(attrib.get("tests")), declared_count(attrib.get("skipped"))
        return contradiction(self.name, totals, tests, bad, skipped)

    def result(self, rules: KindRules) -> TestSuiteResult:
        attrib, counts = self.attrib, self.counts
        self.kinds[self.last_kind] += self.tests - self.kind_from
        self.kind_from = self.tests
        seen = {kind: n for kind, n in self.kinds.items() if n}
        kind = max(seen, key=seen.__getitem__) if seen else classify((self.file or "", *self.texts), rules)
        return TestSuiteResult(
            name=self.name,
            kind=kind,
            tests=self.tests,
            failures=counts[TestOutcome.FAILED],
            errors=counts[TestOutcome.ERROR],
            skipped=counts[TestOutcome.SKIPPED],
            time=parse_seconds(attrib.get("time")),
            timestamp=parse_timestamp(attrib.get("timestamp")),
            hostname=attrib.get("hostname") or "",
            properties=tuple(self.properties),
        )


def declared_count(text: str | None) -> int | None:
    """A declared count attribute, or None when absent or not a whole number."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


def contradiction(
    name: str, totals: Sequence[int], tests: int | None, bad: int | None, skipped: int | None
) -> str | None:
    """What a suite's declared tests / failures+errors / skipped (None: not declared) say against its counted
    cases (tests, failed, error, skipped), if they disagree. Failures and errors are compared as one sum:
    producers disagree on which an exception is."""
    counted_tests, failed, errors, counted_skipped = totals
    said: list[str] = []
    if tests is not None and tests != counted_tests:
        said.append(f"tests={tests} but holds {counted_tests} test case(s)")
    if bad is not None and bad != failed + errors:
        said.append(f"failures+errors={bad} but {failed + errors} case(s) failed or errored")
    if skipped is not None and skipped != counted_skipped:
        said.append(f"skipped={skipped} but {counted_skipped} case(s) were skipped")
    return f"suite {name!r} declares " + "; ".join(said) if said else None


class _Fault:
    """One <failure>, <error>, <skipped> or Surefire rerun element of the open case."""

    __slots__ = ("message", "role", "text_from")

    def __init__(self, role: int, message: str, text_from: int) -> None:
        self.role = role
        self.message = message[:MESSAGE_LIMIT]
        self.text_from = text_from


class _Reader:
    """The target of lxml's feed parser: start/end callbacks become records in `out`, drained after each chunk.

    No tree is built, so memory stays flat whatever the file size. Text is only needed for the message of a
    failure without a message attribute: `data` is a plain list.append (lxml calls it for every text run) and
    the list is emptied at every suite start and end, and by `trim` after each chunk. The test case paths are
    written flat, with bound methods kept on the instance: they run once per case and dominate the reader's cost.
    """

    def __init__(self, rules: KindRules) -> None:
        self.rules = rules
        self.out: list[Record] = []
        self.emit = self.out.append
        self.text: list[str] = []
        self.data = self.text.append
        self.clear_text = self.text.clear
        self.roles: dict[str, int] = {}
        self.case_tag = ""
        self.stack: list[_Suite] = []
        self.suite: _Suite | None = None
        self.case: Mapping[str, str] = _NO_CASE
        self.faults: list[_Fault] | None = None
        self.sticky_file: str | None = None
        self.warnings = 0
        # parsed durations: most producers write milliseconds, so the same few thousand strings recur
        self.seconds: dict[str | None, float] = {}

    def trim(self) -> None:
        """Drop the text read so far unless the open case has faults (whose messages may still need it)."""
        if self.faults is None:
            self.clear_text()

    def doctype(self, name: str | None, pubid: str | None, system: str | None) -> None:
        raise xmlsafe.UnsafeXml("has a DOCTYPE (refused: JUnit reports never have one, and a DTD may declare entities)")

    def close(self) -> None:
        return None

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if tag == self.case_tag:
            if self.case is not _NO_CASE:
                raise ReportError("a <testcase> inside another <testcase>")
            self.case = attrib
            return
        role = self.roles.get(tag)
        if role in (_SUITE, _SUITES):
            self._open_suite(attrib)
        elif role == _PROPERTY:
            if self.case is _NO_CASE and self.suite is not None:
                self.suite.properties.append((attrib.get("name") or "", attrib.get("value") or ""))
        elif role is not None:
            if self.case is not _NO_CASE:
                self._open_fault(role, attrib)
        elif not self.case_tag:
            self._root(tag)
            self.start(tag, attrib)

    def end(self, tag: str) -> None:
        if tag != self.case_tag:
            role = self.roles.get(tag)
            if role in (_SUITE, _SUITES):
                self._close_suite(role)
            elif role in _FAULTS and self.faults:
                self._close_fault(self.faults[-1])
            return
        attrib = self.case
        self.case = _NO_CASE
        suite = self.suite
        assert suite is not None  # a case only ever opens inside the root element
        seconds = attrib.get("time")
        secs = self.seconds.get(seconds)
        if secs is None:
            secs = self._parse_seconds(seconds)
        classname = attrib.get("classname") or attrib.get("class") or ""
        file = attrib.get("file") or suite.file
        if classname != suite.last_classname or file != suite.last_file:
            suite.switch(file, classname, self.rules)
        case = _CaseSlots()  # see _CaseSlots: a fifth of the dataclass constructor's cost
        case.suite = suite.name
        case.classname = classname
        case.name = attrib.get("name") or ""
        case.kind = suite.last_kind
        case.time = secs
        case.file = file
        if self.faults is None and "status" not in attrib:
            case.outcome = _PASSED  # the common case: no child elements, no status attribute
            case.message = ""
            case.flaky = False
            case.reruns = 0
        else:
            self._settle(case, attrib.get("status"))
        suite.tests += 1
        case.__class__ = TestCaseResult  # type: ignore[assignment]
        self.emit(case)  # type: ignore[arg-type]

    def _parse_seconds(self, text: str | None) -> float:
        if len(self.seconds) >= _SECONDS_CACHE_LIMIT:
            self.seconds.clear()
        secs = self.seconds[text] = parse_seconds(text)
        return secs

    def _settle(self, case: _CaseSlots, status: str | None) -> None:
        """Outcome, message, flaky and reruns of a case with child elements or a status attribute."""
        faults = self.faults
        if faults is None:
            outcome = _STATUS.get(status.lower(), _PASSED) if status else _PASSED
            message, flaky, reruns = "", False, 0
        else:
            outcome, message, flaky, reruns = _outcome(faults, status=status)
            self.faults = None
        case.outcome, case.message, case.flaky, case.reruns = outcome, message, flaky, reruns
        assert self.suite is not None
        self.suite.counts[outcome] += 1

    def _root(self, tag: str) -> None:
        name = xmlsafe.local(tag)
        if name not in ROOT_TAGS:
            raise ReportError(f"not a JUnit XML report: root element is <{name}>")
        namespace = tag[: len(tag) - len(name)]
        self.roles = {namespace + local: role for local, role in _ROLE_TAGS.items()}
        self.case_tag = namespace + "testcase"

    def _open_suite(self, attrib: Mapping[str, str]) -> None:
        if self.case is not _NO_CASE:
            raise ReportError("a <testsuite> inside a <testcase>")
        if len(self.stack) >= MAX_SUITE_DEPTH:
            raise ReportError(f"test suites nested more than {MAX_SUITE_DEPTH} levels deep (refused)")
        self.suite = _Suite(attrib, self.suite, self.sticky_file)
        self.stack.append(self.suite)
        self.clear_text()

    def _close_suite(self, role: int) -> None:
        suite = self.stack.pop()
        self.suite = self.stack[-1] if self.stack else None
        totals = suite.totals()
        if self.suite is not None:
            self.suite.has_suites = True
            self.suite.nested = [a + b for a, b in zip(self.suite.nested, totals, strict=True)]
        self._check_declared(suite, totals)
        own_file = suite.attrib.get("file")
        if own_file and not suite.tests and not suite.has_suites:
            self.sticky_file = own_file  # an empty suite naming a file: mocha's "Root Suite" (see _Suite)
        if suite.tests or (role == _SUITE and not suite.has_suites):
            self.emit(suite.result(self.rules))
        self.clear_text()

    def _check_declared(self, suite: _Suite, totals: list[int]) -> None:
        said = suite.contradiction(totals)
        if said is None:
            return
        self.warnings += 1
        if self.warnings <= MAX_WARNINGS:
            self.emit(ReportWarning(message=said))

    def finish(self) -> None:
        """Records due once the whole file was read: the count of warnings left out."""
        if self.warnings > MAX_WARNINGS:
            more = self.warnings - MAX_WARNINGS
            self.emit(ReportWarning(message=f"and {more} more suite(s) whose declared totals contradict their cases"))

    def _open_fault(self, role: int, attrib: Mapping[str, str]) -> None:
        if self.faults is None:
            self.faults = []
        self.faults.append(_Fault(role, attrib.get("message") or "", len(self.text)))

    def _close_fault(self, fault: _Fault) -> None:
        if not fault.message:
            fault.message = "".join(self.text[fault.text_from :]).strip()[:MESSAGE_LIMIT]


def _outcome(faults: list[_Fault], *, status: str | None) -> tuple[TestOutcome, str, bool, int]:
    """Outcome, message, flaky and reruns of a case from its child elements: error > failure > skipped > passed.

    Surefire (and Playwright with includeRetries) write <flakyFailure>/<flakyError> for the failed runs of a test
    that then passed, and <rerunFailure>/<rerunError> for the reruns of a test that failed every time.
    """
    first: dict[int, str] = {}
    for fault in faults:
        first.setdefault(fault.role, fault.message)
    reruns = sum(1 for fault in faults if fault.role == _RERUN)
    flaky_runs = sum(1 for fault in faults if fault.role == _FLAKY)
    for role in (_ERROR, _FAILURE, _RERUN):
        if role in first:
            return _FAULTS.get(role, TestOutcome.FAILED), first[role], False, reruns
    if _SKIPPED in first:
        return TestOutcome.SKIPPED, first[_SKIPPED], False, 0
    outcome = _STATUS.get(status.lower(), _PASSED) if status else _PASSED
    if flaky_runs and outcome is _PASSED:
        return outcome, first[_FLAKY], True, flaky_runs
    return outcome, "", False, 0


def read_junit(
    path: Path,
    *,
    kind_rules: KindRules = DEFAULT_KIND_RULES,
    max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES,
) -> Iterator[Record]:
    """Stream the records of one JUnit XML report: each case as it ends, each suite holding cases as it ends.

    Suite totals are counted from the cases, never taken from the attributes; a suite whose declared totals
    contradict its cases (its own and those of the suites nested in it) adds a ReportWarning. A suite is reported
    when it holds cases directly, or when it is an innermost (empty) suite, so every case is counted in exactly
    one suite.
    Raises ReportError (UnsafeXml for hostile or malformed XML), possibly after some records were yielded:
    the caller discards everything read from that file.
    """
    yield from xmlsafe.feed(path, _Reader(kind_rules), max_bytes, CHUNK_BYTES)
