"""Deployments, incidents, work items and drills from CSV, JSON and JSON Lines files; the schema is docs/events.md."""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import check_size
from devmaturity.collectors.textstream import JsonValues, KeySet, chunks, lines, scan
from devmaturity.model.delivery import Deployment, Drill, DrillKind, Incident, RunStatus, WorkItem
from devmaturity.model.evidence import Problem
from devmaturity.model.limits import violations

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_ROWS = 5_000_000
MAX_FIELD_CHARS = 131_072  # the csv module's own field limit, so CSV and JSON files get the same one
MAX_LISTED_PROBLEMS = 1_000
DEFAULT_BATCH = 5_000  # good rows handed to the writer at a time
TIME_HINT = "use ISO 8601, e.g. 2026-11-20T10:00:00+08:00"

E = TypeVar("E", Deployment, Incident, WorkItem, Drill)

_STATUS: dict[str, RunStatus] = {
    **dict.fromkeys(
        ("success", "succeeded", "successful", "ok", "passed", "pass", "deployed", "done", "成功", "完成", "已完成"),
        RunStatus.SUCCESS,
    ),
    **dict.fromkeys(("failure", "failed", "fail", "error", "errored", "broken", "失败", "错误"), RunStatus.FAILURE),
    **dict.fromkeys(
        ("cancelled", "canceled", "cancel", "aborted", "abort", "取消", "已取消", "中止"), RunStatus.CANCELLED
    ),
    **dict.fromkeys(
        ("running", "in_progress", "pending", "queued", "started", "运行中", "进行中", "排队"), RunStatus.RUNNING
    ),
    **dict.fromkeys(("skipped", "skip", "跳过", "已跳过"), RunStatus.SKIPPED),
}
_BOOL: dict[str, bool] = {
    **dict.fromkeys(("true", "t", "yes", "y", "1", "on", "是"), True),
    **dict.fromkeys(("false", "f", "no", "n", "0", "off", "否"), False),
}
_HEX = frozenset("0123456789abcdef")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True, slots=True, kw_only=True)
class EventsRead(Generic[E]):
    """The good rows of one file as records (unless written in batches), and one problem per bad row (file order)."""

    records: tuple[E, ...]
    problems: tuple[Problem, ...]
    rows: int = 0  # good rows read: the records, or the rows handed to the writer in batches


AnyEventsRead = EventsRead[Deployment] | EventsRead[Incident] | EventsRead[WorkItem] | EventsRead[Drill]


class _Bad(ValueError):
    """One value that cannot be used; the message says why, the caller adds row and column."""


# --- values ---------------------------------------------------------------------------------------------------


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _show(value: object) -> str:
    """A value as the user wrote it: quoted text, or JSON for the other JSON types."""
    if isinstance(value, str):
        return repr(_clip(value.strip()))
    return _clip(json.dumps(value, ensure_ascii=False))


def _text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Bad(f"expected text, got {_show(value)}")
    text = str(value).strip()
    if len(text) > MAX_FIELD_CHARS:
        raise _Bad(f"{len(text):,} characters, over the limit of {MAX_FIELD_CHARS:,}")
    return text


def _lower(value: object) -> str:
    return _text(value).lower()


def _time(value: object) -> datetime:
    """ISO 8601; a time without an offset is UTC."""
    if not isinstance(value, str):
        raise _Bad(f"{_show(value)} is not a date/time ({TIME_HINT})")
    try:
        moment = datetime.fromisoformat(_text(value))
    except ValueError:
        raise _Bad(f"{_show(value)} is not a date/time ({TIME_HINT})") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    flag = _BOOL.get(value.strip().lower()) if isinstance(value, str) else None
    if flag is None:
        raise _Bad(f"{_show(value)} is not true or false (use true/false, yes/no or 1/0)")
    return flag


