"""JUnit XML reader: every producer's dialect (tests/data/junit, see its README), kinds, hostile input, memory."""

from __future__ import annotations

import dataclasses
import pickle
import resource
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.junit import (
    DEFAULT_KIND_RULES,
    MAX_SUITE_DEPTH,
    MESSAGE_LIMIT,
    classify,
    parse_seconds,
    parse_timestamp,
    read_junit,
)
from devmaturity.collectors.xmlsafe import UnsafeXml
from devmaturity.model.evidence import ReportWarning, TestCaseResult, TestKind, TestOutcome, TestSuiteResult

DATA = Path(__file__).parents[1] / "data" / "junit"
UI, PERF, INTEGRATION, UNIT = TestKind.UI, TestKind.PERFORMANCE, TestKind.INTEGRATION, TestKind.UNIT
PASSED, FAILED, ERROR, SKIPPED = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED


def _read(path: Path, **kwargs: object) -> tuple[list[TestCaseResult], list[TestSuiteResult]]:
    cases: list[TestCaseResult] = []
    suites: list[TestSuiteResult] = []
    for record in read_junit(path, **kwargs):  # type: ignore[arg-type]
        if isinstance(record, TestSuiteResult):
            suites.append(record)
        elif isinstance(record, TestCaseResult):
            cases.append(record)
    return cases, suites


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    file: str
    tests: int
    failures: int
    errors: int
    skipped: int
    flaky: int
    kinds: dict[TestKind, int]
    suites: tuple[str, ...]
    timestamp: datetime | None = None


FILES = [
    Expected("pytest.xml", 11, 2, 1, 2, 0, {UNIT: 8, UI: 2, INTEGRATION: 1}, ("pytest",)),
    Expected("pytest-xunit1.xml", 11, 2, 1, 2, 0, {UNIT: 8, UI: 2, INTEGRATION: 1}, ("pytest",)),
    Expected(
        "gotestsum.xml",
        7,
        1,
        0,
        1,
        0,
        {UNIT: 6, INTEGRATION: 1},
        ("example.com/shop/calc", "example.com/shop/integration"),
    ),
    Expected(
        "surefire-TEST-com.acme.cart.CartServiceTest.xml", 6, 2, 1, 1, 1, {UNIT: 6}, ("com.acme.cart.CartServiceTest",)
    ),
    Expected(
        "failsafe-TEST-com.acme.orders.OrderRepositoryIT.xml",
        3,
        0,
        1,
        0,
        0,
        {INTEGRATION: 3},
        ("com.acme.orders.OrderRepositoryIT",),
    ),
    Expected(
        "gradle-TEST-com.acme.pricing.PriceCalculatorTest.xml",
        5,
        1,
        0,
        1,
        0,
        {UNIT: 5},
        ("com.acme.pricing.PriceCalculatorTest",),
        _utc("2024-05-02T08:15:30"),
    ),
    Expected(
        "jest-junit.xml",
        5,
        1,
        1,
        1,
        0,
        {UNIT: 4, UI: 1},
        ("Cart", "src/broken.test.js", "checkout"),
        _utc("2024-05-03T09:00:00"),
    ),
    Expected(
        "karma-TESTS-Chrome_Headless.xml",
        4,
        1,
        0,
        1,
        0,
        {UNIT: 4},
        ("Chrome Headless 124.0.6367.60 (Linux x86_64)",),
        _utc("2024-05-04T07:30:00"),
    ),
    Expected("cypress-login.xml", 3, 1, 0, 0, 0, {UI: 3}, ("Root Suite", "Login"), _utc("2024-05-05T10:00:00")),
    Expected(
        "playwright.xml",
        4,
        1,
        0,
        1,
        1,
        {UNIT: 4},
        ("auth/login.spec.ts",),
        _utc("2024-05-06T11:00:00.125"),
    ),
    Expected(
        "phpunit.xml",
        6,
        1,
        1,
        1,
        0,
        {UNIT: 5, INTEGRATION: 1},
        (
            "Tests\\Unit\\CalculatorTest::testDivide",
            "Tests\\Unit\\CalculatorTest",
            "Tests\\Integration\\InvoiceRepositoryTest",
        ),
    ),
    Expected("dotnet-junit.xml", 5, 2, 0, 1, 0, {UNIT: 5}, ("Shop.Tests.dll",), _utc("2024-05-08T13:45:10")),
    Expected("appium-wdio-android.xml", 4, 0, 1, 1, 0, {UI: 4}, ("Login_screen",), _utc("2024-05-07T12:00:00")),
]


