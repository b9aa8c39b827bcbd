"""Ingestion end to end: real report files into the store, hostile files rejected with a clear problem, good
files in the same run still stored, nothing half-written, nothing stored twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from devmaturity.config import Config
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.evidence import ScanRun, ScanStatus
from devmaturity.model.metric import Window
from devmaturity.services.ingest import discover, ingest_command
from devmaturity.store import tables
from devmaturity.store.db import Store

DATA = Path(__file__).parents[1] / "data"
AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        body = b'<!ENTITY leak "fetched">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def dtd_server() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _hostile(folder: Path, server: str) -> dict[str, tuple[Path, str]]:
    """name -> (file, a phrase the problem message must contain)."""
    lol = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    cases = {
        "billion-laughs.xml": (
            f'<?xml version="1.0"?><!DOCTYPE t [{lol}]><testsuites><testsuite name="&l9;"/></testsuites>',
            "declares XML entities",
        ),
        "quadratic.xml": (
            '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "'
            + "x" * 50000
            + '">]><testsuites>'
            + "&a;" * 5000
            + "</testsuites>",
            "declares XML entities",
        ),
        "xxe.xml": (
            '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<testsuites><testsuite name="&x;"/></testsuites>',
            "declares XML entities",
        ),
        "dtd-url.xml": (
            f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY % remote SYSTEM "{server}/evil.dtd"> %remote;]><testsuites/>',
            "declares XML entities",
        ),
        "external-dtd.xml": (
            f'<?xml version="1.0"?><!DOCTYPE testsuites SYSTEM "{server}/x.dtd">'
            '<testsuites><testsuite name="s"><testcase name="t" classname="c"/></testsuite>'
            "</testsuites>",
            "DOCTYPE",
        ),
        "truncated.xml": (
            '<?xml version="1.0"?><testsuites><testsuite name="s">'
            + '<testcase classname="c" name="t1"/>' * 3000
            + '<testcase classname="c" na',
            "malformed XML",
        ),
        "garbage.xml": ("\x00\x01\x02binary\xff" * 100, "binary content"),
        "empty.xml": ("", "0 bytes"),
        "wrong-root.xml": ('<?xml version="1.0"?><html><body/></html>', "unsupported test report format <html>"),
    }
    out = {}
    for name, (content, phrase) in cases.items():
        path = folder / name
        path.write_bytes(content.encode("latin-1") if name == "garbage.xml" else content.encode())
        out[name] = (path, phrase)
    return out


def test_hostile_files_become_problems_and_good_files_are_still_ingested(tmp_path: Path, dtd_server: str) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'i.db'}")
    hostile = _hostile(tmp_path, dtd_server)
    good = DATA / "junit" / "pytest.xml"
    paths = [hostile[n][0] for n in sorted(hostile)] + [good]
    result = ingest_command(store, Config(), "junit", paths, project="p", commit="abc", at=AT)
    problems = {Path(p.source).name: p.message for p in result.problems}
    for name, (_, phrase) in hostile.items():
        assert name in problems, name
        assert phrase in problems[name], (name, problems[name])
    assert [Path(p).name for p, _ in result.ingested] == ["pytest.xml"]
    assert _Recorder.hits == []  # no network access
    project = store.project("p", "")
    # the truncated file yielded 3000 cases before failing: none of them may be stored
    assert store.count_rows("reports", project) == 1
    assert store.count_rows("test_cases", project) == result.ingested[0][1]["tests"]


def test_external_doctype_in_coverage_is_never_fetched(tmp_path: Path, dtd_server: str) -> None:
    """JaCoCo writes a DOCTYPE naming an external DTD: allowed, and never loaded (here it points at our server)."""
    store = Store.open(f"sqlite:///{tmp_path / 'i.db'}")
    original = (DATA / "coverage" / "jacoco.xml").read_text(encoding="utf-8")
    assert '"report.dtd"' in original
    report = tmp_path / "jacoco.xml"
    report.write_text(original.replace('"report.dtd"', f'"{dtd_server}/report.dtd"'), encoding="utf-8")
    result = ingest_command(store, Config(), "coverage", [report], project="p", commit=None, at=AT)
    assert result.problems == [] and len(result.ingested) == 1
    assert _Recorder.hits == []


def test_billion_laughs_is_rejected_without_expanding(tmp_path: Path, dtd_server: str) -> None:
    import resource

    store = Store.open(f"sqlite:///{tmp_path / 'i.db'}")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    path, _ = _hostile(tmp_path, dtd_server)["billion-laughs.xml"]
    result = ingest_command(store, Config(), "junit", [path], project="p", commit=None, at=AT)
    assert len(result.problems) == 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB: < 50 MB growth


def test_reingesting_stores_nothing_twice(store: Store) -> None:
    files = {
        "junit": [DATA / "junit" / "pytest.xml", DATA / "junit" / "gotestsum.xml"],
        "coverage": [DATA / "coverage" / "coveragepy-cobertura.xml", DATA / "coverage" / "jacoco.xml"],
        "sarif": [DATA / "sarif" / "bandit.sarif", DATA / "sarif" / "codeql.sarif"],
    }
    first = {k: ingest_command(store, Config(), k, v, project="p", commit="c1", at=AT) for k, v in files.items()}
    assert all(len(r.ingested) == 2 and not r.problems for r in first.values())
    project = store.project("p", "")
    counts = {
        t: store.count_rows(t, project) for t in ("reports", "test_cases", "test_suites", "coverage_files", "findings")
    }
    again = {k: ingest_command(store, Config(), k, v, project="p", commit="c1", at=AT) for k, v in files.items()}
    assert all(r.ingested == [] and len(r.already) == 2 for r in again.values())
    assert counts == {t: store.count_rows(t, project) for t in counts}
    assert counts["reports"] == 6 and counts["test_cases"] > 0 and counts["findings"] > 0


def test_a_copy_under_another_name_is_the_same_report(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'i.db'}")
    copy = tmp_path / "renamed.xml"
    shutil.copy(DATA / "junit" / "pytest.xml", copy)
    ingest_command(store, Config(), "junit", [DATA / "junit" / "pytest.xml"], project="p", commit=None, at=AT)
    result = ingest_command(store, Config(), "junit", [copy], project="p", commit=None, at=AT)
    assert result.already == [str(copy)]


def test_discovery_skips_tracked_fixtures_and_build_dirs(tmp_path: Path) -> None:
    (tmp_path / "build" / "test-results").mkdir(parents=True)
    (tmp_path / "build" / "test-results" / "TEST-a.xml").write_text("<testsuites/>")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "junit.xml").write_text("<testsuites/>")
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "junit.xml").write_text("<testsuites/>")
    (tmp_path / "coverage.xml").write_text("<coverage/>")
    (tmp_path / "scan.sarif").write_text("{}")
    found = discover(tmp_path, Config(), tracked={"fixtures/junit.xml"})
    names = {k.value: sorted(p.relative_to(tmp_path).as_posix() for p in v) for k, v in found.items()}
    assert names == {
        "junit": ["build/test-results/TEST-a.xml"],
        "coverage": ["coverage.xml"],
        "sarif": ["scan.sarif"],
        "performance": [],
    }
    configured = Config(report_globs={"junit": ("fixtures/*.xml",)})
    found = discover(tmp_path, configured, tracked={"fixtures/junit.xml"})
    assert [p.name for p in found[next(iter(found))]] == ["junit.xml"]


# -- SARIF: scan status, categories, excluded tools, hostile numbers (SQLite and PostgreSQL) -----------------------

LATER = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WINDOW = Window.last(30, now=datetime(2026, 11, 30, tzinfo=UTC))


def _variant(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """bandit.sarif (real Bandit output) with `change` applied to its document: a copy of the producer's shape."""
    document = json.loads((DATA / "sarif" / "bandit.sarif").read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _failed(document: dict[str, Any]) -> None:
    document["runs"][0]["invocations"][0]["executionSuccessful"] = False
    document["runs"][0]["results"] = []


def test_a_newer_failed_scan_keeps_the_last_successful_findings(store: Store, tmp_path: Path) -> None:
    """bandit.sarif has 2 open high security findings (B602 shell=True at line 12, B324 md5 at line 24). Five days
    later the same tool's run fails with no results: stored with status failed, and open_high_findings stays 2 with
    the failure in the reason, instead of dropping to 0."""
    ingest_command(store, Config(), "sarif", [DATA / "sarif" / "bandit.sarif"], project="p", commit="c1", at=AT)
    failed = _variant(tmp_path, "failed.sarif", _failed)
    result = ingest_command(store, Config(), "sarif", [failed], project="p", commit="c2", at=LATER)
    assert result.problems == [] and result.ingested[0][1]["runs"] == {"ok": 0, "failed": 1, "no_results": 0}
    scans = store.load_scans(store.project("p", ""), AT - timedelta(days=1))
    assert [s.runs for s in scans] == [
        (ScanRun(tool="Bandit", status=ScanStatus.OK),),
        (ScanRun(tool="Bandit", status=ScanStatus.FAILED, reason="the tool reported executionSuccessful is false"),),
    ]
    value = compute("open_high_findings", Inputs(scans=scans), WINDOW)
    assert value.value == 2
    assert value.reason.startswith("Bandit: newest scan (report 2, 2026-11-25) failed")


def test_no_runs_and_no_results_are_stored_as_such_and_read_as_unknown(store: Store, tmp_path: Path) -> None:
    no_runs = _variant(tmp_path, "no-runs.sarif", lambda d: d.update(runs=[]))
    no_results = _variant(tmp_path, "no-results.sarif", lambda d: d["runs"][0].pop("results"))
    ingest_command(store, Config(), "sarif", [no_runs, no_results], project="p", commit="c1", at=AT)
    scans = store.load_scans(store.project("p", ""), AT - timedelta(days=1))
    assert sorted(run.status for s in scans for run in s.runs) == [ScanStatus.NO_RESULTS, ScanStatus.NO_RESULTS]
    value = compute("open_critical_findings", Inputs(scans=scans), WINDOW)
    assert value.value is None and value.reason.startswith("no successful security scan in the window: ")


def test_ruff_is_quality_and_excluded_tools_are_not_stored(store: Store) -> None:
    """ruff.sarif: 12 lint results at level error. Read as before this change they were 12 open high security
    findings; now they are 12 quality findings and open_high_findings is 0. With exclude_tools = ["ruff"] the
    report is stored with no run and no finding; Bandit's 7 findings are kept."""
    ruff, bandit = DATA / "sarif" / "ruff.sarif", DATA / "sarif" / "bandit.sarif"
    result = ingest_command(store, Config(), "sarif", [ruff], project="p", commit="c1", at=AT)
    summary = result.ingested[0][1]
    assert (summary["quality"], summary["high"]) == (12, 0)
    scans = store.load_scans(store.project("p", ""), AT - timedelta(days=1))
    assert compute("open_high_findings", Inputs(scans=scans), WINDOW).value == 0

    config = Config(sarif_exclude_tools=("ruff",))
    ingest_command(store, config, "sarif", [ruff, bandit], project="q", commit="c1", at=AT)
    project = store.project("q", "")
    assert store.count_rows("reports", project) == 2
    assert store.count_rows("findings", project) == 7
    scans = store.load_scans(project, AT - timedelta(days=1))
    assert [[run.tool for run in s.runs] for s in scans] == [[], ["Bandit"]]


def test_hostile_line_numbers_are_problems_and_other_files_are_stored(tmp_path: Path) -> None:
    """A 5,000-digit startLine (over Python's 4,300-digit int conversion limit) and 2**63: each file is one problem
    naming the field; the good Bandit file in the same run is still stored with its 7 findings."""
    store = Store.open(f"sqlite:///{tmp_path / 'i.db'}")

    def at_line(name: str, digits: str) -> Path:
        def change(document: dict[str, Any]) -> None:
            document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 987654321

        path = _variant(tmp_path, name, change)
        path.write_text(path.read_text(encoding="utf-8").replace("987654321", digits), encoding="utf-8")
        return path

    huge = at_line("huge-line.sarif", "9" * 5000)
    int64 = at_line("int64-line.sarif", str(2**63))
    good = DATA / "sarif" / "bandit.sarif"
    result = ingest_command(store, Config(), "sarif", [huge, int64, good], project="p", commit=None, at=AT)
    field = "run 1 result 1: 'locations[0].physicalLocation.region.startLine' is"
    assert {Path(p.source).name: p.message for p in result.problems} == {
        "huge-line.sarif": f"{field} a 5,000-digit number, not a line number from 1 to 2,147,483,647",
        "int64-line.sarif": f"{field} 9223372036854775808, not a line number from 1 to 2,147,483,647",
    }
    assert [Path(p).name for p, _ in result.ingested] == ["bandit.sarif"]
    assert store.count_rows("findings", store.project("p", "")) == 7


def test_a_report_stored_before_scan_statuses_reads_as_before(store: Store) -> None:
    """A SARIF report from before migration 0006 has scan_status NULL: it reads as one OK run per tool with
    findings (Bandit), so its 2 high findings still count."""
    ingest_command(store, Config(), "sarif", [DATA / "sarif" / "bandit.sarif"], project="p", commit="c1", at=AT)
    with store.engine.begin() as conn:
        conn.execute(tables.reports.update().values(scan_status=None))
    scans = store.load_scans(store.project("p", ""), AT - timedelta(days=1))
    assert scans[0].runs == (
        ScanRun(tool="Bandit", status=ScanStatus.OK, reason="stored before scan statuses were recorded"),
    )
    assert compute("open_high_findings", Inputs(scans=scans), WINDOW).value == 2


def test_dotnet_results_are_ingested_with_their_format(store: Store) -> None:
    """One ingest of the four .NET samples (tests/data/dotnet): each stored under its own format; the TRX
    rerun of Reconnects is one test, so its summary has 7 tests from 8 results (tests/collectors/test_dotnet.py)."""
    files = [
        DATA / "dotnet" / name
        for name in ("calc.trx", "nunit3-TestResult.xml", "nunit2-TestResult.xml", "xunit-v2.xml")
    ]
    result = ingest_command(store, Config(), "junit", files, project="net", commit="n1", at=AT)
    assert result.problems == []
    summaries = {Path(path).name: summary for path, summary in result.ingested}
    trx = summaries["calc.trx"]
    assert (trx["tests"], trx["attempts"], trx["passed"], trx["failed"], trx["error"], trx["skipped"]) == (
        7,
        8,
        4,
        1,
        1,
        1,
    )
    assert trx["flaky"] == 1 and "warnings" not in trx
    assert [summaries[n]["tests"] for n in ("nunit3-TestResult.xml", "nunit2-TestResult.xml", "xunit-v2.xml")] == [
        7,
        7,
        7,
    ]
    (run,) = store.load_test_runs(store.project("net", ""), AT)
    assert len(run.reports) == 4 and not run.green


def test_an_unsupported_test_report_is_a_problem_naming_its_root(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'i.db'}")
    other = tmp_path / "results.xml"
    other.write_text('<?xml version="1.0"?><testResults><httpSample/></testResults>')
    result = ingest_command(store, Config(), "junit", [other], project="p", commit=None, at=AT)
    assert [(p.source, p.message) for p in result.problems] == [
        (str(other), "unsupported test report format <testResults>; supported: JUnit XML, TRX, NUnit 2/3, xUnit.net v2")
    ]


def test_discovery_finds_dotnet_result_files(tmp_path: Path) -> None:
    names = ("out/calc.trx", "TestResult.xml", "reports/api-nunit.xml", "reports/xunit-results.xml", "notes.xml")
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<x/>")
    found = discover(tmp_path, Config(), tracked=set())
    assert sorted(p.relative_to(tmp_path).as_posix() for p in found[next(iter(found))]) == sorted(names[:4])
