"""JMeter JTL files (CSV and XML) read as one run: exact totals and nearest-rank percentiles worked out by hand in
tests/data/jtl/README.md; hostile files (truncated, huge, bad numbers, wrong kind) are one-line problems."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.jtl import read_jtl
from devmaturity.model.quality import LabelSummary, PerformanceSummary

DATA = Path(__file__).parents[1] / "data" / "jtl"
CSV = DATA / "results.csv.jtl"
XML = DATA / "results.xml.jtl"
START = datetime(2024, 5, 5, 9, 6, 40, tzinfo=UTC)  # 1714900000000 ms


def check_totals(run: PerformanceSummary) -> None:
    assert (run.samples, run.errors, run.error_rate) == (10, 4, 0.4)
    assert (run.p50_ms, run.p90_ms, run.p95_ms, run.p99_ms, run.max_ms, run.mean_ms) == (80, 120, 300, 300, 300, 87.5)
    assert run.started_at == START
    assert (run.ended_at - run.started_at).total_seconds() == 4.8
    assert run.throughput == pytest.approx(10 / 4.8)
    assert run.labels == (
        LabelSummary(label="home", samples=6, errors=0, p95_ms=300),
        LabelSummary(label="missing, page", samples=4, errors=4, p95_ms=25),
    )
    assert run.other_labels == 0


def test_csv_totals_and_percentiles() -> None:
    run = read_jtl(CSV)
    assert run.format == "jtl-csv"
    check_totals(run)


def test_xml_gives_the_same_run_and_skips_sub_results() -> None:
    """The first <httpSample> nests a redirect and its target (60 and 55 ms): counting them would make 12 samples."""
    run = read_jtl(XML)
    assert run.format == "jtl-xml"
    check_totals(run)


def test_labels_beyond_the_cap_are_counted_but_not_listed() -> None:
    run = read_jtl(CSV, max_labels=1)
    assert [x.label for x in run.labels] == ["home"]
    assert (run.other_labels, run.samples, run.errors) == (1, 10, 4)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _csv_lines() -> list[str]:
    return CSV.read_text(encoding="utf-8").splitlines()


def _bad_csv(row: int, column: int, value: str) -> str:
    """The fixture with one field replaced (row 1 is the first sample, line 2 of the file)."""
    lines = _csv_lines()
    fields = lines[row].split(",")
    fields[column] = value
    lines[row] = ",".join(fields)
    return "\n".join(lines) + "\n"


def _cut(text: str, marker: str) -> str:
    return text[: text.rindex(marker)]


HOSTILE_CSV = [
    pytest.param(
        lambda: _cut(CSV.read_text(), ",http://127.0.0.1:8765/ok.txt,298"),
        "line 11: 13 fields where the header has 17 (a truncated or mixed file)",
        id="truncated-row",
    ),
    pytest.param(
        lambda: _cut(
            CSV.read_text(),
            'page",404,File not found,users 1-2,text,false,,469,123,2,2,http://127.0.0.1:8765/missing,23',
        ),
        "line 9: unexpected end of data (a truncated or malformed file)",
        id="truncated-in-quotes",
    ),
    pytest.param(
        lambda: _bad_csv(2, 1, "12.5ms"),
        "line 3, field elapsed: expected whole milliseconds, got '12.5ms'",
        id="bad-elapsed",
    ),
    pytest.param(
        lambda: _bad_csv(1, 0, "2024/05/05 09:06:40"),
        "line 2, field timeStamp: expected milliseconds since the epoch, got '2024/05/05 09:06:40' "
        "(save results with jmeter.save.saveservice.timestamp_format=ms)",
        id="formatted-timestamp",
    ),
    pytest.param(
        lambda: _bad_csv(5, 7, "maybe"),
        "line 6, field success: expected true or false, got 'maybe'",
        id="bad-success",
    ),
    pytest.param(
        lambda: "\n".join(_csv_lines()[1:]) + "\n",
        "no JMeter CSV header row (timeStamp, elapsed, label, ...) on line 1; save results with "
        "jmeter.save.saveservice.print_field_names=true",
        id="no-header",
    ),
    pytest.param(
        lambda: "timeStamp,label,success\n1714900000000,home,true\n",
        "line 1: the header has no elapsed column",
        id="header-without-elapsed",
    ),
    pytest.param(
        lambda: _csv_lines()[0] + "\n", "no samples: the results file holds no sample results", id="empty-run"
    ),
]


@pytest.mark.parametrize(("make", "message"), HOSTILE_CSV)
def test_hostile_csv_is_one_line_problem(tmp_path: Path, make: object, message: str) -> None:
    assert callable(make)
    path = _write(tmp_path, "bad.jtl", make())
    with pytest.raises(ReportError) as caught:
        read_jtl(path)
    assert str(caught.value) == message


def test_too_many_samples_is_refused_before_reading_on(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"^more than 5 samples \(refused: split the run or raise the limit\)$"):
        read_jtl(CSV, max_samples=5)
    with pytest.raises(ReportError, match=r"^more than 5 samples"):
        read_jtl(XML, max_samples=5)


def test_a_file_over_the_size_limit_is_refused_unread() -> None:
    size = CSV.stat().st_size
    with pytest.raises(ReportError) as caught:
        read_jtl(CSV, max_bytes=100)
    assert str(caught.value) == f"file is {size:,} bytes, over the limit of 100 bytes"


HOSTILE_XML = [
    pytest.param(
        lambda: _cut(XML.read_text(), "</testResults>"),
        "malformed XML at line 45: Premature end of data in tag testResults line 2",
        id="truncated",
    ),
    pytest.param(
        lambda: XML.read_text().replace('t="95"', 't="9.5e1"'),
        ", <httpSample>, field t: expected whole milliseconds, got '9.5e1'",
        id="bad-elapsed",
    ),
    pytest.param(
        lambda: XML.read_text().replace('ts="1714900001300" ', ""),
        ", <httpSample>: no ts attribute",
        id="no-timestamp",
    ),
    pytest.param(
        lambda: '<?xml version="1.0"?>\n<testsuite name="x"><testcase name="t"/></testsuite>\n',
        "not a JMeter results file: the root element is <testsuite>, not <testResults>",
        id="wrong-root",
    ),
    pytest.param(
        lambda: '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">]>\n<testResults>&a;</testResults>\n',
        "declares XML entities",
        id="entities",
    ),
]


@pytest.mark.parametrize(("make", "message"), HOSTILE_XML)
def test_hostile_xml_is_one_line_problem(tmp_path: Path, make: object, message: str) -> None:
    assert callable(make)
    path = _write(tmp_path, "bad.jtl", make())
    with pytest.raises(ReportError) as caught:
        read_jtl(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_csv_saved_with_a_byte_order_mark_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "bom.jtl"
    path.write_bytes(b"\xef\xbb\xbf" + CSV.read_bytes())
    check_totals(read_jtl(path))