@pytest.mark.parametrize("expected", FILES, ids=[e.file for e in FILES])
def test_every_dialect_exact_totals(expected: Expected) -> None:
    cases, suites = _read(DATA / expected.file)
    outcomes = Counter(case.outcome for case in cases)
    assert len(cases) == expected.tests
    assert (outcomes[FAILED], outcomes[ERROR], outcomes[SKIPPED]) == (
        expected.failures,
        expected.errors,
        expected.skipped,
    )
    assert sum(case.flaky for case in cases) == expected.flaky
    assert dict(Counter(case.kind for case in cases)) == expected.kinds
    assert tuple(suite.name for suite in suites) == expected.suites
    # every case is counted in exactly one suite, and suite totals come from the cases
    assert sum(s.tests for s in suites) == len(cases)
    assert sum(s.failures for s in suites) == expected.failures
    assert sum(s.errors for s in suites) == expected.errors
    assert sum(s.skipped for s in suites) == expected.skipped
    if expected.timestamp is not None:
        assert suites[0].timestamp == expected.timestamp


@pytest.mark.parametrize("name", ["pytest.xml", "pytest-xunit1.xml"])
def test_pytest_real_report(name: str) -> None:
    cases, (suite,) = _read(DATA / name)
    by_name = {case.name: case for case in cases}
    assert suite.timestamp is not None and suite.timestamp.tzinfo is not None
    assert suite.hostname and suite.kind is UNIT and suite.time > 0
    assert by_name["test_uses_fixture"].outcome is ERROR
    assert by_name["test_uses_fixture"].message.startswith('failed on setup with "ConnectionError')
    assert by_name["test_rounding"].outcome is SKIPPED
    assert by_name["test_rounding"].message == "known rounding bug #12"
    assert by_name["test_checkout_declined_card"].kind is UI
    assert by_name["test_codes[A1]"].key == "tests.unit.test_cart.TestCoupon::test_codes[A1]"
    files = {case.file for case in cases}
    if name == "pytest-xunit1.xml":
        assert "tests/e2e/test_checkout.py" in files
    else:
        assert files == {None}


def test_surefire_flaky_and_reruns() -> None:
    cases, (suite,) = _read(DATA / "surefire-TEST-com.acme.cart.CartServiceTest.xml")
    by_name = {case.name: case for case in cases}
    flaky = by_name["checksOutConcurrently"]
    assert (flaky.outcome, flaky.flaky, flaky.reruns) == (PASSED, True, 2)
    assert flaky.message == "expected: <true> but was: <false>"
    rerun = by_name["reservesStock"]
    assert (rerun.outcome, rerun.flaky, rerun.reruns, rerun.message) == (FAILED, False, 2, "stock is 0")
    assert by_name["loadsPrices"].outcome is ERROR
    assert by_name["convertsCurrency"].message == "currency service not ready"
    assert suite.timestamp is None
    assert ("java.version", "17.0.10") in suite.properties and len(suite.properties) == 5
    assert suite.time == pytest.approx(0.412)


def test_failsafe_times_with_thousands_separators() -> None:
    cases, (suite,) = _read(DATA / "failsafe-TEST-com.acme.orders.OrderRepositoryIT.xml")
    assert cases[0].time == pytest.approx(1203.456)
    assert suite.time == pytest.approx(1215.337) and suite.kind is INTEGRATION


def test_playwright_retries_and_kind_rules() -> None:
    cases, (suite,) = _read(DATA / "playwright.xml")
    by_name = {case.name: case for case in cases}
    assert (by_name["login › remembers the user"].flaky, by_name["login › remembers the user"].reruns) == (True, 1)
    assert (
        by_name["login › locks after three attempts"].outcome,
        by_name["login › locks after three attempts"].reruns,
    ) == (
        FAILED,
        1,
    )
    assert suite.hostname == "chromium" and suite.properties == ()  # test-level <properties> are not the suite's
    # Playwright names spec files relative to testDir: a project rule makes them ui
    cases, (suite,) = _read(DATA / "playwright.xml", kind_rules=((UI, ("*.spec.ts",)), *DEFAULT_KIND_RULES))
    assert {case.kind for case in cases} == {UI} and suite.kind is UI


