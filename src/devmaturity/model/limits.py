"""How long each text field and how large each integer of an evidence record may be, declared once.

The event-file reader, the webhook schemas, the store-write boundary (services) and the table columns
(store/tables.py) all read this table, so SQLite and PostgreSQL accept and refuse exactly the same values: a
record with a value out of its limit is refused with a problem naming the field before any store sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from devmaturity.model.delivery import Deployment, Drill, Incident, PipelineRun, Release, WorkItem
from devmaturity.model.evidence import SecurityFinding

INT32_MAX = 2**31 - 1  # the store's INTEGER columns (PostgreSQL int4)


@dataclass(frozen=True, slots=True)
class Chars:
    """At most `most` characters; a tuple of texts (labels) is measured as stored, joined by newlines."""

    most: int


@dataclass(frozen=True, slots=True)
class Span:
    """An integer from `low` to `high`, both included."""

    low: int
    high: int


Limit = Chars | Span

ID = Chars(300)  # natural-key parts: source and id; also ids pointing at other records
COMMIT = Chars(64)
SHORT = Chars(50)  # severities, event names
NAME = Chars(100)  # types, environments of defects
TITLE = Chars(1_000)
URL = Chars(2_000)
LABELS = Chars(4_000)

# record type -> field -> limit; every text and integer field of a record stored in a table is listed here
LIMITS: dict[type, dict[str, Limit]] = {
    Deployment: {
        "source": ID,
        "id": ID,
        "environment": Chars(200),
        "commit": COMMIT,
        "pipeline": TITLE,
        "url": URL,
        "incident": ID,
    },
    Incident: {
        "source": ID,
        "id": ID,
        "title": TITLE,
        "severity": SHORT,
        "service": Chars(300),
        "deployment": ID,
        "labels": LABELS,
        "postmortem": URL,
    },
    WorkItem: {
        "source": ID,
        "id": ID,
        "type": NAME,
        "title": TITLE,
        "release": Chars(300),
        "severity": SHORT,
        "environment": NAME,
        "labels": LABELS,
        "iteration": Chars(300),
        "parent": ID,
    },
    PipelineRun: {
        "source": ID,
        "id": ID,
        "pipeline": TITLE,
        "commit": COMMIT,
        "branch": Chars(400),
        "event": SHORT,
        "url": URL,
    },
    Release: {"source": ID, "id": ID, "name": TITLE, "commit": COMMIT, "tag": Chars(400)},
    Drill: {"source": ID, "id": ID, "service": Chars(300), "environment": NAME, "url": URL},
    SecurityFinding: {"line": Span(1, INT32_MAX)},
}

R = TypeVar("R")


def chars(record_type: type, name: str) -> int:
    """The most characters a text field may hold (the width of its column)."""
    limit = LIMITS[record_type][name]
    if not isinstance(limit, Chars):
        raise TypeError(f"{record_type.__name__}.{name} is not a text field")
    return limit.most


def fault(limit: Limit, value: object) -> str | None:
    """What is wrong with one value under its limit, or None when it fits (an absent value always fits)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(limit, Span):
        if isinstance(value, int) and not limit.low <= value <= limit.high:
            return f"{value:,} is out of range ({limit.low:,} to {limit.high:,})"
        return None
    return _text_fault("\n".join(value) if isinstance(value, tuple) else str(value), limit.most)


def _text_fault(text: str, most: int) -> str | None:
    """Too long, or holding what PostgreSQL refuses and SQLite would keep: NUL, or an unpaired surrogate (both
    can come in through JSON escapes)."""
    if len(text) > most:
        return f"{len(text):,} characters, over the limit of {most:,}"
    if "\x00" in text:
        return "holds a NUL character (U+0000), which the store cannot keep"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"holds an unpaired surrogate (U+{ord(text[exc.start]):04X}), not text"
    return None


def violations(record: object) -> tuple[tuple[str, str], ...]:
    """(field, what is wrong) for each value of the record outside its declared limit."""
    found: list[tuple[str, str]] = []
    for name, limit in LIMITS.get(type(record), {}).items():
        value = getattr(record, name)
        text = _text_fault(value, limit.most) if isinstance(value, str) and isinstance(limit, Chars) else None
        if text is None and not isinstance(value, str):
            text = fault(limit, value)
        if text is not None:
            found.append((name, text))
    return tuple(found)


def describe(record: object, faults: Sequence[tuple[str, str]]) -> str:
    """One problem line for a refused record: its kind and id, and each field out of its limit."""
    ident = str(getattr(record, "id", ""))
    shown = ident if len(ident) <= 60 else ident[:60] + "…"
    fields = "; ".join(f"field {name}: {text}" for name, text in faults)
    return f"{type(record).__name__} {shown!r} refused, {fields}"


def admit(records: Iterable[R]) -> tuple[list[R], list[str]]:
    """The records within every limit, and one problem line per refused record (in order)."""
    kept: list[R] = []
    refused: list[str] = []
    for record in records:
        faults = violations(record)
        if faults:
            refused.append(describe(record, faults))
        else:
            kept.append(record)
    return kept, refused