def _status(value: object) -> RunStatus:
    text = _text(value)
    status = _STATUS.get(re.sub(r"[\s-]+", "_", text.lower()))
    if status is None:
        raise _Bad(f"{_show(text)} is not a status (use success, failure, cancelled or running)")
    return status


def _commit(value: object) -> str:
    sha = _lower(value)
    if not 4 <= len(sha) <= 64 or not set(sha) <= _HEX:
        raise _Bad(f"{_show(value)} is not a commit sha (4 to 64 hex digits)")
    return sha


def _labels(value: object) -> tuple[str, ...]:
    """A JSON array of strings, or one text with labels separated by semicolons."""
    parts = value if isinstance(value, list) else _text(value).split(";")
    return tuple(dict.fromkeys(label for label in map(_text, parts) if label))


def _postmortem(value: object) -> str:
    """A post-mortem's link (any text), or a yes/no flag: yes is "yes", no is "" (the record says there was none)."""
    if isinstance(value, bool):
        return "yes" if value else ""
    flag = _BOOL.get(value.strip().lower()) if isinstance(value, str) else None
    if flag is not None:
        return "yes" if flag else ""
    return _text(value)


def _estimate(value: object) -> float:
    """Story points or hours: a number of zero or more (JSON number or text)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(f"{_show(value)} is not an estimate (a number of zero or more)")
    try:
        number = float(value)
    except ValueError:
        raise _Bad(f"{_show(value)} is not an estimate (a number of zero or more)") from None
    if not math.isfinite(number) or number < 0:
        raise _Bad(f"{_show(value)} is not an estimate (a number of zero or more)")
    return number


def _acceptance(value: object) -> bool:
    """A yes/no flag, or the acceptance criteria's text (present: yes)."""
    if isinstance(value, bool | int):
        return _bool(value)
    flag = _BOOL.get(value.strip().lower()) if isinstance(value, str) else None
    return flag if flag is not None else bool(_text(value))


_DRILL_KINDS: dict[str, DrillKind] = {
    **dict.fromkeys(("backup", "备份"), DrillKind.BACKUP),
    **dict.fromkeys(("restore", "recovery", "恢复"), DrillKind.RESTORE),
    **dict.fromkeys(("failover", "switchover", "切换"), DrillKind.FAILOVER),
    **dict.fromkeys(("dr", "disaster_recovery", "容灾"), DrillKind.DR),
}


def _drill_kind(value: object) -> DrillKind:
    text = _text(value)
    kind = _DRILL_KINDS.get(re.sub(r"[\s-]+", "_", text.lower()))
    if kind is None:
        raise _Bad(f"{_show(text)} is not a drill kind (use backup, restore, failover or dr)")
    return kind