def test_phpunit_nested_suites_count_each_case_once() -> None:
    cases, suites = _read(DATA / "phpunit.xml")
    totals = {s.name: (s.tests, s.failures, s.errors, s.skipped) for s in suites}
    assert totals == {
        "Tests\\Unit\\CalculatorTest::testDivide": (2, 0, 1, 0),
        "Tests\\Unit\\CalculatorTest": (3, 1, 0, 1),
        "Tests\\Integration\\InvoiceRepositoryTest": (1, 0, 0, 0),
    }
    by_name = {case.name: case for case in cases}
    assert by_name["testSubtract"].message.startswith("Tests\\Unit\\CalculatorTest::testSubtract\nFailed asserting")
    assert by_name["testSavesInvoice"].file == "/app/tests/Integration/InvoiceRepositoryTest.php"
    assert by_name['testDivide with data set "by zero"'].suite == "Tests\\Unit\\CalculatorTest::testDivide"


def test_cypress_spec_file_reaches_describe_suites() -> None:
    cases, (root, login) = _read(DATA / "cypress-login.xml")
    assert (root.tests, root.kind) == (0, UI)
    assert {case.file for case in cases} == {"cypress/e2e/login.cy.js"}
    assert login.kind is UI and login.time == pytest.approx(4.217)
    assert cases[2].message.startswith("Timed out retrying after 4000ms: Expected to find content: 'Invalid password'")


def test_only_an_empty_suite_lends_its_file_to_the_next_ones(tmp_path: Path) -> None:
    report = """<testsuites>
        <testsuite name="a" file="tests/e2e/a.py"><testcase name="x"/></testsuite>
        <testsuite name="b"><testcase name="y"/></testsuite>
    </testsuites>"""
    cases, _ = _read(_write(tmp_path, report))
    assert [(c.file, c.kind) for c in cases] == [("tests/e2e/a.py", UI), (None, UNIT)]


def test_messages_from_text_when_no_attribute() -> None:
    cases, suites = _read(DATA / "jest-junit.xml")
    assert cases[1].message.startswith("Error: expect(received).toBe(expected)")
    assert cases[3].outcome is ERROR and cases[3].message.startswith("● Test suite failed to run")
    assert suites[1].tests == 1  # declared tests="0": the cases are counted, not the attribute
    cases, _ = _read(DATA / "karma-TESTS-Chrome_Headless.xml")
    assert cases[1].message.startswith("Error: Expected 'shop' to contain 'Shop'.")


def test_dotnet_numbers_bom_and_timestamp() -> None:
    cases, (suite,) = _read(DATA / "dotnet-junit.xml")
    assert cases[1].time == pytest.approx(1e-07)
    assert cases[2].message == "Assert.Equal() Failure: Values differ\r\nExpected: 8\r\nActual:   2"
    assert suite.hostname == "executor://xunit/VsTestRunner2/netcoreapp"


def test_records_are_genuine_frozen_test_case_results() -> None:
    cases, suites = _read(DATA / "surefire-TEST-com.acme.cart.CartServiceTest.xml")
    for case in cases:
        assert type(case) is TestCaseResult
        rebuilt = TestCaseResult(**{f.name: getattr(case, f.name) for f in dataclasses.fields(TestCaseResult)})
        assert case == rebuilt and hash(case) == hash(rebuilt) and repr(case) == repr(rebuilt)
        assert pickle.loads(pickle.dumps(case)) == case
        with pytest.raises(dataclasses.FrozenInstanceError):
            case.name = "changed"  # type: ignore[misc]
    assert all(type(s) is TestSuiteResult for s in suites)


