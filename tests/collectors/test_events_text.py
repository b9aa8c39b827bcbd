"""parse_events reads text already in memory (a webhook body) exactly as read_events reads the same file."""

from __future__ import annotations

from pathlib import Path

import pytest

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.events import parse_events, read_events

EVENTS = Path(__file__).parents[1] / "data" / "events"
FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl"}
KINDS = {
    "deployments": "deployments",
    "incidents": "incidents",
    "incidents-postmortem": "incidents",
    "work-items": "workitems",
    "work-items-agile": "workitems",
    "drills": "drills",
}


@pytest.mark.parametrize("path", sorted(p for p in EVENTS.iterdir() if p.suffix in FORMATS), ids=lambda p: p.name)
def test_text_and_bytes_read_as_the_file(path: Path) -> None:
    kind = KINDS[path.stem.removesuffix("-bad")]
    from_file = read_events(path, kind, source="file")
    for text in (path.read_text(encoding="utf-8"), path.read_bytes()):
        for fmt in (FORMATS[path.suffix], None if path.suffix != ".jsonl" else "jsonl"):
            from_text = parse_events(text, kind, source="file", name=str(path), fmt=fmt)
            assert from_text.records == from_file.records
            assert [p.message for p in from_text.problems] == [p.message for p in from_file.problems]


def test_name_is_the_origin_and_the_default_source() -> None:
    read = parse_events(
        '[{"id": "1", "environment": "prod", "status": "ok", "created_at": "2026-11-02"}, 1]',
        "deployments",
        name="request body",
    )
    assert read.records[0].source == "request body"
    assert [(p.source, p.message) for p in read.problems] == [
        ("request body", "item [1]: expected an object, got a number")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "empty request body (0 bytes)"),
        ("  \n", "no content: the request body holds only blank lines"),
        (b"a\x00b", "binary data (NUL bytes), not CSV or JSON text"),
    ],
)
def test_unusable_text(text: str | bytes, message: str) -> None:
    with pytest.raises(ReportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_events(text, "incidents", name="request body")


def test_unknown_format_or_kind() -> None:
    with pytest.raises(ValueError, match="unknown event format 'xml'"):
        parse_events("[]", "incidents", fmt="xml")
    with pytest.raises(ValueError, match="unknown event kind 'releases'"):
        parse_events("[]", "releases")
