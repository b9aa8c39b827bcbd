"""independent_review_share (metrics/agile.py) with the value worked out by hand, in memory and through the store.

Window: now = 2026-12-01T00:00Z, 30 days -> [2026-11-01, 2026-12-01).

| id  | type         | merged     | approvals | approved by other | counted                      |
| #1  | pull_request | 11-03      | 1         | yes               | read, independent            |
| #2  | pull_request | 11-10      | 2         | yes               | read, independent            |
| !3  | pull_request | 11-12      | 1         | no (self)         | read, not independent        |
| #4  | pull_request | 11-20      | 0         | no                | read, not independent        |
| #5  | pull_request | 11-21      | not read  | not read          | left out of both             |
| #6  | pull_request | open       | not read  | not read          | not merged                   |
| #7  | pull_request | 10-20      | 1         | yes               | merged before the window     |
| S-1 | story        | 11-05      | -         | -                 | not a pull request           |

-> independent: #1, #2 of read and merged in the window #1, #2, !3, #4 = 2/4 = 0.5, sample size 4.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devmaturity.metrics import agile
from devmaturity.metrics.delivery import Delivery, DeliveryRules
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.delivery import WorkItem
from devmaturity.model.metric import Window
from devmaturity.store.db import Store
from devmaturity.store.delivery import load_delivery, save_delivery
from devmaturity.store.frames import load_frames

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WINDOW = Window.last(30, now=NOW)


def pr(
    wid: str, merged: str | None, approvals: int | None, by_other: bool | None, kind: str = "pull_request"
) -> WorkItem:
    return WorkItem(
        source="github:acme/shop",
        id=wid,
        type=kind,
        title=wid,
        created_at=datetime(2026, 10, 15, 9, tzinfo=UTC),
        resolved_at=None if merged is None else datetime.fromisoformat(merged).replace(hour=9, tzinfo=UTC),
        approvals=approvals,
        approved_by_other=by_other,
    )


ITEMS = [
    pr("#1", "2026-11-03", 1, True),
    pr("#2", "2026-11-10", 2, True),
    pr("!3", "2026-11-12", 1, False),
    pr("#4", "2026-11-20", 0, False),
    pr("#5", "2026-11-21", None, None),
    pr("#6", None, None, None),
    pr("#7", "2026-10-20", 1, True),
    pr("S-1", "2026-11-05", None, None, kind="story"),
]


def test_hand_worked_share() -> None:
    value = compute("independent_review_share", Inputs(delivery=Delivery(work_items=ITEMS)), WINDOW)
    assert (value.value, value.sample_size) == (pytest.approx(0.5), 4)
    assert set(value.evidence) == {"#1", "#2"}


def test_unread_approvals_are_unknown_not_zero() -> None:
    """Pull requests from a source that does not read approvals (Gitee, a CSV export): unknown, with the reason."""
    bare = [pr(w.id, None if w.resolved_at is None else f"{w.resolved_at:%Y-%m-%d}", None, None) for w in ITEMS]
    value = agile.independent_review_share(Delivery(work_items=bare), WINDOW)
    assert value.value is None
    assert value.reason == "no pull or merge request merged in the window had its approvals read"


def test_the_store_keeps_the_review_fields(store: Store) -> None:
    """The items saved and read back as records (work_items.approvals, approved_by_other) and as the window's
    frames give the same 0.5."""
    project = store.project("shop", "/shop")
    save_delivery(store, project, store.start_run(project, "t", {}), ITEMS)
    stored = load_delivery(store, project, datetime(2026, 10, 1, tzinfo=UTC)).work_items or []
    assert {(w.id, w.approvals, w.approved_by_other) for w in stored} == {
        (w.id, w.approvals, w.approved_by_other) for w in ITEMS
    }
    frames = load_frames(store, project, WINDOW.start, DeliveryRules())
    value = agile.independent_review_share(Delivery(work_items=frames.work_items), WINDOW)
    assert (value.value, value.sample_size) == (pytest.approx(0.5), 4)