def _write(tmp_path: Path, text: str | bytes, name: str = "report.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_status_attribute_cases_in_testsuites_root_and_namespaces(tmp_path: Path) -> None:
    report = """<?xml version="1.0"?>
        <testsuites xmlns="urn:example:junit" name="root">
          <testcase name="a" classname="k" status="disabled"/>
          <testcase name="b" classname="k" status="Failed"/>
          <testcase name="c" classname="k" status="run"/>
          <testcase name="d" classname="k" time="" />
          <testcase name="e" classname="k" time="garbage"><skipped/></testcase>
        </testsuites>"""
    cases, (suite,) = _read(_write(tmp_path, report))
    assert [c.outcome for c in cases] == [SKIPPED, FAILED, PASSED, PASSED, SKIPPED]
    assert {c.time for c in cases} == {0.0}
    assert (suite.name, suite.tests, suite.failures, suite.skipped) == ("root", 5, 1, 2)


def test_long_messages_are_cut(tmp_path: Path) -> None:
    long = "x" * 5000
    report = f"""<testsuite name="s">
        <testcase name="a"><failure message="{long}"/></testcase>
        <testcase name="b"><error>{long}</error></testcase>
    </testsuite>"""
    cases, _ = _read(_write(tmp_path, report))
    assert [len(c.message) for c in cases] == [MESSAGE_LIMIT, MESSAGE_LIMIT]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0.5", 0.5),
        (" 2 ", 2.0),
        ("1E-07", 1e-07),
        ("1,234.5", 1234.5),
        ("1,234", 1234.0),
        ("0,25", 0.25),
        ("12,5", 12.5),
        ("", 0.0),
        (None, 0.0),
        ("garbage", 0.0),
        ("nan", 0.0),
        ("inf", 0.0),
        ("-3", 0.0),
        ("1e300", 0.0),
    ],
)
def test_parse_seconds(text: str | None, seconds: float) -> None:
    assert parse_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00.1234567+00:00", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T 10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp(text: str | None, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (["tests/unit/test_cart.py", "tests.unit.test_cart", "pytest"], UNIT),
        (["", "tests.collectors.test_git", "pytest"], UNIT),  # "*IT" is case-sensitive: not test_git
        (["", "com.acme.ratelimit.RateLimit", "RateLimit"], UNIT),
        (["", "com.acme.orders.OrderRepositoryIT", ""], INTEGRATION),
        (["", "com.acme.orders.ITOrderRepository", ""], INTEGRATION),
        (["", "com.acme.orders.OrderRepositoryITCase", ""], INTEGRATION),
        (["src/test/java/com/acme/OrderIT.java", "", ""], INTEGRATION),
        (["", "example.com/shop/integration", ""], INTEGRATION),
        (["", "tests.api_tests.test_orders", ""], INTEGRATION),
        (["tests/e2e/test_checkout.py", "", ""], UI),
        (["cypress/e2e/login.cy.js", "", ""], UI),
        (["", "MyAppUITests.LoginTests", ""], UI),
        (["", "", "Android Appium smoke"], UI),
        (["src/app.e2e.spec.ts", "", ""], UI),
        (["", "com.acme.selenium.CheckoutTest", ""], UI),
        (["perf/checkout.jmx", "", ""], PERF),
        (["", "", "Gatling simulation"], PERF),
        (["", "bench.test_parse", ""], PERF),
        (["load-tests/k6/checkout.js", "", ""], PERF),
        (["", "BenchmarkParse", ""], PERF),
        (["tests/integration/test_e2e_flow.py", "", ""], UI),  # rules are in order: ui before integration
        ([], UNIT),
    ],
)
def test_classify_default_rules(texts: list[str], kind: TestKind) -> None:
    assert classify(texts, DEFAULT_KIND_RULES) is kind


def test_classify_custom_rules_first_match_wins() -> None:
    rules = ((PERF, ("*smoke*",)), (UI, ("*smoke*", "*Screen")))
    assert classify(["tests/smoke/test_x.py"], rules) is PERF
    assert classify(["LoginScreen"], rules) is UI
    assert classify(["loginscreen"], rules) is UNIT  # a glob with a capital letter is case-sensitive


def _laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE testsuites [{entities}]><testsuites name="&lol9;"/>'.encode()


PADDING = b"<!--" + b"x" * (70 * 1024) + b"-->"  # a DOCTYPE behind 70 KiB of comment is still found
HOSTILE = [
    ("billion laughs", _laughs(), "declares XML entities"),
    (
        "billion laughs after 70 KiB",
        b'<?xml version="1.0"?>' + PADDING + _laughs().split(b"?>", 1)[1],
        "declares XML entities",
    ),
    (
        "quadratic blowup",
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "'
        + b"a" * 50_000
        + b'">]><testsuites name="'
        + b"&a;" * 10_000
        + b'"/>',
        "declares XML entities",
    ),
    (
        "XXE to /etc/passwd",
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<testsuite name="&xxe;"><testcase name="a"/></testsuite>',
        "declares XML entities",
    ),
    (
        "XXE after 70 KiB",
        b'<?xml version="1.0"?>'
        + PADDING
        + b'<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuite name="&xxe;"/>',
        "declares XML entities",
    ),
    (
        "DTD fetched from a URL",
        b'<?xml version="1.0"?><!DOCTYPE testsuites SYSTEM "http://127.0.0.1:9/x.dtd">'
        b'<testsuites><testsuite name="s"><testcase name="a">&ent;</testcase></testsuite></testsuites>',
        "has a DOCTYPE",
    ),
    (
        "parameter entity fetching a URL",
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/x.dtd"> %ext;]><testsuites/>',
        "declares XML entities",
    ),
    (
        "truncated XML",
        b'<?xml version="1.0"?>\n<testsuites>\n<testsuite name="s">\n<testcase name="a"/>\n<testcase name="b',
        "malformed XML at line 5",
    ),
    ("binary garbage", bytes(range(256)) * 8, "binary content, not XML"),
    ("garbage without NUL bytes", b"\x89PNG\r\n\x1a\n\xff\xfe\xfd junk", "not XML: text before the first element"),
    ("0-byte file", b"", "empty file (0 bytes)"),
    ("only whitespace", b"  \n\n  ", "unterminated"),
    ("not XML at all", b"PASS: 12 tests\n", "not XML: text before the first element"),
    ("a root start tag cut short", b'<?xml version="1.0"?>\n<testsuites name="x', "malformed XML at line 2"),
    (
        "wrong root element",
        b'<?xml version="1.0"?><coverage line-rate="0.5"><packages/></coverage>',
        "not a JUnit XML report: root element is <coverage>",
    ),
    (
        "testcase inside testcase",
        b'<testsuite><testcase name="a"><testcase name="b"/></testcase></testsuite>',
        "inside",
    ),
]


