"""Operations metrics: post-mortems of incidents, rollback failures, backup and disaster-recovery drills."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from devmaturity.metrics.delivery import EVIDENCE, Delivery, counted_incidents, finished_status, in_window, share_of
from devmaturity.metrics.values import ratio
from devmaturity.metrics.values import unknown as _unknown
from devmaturity.model.delivery import DrillKind, RunStatus
from devmaturity.model.frames import FAILURE
from devmaturity.model.metric import MetricValue, Window

# drills that bring data or service back: what a restore success rate is about (a backup drill only takes one)
RESTORING = frozenset({DrillKind.RESTORE, DrillKind.FAILOVER, DrillKind.DR})


def incident_postmortem_share(ev: Delivery, window: Window) -> MetricValue:
    """Incidents resolved in the window with a post-mortem, over all resolved in it.

    Unknown when no incident resolved in the window says whether it had one (the column was not kept); once some
    do, an incident that says nothing counts as without one, and `not_recorded` tells how many those were."""
    inc = counted_incidents(ev)
    metric = "incident_postmortem_share"
    if inc is None:
        return _unknown(metric, "ratio", window, "no incidents collected")
    resolved = ~np.isnan(inc.resolved) & in_window(window, np.nan_to_num(inc.resolved, nan=-1.0))
    if not resolved.any():
        return _unknown(metric, "ratio", window, "no incident resolved in the window")
    if not (resolved & inc.postmortem_known).any():
        return _unknown(metric, "ratio", window, "no incident resolved in the window records a post-mortem (or none)")
    value = share_of(metric, window, inc.postmortem, resolved, inc.ids, "no incident resolved in the window")
    silent = int((resolved & ~inc.postmortem_known).sum())
    return _with_details(value, (("not_recorded", str(silent)),))


def rollback_failure_rate(ev: Delivery, window: Window) -> MetricValue:
    """Production rollbacks that failed, over the rollbacks that finished in the window (CAICT Part 4)."""
    prod = ev.prod
    done = in_window(window, prod.created) & finished_status(prod.status) & prod.rollback
    return share_of(
        "rollback_failure_rate", window, prod.status == FAILURE, done, prod.ids, "no finished rollbacks in the window"
    )


def dr_drills(ev: Delivery, window: Window) -> MetricValue:
    """Drills of every kind started in the window; the details count them by kind."""
    if ev.drills is None:
        return _unknown("dr_drills", "drills", window, "no drill records collected")
    inside = [d for d in ev.drills if window.contains(d.started_at)]
    kinds = tuple((kind.value, str(sum(d.kind is kind for d in inside))) for kind in DrillKind)
    return MetricValue(
        metric="dr_drills",
        value=float(len(inside)),
        unit="drills",
        window=window,
        sample_size=len(inside),
        evidence=tuple(d.id for d in inside[-EVIDENCE:]),
        details=kinds,
    )


def restore_drill_success_rate(ev: Delivery, window: Window) -> MetricValue:
    """Restore, failover and DR drills started in the window that succeeded, over those that finished."""
    metric = "restore_drill_success_rate"
    if ev.drills is None:
        return _unknown(metric, "ratio", window, "no drill records collected")
    done = [
        d
        for d in ev.drills
        if d.kind in RESTORING and window.contains(d.started_at) and d.status in (RunStatus.SUCCESS, RunStatus.FAILURE)
    ]
    good = [d.id for d in done if d.status is RunStatus.SUCCESS]
    return ratio(metric, window, len(good), len(done), "no finished restore, failover or DR drill in the window", good)


def _with_details(value: MetricValue, details: tuple[tuple[str, str], ...]) -> MetricValue:
    return replace(value, details=(*value.details, *details))
