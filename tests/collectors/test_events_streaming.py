"""The streaming event reader: batches handed to the writer, JSON decoded value by value across chunk boundaries
with json's own messages and places, duplicate ids found across batches, and a file broken half way storing
nothing (its batches are written in one transaction)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from devmaturity.collectors import events, textstream
from devmaturity.collectors.base import ReportError
from devmaturity.config import Config
from devmaturity.services.ingest import ingest_command
from devmaturity.store.db import Store

WHEN = "2026-11-20T10:00:00+00:00"


def _incident(n: int) -> dict[str, object]:
    return {"id": f"I-{n}", "title": f"t{n}", "started_at": WHEN}


def _batches(path: Path, kind: str, batch: int) -> tuple[list[int], events.AnyEventsRead]:
    sizes: list[int] = []

    def write(records: Sequence[Any]) -> None:
        sizes.append(len(records))

    read = events.read_events(path, kind, write=write, batch=batch)
    return sizes, read


def test_good_rows_go_to_the_writer_in_batches(tmp_path: Path) -> None:
    """12 good rows and one bad (row 5 of the file: the 4th data row) in batches of 5: 5, 5, 1."""
    rows = [f"I-{n},t{n},{WHEN}\n" for n in range(12)]
    rows.insert(3, "I-x,t,not a time\n")
    path = tmp_path / "i.csv"
    path.write_text("id,title,started_at\n" + "".join(rows), encoding="utf-8")
    sizes, read = _batches(path, "incidents", 5)
    assert (sizes, read.rows, read.records) == ([5, 5, 2], 12, ())
    assert [p.message for p in read.problems] == [
        "row 5, column started_at: 'not a time' is not a date/time (use ISO 8601, e.g. 2026-11-20T10:00:00+08:00)"
    ]


@pytest.mark.parametrize("chunk", [1, 2, 7, 64])
def test_json_across_chunk_boundaries_reads_as_a_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Chunks as small as one character: strings with escapes, numbers ('1.5e3' must not stop at '1') and keys
    around the array are split anywhere, and the rows come out as json.loads would give them."""
    monkeypatch.setattr(textstream, "CHUNK_CHARS", chunk)
    doc = {"n": 1.5e3, "incidents": [{**_incident(1), "title": 'a"b\\c'}, _incident(2)], "x": [True, None, -2]}
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    read = events.read_incidents(path)
    assert [(i.id, i.title) for i in read.records] == [("I-1", 'a"b\\c'), ("I-2", "t2")]
    assert read.problems == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[\n{"id": "I-1"},\n{"id": "I-2"}\n{"id": "I-3"}]', "not valid JSON: Expecting ',' delimiter at line 4, column 1"),
        ('{"incidents": [],\n  "b": tru}', "not valid JSON: Expecting value at line 2, column 8"),
        ('[{"id": "I-1"}]\n  x', "not valid JSON: Extra data at line 2, column 3"),
        ('{"incidents": [], "incidents": []}', 'the key "incidents" appears twice in the object; keep one array of rows'),
        ('{"a": 1, "b": [2]}', 'expected an array of incidents or an object {"incidents": [...]}; got an object with the keys: a, b'),
    ],
)  # fmt: skip
def test_json_errors_name_the_place_whatever_the_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    """Lines and columns are json.loads's (counted from 1) even when the text before them left the buffer."""
    monkeypatch.setattr(textstream, "CHUNK_CHARS", 3)
    path = tmp_path / "i.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        events.read_incidents(path)
    assert str(caught.value) == message


def test_a_duplicate_id_is_found_batches_later(tmp_path: Path) -> None:
    """50,000 distinct ids (the hash table grows several times) and I-7 again on line 50,001."""
    path = tmp_path / "i.jsonl"
    lines = [json.dumps(_incident(n)) for n in range(50_000)] + [json.dumps(_incident(7))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sizes, read = _batches(path, "incidents", 5_000)
    assert (sum(sizes), len(sizes)) == (50_000, 10)
    assert [p.message for p in read.problems] == [
        "line 50001, field id: duplicate id 'I-7', first used in line 8; this row is ignored"
    ]


def test_a_file_broken_after_two_batches_stores_nothing(store: Store, tmp_path: Path) -> None:
    """12,000 good items (two batches of 5,000 written) and then a missing comma: the file's transaction is
    undone and the file is one problem, on both stores."""
    path = tmp_path / "incidents.json"
    items = ",\n".join(json.dumps(_incident(n)) for n in range(12_000))
    path.write_text("[\n" + items + "\n" + json.dumps(_incident(12_000)) + "]\n", encoding="utf-8")
    result = ingest_command(store, Config(), "incidents", [path], project="shop", commit=None, at=None)
    assert [p.message for p in result.problems] == ["not valid JSON: Expecting ',' delimiter at line 12002, column 1"]
    assert result.ingested == []
    assert store.count_rows("incidents", store.project("shop", "")) == 0
