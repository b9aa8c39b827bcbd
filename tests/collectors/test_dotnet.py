"""TRX, NUnit 2/3 and xUnit.net v2 readers and the test report dispatcher (tests/data/dotnet, see its README)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from devmaturity.collectors import testreports
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.junit import MAX_SUITE_DEPTH
from devmaturity.collectors.trx import parse_timespan
from devmaturity.collectors.xmlsafe import UnsafeXml
from devmaturity.model.evidence import ReportWarning, TestCaseResult, TestKind, TestOutcome, TestSuiteResult

DATA = Path(__file__).parents[1] / "data"
DOTNET = DATA / "dotnet"
P, F, E, S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED
UNIT, INTEGRATION, UI = TestKind.UNIT, TestKind.INTEGRATION, TestKind.UI


def _read(path: Path) -> tuple[list[TestCaseResult], list[TestSuiteResult], list[str]]:
    cases: list[TestCaseResult] = []
    suites: list[TestSuiteResult] = []
    warnings: list[str] = []
    for record in testreports.read_tests(path):
        if isinstance(record, TestCaseResult):
            cases.append(record)
        elif isinstance(record, TestSuiteResult):
            suites.append(record)
        else:
            assert isinstance(record, ReportWarning)
            warnings.append(record.message)
    return cases, suites, warnings


@dataclass(frozen=True)
class Expected:
    file: str
    format: str
    outcomes: dict[TestOutcome, int]
    kinds: dict[TestKind, int]
    suites: dict[str, int]


FILES = [
    # calc.trx: 8 leaf results (the data-driven parent "Rounds" is not counted, its two rows are):
    # Adds P, Divides F, Later NotExecuted -> S, Connects Error -> E, Reconnects F then P (a rerun), Rounds x2 P.
    # DatabaseTests is integration (its class name), the rest unit. One suite per class: 5 + 3.
    Expected(
        "calc.trx",
        "trx",
        {P: 4, F: 2, E: 1, S: 1},
        {UNIT: 5, INTEGRATION: 3},
        {"Calc.Tests.CalculatorTests": 5, "Calc.IntegrationTests.DatabaseTests": 3},
    ),
    # nunit3: Adds P, Divides F, Throws Failed/Error -> E, Later Skipped/Ignored -> S, Rounds(1.5d,2) P (in its
    # ParameterizedMethod suite), PaysByCard P, PaysByInvoice Failed/Invalid -> E; Calc.E2E.* is ui.
    Expected(
        "nunit3-TestResult.xml",
        "nunit3",
        {P: 3, F: 1, E: 2, S: 1},
        {UNIT: 5, UI: 2},
        {"Calc.Tests.CalculatorTests": 4, "Calc.Tests.CalculatorTests.Rounds": 1, "Calc.E2E.CheckoutUiTests": 2},
    ),
    # nunit2: Adds Success, Divides Failure, Throws Error, Later Ignored, Returns NotRunnable -> E, Rounds x2 Success
    Expected(
        "nunit2-TestResult.xml",
        "nunit2",
        {P: 3, F: 1, E: 2, S: 1},
        {UNIT: 7},
        {"CalculatorTests": 5, "Rounds": 2},
    ),
    # xunit: 6 tests (Adds P, Divides Fail, Later Skip, Rounds P; Stores P, Loads Fail) + the fixture-cleanup
    # error outside any test (an errored case of the assembly); OrderIntegrationTests is integration.
    Expected(
        "xunit-v2.xml",
        "xunit2",
        {P: 3, F: 2, E: 1, S: 1},
        {UNIT: 5, INTEGRATION: 2},
        {
            "Test collection for Calc.Tests.CalculatorTests": 4,
            "Test collection for Calc.Tests.OrderIntegrationTests": 2,
            "/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll": 1,
        },
    ),
]


@pytest.mark.parametrize("expected", FILES, ids=[e.file for e in FILES])
def test_each_format_exact_totals(expected: Expected) -> None:
    path = DOTNET / expected.file
    assert testreports.sniff(path)[0] == expected.format
    cases, suites, warnings = _read(path)
    assert dict(Counter(c.outcome for c in cases)) == expected.outcomes
    assert dict(Counter(c.kind for c in cases)) == expected.kinds
    assert {s.name: s.tests for s in suites} == expected.suites
    # every case is in exactly one suite, and the suites' own counts add up to the cases'
    assert sum(s.tests for s in suites) == len(cases)
    assert sum(s.failures for s in suites) == expected.outcomes.get(F, 0)
    assert sum(s.errors for s in suites) == expected.outcomes.get(E, 0)
    assert sum(s.skipped for s in suites) == expected.outcomes.get(S, 0)
    assert warnings == []  # the samples' declared totals agree with their cases


def test_trx_names_classes_and_keeps_retries_as_attempts() -> None:
    cases, _, _ = _read(DOTNET / "calc.trx")
    reconnects = [c for c in cases if c.name == "Reconnects"]
    # MSTest's "Class, Assembly, Version=..." is cut to the class; both attempts keep the same key for merging
    assert [(c.classname, c.outcome) for c in reconnects] == [("Calc.IntegrationTests.DatabaseTests", F)] * 1 + [
        ("Calc.IntegrationTests.DatabaseTests", P)
    ]
    assert reconnects[0].key == reconnects[1].key
    assert reconnects[0].message == "Connection reset by peer" and reconnects[1].message == ""
    divides = next(c for c in cases if c.name == "Divides")
    assert divides.message == "Assert.AreEqual failed. Expected:<2>. Actual:<3>." and divides.time == 0.02


def test_nunit_messages_and_names() -> None:
    cases, _, _ = _read(DOTNET / "nunit2-TestResult.xml")
    by_name = {c.name: c for c in cases}
    # NUnit 2 writes the full name; the class is the part before the method (arguments left alone)
    assert by_name["Rounds(1.5d,2)"].classname == "Calc.Tests.CalculatorTests"
    assert by_name["Later"].message == "not yet"
    cases3, _, _ = _read(DOTNET / "nunit3-TestResult.xml")
    throws = next(c for c in cases3 if c.name == "Throws")
    assert throws.outcome is E and throws.message == "System.InvalidOperationException : boom"


def test_xunit_timestamps_and_multiline_messages() -> None:
    cases, suites, _ = _read(DOTNET / "xunit-v2.xml")
    divides = next(c for c in cases if c.name.endswith(".Divides"))
    assert divides.message == "Assert.Equal() Failure\nExpected: 2\nActual:   3"
    assert {s.timestamp.isoformat() for s in suites if s.timestamp} == {"2024-05-06T10:00:00+00:00"}


def test_timespan() -> None:
    assert parse_timespan("00:00:01.5000000") == 1.5
    assert parse_timespan("1.02:03:04") == 86400 + 2 * 3600 + 3 * 60 + 4
    assert parse_timespan("soon") == 0.0 and parse_timespan(None) == 0.0


def test_junit_goes_to_the_junit_reader() -> None:
    fmt, _ = testreports.sniff(DATA / "junit" / "pytest.xml")
    assert fmt == "junit"
    cases, _, _ = _read(DATA / "junit" / "pytest.xml")
    assert len(cases) == 11  # as tests/collectors/test_junit.py counts pytest.xml


def test_unknown_root_names_it_and_the_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "results.xml"
    path.write_text('<?xml version="1.0"?><testResults><test/></testResults>')
    with pytest.raises(ReportError) as caught:
        list(testreports.read_tests(path))
    assert str(caught.value) == (
        "unsupported test report format <testResults>; supported: JUnit XML, TRX, NUnit 2/3, xUnit.net v2"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file (0 bytes)"),
        ("<test-run><test-suite>", "malformed XML"),
        (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><TestRun/>',
            "declares XML entities",
        ),
        ("<assemblies><assembly><assembly/></assembly></assemblies>", "an <assembly> inside another <assembly>"),
    ],
)
def test_bad_files_are_one_line_problems(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(ReportError) as caught:
        list(testreports.read_tests(path))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_unsafe_doctype_in_a_dotnet_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.trx"
    path.write_text('<?xml version="1.0"?><!DOCTYPE TestRun SYSTEM "http://example.invalid/x.dtd"><TestRun/>')
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        list(testreports.read_tests(path))


def test_nunit_suites_nested_too_deep_are_refused(tmp_path: Path) -> None:
    depth = MAX_SUITE_DEPTH + 1
    path = tmp_path / "deep.xml"
    path.write_text("<test-run>" + '<test-suite name="s">' * depth + "</test-suite>" * depth + "</test-run>")
    with pytest.raises(ReportError, match=f"nested more than {MAX_SUITE_DEPTH} levels"):
        list(testreports.read_tests(path))


def test_declared_totals_contradicting_the_cases_warn(tmp_path: Path) -> None:
    # the collection declares 3 tests, 2 failed; it holds 1 passing test -> one warning naming both
    path = tmp_path / "x.xml"
    path.write_text(
        '<assemblies><assembly name="a.dll" total="1" passed="1" failed="0" skipped="0" errors="0">'
        '<collection name="c" total="3" failed="2" skipped="0"><test name="t" type="T" result="Pass"/></collection>'
        "</assembly></assemblies>"
    )
    _, _, warnings = _read(path)
    assert warnings == [
        "suite 'c' declares tests=3 but holds 1 test case(s); failures+errors=2 but 0 case(s) failed or errored"
    ]


def test_unrecognised_outcome_is_an_error_not_a_pass(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text(
        '<assemblies><assembly name="a"><collection name="c"><test name="t" type="T" result="Maybe"/>'
        "</collection></assembly></assemblies>"
    )
    cases, _, _ = _read(path)
    assert [(c.outcome, c.message) for c in cases] == [(E, "unrecognised xUnit.net result 'Maybe'")]
