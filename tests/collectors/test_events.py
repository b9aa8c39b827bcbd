"""Event files (deployments, incidents, work items) in CSV, JSON and JSON Lines: values, row problems, file errors."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.events import (
    MAX_FIELD_CHARS,
    MAX_LISTED_PROBLEMS,
    SCHEMAS,
    TIME_HINT,
    read_deployments,
    read_events,
    read_incidents,
    read_work_items,
)
from devmaturity.model.delivery import Deployment, Incident, RunStatus, WorkItem

DATA = Path(__file__).parents[1] / "data" / "events"
DOCS = Path(__file__).parents[2] / "docs" / "events.md"
CST = timezone(timedelta(hours=8))
IST = timezone(timedelta(hours=5, minutes=30))
EST = timezone(timedelta(hours=-5))
SHA1 = "9fceb02d0ae598e95dc970b74767f19372d61af8"
SHA2 = "e83c5163316f89bfbde7d9ab23ca2e25604af290"
DEPLOY_HEADER = "id,environment,status,created_at\n"


def _at(*parts: int, tz: timezone = CST) -> datetime:
    return datetime(*parts, tzinfo=tz)  # type: ignore[misc]


def _deployments(source: str) -> list[Deployment]:
    d = Deployment
    return [
        d(source=source, id="D-101", environment="production", status=RunStatus.SUCCESS, created_at=_at(2026, 11, 2, 10),
          finished_at=_at(2026, 11, 2, 10, 12, 30), commit=SHA1, pipeline="deploy-shop",
          url="https://ci.example.com/shop/deploy/101"),
        d(source=source, id="D-102", environment="staging", status=RunStatus.SUCCESS,
          created_at=_at(2026, 11, 3, 9, tz=UTC), finished_at=_at(2026, 11, 3, 9, 5, tz=UTC), commit=SHA2,
          pipeline="deploy-shop", url="https://ci.example.com/shop/deploy/102"),
        d(source=source, id="D-103", environment="Production", status=RunStatus.FAILURE,
          created_at=_at(2026, 11, 4, 2, tz=UTC), finished_at=_at(2026, 11, 4, 2, 20, tz=UTC), commit="a1b2c3d",
          pipeline="deploy-shop"),
        d(source=source, id="D-104", environment="production", status=RunStatus.SUCCESS, created_at=_at(2026, 11, 4, 11),
          finished_at=_at(2026, 11, 4, 11, 8), commit=SHA1, pipeline="deploy-shop, rollback", rollback=True,
          incident="INC-7"),
        d(source=source, id="D-105", environment="production", status=RunStatus.RUNNING,
          created_at=_at(2026, 11, 5, 9, 30), pipeline="deploy-shop"),
        d(source=source, id="D-106", environment="prod", status=RunStatus.CANCELLED, created_at=_at(2026, 11, 5, 10, tz=IST),
          finished_at=_at(2026, 11, 5, 10, 1, tz=IST)),
        d(source=source, id="D-107", environment="production", status=RunStatus.FAILURE,
          created_at=_at(2026, 11, 6, 8, tz=EST), finished_at=_at(2026, 11, 6, 8, 15, tz=EST), pipeline="deploy-shop"),
    ]  # fmt: skip


def _incidents(source: str) -> list[Incident]:
    i = Incident
    return [
        i(source="pagerduty:shop", id="INC-7", title="Checkout 500s, payments down", started_at=_at(2026, 11, 4, 10, 40),
          resolved_at=_at(2026, 11, 4, 11, 10), severity="SEV1", service="checkout", deployment="D-103",
          labels=("payments", "customer-facing")),
        i(source=source, id="INC-8", title="Slow search", started_at=_at(2026, 11, 5, 1, tz=UTC),
          resolved_at=_at(2026, 11, 5, 1, 30, tz=UTC), severity="sev3", service="search", labels=("latency",),
          auto_recovered=True),
        i(source=source, id="INC-9", title="Disk full on db-2\n(log rotation stopped)", started_at=_at(2026, 11, 6, 3),
          severity="SEV2", service="db"),
        i(source=source, id="INC-10", title="Certificate expiry warning", started_at=_at(2026, 11, 7, 9),
          resolved_at=_at(2026, 11, 7, 9), severity="SEV4", labels=("tls",), auto_recovered=True),
    ]  # fmt: skip


def _work_items(source: str) -> list[WorkItem]:
    w = WorkItem
    return [
        w(source=source, id="STORY-1", type="story", title="Guest checkout", created_at=_at(2026, 10, 20, 9),
          resolved_at=_at(2026, 10, 30, 18), released_at=_at(2026, 11, 2, 10, 12, 30), release="v2.3.0",
          labels=("checkout",)),
        w(source=source, id="BUG-2", type="defect", title="Wrong tax on refunds", created_at=_at(2026, 11, 4, 12),
          resolved_at=_at(2026, 11, 5, 16), severity="P1", environment="production", labels=("payments", "tax")),
        w(source=source, id="BUG-3", type="bug", title="Typo on the cart page", created_at=_at(2026, 11, 5, 10),
          severity="P4", environment="staging"),
        w(source=source, id="TASK-4", type="task", title="Rotate TLS certificates", created_at=_at(2026, 11, 6, 9, tz=UTC)),
        w(source=source, id="REQ-5", type="需求", title="支付宝扫码支付", created_at=_at(2026, 11, 6, 10),
          labels=("支付", "移动端")),
    ]  # fmt: skip


EXPECTED = {"deployments": _deployments, "incidents": _incidents, "workitems": _work_items}
FILES = {"deployments": "deployments", "incidents": "incidents", "workitems": "work-items"}
CASES = [(kind, ext) for kind in EXPECTED for ext in ("csv", "json", "jsonl")]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def _messages(path: Path, kind: str, **options: object) -> list[str]:
    return [p.message for p in read_events(path, kind, **options).problems]  # type: ignore[arg-type]


# --- good files -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "ext"), CASES, ids=[f"{k}.{e}" for k, e in CASES])
def test_exact_values_in_every_format(kind: str, ext: str) -> None:
    name = f"{FILES[kind]}.{ext}"
    result = read_events(DATA / name, kind)
    assert result.problems == ()
    assert list(result.records) == EXPECTED[kind](name)


def test_offsets_are_kept_and_naive_times_are_utc() -> None:
    first, second, *_, last = read_deployments(DATA / "deployments.csv").records
    assert first.created_at.isoformat() == "2026-11-02T10:00:00+08:00"
    assert second.created_at.isoformat() == "2026-11-03T09:00:00+00:00"  # written without an offset
    assert last.finished_at is not None and last.finished_at.isoformat() == "2026-11-06T08:15:00-05:00"


def test_typed_readers_and_source_defaults() -> None:
    assert {d.source for d in read_deployments(DATA / "deployments.json", source="cd:shop").records} == {"cd:shop"}
    incidents = read_incidents(DATA / "incidents.csv", source="ops").records
    assert [i.source for i in incidents] == ["pagerduty:shop", "ops", "ops", "ops"]  # a source column wins
    assert {w.source for w in read_work_items(DATA / "work-items.jsonl").records} == {"work-items.jsonl"}


SYNONYMS = [
    ("success", RunStatus.SUCCESS), ("Succeeded", RunStatus.SUCCESS), ("SUCCESSFUL", RunStatus.SUCCESS),
    ("ok", RunStatus.SUCCESS), ("passed", RunStatus.SUCCESS), ("deployed", RunStatus.SUCCESS),
    ("failure", RunStatus.FAILURE), ("Failed", RunStatus.FAILURE), ("ERROR", RunStatus.FAILURE),
    ("errored", RunStatus.FAILURE), ("fail", RunStatus.FAILURE),
    ("cancelled", RunStatus.CANCELLED), ("Canceled", RunStatus.CANCELLED), ("aborted", RunStatus.CANCELLED),
    ("running", RunStatus.RUNNING), ("in_progress", RunStatus.RUNNING), ("In Progress", RunStatus.RUNNING),
    ("in-progress", RunStatus.RUNNING), ("pending", RunStatus.RUNNING), ("queued", RunStatus.RUNNING),
    ("skipped", RunStatus.SKIPPED),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "status"), SYNONYMS)
def test_status_synonyms(tmp_path: Path, raw: str, status: RunStatus) -> None:
    path = _write(tmp_path, "d.csv", f"{DEPLOY_HEADER}D-1,production, {raw} ,2026-11-20T10:00:00+08:00\n")
    (deployment,) = read_deployments(path).records
    assert deployment.status is status


@pytest.mark.parametrize(
    ("raw", "flag"),
    [("true", True), ("TRUE", True), ("yes", True), ("Y", True), ("1", True), ("on", True),
     ("false", False), ("No", False), ("0", False), ("off", False), ("", False)],
)  # fmt: skip
def test_booleans(tmp_path: Path, raw: str, flag: bool) -> None:
    path = _write(tmp_path, "d.csv", f"id,environment,status,created_at,rollback\nD-1,prod,ok,2026-11-20,{raw}\n")
    assert read_deployments(path).records[0].rollback is flag


def test_header_spellings_and_extra_columns(tmp_path: Path) -> None:
    text = "ID,Environment,Status,Created At,finished-at,Ticket\nD-1,prod,ok,2026-11-20T10:00+08:00,,JIRA-1\n"
    result = read_deployments(_write(tmp_path, "d.csv", text))
    assert result.problems == ()  # 'Ticket' is nothing like a schema column: ignored quietly
    assert result.records[0].created_at == _at(2026, 11, 20, 10)


def test_json_keys_in_camel_case(tmp_path: Path) -> None:
    item = {"id": "I-1", "title": "t", "startedAt": "2026-11-20T10:00:00+08:00", "autoRecovered": True}
    (incident,) = read_incidents(_write(tmp_path, "i.json", json.dumps([item]))).records
    assert (incident.started_at, incident.auto_recovered) == (_at(2026, 11, 20, 10), True)


def test_utf8_bom_semicolons_and_tabs(tmp_path: Path) -> None:
    text = "id;type;title;created_at;labels\nW-1;Bug;Fehler, klein;2026-11-20;a;b\n"
    path = _write(tmp_path, "w.csv", codecs.BOM_UTF8 + text.replace(";a;b", ';"a;b"').encode())
    (item,) = read_work_items(path).records
    assert (item.title, item.labels) == ("Fehler, klein", ("a", "b"))
    tabs = _write(tmp_path, "w.tsv", "id\ttype\ttitle\tcreated_at\nW-1\tbug\tt\t2026-11-20\n")
    assert read_work_items(tabs).records[0].type == "bug"


def test_utf16_with_bom(tmp_path: Path) -> None:
    text = "id\ttype\ttitle\tcreated_at\nW-1\t缺陷\t支付失败\t2026-11-20T10:00:00+08:00\n"
    (item,) = read_work_items(_write(tmp_path, "w.txt", text.encode("utf-16"))).records
    assert (item.type, item.title) == ("缺陷", "支付失败")


def test_gbk_is_not_guessed_but_can_be_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "w.csv", "id,type,title,created_at\nW-1,需求,扫码支付,2026-11-20\n".encode("gbk"))
    with pytest.raises(ReportError) as caught:
        read_work_items(path)
    assert str(caught.value) == (
        "line 2: not utf-8 text (byte 0xd0); save it as UTF-8 (Excel: 'CSV UTF-8'), e.g. iconv -f GBK -t UTF-8"
    )
    (item,) = read_work_items(path, encoding="gbk").records
    assert (item.type, item.title) == ("需求", "扫码支付")


def test_json_lines_in_a_json_file_and_sniffing(tmp_path: Path) -> None:
    lines = (DATA / "deployments.jsonl").read_text(encoding="utf-8")
    assert len(read_deployments(_write(tmp_path, "d.json", lines)).records) == 7
    assert len(read_deployments(_write(tmp_path, "d.export", lines)).records) == 7
    csv_text = (DATA / "deployments.csv").read_text(encoding="utf-8")
    assert len(read_deployments(_write(tmp_path, "d.export2", csv_text)).records) == 7


def test_json_wrapper_may_hold_other_keys(tmp_path: Path) -> None:
    doc = {"format": 1, "exported": "2026-11-20", "incidents": [{"id": 1, "title": "t", "started_at": "2026-11-20"}]}
    (incident,) = read_incidents(_write(tmp_path, "i.json", json.dumps(doc))).records
    assert incident.id == "1"


# --- bad rows ---------------------------------------------------------------------------------------------------

TIME = f"is not a date/time ({TIME_HINT})"
BAD_FILES = [
    (
        "deployments-bad.csv",
        "deployments",
        ["D-201", "D-208", "D-210"],
        [
            f"row 3, column finished_at: '2026-13-01' {TIME}",
            "row 4, column environment: required but empty",
            "row 5, column status: 'half done' is not a status (use success, failure, cancelled or running)",
            "row 6, column finished_at: '2026-11-10T13:59:00+08:00' is before created_at '2026-11-10T14:00:00+08:00'",
            "row 7, column id: duplicate id 'D-201', first used in row 2; this row is ignored",
            "row 8, column commit: 'v1.2.3' is not a commit sha (4 to 64 hex digits); "
            "column rollback: 'maybe' is not true or false (use true/false, yes/no or 1/0)",
            "row 10: 9 values, but the header has 11 columns",
            f"row 13, column created_at: '2026-11-10 19:00 CST' {TIME}",  # after a quoted value over two lines
            "column 'pipline' is not in the deployments schema and was ignored; did you mean 'pipeline'?",
        ],
    ),
    (
        "incidents-bad.json",
        "incidents",
        ["INC-20", "26"],
        [
            "item [1], field title: required but empty",
            f"item [2], field title: required but missing; field started_at: 1762905600 {TIME}",
            "item [3]: expected an object, got a string",
            "item [4], field resolved_at: '2026-11-12T09:00:00+08:00' is before started_at '2026-11-12T10:00:00+08:00'",
            'item [5], field labels: expected text, got {"name": "sso"}; '
            "field auto_recovered: 'sometimes' is not true or false (use true/false, yes/no or 1/0)",
            "item [6], field id: duplicate id 'INC-20', first used in item [0]; this row is ignored",
        ],
    ),
    (
        "work-items-bad.jsonl",
        "workitems",
        ["W-1", "W-6"],
        [
            "line 2, field resolved_at: '2026-11-12T09:00:00+08:00' is before created_at '2026-11-13T09:00:00+08:00'; "
            "field released_at: '2026-11-12T10:00:00+08:00' is before created_at '2026-11-13T09:00:00+08:00'",
            "line 4: not valid JSON (Expecting ',' delimiter at column 54)",
            "line 5: expected an object, got an array",
            'line 6, field type: expected text, got ["bug"]',
        ],
    ),
]


@pytest.mark.parametrize(("name", "kind", "good", "messages"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_rows_are_problems_and_good_rows_are_kept(
    name: str, kind: str, good: list[str], messages: list[str]
) -> None:
    result = read_events(DATA / name, kind)
    assert [r.id for r in result.records] == good
    assert [p.message for p in result.problems] == messages
    assert {p.source for p in result.problems} == {str(DATA / name)}


def test_wrapped_json_rows_are_named_by_their_array(tmp_path: Path) -> None:
    doc = {"work_items": [{"id": "W-1", "type": "bug", "title": "t", "created_at": "2026-11-20"}, {"id": "W-2"}]}
    assert _messages(_write(tmp_path, "w.json", json.dumps(doc)), "workitems") == [
        "item work_items[1], field type: required but missing; field title: required but missing; "
        "field created_at: required but missing"
    ]


def test_same_id_from_different_sources_is_not_a_duplicate(tmp_path: Path) -> None:
    text = "id,title,started_at,source\nI-1,a,2026-11-20,pd:a\nI-1,b,2026-11-20,pd:b\nI-1,c,2026-11-20,pd:b\n"
    result = read_incidents(_write(tmp_path, "i.csv", text))
    assert [i.title for i in result.records] == ["a", "b"]
    assert [p.message for p in result.problems] == [
        "row 4, column id: duplicate id 'I-1', first used in row 3; this row is ignored"
    ]


def test_problems_are_capped(tmp_path: Path) -> None:
    rows = "".join(f"D-{n},prod,ok,not a time\n" for n in range(MAX_LISTED_PROBLEMS + 5))
    messages = _messages(_write(tmp_path, "d.csv", DEPLOY_HEADER + rows), "deployments")
    assert len(messages) == MAX_LISTED_PROBLEMS + 1
    assert messages[-1] == "5 more bad rows not listed"


def test_a_long_json_value_is_a_row_problem(tmp_path: Path) -> None:
    items = [{"id": "I-1", "title": "x" * (MAX_FIELD_CHARS + 1), "started_at": "2026-11-20"}]
    assert _messages(_write(tmp_path, "i.json", json.dumps(items)), "incidents") == [
        "item [0], field title: 131,073 characters, over the limit of 131,072"
    ]


# --- file errors ------------------------------------------------------------------------------------------------

FILE_ERRORS: list[tuple[str, str, str | bytes, str]] = [
    ("empty.csv", "deployments", b"", "empty file (0 bytes)"),
    ("blank.csv", "deployments", "\n \n", "no content: the file holds only blank lines"),
    ("binary.csv", "deployments", b"PK\x03\x04\x14\x00\x06\x00", "binary data (NUL bytes), not CSV or JSON text"),
    (
        "latin1.csv",
        "incidents",
        "id,title,started_at\nI-1,caf\xe9,2026-11-20\n".encode("latin-1"),
        "line 2: not utf-8 text (byte 0xe9); save it as UTF-8 (Excel: 'CSV UTF-8'), e.g. iconv -f GBK -t UTF-8",
    ),
    (
        "missing.csv",
        "deployments",
        "id,env,state,created_at,commit\nD-1,prod,ok,2026-11-20,\n",
        "missing required column(s): environment, status (the header has: id, env, state, created_at, commit)",
    ),
    (
        "noheader.csv",
        "deployments",
        "D-1,production,success,2026-11-20\n",
        "line 1 must be a header row naming the columns (id, environment, status, created_at, ...); "
        "got 'D-1, production, success, 2026-11-20'",
    ),
    (
        "twice.csv",
        "incidents",
        "id,title,started_at,Title\nI-1,a,2026-11-20,b\n",
        "column 'title' appears twice in the header (columns 2 and 4)",
    ),
    (
        "quote.csv",
        "incidents",
        'id,title,started_at\nI-1,"a"b,2026-11-20\n',
        "row 2: not valid CSV (',' expected after '\"')",
    ),
    (
        "huge-field.csv",
        "incidents",
        f"id,title,started_at\nI-1,{'x' * (MAX_FIELD_CHARS + 1)},2026-11-20\n",
        "row 2: not valid CSV (field larger than field limit (131072))",
    ),
    ("broken.json", "incidents", '[{"id": "I-1",', "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 15"),
    (
        "object.json",
        "incidents",
        '{"deployments": []}',
        'expected an array of incidents or an object {"incidents": [...]}; got an object with the keys: deployments',
    ),
    ("string.json", "workitems", '"hello"', 'expected an array of work items or an object {"work_items": [...]}; got a string'),
    ("notarray.json", "incidents", '{"incidents": {"id": 1}}', '"incidents" must be an array of objects, got an object'),
    ("deep.json", "incidents", "[" * 100_000 + "]" * 100_000, "not usable JSON: nested too deeply"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kind", "content", "message"), FILE_ERRORS, ids=[e[0] for e in FILE_ERRORS])
def test_file_errors(tmp_path: Path, name: str, kind: str, content: str | bytes, message: str) -> None:
    with pytest.raises(ReportError) as caught:
        read_events(_write(tmp_path, name, content), kind)
    assert str(caught.value) == message


def test_size_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", DEPLOY_HEADER + "D-1,prod,ok,2026-11-20\n")
    with pytest.raises(ReportError, match=r"^file is 56 bytes, over the limit of 50 bytes$"):
        read_deployments(path, max_bytes=50)


@pytest.mark.parametrize("ext", ["csv", "json", "jsonl"])
def test_row_limit(ext: str) -> None:
    with pytest.raises(ReportError, match=r"^more than 3 rows; split the file$"):
        read_deployments(DATA / f"deployments.{ext}", max_rows=3)
    assert len(read_deployments(DATA / f"deployments.{ext}", max_rows=7).records) == 7


def test_unknown_kind_and_encoding(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown event kind 'releases'; use one of deployments, incidents, workitems"):
        read_events(DATA / "deployments.csv", "releases")
    with pytest.raises(ReportError, match="unknown text encoding 'klingon'"):
        read_events(DATA / "deployments.csv", "deployments", encoding="klingon")


# --- round trip and docs ----------------------------------------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(lambda s: s.strip())
_OFFSETS = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_TIMES = st.builds(
    lambda t, tz: t.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    _OFFSETS,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_TEXT, started=_TIMES, labels=st.lists(_TEXT.filter(lambda s: ";" not in s), max_size=3))
def test_csv_and_json_written_by_the_standard_library_read_back(
    tmp_path: Path, title: str, started: datetime, labels: list[str]
) -> None:
    row = {"id": "I-1", "title": title, "started_at": started.isoformat(), "labels": ";".join(labels)}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    expected = Incident(
        source="x",
        id="I-1",
        title=title.strip(),
        started_at=started,
        labels=tuple(dict.fromkeys(s.strip() for s in labels if s.strip())),
    )
    from_csv = read_incidents(_write(tmp_path, "i.csv", out.getvalue()), source="x")
    from_json = read_incidents(_write(tmp_path, "i.json", json.dumps([row])), source="x")
    assert from_csv.records == from_json.records == (expected,)
    assert from_csv.records[0].started_at.utcoffset() == started.utcoffset()


def test_every_column_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for kind, schema in SCHEMAS.items():
        section = text.split(f"## {schema.kind.capitalize()}", 1)[1].split("\n## ", 1)[0]
        rows = dict(re.findall(r"^\| `(\w+)` \| (yes|no) \|", section, re.M))
        assert rows == {c.name: "yes" if c.required else "no" for c in schema.columns}, kind


def test_source_column_beats_the_default() -> None:
    incidents = read_incidents(DATA / "incidents.json").records
    assert [replace(i, source="-") for i in incidents] == [replace(i, source="-") for i in _incidents("")]
    assert incidents[0].source == "pagerduty:shop"
