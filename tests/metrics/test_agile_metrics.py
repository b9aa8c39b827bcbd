"""Agile metrics from work items (metrics/agile.py), with the values worked out by hand.

Window: now = 2026-12-01T00:00Z, 30 days -> [2026-11-01, 2026-12-01) = 30/7 weeks. The items are those of
tests/data/events/work-items-agile.csv (the store test reads that file and must agree):

| id  | type  | created | done (resolved / released) | iteration (start..end)  | estimate | parent | acceptance |
| Z-1 | story | 10-01   | 10-24                      | Sprint 0 (10-12..10-26) | 1        | EP-0   | yes        |
| K-1 | story | 10-20   | open                       | Sprint 1 (10-26..11-09) |          |        |            |
| A-1 | story | 11-01   | 11-05                      | Sprint 1                | 3        | EP-1   | text: yes  |
| B-1 | story | 11-02   | 11-12                      | Sprint 1                |          |        | no         |
| C-1 | 需求  | 11-10   | 11-20 / 11-22              | Sprint 2 (11-09..11-23) | 5        | EP-1   |            |
| D-1 | story | 11-12   | open                       | Sprint 3 (11-23..11-30) | 2.5      |        | true       |
| E-1 | epic  | 11-02   | open                       |                         |          |        |            |
| F-1 | bug   | 11-03   | 11-06                      | Sprint 2                |          |        |            |
| G-1 | bug   | 10-30   | 11-09                      |                         |          |        |            |
| H-1 | bug   | 11-25   | open                       |                         |          |        |            |

- iterations ending in the window: Sprint 1 (14 days), Sprint 2 (14), Sprint 3 (7); Sprint 0 ends before it.
  iteration_length = median(14, 14, 7) = 14; regularity = 2 of 3 within 2 days of 14 = 0.6667.
- completion: requirements planned in those iterations K, A, B, C, D (bug F left out); done by the iteration's end
  A (11-05 <= 11-09) and C (11-20 <= 11-23); B finished 11-12, after Sprint 1 -> 2 / 5 = 0.4.
- shares over requirements created in the window, epic E left out: A, B, C, D.
  estimate: A, C, D -> 3/4 = 0.75; parent: A, C -> 2/4 = 0.5; acceptance recorded for A, B, D (C says nothing),
  with criteria A, D -> 2/3.
- throughput: requirements finished in the window A, B, C -> 3 / (30/7) = 0.7 a week.
- defect fix time: F 3 days, G 10 days (H open) -> median 6.5 days.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devmaturity.metrics import agile
from devmaturity.metrics.delivery import Delivery
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.delivery import WorkItem
from devmaturity.model.metric import Window

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WINDOW = Window.last(30, now=NOW)
S0 = ("Sprint 0", "2026-10-12", "2026-10-26")
S1 = ("Sprint 1", "2026-10-26", "2026-11-09")
S2 = ("Sprint 2", "2026-11-09", "2026-11-23")
S3 = ("Sprint 3", "2026-11-23", "2026-11-30")
NONE = ("", None, None)


def d(day: str | None, hour: int = 0) -> datetime | None:
    return None if day is None else datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def item(
    wid: str,
    wtype: str,
    created: str,
    done: str | None = None,
    sprint: tuple[str, str | None, str | None] = NONE,
    *,
    released: str | None = None,
    estimate: float | None = None,
    parent: str = "",
    accepted: bool | None = None,
) -> WorkItem:
    created_at = d(created, 9)
    assert created_at is not None
    return WorkItem(
        source="tracker",
        id=wid,
        type=wtype,
        title=wid,
        created_at=created_at,
        resolved_at=d(done, 9),
        released_at=d(released, 9),
        iteration=sprint[0],
        iteration_start=d(sprint[1]),
        iteration_end=d(sprint[2]),
        estimate=estimate,
        parent=parent,
        acceptance_criteria=accepted,
    )


ITEMS = [
    item("Z-1", "story", "2026-10-01", "2026-10-24", S0, estimate=1, parent="EP-0", accepted=True),
    item("K-1", "story", "2026-10-20", None, S1),
    item("A-1", "story", "2026-11-01", "2026-11-05", S1, estimate=3, parent="EP-1", accepted=True),
    item("B-1", "story", "2026-11-02", "2026-11-12", S1, accepted=False),
    item("C-1", "需求", "2026-11-10", "2026-11-20", S2, released="2026-11-22", estimate=5, parent="EP-1"),
    item("D-1", "story", "2026-11-12", None, S3, estimate=2.5, accepted=True),
    item("E-1", "epic", "2026-11-02"),
    item("F-1", "bug", "2026-11-03", "2026-11-06", S2),
    item("G-1", "bug", "2026-10-30", "2026-11-09"),
    item("H-1", "bug", "2026-11-25"),
]

EXPECTED = {
    "iteration_length": 14.0,
    "iteration_cadence_regularity": 2 / 3,
    "iteration_completion_rate": 0.4,
    "estimated_story_share": 0.75,
    "story_parent_share": 0.5,
    "acceptance_criteria_share": 2 / 3,
    "requirement_throughput": 0.7,
    "defect_fix_time": 6.5,
}


@pytest.mark.parametrize("metric", sorted(EXPECTED))
def test_hand_worked_values(metric: str) -> None:
    value = compute(metric, Inputs(delivery=Delivery(work_items=ITEMS)), WINDOW)
    assert value.value == pytest.approx(EXPECTED[metric]), value.reason


def test_completion_cites_the_items_done_in_time() -> None:
    value = agile.iteration_completion_rate(Delivery(work_items=ITEMS), WINDOW)
    assert value.sample_size == 5 and set(value.evidence) == {"A-1", "C-1"}


def test_fields_no_requirement_records_are_unknown_not_zero() -> None:
    """An export without the agile columns: the same items with every agile field empty."""
    bare = [item(w.id, w.type, f"{w.created_at:%Y-%m-%d}", None) for w in ITEMS]
    ev = Delivery(work_items=bare)
    for metric in ("estimated_story_share", "story_parent_share", "acceptance_criteria_share", "iteration_length"):
        value = compute(metric, Inputs(delivery=ev), WINDOW)
        assert value.value is None and value.reason, metric
    completion = agile.iteration_completion_rate(ev, WINDOW)
    assert completion.value is None and "no requirement planned in an iteration" in (completion.reason or "")


def test_regularity_needs_three_iterations() -> None:
    """Only Sprint 2 and Sprint 3 end in [2026-11-10, 2026-12-01) (Sprint 1 ended 11-09): two, too few."""
    window = Window(start=datetime(2026, 11, 10, tzinfo=UTC), end=NOW)
    value = agile.iteration_cadence_regularity(Delivery(work_items=ITEMS), window)
    assert value.value is None and "2 dated iterations" in (value.reason or "")
    assert agile.iteration_length(Delivery(work_items=ITEMS), window).value == pytest.approx(10.5)  # (14 + 7) / 2


def test_throughput_without_requirements_is_unknown() -> None:
    """Only defects collected: no requirement flow is shown, which is not a throughput of zero."""
    bugs = [w for w in ITEMS if w.type == "bug"]
    assert agile.requirement_throughput(Delivery(work_items=bugs), WINDOW).value is None
    assert agile.defect_fix_time(Delivery(work_items=bugs), WINDOW).value == pytest.approx(6.5)


def test_no_work_items_collected() -> None:
    for metric in EXPECTED:
        assert compute(metric, Inputs(delivery=Delivery()), WINDOW).reason == "no work items collected"
