"""The work items' agile columns in event files: values read, bad values named by row and column, and an
iteration that ends before it starts refused (the row is left out, the others kept)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from devmaturity.collectors.events import read_work_items

HEADER = "id,type,title,created_at,iteration,iteration_start,iteration_end,estimate,parent,acceptance_criteria\n"


def _read(tmp_path: Path, rows: str, name: str = "w.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(rows, encoding="utf-8")
    return read_work_items(path)


def test_values(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        HEADER + "S-1,story,One,2026-11-01T09:00:00+08:00,迭代 3,2026-11-01,2026-11-14,0,EPIC-7,Yes\n"
        'S-2,story,Two,2026-11-01T09:00:00Z,,,,8,,"Given x, then y"\n'
        "S-3,story,Three,2026-11-01T09:00:00Z,,,,,,\n",
    )
    assert got.problems == ()
    one, two, three = got.records
    assert one.iteration == "迭代 3" and one.iteration_end == datetime(2026, 11, 14, tzinfo=UTC)
    assert (one.estimate, one.parent, one.acceptance_criteria) == (0.0, "EPIC-7", True)  # 0 points is an estimate
    assert (two.estimate, two.acceptance_criteria) == (8.0, True)  # criteria given as text: present
    assert (three.estimate, three.parent, three.acceptance_criteria) == (None, "", None)  # empty: not recorded


def test_json_numbers_and_flags(tmp_path: Path) -> None:
    rows = [
        {
            "id": "S-1",
            "type": "story",
            "title": "t",
            "createdAt": "2026-11-01T00:00:00Z",
            "estimate": 2.5,
            "acceptanceCriteria": False,
            "iteration": "Sprint 9",
        }
    ]
    got = _read(tmp_path, json.dumps(rows), "w.json")
    assert got.problems == ()
    assert (got.records[0].estimate, got.records[0].acceptance_criteria) == (2.5, False)


def test_bad_values_are_named(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        HEADER + "S-1,story,One,2026-11-01T00:00:00Z,S,2026-11-14,2026-11-01,,,\n"
        "S-2,story,Two,2026-11-01T00:00:00Z,,,,-1,,\n"
        "S-3,story,Three,2026-11-01T00:00:00Z,,,,three,,\n"
        "S-4,story,Four,2026-11-01T00:00:00Z,,,,1,,\n",
    )
    assert [r.id for r in got.records] == ["S-4"]
    messages = [p.message for p in got.problems]
    assert len(messages) == 3
    assert "iteration_end" in messages[0] and "is before iteration_start" in messages[0]
    assert "estimate" in messages[1] and "'-1' is not an estimate" in messages[1]
    assert "'three' is not an estimate" in messages[2]