@pytest.mark.parametrize(("content", "message"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_and_broken_input_is_a_clear_report_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = _write(tmp_path, content)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(ReportError) as raised:
        list(read_junit(path))
    assert message in str(raised.value)
    # refused before any expansion: no time and no memory spent (billion laughs would need gigabytes)
    assert time.perf_counter() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50 * 1024


def test_error_after_records_were_yielded(tmp_path: Path) -> None:
    cases = "".join(f'<testcase name="t{i}" classname="k"/>\n' for i in range(20_000))
    path = _write(tmp_path, f'<testsuite name="s">\n{cases}<testcase name="last"')
    seen = 0
    with pytest.raises(UnsafeXml, match=r"malformed XML at line 20002"):
        for _ in read_junit(path):
            seen += 1
    assert seen > 0  # the caller discards these


def test_size_limit_and_missing_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '<testsuite name="s"><testcase name="a"/></testsuite>')
    with pytest.raises(UnsafeXml, match="over the limit of 10 bytes"):
        list(read_junit(path, max_bytes=10))
    with pytest.raises(ReportError, match="cannot read the file"):
        list(read_junit(tmp_path / "missing.xml"))


def test_dtd_url_is_never_fetched(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.3)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/x.dtd"
        for doc in (
            f'<!DOCTYPE testsuites SYSTEM "{url}"><testsuites><testsuite name="&x;"/></testsuites>',
            f'<?xml version="1.0"?>{PADDING.decode()}<!DOCTYPE t [<!ENTITY % e SYSTEM "{url}"> %e;]><testsuites/>',
        ):
            with pytest.raises(ReportError):
                list(read_junit(_write(tmp_path, doc)))
        with pytest.raises(TimeoutError):
            server.accept()


def test_stopping_early_closes_the_file() -> None:
    records = read_junit(DATA / "pytest.xml")
    assert isinstance(next(records), TestCaseResult)
    records.close()  # no ResourceWarning (warnings are errors in this suite)


MEMORY_PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from devmaturity.collectors.junit import read_junit
    def peak():  # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
        return int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
    before = peak()
    count = sum(1 for _ in read_junit(Path(sys.argv[1])))
    print(count, peak() - before)
    """
)


def test_memory_stays_flat_on_a_30_mb_report(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    block = "".join(
        f'  <testcase classname="pkg.module.TestThing" name="test_case_{n}" file="tests/test_module.py" time="0.01"/>\n'
        for n in range(1000)
    )
    failure = '  <testcase name="f"><failure message="boom">' + "stack line\n" * 200 + "</failure></testcase>\n"
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0"?>\n<testsuites>\n<testsuite name="one big suite">\n')
        while out.tell() < 30 * 1024 * 1024:
            out.write(block)
            out.write(failure)
        out.write("</testsuite>\n</testsuites>\n")
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    count, growth_kb = map(int, done.stdout.split())
    assert count > 250_000
    assert growth_kb < 20 * 1024  # a tree of this file would take several hundred MB


DEPTH_PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from devmaturity.collectors.base import ReportError
    from devmaturity.collectors.junit import read_junit
    try:
        sum(1 for _ in read_junit(Path(sys.argv[1])))
        print("read")
    except ReportError as exc:
        print(exc)
    # VmHWM, the peak of this process's own memory: ru_maxrss would carry the forking parent's peak over exec
    print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
    """
)


