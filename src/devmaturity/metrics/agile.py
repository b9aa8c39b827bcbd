"""Agile management metrics from work items: iterations, estimates, hierarchy, acceptance criteria, flow and reviews.

The agile fields are optional in every tracker export, so a metric over one of them is unknown (with the reason)
when no requirement in the window carries the field at all: an export without the field shows nothing, and
counting it as "no estimates" would turn a missing column into a false answer.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from devmaturity.metrics.delivery import EVIDENCE, Delivery, cite, in_window, matching, share_of
from devmaturity.metrics.values import median as median_value
from devmaturity.metrics.values import ratio
from devmaturity.metrics.values import unknown as _unknown
from devmaturity.model.frames import Flags, Floats, WorkItemFrame
from devmaturity.model.metric import MetricValue, Window

DAY = 86400.0
REGULAR_DAYS = 2.0  # an iteration is regular when its length is within this many days of the median length
FEW_ITERATIONS = 3  # regularity needs a pattern: fewer iterations ending in the window give unknown
TOP_LEVEL = ("epic", "史诗", "initiative")  # requirement types that sit at the top and have no parent
NO_ITEMS = "no work items collected"
PULL_REQUESTS = ("pull_request",)  # the work-item type the GitHub, GitLab and Gitee collectors give a PR/MR


def _requirements(ev: Delivery, items: WorkItemFrame) -> Flags:
    return matching(items.types, ev.rules.requirement_types)


def _done(items: WorkItemFrame) -> Floats:
    """When an item was finished: resolved, else released (NaN while open)."""
    return np.fmin(items.resolved, items.released)


def _iterations(items: WorkItemFrame, window: Window) -> tuple[list[str], Floats]:
    """The iterations (name, start, end) that end in the window, as names and lengths in days."""
    dated = (items.iteration != "") & ~np.isnan(items.iteration_start) & ~np.isnan(items.iteration_end)
    ending = dated & in_window(window, np.nan_to_num(items.iteration_end, nan=-1.0))
    seen: dict[tuple[str, float, float], float] = {}
    for k in np.flatnonzero(ending):
        start, end = float(items.iteration_start[k]), float(items.iteration_end[k])
        seen.setdefault((str(items.iteration[k]), start, end), (end - start) / DAY)
    names = [name for name, _, _ in seen]
    return names, np.array(list(seen.values()), dtype=np.float64)


def iteration_length(ev: Delivery, window: Window) -> MetricValue:
    """Median length in days of the iterations that end in the window."""
    if ev.items is None:
        return _unknown("iteration_length", "days", window, NO_ITEMS)
    names, days = _iterations(ev.items, window)
    empty = "no work item names a dated iteration ending in the window"
    value = median_value("iteration_length", "days", window, days, empty)
    return replace(value, evidence=tuple(names[-EVIDENCE:])) if value.known else value


def iteration_cadence_regularity(ev: Delivery, window: Window) -> MetricValue:
    """Share of the iterations ending in the window whose length is within two days of their median length."""
    metric = "iteration_cadence_regularity"
    if ev.items is None:
        return _unknown(metric, "ratio", window, NO_ITEMS)
    names, days = _iterations(ev.items, window)
    if len(days) < FEW_ITERATIONS:
        return _unknown(metric, "ratio", window, f"{len(days)} dated iterations end in the window; at least 3 needed")
    regular = np.abs(days - np.median(days)) <= REGULAR_DAYS
    cited = [n for n, ok in zip(names, regular, strict=True) if ok]
    return ratio(metric, window, int(regular.sum()), len(days), "", cited[-EVIDENCE:])


def iteration_completion_rate(ev: Delivery, window: Window) -> MetricValue:
    """Requirements planned in an iteration that ends in the window and finished by its end ÷ all so planned."""
    metric = "iteration_completion_rate"
    items = ev.items
    if items is None:
        return _unknown(metric, "ratio", window, NO_ITEMS)
    end = np.nan_to_num(items.iteration_end, nan=-1.0)
    planned = _requirements(ev, items) & (items.iteration != "") & in_window(window, end)
    finished = np.nan_to_num(_done(items), nan=np.inf) <= end
    empty = "no requirement planned in an iteration ending in the window"
    return share_of(metric, window, finished, planned, items.ids, empty)


def _recorded_share(metric: str, ev: Delivery, window: Window, part: Flags, recorded: Flags, field: str) -> MetricValue:
    """Share of the requirements created in the window (epics left out) with `part`; unknown when none of them
    records the field at all."""
    items = ev.items
    if items is None:
        return _unknown(metric, "ratio", window, NO_ITEMS)
    chosen = _requirements(ev, items) & ~matching(items.types, TOP_LEVEL) & in_window(window, items.created)
    if not bool((chosen & recorded).any()):
        reason = f"no requirement created in the window records {field}; the export may not carry that field"
        return _unknown(metric, "ratio", window, reason)
    return share_of(metric, window, part, chosen, items.ids, "")


def estimated_story_share(ev: Delivery, window: Window) -> MetricValue:
    """Share of the requirements created in the window that carry an estimate (story points or hours)."""
    if ev.items is None:
        return _unknown("estimated_story_share", "ratio", window, NO_ITEMS)
    has = ~np.isnan(ev.items.estimate)
    return _recorded_share("estimated_story_share", ev, window, has, has, "an estimate")


def story_parent_share(ev: Delivery, window: Window) -> MetricValue:
    """Share of the requirements created in the window (epics left out) that belong to an epic or feature."""
    if ev.items is None:
        return _unknown("story_parent_share", "ratio", window, NO_ITEMS)
    has = ev.items.parent != ""
    return _recorded_share("story_parent_share", ev, window, has, has, "a parent (epic or feature)")


def acceptance_criteria_share(ev: Delivery, window: Window) -> MetricValue:
    """Share of the requirements created in the window, among those whose record says, with acceptance criteria."""
    metric = "acceptance_criteria_share"
    items = ev.items
    if items is None:
        return _unknown(metric, "ratio", window, NO_ITEMS)
    chosen = _requirements(ev, items) & ~matching(items.types, TOP_LEVEL) & in_window(window, items.created)
    return share_of(
        metric,
        window,
        items.accepted,
        chosen & items.accepted_known,
        items.ids,
        "no requirement created in the window records whether it has acceptance criteria",
    )


def independent_review_share(ev: Delivery, window: Window) -> MetricValue:
    """Share of the pull/merge requests merged in the window, among those whose approvals were read, that someone
    other than their author approved; unknown when no approvals were read (a source without them, a CSV export)."""
    metric = "independent_review_share"
    items = ev.items
    if items is None:
        return _unknown(metric, "ratio", window, NO_ITEMS)
    merged = matching(items.types, PULL_REQUESTS) & in_window(window, np.nan_to_num(items.resolved, nan=-1.0))
    empty = "no pull or merge request merged in the window had its approvals read"
    return share_of(metric, window, items.reviewed, merged & items.reviewed_known, items.ids, empty)


def requirement_throughput(ev: Delivery, window: Window) -> MetricValue:
    """Requirements finished (resolved, else released) in the window per week."""
    metric = "requirement_throughput"
    items = ev.items
    if items is None:
        return _unknown(metric, "requirements/week", window, NO_ITEMS)
    requirements = _requirements(ev, items)
    if not bool(requirements.any()):
        return _unknown(metric, "requirements/week", window, "no requirements among the work items collected")
    finished = requirements & in_window(window, np.nan_to_num(_done(items), nan=-1.0))
    count = int(finished.sum())
    return MetricValue(
        metric=metric,
        value=count / (window.days / 7),
        unit="requirements/week",
        window=window,
        sample_size=count,
        evidence=cite(items.ids[finished]),
    )


def defect_fix_time(ev: Delivery, window: Window) -> MetricValue:
    """Median days from a defect's creation to its resolution, over the defects resolved in the window."""
    items = ev.items
    if items is None:
        return _unknown("defect_fix_time", "days", window, NO_ITEMS)
    chosen = matching(items.types, ev.rules.defect_types) & in_window(window, np.nan_to_num(items.resolved, nan=-1.0))
    days = (items.resolved[chosen] - items.created[chosen]) / DAY
    return median_value("defect_fix_time", "days", window, days, "no defect resolved in the window")
