"""DORA and CAICT delivery metrics from deployments, incidents, work items, pipeline runs and git history.

The metrics read columns (model/frames.py), so a window over a million deployments is a handful of array
operations; records given to `Delivery` are turned into the same columns first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from devmaturity.metrics.values import median as median_value
from devmaturity.metrics.values import percentile, ratio, spread
from devmaturity.metrics.values import unknown as _unknown
from devmaturity.model.commit_graph import Graph, Lookup, Shipped, ship, walk_graph
from devmaturity.model.delivery import Deployment, Drill, Incident, PipelineRun, Release, WorkItem
from devmaturity.model.delivery_rules import (
    DEFECT_TYPES,
    INCIDENT_LINKS,
    PRODUCTION,
    REQUIREMENT_TYPES,
    DeliveryRules,
    LinkRule,
    deployments_from_runs,
    matching,
    production,
)
from devmaturity.model.evidence import Commit
from devmaturity.model.frames import (
    FAILURE,
    SUCCESS,
    DeploymentFrame,
    Flags,
    Floats,
    IncidentFrame,
    Ints,
    LeadFrame,
    ReleaseFrame,
    RunFrame,
    Texts,
    WorkItemFrame,
    take,
    texts,
)
from devmaturity.model.metric import MetricValue, Window

# the rule and the walk live in the model (store and metrics share them); named here too for the metric modules
__all__ = [
    "DEFECT_TYPES",
    "INCIDENT_LINKS",
    "PRODUCTION",
    "REQUIREMENT_TYPES",
    "DeliveryRules",
    "Graph",
    "LinkRule",
    "Lookup",
    "Shipped",
    "deployments_from_runs",
    "matching",
    "production",
    "ship",
    "walk_graph",
]

EVIDENCE = 20  # how many ids a metric value cites, the newest


def _frame(records: Any, kind: Callable[[Any], Any]) -> Any:
    if records is None:
        return None
    if isinstance(records, Sequence):
        return kind(records)
    return records


def lead_frame(ok: DeploymentFrame, commits: Mapping[str, Commit]) -> LeadFrame:
    """Attribute history to successful production deployments (oldest first) and measure each lead time: every
    commit is visited once, so the whole history costs O(commits + deployments)."""
    graph = {sha: (" ".join(c.parents), c.committer_time.timestamp()) for sha, c in commits.items()}
    done: set[str] = set()
    deployed = ok.when
    offsets = [0]
    leads: list[float] = []
    shas = ok.commits if ok.commits is not None else texts("" for _ in range(len(ok)))
    for k in range(len(ok)):
        found, _ = walk_graph(str(shas[k]) or None, graph, done)
        if k > 0:  # the first observed deployment only sets the baseline
            leads.extend(max(deployed[k] - when, 0.0) for when in found.values())
        offsets.append(len(leads))
    return LeadFrame(
        ids=ok.ids,
        ordinal=np.arange(len(ok), dtype=np.int64),
        deployed=deployed,
        offsets=np.array(offsets, dtype=np.int64),
        leads=np.array(leads, dtype=np.float64),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """The delivery evidence of one project, as records or as frames; None for a source never collected.

    `leads` is the lead-time attribution when the store keeps it; without it, it is worked out from `commits`."""

    deployments: Sequence[Deployment] | DeploymentFrame | None = None
    incidents: Sequence[Incident] | IncidentFrame | None = None
    work_items: Sequence[WorkItem] | WorkItemFrame | None = None
    runs: Sequence[PipelineRun] | RunFrame | None = None
    releases: Sequence[Release] | ReleaseFrame | None = None
    commits: Mapping[str, Commit] = field(default_factory=dict)
    leads: LeadFrame | None = None
    drills: Sequence[Drill] | None = None  # backup and disaster-recovery drills, few enough to stay records
    rules: DeliveryRules = field(default_factory=DeliveryRules)
    dep: DeploymentFrame | None = field(init=False, repr=False, compare=False)
    inc: IncidentFrame | None = field(init=False, repr=False, compare=False)
    items: WorkItemFrame | None = field(init=False, repr=False, compare=False)
    run: RunFrame | None = field(init=False, repr=False, compare=False)
    rel: ReleaseFrame | None = field(init=False, repr=False, compare=False)
    prod: DeploymentFrame = field(init=False, repr=False, compare=False)
    _attribution: LeadFrame | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dep = _frame(self.deployments, DeploymentFrame.of)
        run = _frame(self.runs, RunFrame.of)
        object.__setattr__(self, "dep", dep)
        object.__setattr__(self, "inc", _frame(self.incidents, IncidentFrame.of))
        object.__setattr__(self, "items", _frame(self.work_items, WorkItemFrame.of))
        object.__setattr__(self, "run", run)
        object.__setattr__(self, "rel", _frame(self.releases, ReleaseFrame.of))
        # every deployment metric starts from this: apply the rule and sort once, not once per metric
        object.__setattr__(self, "prod", production(dep, run, self.rules))
        object.__setattr__(self, "_attribution", self.leads)

    def production(self) -> DeploymentFrame:
        """Production deployments (from the deployment APIs and from the rule's pipelines/jobs), oldest first."""
        return self.prod

    def attribution(self) -> LeadFrame:
        """The stored attribution, else the one worked out from `commits` (once, whatever the windows)."""
        if self._attribution is None:
            ok = self.prod.take(self.prod.status == SUCCESS)
            object.__setattr__(self, "_attribution", lead_frame(ok, self.commits))
        assert self._attribution is not None
        return self._attribution


def in_window(window: Window, moments: Floats) -> Flags:
    lo, hi = window.start.timestamp(), window.end.timestamp()
    return (moments >= lo) & (moments < hi)


def cite(ids: Texts) -> tuple[str, ...]:
    return tuple(str(i) for i in ids[-EVIDENCE:])


def _hours(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> Floats:
    return np.asarray((b - a) / 3600.0, dtype=np.float64)


def finished_status(status: npt.NDArray[np.int8]) -> Flags:
    done: Flags = (status == SUCCESS) | (status == FAILURE)
    return done


# --- DORA ---


def deployment_frequency(ev: Delivery, window: Window) -> MetricValue:
    prod = ev.prod
    if ev.dep is None and not len(prod):
        return _unknown("deployment_frequency", "deployments/day", window, "no deployments collected")
    ok = (prod.status == SUCCESS) & in_window(window, prod.when)
    count = int(ok.sum())
    return MetricValue(
        metric="deployment_frequency",
        value=count / window.days,
        unit="deployments/day",
        window=window,
        sample_size=count,
        evidence=cite(prod.ids[ok]),
    )


def lead_time_for_changes(ev: Delivery, window: Window) -> MetricValue:
    if not len(ev.prod):
        return _unknown("lead_time_for_changes", "hours", window, "no production deployments collected")
    if ev.leads is None and not ev.commits:
        return _unknown("lead_time_for_changes", "hours", window, "no git history to attribute commits to deployments")
    leads = ev.attribution()
    rows = np.flatnonzero(in_window(window, leads.deployed) & (leads.ordinal > 0))
    counts = leads.counts[rows]
    if not counts.sum():
        return _unknown(
            "lead_time_for_changes",
            "hours",
            window,
            "no commit shipped by a production deployment in the window after the first observed one",
        )
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):  # one run of rows: a slice, no copy
        values = leads.leads[leads.offsets[rows[0]] : leads.offsets[rows[-1] + 1]]
    else:
        values = np.concatenate([leads.leads[leads.offsets[r] : leads.offsets[r + 1]] for r in rows])
    hours = values / 3600.0
    return MetricValue(
        metric="lead_time_for_changes",
        value=float(np.median(hours)),
        unit="hours",
        window=window,
        sample_size=len(hours),
        evidence=cite(leads.ids[rows]),
        details=(
            *spread(hours),
            ("deployments", str(len(rows))),
            ("deployments_without_new_commits", str(int((counts == 0).sum()))),
        ),
    )


ALL_SERVICES = None  # the group key of every change, for a service no change carries
NOTHING_TO_RECOVER = "no failed deployment in the window: nothing to recover"


def _groups(services: Texts, rows: Ints, times: Floats) -> dict[str | None, tuple[Floats, Ints]]:
    """The candidate rows per service and all of them together, each ordered by their time."""
    out: dict[str | None, tuple[Floats, Ints]] = {}
    keys: list[str | None] = [ALL_SERVICES, *sorted({str(v) for v in services[rows]})]
    for key in keys:
        picked = rows if key is ALL_SERVICES else rows[services[rows] == key]
        order = np.argsort(times[picked], kind="stable")
        out[key] = (times[picked][order], picked[order])
    return out


def nearest(
    services: Texts, rows: Ints, times: Floats, asked: Texts, moments: Floats, *, after: bool, inclusive: bool
) -> Ints:
    """For each (service, moment) asked, the candidate row of that service latest before the moment (`after`:
    earliest after it), at the moment itself too when `inclusive`; -1 when there is none. A service that no
    candidate carries (or an empty one) is looked for among all candidates: the project is the scope then."""
    found = np.full(len(moments), -1, dtype=np.int64)
    if not len(rows) or not len(moments):
        return found
    groups = _groups(services, rows, times)
    keys = [str(a) if a and str(a) in groups else ALL_SERVICES for a in asked]
    for key in set(keys):
        at = np.array([k for k, own in enumerate(keys) if own == key], dtype=np.int64)
        group_times, group_rows = groups[key]
        if after:
            pos = np.searchsorted(group_times, moments[at], side="left" if inclusive else "right")
            ok = pos < len(group_rows)
        else:
            pos = np.searchsorted(group_times, moments[at], side="right" if inclusive else "left") - 1
            ok = pos >= 0
        found[at[ok]] = group_rows[pos[ok]]
    return found


def _changes(prod: DeploymentFrame) -> Flags:
    """Production changes: finished (successful or failed) deployments that are not rollbacks."""
    changes: Flags = ~prod.rollback & finished_status(prod.status)
    return changes


def link_incidents(prod: DeploymentFrame, inc: IncidentFrame, rule: LinkRule) -> tuple[Ints, Flags]:
    """For each incident, the production change (row of `prod`) that caused it, -1 for none; and whether the
    incident named it itself. A named deployment wins over the time rule; one that is not a production change
    (unknown id, a rollback, still running) links nothing, so the time rule does not guess past what was said."""
    rows = np.full(len(inc), -1, dtype=np.int64)
    named = np.zeros(len(inc), dtype=np.bool_)
    changes = _changes(prod)
    if rule.reference:
        where = {str(i): k for k, i in enumerate(prod.ids)}
        for k, ref in enumerate(inc.deployment):
            if ref:
                named[k] = True
                row = where.get(str(ref), -1)
                rows[k] = row if row >= 0 and changes[row] else -1
    if rule.moment is not None:
        times = prod.when if rule.moment == "finish" else prod.created
        ask = np.flatnonzero(~named)
        candidates = np.flatnonzero(changes)
        rows[ask] = nearest(
            prod.services, candidates, times, inc.service[ask], inc.started[ask], after=False, inclusive=True
        )
    return rows, named


def failed_deployments(ev: Delivery) -> tuple[Flags, Flags]:
    """Over the production deployments: which are changes (finished, not rollbacks), and which changes failed:
    a failed status, an incident linked to them (the project's incident-link rule), or a rollback that undid
    them (the latest change of the same service before the rollback; a rollback after a failed change is that
    change's recovery and blames nothing else)."""
    prod = ev.prod
    changes = _changes(prod)
    failed = changes & (prod.status == FAILURE)
    inc = counted_incidents(ev)
    if inc is not None and len(inc):
        rows, _ = link_incidents(prod, inc, INCIDENT_LINKS[ev.rules.incident_link])
        failed[rows[rows >= 0]] = True
    rollbacks = np.flatnonzero(prod.rollback)
    if len(rollbacks):
        undone = nearest(
            prod.services,
            np.flatnonzero(changes),
            prod.created,
            prod.services[rollbacks],
            prod.created[rollbacks],
            after=False,
            inclusive=False,
        )
        failed[undone[undone >= 0]] = True
    return changes, failed


def change_failure_rate(ev: Delivery, window: Window) -> MetricValue:
    """Failed production changes ÷ production changes started in the window; rollbacks are not changes."""
    changes, failed = failed_deployments(ev)
    inside = changes & in_window(window, ev.prod.created)
    bad = inside & failed
    return ratio(
        "change_failure_rate",
        window,
        int(bad.sum()),
        int(inside.sum()),
        "no production deployments in the window",
        cite(ev.prod.ids[bad]),
    )


def _resolutions(ev: Delivery) -> dict[int, float]:
    """Per production row, the earliest resolution of the incidents linked to it."""
    inc = counted_incidents(ev)
    out: dict[int, float] = {}
    if inc is None or not len(inc):
        return out
    rows, _ = link_incidents(ev.prod, inc, INCIDENT_LINKS[ev.rules.incident_link])
    for row, end in zip(rows.tolist(), inc.resolved.tolist(), strict=True):
        if row >= 0 and not np.isnan(end):
            out[row] = min(end, out.get(row, end))
    return out


def failed_deployment_recovery_time(ev: Delivery, window: Window) -> MetricValue:
    """From a failed change's start to the resolution of its linked incident, else to the next successful
    deployment of its service that did not fail itself (a rollback, a redeployment or a fix). Changes in the
    window and none failed: 0, nothing to recover (a measurement, not unknown)."""
    metric = "failed_deployment_recovery_time"
    prod = ev.prod
    changes, failed = failed_deployments(ev)
    inside = changes & in_window(window, prod.created)
    if not inside.any():
        return _unknown(metric, "hours", window, "no production deployments in the window")
    bad = np.flatnonzero(failed & inside)
    if not len(bad):
        return MetricValue(
            metric=metric,
            value=0.0,
            unit="hours",
            window=window,
            reason=NOTHING_TO_RECOVER,
            details=(("changes", str(int(inside.sum()))), ("failed", "0")),
        )
    resolved = _resolutions(ev)
    fixes = np.flatnonzero((prod.status == SUCCESS) & ~failed)
    services, starts = prod.services[bad], prod.created[bad]
    nxt = nearest(prod.services, fixes, prod.created, services, starts, after=True, inclusive=False)
    when = prod.when
    times: list[float] = []
    cited: list[str] = []
    for k, fix in zip(bad.tolist(), nxt.tolist(), strict=True):
        end = resolved.get(k, float(when[fix]) if fix >= 0 else None)
        if end is not None:
            times.append((end - float(prod.created[k])) / 3600.0)
            cited.append(str(prod.ids[k]))
    value = median_value(metric, "hours", window, times, "no failed production deployment recovered in the window")
    if not value.known:
        return value
    return replace(
        value,
        evidence=tuple(cited[-EVIDENCE:]),
        details=(*value.details, ("failed", str(len(bad))), ("unrecovered", str(len(bad) - len(times)))),
    )


def share_of(metric: str, window: Window, part: Flags, whole: Flags, ids: Texts, empty: str) -> MetricValue:
    hits = whole & part
    return ratio(metric, window, int(hits.sum()), int(whole.sum()), empty, cite(ids[hits]))


def deployment_rework_rate(ev: Delivery, window: Window) -> MetricValue:
    prod = ev.prod
    inside = in_window(window, prod.created) & finished_status(prod.status)
    return share_of(
        "deployment_rework_rate",
        window,
        prod.rollback | prod.linked,
        inside,
        prod.ids,
        "no production deployments in the window",
    )


def deployment_success_rate(ev: Delivery, window: Window) -> MetricValue:
    prod = ev.prod
    inside = in_window(window, prod.created) & finished_status(prod.status)
    return share_of(
        "deployment_success_rate",
        window,
        prod.status == SUCCESS,
        inside,
        prod.ids,
        "no finished production deployments in the window",
    )


def change_first_time_failure_rate(ev: Delivery, window: Window) -> MetricValue:
    prod = ev.prod
    inside = in_window(window, prod.created) & finished_status(prod.status) & ~prod.rollback
    return share_of(
        "change_first_time_failure_rate",
        window,
        prod.status == FAILURE,
        inside,
        prod.ids,
        "no production changes in the window",
    )


# --- incidents ---


def counted_incidents(ev: Delivery) -> IncidentFrame | None:
    inc = ev.inc
    if inc is None or ev.rules.incident_severities == ("*",):
        return inc
    return take(inc, matching(inc.severity, ev.rules.incident_severities))


def mttr(ev: Delivery, window: Window) -> MetricValue:
    inc = counted_incidents(ev)
    if inc is None:
        return _unknown("mttr", "hours", window, "no incidents collected")
    started = in_window(window, inc.started)
    done = started & ~np.isnan(inc.resolved)
    if not done.any():
        return _unknown("mttr", "hours", window, "no incident started and resolved in the window")
    hours = _hours(inc.started[done], inc.resolved[done])
    return MetricValue(
        metric="mttr",
        value=float(np.mean(hours)),
        unit="hours",
        window=window,
        sample_size=len(hours),
        evidence=cite(inc.ids[done]),
        details=(*spread(hours), ("unresolved", str(int((started & ~done).sum())))),
    )


def availability(ev: Delivery, window: Window) -> MetricValue:
    """1 minus the union of incident intervals (clipped to the window, open ones to its end) over its length."""
    inc = counted_incidents(ev)
    if inc is None:
        return _unknown("availability", "ratio", window, "no incidents collected")
    lo, hi = window.start.timestamp(), window.end.timestamp()
    ends = np.where(np.isnan(inc.resolved), hi, inc.resolved)
    hit = (inc.started < hi) & (ends > lo)
    began = np.maximum(inc.started[hit], lo)
    end = np.minimum(ends[hit], hi)
    order = np.lexsort((end, began))
    began, end = began[order], end[order]
    # each interval adds what lies past the furthest end reached before it: the length of the union
    reached = np.maximum.accumulate(np.concatenate(([lo], end)))[:-1]
    down = float(np.clip(end - np.maximum(began, reached), 0.0, None).sum())
    return MetricValue(
        metric="availability",
        value=1.0 - down / (hi - lo),
        unit="ratio",
        window=window,
        sample_size=len(began),
        details=(("downtime_hours", f"{down / 3600:.4g}"),),
    )


def incident_auto_recovery_share(ev: Delivery, window: Window) -> MetricValue:
    inc = counted_incidents(ev)
    if inc is None:
        return ratio("incident_auto_recovery_share", window, 0, 0, "no incidents in the window")
    return share_of(
        "incident_auto_recovery_share",
        window,
        inc.auto_recovered,
        in_window(window, inc.started),
        inc.ids,
        "no incidents in the window",
    )


# --- work items and releases ---


def requirement_delivery_cycle(ev: Delivery, window: Window) -> MetricValue:
    """Requirement created to released (resolved when no release time is recorded), median days."""
    items = ev.items
    if items is None:
        return _unknown("requirement_delivery_cycle", "days", window, "no work items collected")
    done = np.where(np.isnan(items.released), items.resolved, items.released)
    chosen = matching(items.types, ev.rules.requirement_types) & in_window(window, done)
    days = (done[chosen] - items.created[chosen]) / 86400.0
    return median_value("requirement_delivery_cycle", "days", window, days, "no requirement released in the window")


def production_defect_escape_rate(ev: Delivery, window: Window) -> MetricValue:
    items = ev.items
    if items is None:
        return _unknown("production_defect_escape_rate", "ratio", window, "no work items collected")
    return share_of(
        "production_defect_escape_rate",
        window,
        matching(items.environment, ev.rules.production_environments),
        matching(items.types, ev.rules.defect_types) & in_window(window, items.created),
        items.ids,
        "no defects recorded in the window",
    )


def release_frequency_deployments(ev: Delivery, window: Window) -> MetricValue:
    if ev.rel is None:
        return _unknown("release_frequency_deployments", "releases/week", window, "no releases collected")
    count = int(in_window(window, ev.rel.created).sum())
    return MetricValue(
        metric="release_frequency_deployments",
        value=count / (window.days / 7),
        window=window,
        unit="releases/week",
        sample_size=count,
    )


# --- cadence: how regularly, robust to a holiday or a release freeze ---

WEEK = 7 * 86400.0


def production_deploy_week_share(ev: Delivery, window: Window) -> MetricValue:
    """The share of the window's whole weeks (counted back from its end) with at least one successful production
    deployment: "deploys weekly" read as a cadence, so one week of release freeze in a quarter costs 1/13, not
    the level."""
    metric, prod = "production_deploy_week_share", ev.prod
    weeks = int(window.days // 7)
    if ev.dep is None and not len(prod):
        return _unknown(metric, "ratio", window, "no deployments collected")
    if weeks == 0:
        return _unknown(metric, "ratio", window, "the window is shorter than a week")
    end = window.end.timestamp()
    ok = (prod.status == SUCCESS) & in_window(window, prod.when) & (prod.when >= end - weeks * WEEK)
    buckets = np.floor((end - prod.when[ok]) / WEEK).astype(np.int64)
    covered = len(np.unique(buckets[(buckets >= 0) & (buckets < weeks)]))
    return MetricValue(
        metric=metric,
        value=covered / weeks,
        unit="ratio",
        window=window,
        sample_size=weeks,
        evidence=cite(prod.ids[ok]),
        details=(("weeks", str(weeks)), ("weeks_with_deployment", str(covered))),
    )


def workday_share_of_test_deployments(ev: Delivery, window: Window) -> MetricValue:
    """The share of the window's working days (Monday to Friday, UTC+8, the calendar of the teams assessed) with
    at least one successful deployment to a non-production environment (SIT, UAT, test, staging): the standard's
    "can deploy every day", shown where teams really deploy daily."""
    metric = "test_deploy_workday_share"
    dep = ev.dep
    if dep is None or not len(dep):
        return _unknown(metric, "ratio", window, "no deployments collected")
    workdays = _workdays(window)
    if not workdays:
        return _unknown(metric, "ratio", window, "the window holds no working day")
    test = ~matching(dep.environments, ev.rules.environments)
    ok = test & (dep.status == SUCCESS) & in_window(window, dep.when)
    days = {int(d) for d in np.floor((dep.when[ok] + CHINA) / 86400.0)}
    covered = len(days & workdays)
    return MetricValue(
        metric=metric,
        value=covered / len(workdays),
        unit="ratio",
        window=window,
        sample_size=len(workdays),
        evidence=cite(dep.ids[ok]),
        details=(("workdays", str(len(workdays))), ("workdays_with_deployment", str(covered))),
    )


CHINA = 8 * 3600.0  # working days are counted on the UTC+8 calendar


def _workdays(window: Window) -> set[int]:
    """Day numbers (days since the epoch on the UTC+8 calendar) of the Mondays to Fridays inside the window."""
    first = int(np.ceil((window.start.timestamp() + CHINA) / 86400.0))
    last = int(np.floor((window.end.timestamp() + CHINA) / 86400.0))
    return {day for day in range(first, last) if (day + 3) % 7 < 5}  # day 0, 1970-01-01, was a Thursday


# --- pipelines ---


def _finished_runs(ev: Delivery, window: Window) -> tuple[RunFrame, Flags]:
    run = ev.run if ev.run is not None else RunFrame.of([])
    return run, finished_status(run.status) & in_window(window, run.created)


def pipeline_duration(metric: str, q: float) -> Callable[[Delivery, Window], MetricValue]:
    def compute(ev: Delivery, window: Window) -> MetricValue:
        run, inside = _finished_runs(ev, window)
        minutes = (run.finished[inside] - run.started[inside]) / 60.0
        minutes = minutes[~np.isnan(minutes)]
        if not len(minutes):
            return _unknown(metric, "minutes", window, "no finished pipeline runs with times in the window")
        return MetricValue(
            metric=metric,
            value=percentile(minutes, q),
            unit="minutes",
            window=window,
            sample_size=len(minutes),
            details=spread(minutes),
        )

    return compute


NO_PROVISIONING = "no successful environment provisioning run (terraform apply, 环境搭建, provision) in the window"


def environment_lead_time(ev: Delivery, window: Window) -> MetricValue:
    """How long provisioning an environment takes: the median minutes of the successful runs (or their jobs) whose
    name marks environment provisioning (model/frames.py provision_span), created in the window."""
    run = ev.run if ev.run is not None else RunFrame.of([])
    if run.provision is None:
        why = "the pipeline runs were stored without their provisioning times; sync them again"
        return _unknown("environment_lead_time", "minutes", window, why)
    inside = in_window(window, run.created) & ~np.isnan(run.provision)
    value = median_value("environment_lead_time", "minutes", window, run.provision[inside] / 60.0, NO_PROVISIONING)
    return replace(value, evidence=cite(run.ids[inside])) if value.value is not None else value


def build_success_rate(ev: Delivery, window: Window) -> MetricValue:
    run, inside = _finished_runs(ev, window)
    return share_of(
        "build_success_rate", window, run.status == SUCCESS, inside, run.ids, "no finished pipeline runs in the window"
    )


def integration_feedback_cycle(ev: Delivery, window: Window) -> MetricValue:
    """From a failed run to the next green run of the same pipeline and branch (CAICT: detect and fix)."""
    run = ev.run if ev.run is not None else RunFrame.of([])
    keep = np.flatnonzero(finished_status(run.status))
    lines = np.unique((run.pipeline[keep] + "\x00" + run.branch[keep]).astype(str), return_inverse=True)[1]
    lines = lines.reshape(-1)
    perm = np.lexsort((run.created[keep], lines))  # by line, then time; stable: equal times keep their order
    order, line = keep[perm], lines[perm]
    status = run.status[order]
    first = np.concatenate(([True], line[1:] != line[:-1]))
    after_green = first | np.concatenate(([False], status[:-1] == SUCCESS))
    starts = np.flatnonzero((status == FAILURE) & after_green & in_window(window, run.created[order]))
    greens = np.flatnonzero(status == SUCCESS)
    nxt = np.searchsorted(greens, starts, side="right")
    found = nxt < len(greens)
    starts, fixed = starts[found], greens[nxt[found]]
    same = line[fixed] == line[starts]
    starts, fixed = starts[same], fixed[same]
    end = run.finished[order][fixed]
    end = np.where(np.isnan(end), run.created[order][fixed], end)
    cycles = (end - run.created[order][starts]) / 60.0
    return median_value(
        "integration_feedback_cycle", "minutes", window, cycles, "no red-to-green sequence in the window"
    )


def security_scan_run_share(ev: Delivery, window: Window) -> MetricValue:
    """Pipeline runs with a job whose name or stage shows a security scan (SAST, SCA, secrets, images)."""
    run, inside = _finished_runs(ev, window)
    return share_of(
        "security_scan_run_share",
        window,
        run.security_scan,
        inside,
        run.ids,
        "no finished pipeline runs in the window",
    )