def test_100000_nested_suites_are_one_problem_in_bounded_memory(tmp_path: Path) -> None:
    """Each open suite keeps the names of the suites above it, so 100,000 levels once cost ~6 GB; the reader now
    refuses the level beyond MAX_SUITE_DEPTH. Peak RSS of the whole child process (interpreter and lxml included) stays < 200 MB."""
    path = tmp_path / "deep.xml"
    depth = 100_000
    path.write_text(
        "<testsuites>"
        + '<testsuite name="suite">' * depth
        + '<testcase name="t"/>'
        + "</testsuite>" * depth
        + "</testsuites>"
    )
    done = subprocess.run(
        [sys.executable, "-c", DEPTH_PROBE, str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    message, peak_kb = done.stdout.splitlines()
    assert message == f"test suites nested more than {MAX_SUITE_DEPTH} levels deep (refused)"
    assert int(peak_kb) < 200 * 1024


def test_suites_nested_up_to_the_limit_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "deep.xml"
    depth = MAX_SUITE_DEPTH
    path.write_text('<testsuite name="s">' * depth + '<testcase name="t"/>' + "</testsuite>" * depth)
    cases, suites = _read(path)
    assert len(cases) == 1 and [s.tests for s in suites] == [1]


def _warnings(path: Path) -> list[str]:
    return [record.message for record in read_junit(path) if isinstance(record, ReportWarning)]


def test_declared_tests_without_cases_is_a_warning_not_silence(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_text('<testsuites><testsuite name="api" tests="6" failures="0" errors="0" skipped="0"/></testsuites>')
    cases, suites = _read(path)
    assert cases == [] and [(s.name, s.tests) for s in suites] == [("api", 0)]
    assert _warnings(path) == ["suite 'api' declares tests=6 but holds 0 test case(s)"]


def test_declared_totals_include_nested_suites(tmp_path: Path) -> None:
    """The root declares 3 tests, 1 failure: its nested suites hold a (passed), b (failed), c (skipped) -> agrees.
    The inner suite "two" declares skipped=0 but holds the skipped c -> one warning, for that suite only."""
    path = tmp_path / "nested.xml"
    path.write_text(
        '<testsuites tests="3" failures="1">'
        '<testsuite name="one" tests="2" failures="1"><testcase name="a"/><testcase name="b"><failure/></testcase>'
        '</testsuite><testsuite name="two" tests="1" skipped="0"><testcase name="c"><skipped/></testcase></testsuite>'
        "</testsuites>"
    )
    assert _warnings(path) == ["suite 'two' declares skipped=0 but 1 case(s) were skipped"]


def test_warnings_are_capped_per_file(tmp_path: Path) -> None:
    path = tmp_path / "many.xml"
    path.write_text("<testsuites>" + '<testsuite name="s" tests="1"/>' * 25 + "</testsuites>")
    warnings = _warnings(path)
    assert len(warnings) == 21 and warnings[-1] == "and 5 more suite(s) whose declared totals contradict their cases"


def test_real_surefire_rerun_headers_are_flagged() -> None:
    """Surefire 3.2.5 with rerunFailingTestsCount (JUnit 5) wrote tests="1" on a class holding 2 test cases after
    a rerun (tests/data/junit/surefire-builds, made by the real Maven): the reader says so rather than trusting it."""
    build2 = DATA / "surefire-builds" / "build2"
    assert _warnings(build2 / "TEST-com.acme.shop.CartTest.xml") == [
        "suite 'com.acme.shop.CartTest' declares tests=1 but holds 2 test case(s)"
    ]
    assert _warnings(build2 / "TEST-com.acme.shop.StockTest.xml") == []


def test_repeated_testcases_are_read_as_attempts(tmp_path: Path) -> None:
    """The reader hands on every <testcase> as written (the store merges attempts, see merge_attempts)."""
    path = tmp_path / "rerun.xml"
    path.write_text(
        '<testsuites><testsuite name="calc" tests="3" failures="1">'
        '<testcase classname="calc" name="TestFlaky"><failure message="Failed"/></testcase>'
        '<testcase classname="calc" name="TestAdd"/><testcase classname="calc" name="TestFlaky"/>'
        "</testsuite></testsuites>"
    )
    cases, _ = _read(path)
    assert [(c.key, c.outcome) for c in cases] == [
        ("calc::TestFlaky", FAILED),
        ("calc::TestAdd", PASSED),
        ("calc::TestFlaky", PASSED),
    ]
