"""Work items' agile columns (iteration and its dates, estimate, parent, acceptance criteria) through an event file
into the store, on SQLite and PostgreSQL, and back out as records and as the frames the metrics read.

The file is tests/data/events/work-items-agile.csv; tests/metrics/test_agile_metrics.py works out the values by
hand from the same items. Here the window's evidence comes from the store, loaded from the window start: K-1 was
created before the window and is still open, so only its iteration (Sprint 1 ends 2026-11-09, inside the window)
brings it in; without it the completion rate would read 2/4 instead of 2/5."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.config import Config
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.metric import Window
from devmaturity.services.delivery import delivery_inputs
from devmaturity.services.ingest import ingest_command
from devmaturity.store.db import Store
from devmaturity.store.delivery import load_delivery
from tests.metrics.test_agile_metrics import EXPECTED

FILE = Path(__file__).parents[1] / "data" / "events" / "work-items-agile.csv"
WINDOW = Window.last(30, now=datetime(2026, 12, 1, tzinfo=UTC))


def _ingest(store: Store) -> int:
    result = ingest_command(store, Config(), "workitems", [FILE], project="shop", commit=None, at=None)
    assert result.problems == []
    return store.project("shop", "")


def test_agile_fields_round_trip(store: Store) -> None:
    project = _ingest(store)
    loaded = load_delivery(store, project, datetime(2000, 1, 1, tzinfo=UTC))
    assert loaded.work_items is not None
    items = {w.id: w for w in loaded.work_items}
    a = items["A-1"]
    assert (a.iteration, a.estimate, a.parent, a.acceptance_criteria) == ("Sprint 1", 3.0, "EP-1", True)
    assert a.iteration_start == datetime(2026, 10, 26, tzinfo=UTC)
    assert a.iteration_end == datetime(2026, 11, 9, tzinfo=UTC)
    assert items["B-1"].acceptance_criteria is False  # "no": recorded as none
    assert items["C-1"].acceptance_criteria is None  # empty cell: not recorded
    assert items["D-1"].estimate == 2.5
    e = items["E-1"]
    assert (e.iteration, e.iteration_start, e.estimate, e.parent) == ("", None, None, "")


def test_metrics_from_the_store_match_the_hand_worked_values(store: Store) -> None:
    project = _ingest(store)
    ev = delivery_inputs(store, project, Config(), WINDOW.start)
    assert ev.items is not None and "K-1" in set(ev.items.ids)
    for metric, expected in EXPECTED.items():
        assert compute(metric, Inputs(delivery=ev), WINDOW).value == pytest.approx(expected), metric


def test_reingest_stores_nothing_twice(store: Store) -> None:
    project = _ingest(store)
    _ingest(store)
    assert store.count_rows("work_items", project) == 10