def _absent(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == []


# --- schemas --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class EventColumn:
    """One column (CSV) or field (JSON) of a schema; `parse` turns the raw value into the record's value."""

    name: str
    parse: Callable[[object], object]
    required: bool = False


def _req(name: str, parse: Callable[[object], object] = _text) -> EventColumn:
    return EventColumn(name=name, parse=parse, required=True)


def _opt(name: str, parse: Callable[[object], object] = _text) -> EventColumn:
    return EventColumn(name=name, parse=parse)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventSchema(Generic[E]):
    """The columns of one kind; `ends` are times that must not be before `start`, and in each of `spans` (start,
    end) the end must not be before that start."""

    kind: str
    key: str
    build: Callable[..., E]
    columns: tuple[EventColumn, ...]
    start: str
    ends: tuple[str, ...]
    spans: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


DEPLOYMENTS: EventSchema[Deployment] = EventSchema(
    kind="deployments",
    key="deployments",
    build=Deployment,
    columns=(
        _req("id"),
        _req("environment"),
        _req("status", _status),
        _req("created_at", _time),
        _opt("finished_at", _time),
        _opt("commit", _commit),
        _opt("pipeline"),
        _opt("url"),
        _opt("rollback", _bool),
        _opt("incident"),
        _opt("source"),
    ),
    start="created_at",
    ends=("finished_at",),
)
INCIDENTS: EventSchema[Incident] = EventSchema(
    kind="incidents",
    key="incidents",
    build=Incident,
    columns=(
        _req("id"),
        _req("title"),
        _req("started_at", _time),
        _opt("resolved_at", _time),
        _opt("severity"),
        _opt("service"),
        _opt("deployment"),
        _opt("labels", _labels),
        _opt("auto_recovered", _bool),
        _opt("postmortem", _postmortem),
        _opt("source"),
    ),
    start="started_at",
    ends=("resolved_at",),
)
WORK_ITEMS: EventSchema[WorkItem] = EventSchema(
    kind="work items",
    key="work_items",
    build=WorkItem,
    columns=(
        _req("id"),
        _req("type", _lower),
        _req("title"),
        _req("created_at", _time),
        _opt("resolved_at", _time),
        _opt("released_at", _time),
        _opt("release"),
        _opt("severity"),
        _opt("environment"),
        _opt("labels", _labels),
        _opt("iteration"),
        _opt("iteration_start", _time),
        _opt("iteration_end", _time),
        _opt("estimate", _estimate),
        _opt("parent"),
        _opt("acceptance_criteria", _acceptance),
        _opt("source"),
    ),
    start="created_at",
    ends=("resolved_at", "released_at"),
    spans=(("iteration_start", "iteration_end"),),
)
DRILLS: EventSchema[Drill] = EventSchema(
    kind="drills",
    key="drills",
    build=Drill,
    columns=(
        _req("id"),
        _req("kind", _drill_kind),
        _req("started_at", _time),
        _req("status", _status),
        _opt("finished_at", _time),
        _opt("service"),
        _opt("environment"),
        _opt("url"),
        _opt("source"),
    ),
    start="started_at",
    ends=("finished_at",),
)
SCHEMAS: dict[str, EventSchema[Any]] = {
    "deployments": DEPLOYMENTS,
    "incidents": INCIDENTS,
    "workitems": WORK_ITEMS,
    "drills": DRILLS,
}


@functools.lru_cache(maxsize=4096)  # a file repeats its few keys on every row
def column_name(raw: str) -> str:
    """Header and key spellings matched to schema names: 'Created At', 'created-at', 'createdAt' → created_at."""
    return re.sub(r"[\s-]+", "_", _CAMEL.sub("_", raw.strip())).lower()


# --- rows -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Row:
    """One row as read: its number (line, or place in an array) and values by column (None when unusable)."""

    number: int
    noun: str
    values: Mapping[str, object] | None
    fault: str = ""


def _convert(values: Mapping[str, object], schema: EventSchema[E]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Typed values of the present columns, and (column, what is wrong) for each bad one."""
    typed: dict[str, Any] = {}
    faults: list[tuple[str, str]] = []
    for column in schema.columns:
        raw = values.get(column.name)
        if _absent(raw):
            if column.required:
                faults.append((column.name, "required but missing" if raw is None else "required but empty"))
            continue
        try:
            typed[column.name] = column.parse(raw)
        except _Bad as bad:
            faults.append((column.name, str(bad)))
    return typed, faults + _order_faults(typed, values, schema)


def _order_faults(
    typed: Mapping[str, Any], values: Mapping[str, object], schema: EventSchema[E]
) -> list[tuple[str, str]]:
    pairs = [(schema.start, end) for end in schema.ends] + list(schema.spans)
    late = [(a, b) for a, b in pairs if typed.get(a) is not None and typed.get(b) is not None and typed[b] < typed[a]]
    return [(b, f"{_show(values[b])} is before {a} {_show(values[a])}") for a, b in late]


class _Sink(Generic[E]):
    """Rows in, records and problems out: good records go to `write` in batches, so a file of any size is read in
    bounded memory; duplicate ids, field limits, the problem cap and misspelt columns are tracked here."""

    def __init__(
        self, schema: EventSchema[E], source: str, origin: str, write: Callable[[Sequence[E]], object], batch: int
    ) -> None:
        self.schema: EventSchema[E] = schema
        self.source = source
        self.origin = origin
        self.write: Callable[[Sequence[E]], object] = write
        self.batch = batch
        self.place = "row {}"  # how a row number is shown, set by the reader of the format
        self.pending: list[E] = []
        self.written = 0
        self.problems: list[Problem] = []
        self.unlisted = 0
        self.seen = KeySet()
        self.unknown: dict[str, str] = {}

    def add(self, row: _Row) -> None:
        where = self.place.format(row.number)
        if row.values is None:
            self._problem(f"{where}: {row.fault}")
            return
        self._note_unknown(row.values, row.noun)
        typed, faults = _convert(row.values, self.schema)
        if not faults:
            typed.setdefault("source", self.source)
            record = self.schema.build(**typed)
            faults = list(violations(record))
        if not faults:
            first = self.seen.first((typed["source"], typed["id"]), row.number)
            if first is not None:
                faults = [("id", f"duplicate id {_show(typed['id'])}, first used in {self.place.format(first)}; "
                           "this row is ignored")]  # fmt: skip
        if faults:
            self._problem(f"{where}, " + "; ".join(f"{row.noun} {name}: {text}" for name, text in faults))
            return
        self.pending.append(record)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.write(self.pending)
            self.written += len(self.pending)
            self.pending = []

    def _note_unknown(self, values: Mapping[str, object], noun: str) -> None:
        if len(self.unknown) < 100:
            for name in values.keys() - self.schema.names:
                self.unknown.setdefault(name, noun)

    def _problem(self, message: str) -> None:
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(Problem(source=self.origin, message=message))
        else:
            self.unlisted += 1

    def finish(self) -> EventsRead[E]:
        self.flush()
        notes = [self._misspelt(name, noun) for name, noun in self.unknown.items() if name]
        problems = self.problems + [Problem(source=self.origin, message=note) for note in notes if note]
        if self.unlisted:
            problems.append(Problem(source=self.origin, message=f"{self.unlisted:,} more bad rows not listed"))
        return EventsRead(records=(), problems=tuple(problems), rows=self.written)

    def _misspelt(self, name: str, noun: str) -> str:
        """A note for an unknown column that looks like a schema column; other extra columns are ignored quietly."""
        close = difflib.get_close_matches(name, self.schema.names, n=1, cutoff=0.8)
        if not close:
            return ""
        return f"{noun} {name!r} is not in the {self.schema.kind} schema and was ignored; did you mean {close[0]!r}?"


# --- text -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Text:
    """A text to read: its start (for the format and the CSV delimiter), and how to open it as a stream of lines
    ending only at `newline` ('' = any of \\n, \\r\\n, \\r, as the csv module wants)."""

    head: str
    open: Callable[[str], TextIO]


# --- CSV ------------------------------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """Comma, semicolon (European Excel) or tab, whichever splits the header line most; comma on a tie."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def _header(cells: list[str] | None, schema: EventSchema[E]) -> list[str]:
    names = [column_name(c) for c in cells or []]
    if not set(names) & set(schema.names):
        got = _clip(", ".join(c.strip() for c in cells or []))
        raise ReportError(
            f"line 1 must be a header row naming the columns ({', '.join(schema.required)}, ...); got {got!r}"
        )
    for index, name in enumerate(names):
        if name and name in names[index + 1 :]:
            other = names.index(name, index + 1)
            raise ReportError(f"column {name!r} appears twice in the header (columns {index + 1} and {other + 1})")
    missing = [name for name in schema.required if name not in names]
    if missing:
        has = ", ".join(n for n in names if n)
        raise ReportError(f"missing required column(s): {', '.join(missing)} (the header has: {has})")
    return names


def _csv_row(start: int, header: list[str], cells: list[str]) -> _Row:
    if len(cells) < len(header) or any(c.strip() for c in cells[len(header) :]):
        fault = f"{len(cells)} values, but the header has {len(header)} columns"
        return _Row(number=start, noun="column", values=None, fault=fault)
    return _Row(number=start, noun="column", values=dict(zip(header, cells, strict=False)))


def _feed_csv(text: _Text, sink: _Sink[E], max_rows: int) -> None:
    """Rows are numbered by the line they start on, the header being line 1; blank rows are skipped."""
    with text.open("") as stream:
        reader = csv.reader(lines(stream), delimiter=_delimiter(text.head), strict=True)
        line = count = 0
        try:
            header = _header(next(reader, None), sink.schema)
            line = reader.line_num
            for cells in reader:
                start, line = line + 1, reader.line_num
                if any(c.strip() for c in cells):
                    count += 1
                    _check_rows(count, max_rows)
                    sink.add(_csv_row(start, header, cells))
        except csv.Error as exc:
            raise ReportError(f"row {line + 1}: not valid CSV ({exc})") from None


def _check_rows(count: int, max_rows: int) -> None:
    if count > max_rows:
        raise ReportError(f"more than {max_rows:,} rows; split the file")


# --- JSON -----------------------------------------------------------------------------------------------------


def _json_type(value: object) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _json_row(number: int, item: object) -> _Row:
    if not isinstance(item, dict):
        return _Row(number=number, noun="field", values=None, fault=f"expected an object, got {_json_type(item)}")
    return _Row(number=number, noun="field", values={column_name(str(k)): v for k, v in item.items()})


def _feed_array(js: JsonValues, sink: _Sink[E], name: str, max_rows: int) -> None:
    """Rows are named by their place in the array, counted from 0 as in jq: item [0], item deployments[3]."""
    sink.place = f"item {name}[{{}}]"
    js.take("[", "Expecting value")
    if js.peek() == "]":
        js.pos += 1
        return
    count = 0
    while True:
        item = js.value()
        count += 1
        _check_rows(count, max_rows)
        sink.add(_json_row(count - 1, item))
        if js.peek() != ",":
            js.take("]", "Expecting ',' delimiter")
            return
        js.pos += 1


def _feed_object(js: JsonValues, sink: _Sink[E], max_rows: int) -> None:
    """An object holding the rows under the kind's key; its other keys are skipped."""
    schema = sink.schema
    keys: list[str] = []
    found = False
    js.take("{", "Expecting value")
    closed = js.peek() == "}"
    if closed:
        js.pos += 1
    while not closed:
        if js.peek() != '"':
            raise js.error("Expecting property name enclosed in double quotes", js.pos)
        key = str(js.value())
        js.take(":", "Expecting ':' delimiter")
        if key == schema.key and found:
            raise ReportError(f"the key {json.dumps(key)} appears twice in the object; keep one array of rows")
        if key == schema.key:
            if js.peek() != "[":
                raise ReportError(f"{json.dumps(key)} must be an array of objects, got {_json_type(js.value())}")
            _feed_array(js, sink, key, max_rows)
            found = True
        else:
            js.value()
        keys.append(key)
        closed = js.peek() != ","
        if closed:
            js.take("}", "Expecting ',' delimiter")
        else:
            js.pos += 1
    if not found:
        wanted = f"an array of {schema.kind} or an object {{{json.dumps(schema.key)}: [...]}}"
        raise ReportError(f"expected {wanted}; got an object with the keys: {_clip(', '.join(keys) or 'none')}")


def _feed_json(text: _Text, sink: _Sink[E], max_rows: int) -> None:
    """A JSON array of rows, or an object with the array under the kind's key, streamed value by value."""
    with text.open("\n") as stream:
        js = JsonValues(stream)
        first = js.peek()
        if first == "[":
            _feed_array(js, sink, "", max_rows)
        elif first == "{":
            _feed_object(js, sink, max_rows)
        else:
            schema = sink.schema
            got = _json_type(js.value())
            raise ReportError(
                f"expected an array of {schema.kind} or an object {{{json.dumps(schema.key)}: [...]}}; got {got}"
            )
        if js.peek():
            raise js.error("Extra data", js.pos)


def _jsonl_row(number: int, line: str) -> _Row:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        fault = f"not valid JSON ({exc.msg} at column {exc.colno})"
        return _Row(number=number, noun="field", values=None, fault=fault)
    except RecursionError:
        return _Row(number=number, noun="field", values=None, fault="not usable JSON (nested too deeply)")
    except ValueError as exc:
        return _Row(number=number, noun="field", values=None, fault=f"not usable JSON ({_clip(str(exc))})")
    return _json_row(number, item)


def _feed_jsonl(text: _Text, sink: _Sink[E], max_rows: int) -> None:
    """One object per line, named by line number; blank lines are skipped. Only '\\n' ends a line: JSON text
    may hold U+2028 and other characters str.splitlines() would split on."""
    sink.place = "line {}"
    count = 0
    with text.open("\n") as stream:
        for number, line in enumerate(lines(stream), 1):
            if line.strip():
                count += 1
                _check_rows(count, max_rows)
                sink.add(_jsonl_row(number, line))


def _json_lines(head: str) -> bool:
    """Whether a text that opens with '{' is JSON Lines: its first object ends before more text follows."""
    text = head.lstrip()
    if not text.startswith("{"):
        return False
    try:
        _, end = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        return False
    return bool(text[end:].strip())


# --- files ----------------------------------------------------------------------------------------------------


def _file_text(path: Path, encoding: str, max_bytes: int) -> _Text:
    """The file checked in a first streaming pass, then opened again to be read as lines or JSON values."""
    check_size(path, max_bytes)
    codec, head = scan(chunks(path, max_bytes), encoding)

    def open_text(newline: str) -> TextIO:
        return open(path, encoding=codec, newline=newline)  # the feeders close it

    return _Text(head=head, open=open_text)


def _format(path: Path, head: str) -> str:
    """By extension (.csv .tsv .txt, .json, .jsonl .ndjson); otherwise JSON if the text opens with [ or {."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return _json_or_lines(head) if suffix == ".json" or head.lstrip()[:1] in ("[", "{") else "csv"


def _json_or_lines(head: str) -> str:
    return "jsonl" if _json_lines(head) else "json"


_FEEDERS: dict[str, Callable[[_Text, _Sink[Any], int], None]] = {
    "csv": _feed_csv,
    "json": _feed_json,
    "jsonl": _feed_jsonl,
}


def _parse(
    text: _Text, schema: EventSchema[E], source: str, origin: str, fmt: str, max_rows: int, sink_to: _Writer[E]
) -> EventsRead[E]:
    sink = _Sink(schema, source, origin, sink_to.write, sink_to.batch)
    try:
        _FEEDERS[fmt](text, sink, max_rows)
    except UnicodeDecodeError:
        raise ReportError("the file changed while being read; read it again") from None
    read = sink.finish()
    return EventsRead(records=tuple(sink_to.kept), problems=read.problems, rows=read.rows)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Writer(Generic[E]):
    """Where good records go: `write` in batches, or kept in memory when no writer is given."""

    write: Callable[[Sequence[E]], object]
    batch: int
    kept: list[E]


def _writer(write: Callable[[Sequence[Any]], object] | None, batch: int) -> _Writer[Any]:
    kept: list[Any] = []
    return _Writer(write=write or kept.extend, batch=batch, kept=kept)


def _read(
    path: Path,
    schema: EventSchema[E],
    source: str | None,
    encoding: str,
    max_bytes: int,
    max_rows: int,
    sink_to: _Writer[E],
) -> EventsRead[E]:
    text = _file_text(path, encoding, max_bytes)
    return _parse(text, schema, source or path.name, str(path), _format(path, text.head), max_rows, sink_to)


def read_deployments(
    path: Path,
    *,
    source: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> EventsRead[Deployment]:
    """Deployments of a CSV, JSON or JSON Lines file; `source` is the default of the source column (file name)."""
    return _read(path, DEPLOYMENTS, source, encoding, max_bytes, max_rows, _writer(None, DEFAULT_BATCH))


def read_incidents(
    path: Path,
    *,
    source: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> EventsRead[Incident]:
    """Incidents of a CSV, JSON or JSON Lines file; `source` is the default of the source column (file name)."""
    return _read(path, INCIDENTS, source, encoding, max_bytes, max_rows, _writer(None, DEFAULT_BATCH))


def read_work_items(
    path: Path,
    *,
    source: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> EventsRead[WorkItem]:
    """Work items of a CSV, JSON or JSON Lines file; `source` is the default of the source column (file name)."""
    return _read(path, WORK_ITEMS, source, encoding, max_bytes, max_rows, _writer(None, DEFAULT_BATCH))


def read_drills(
    path: Path,
    *,
    source: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> EventsRead[Drill]:
    """Backup and disaster-recovery drills of a CSV, JSON or JSON Lines file."""
    return _read(path, DRILLS, source, encoding, max_bytes, max_rows, _writer(None, DEFAULT_BATCH))


def read_events(
    path: Path,
    kind: str,
    *,
    source: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    write: Callable[[Sequence[Any]], object] | None = None,
    batch: int = DEFAULT_BATCH,
) -> AnyEventsRead:
    """One kind of event file, the kind being a key of SCHEMAS (deployments, incidents, workitems, drills).

    With `write`, the good records are handed to it in batches of `batch` as the file is read (the result's
    records are then empty and `rows` counts them), so memory stays bounded whatever the file's size; a
    ReportError may come after some batches were written, so the caller writes them in one transaction.
    Raises ReportError for a file that cannot be used at all; each bad row is a problem in the result."""
    result: AnyEventsRead = _read(path, _schema(kind), source, encoding, max_bytes, max_rows, _writer(write, batch))
    return result


def _schema(kind: str) -> EventSchema[Any]:
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise ValueError(f"unknown event kind {kind!r}; use one of {', '.join(SCHEMAS)}")
    return schema


def parse_events(
    text: str | bytes,
    kind: str,
    *,
    source: str | None = None,
    name: str = "text",
    fmt: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> AnyEventsRead:
    """Events from text already in memory, e.g. a webhook body, read exactly as a file of the same format.

    `fmt` is csv, json or jsonl; None tells JSON from CSV by the first character, as for a file without a known
    extension. Bytes are decoded as a file's are: UTF-8 (a BOM is dropped), or UTF-16 after its BOM. `name` is
    where the problems say they come from, and the default source when `source` is not given. Raises ReportError
    for text that cannot be used at all."""
    if fmt is not None and fmt not in _FEEDERS:
        raise ValueError(f"unknown event format {fmt!r}; use one of {', '.join(_FEEDERS)}")
    if isinstance(text, bytes):
        if not text:
            raise ReportError(f"empty {name} (0 bytes)")
        codec, _ = scan([text], "utf-8") if text.strip() else ("utf-8-sig", "")
        text = text.decode(codec).removeprefix("\ufeff")
    if not text.strip():
        raise ReportError(f"no content: the {name} holds only blank lines")
    body = text
    chosen = fmt or ("json" if body.lstrip()[:1] in ("[", "{") else "csv")
    if chosen == "json":
        chosen = _json_or_lines(body)
    read = _Text(head=body, open=lambda newline: io.StringIO(body, newline=newline))
    result: AnyEventsRead = _parse(
        read, _schema(kind), source or name, name, chosen, max_rows, _writer(None, DEFAULT_BATCH)
    )
    return result
