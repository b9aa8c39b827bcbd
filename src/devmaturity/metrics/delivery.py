"""DORA and CAICT delivery metrics from deployments, incidents, work items, pipeline runs and git history."""

from __future__ import annotations

import bisect
import fnmatch
import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from devmaturity.metrics.values import median as median_value
from devmaturity.metrics.values import percentile, ratio, spread
from devmaturity.metrics.values import unknown as _unknown
from devmaturity.model.delivery import Deployment, Incident, PipelineRun, Release, RunStatus, WorkItem
from devmaturity.model.evidence import Commit
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.stages import STAGE_PATTERNS

PRODUCTION = ("production", "prod", "prod-*", "prod_*", "prd", "live", "生产*")
DEFECT_TYPES = ("bug", "defect", "缺陷", "incident-bug")
REQUIREMENT_TYPES = ("story", "requirement", "feature", "user story", "需求", "epic")
_FINISHED = (RunStatus.SUCCESS, RunStatus.FAILURE)


def _matches(value: str, globs: Iterable[str]) -> bool:
    low = value.lower()
    return any(fnmatch.fnmatchcase(low, g.lower()) for g in globs)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRules:
    """Which evidence counts: production environments, pipelines or jobs that deploy, defect and requirement
    types, and the incident severities that count as outages (docs/deployments.md)."""

    environments: tuple[str, ...] = PRODUCTION
    pipelines: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    defect_types: tuple[str, ...] = DEFECT_TYPES
    requirement_types: tuple[str, ...] = REQUIREMENT_TYPES
    production_environments: tuple[str, ...] = PRODUCTION
    incident_severities: tuple[str, ...] = ("*",)

    def is_production(self, deployment: Deployment) -> bool:
        return _matches(deployment.environment, self.environments)

    def counts_incident(self, incident: Incident) -> bool:
        return _matches(incident.severity or "", self.incident_severities)


def deployments_from_runs(runs: Iterable[PipelineRun], rules: DeliveryRules) -> list[Deployment]:
    """Pipeline runs (or jobs) named by the rule become production deployments."""
    out: list[Deployment] = []
    for run in runs:
        if rules.pipelines and _matches(run.pipeline, rules.pipelines):
            out.append(
                Deployment(
                    source=run.source,
                    id=f"run:{run.id}",
                    environment="production",
                    status=run.status,
                    created_at=run.created_at,
                    finished_at=run.finished_at,
                    commit=run.commit,
                    pipeline=run.pipeline,
                    url=run.url,
                )
            )
            continue
        for job in run.jobs:
            if rules.jobs and _matches(job.name, rules.jobs):
                out.append(
                    Deployment(
                        source=run.source,
                        id=f"run:{run.id}:job:{job.id}",
                        environment="production",
                        status=job.status,
                        created_at=job.started_at or run.created_at,
                        finished_at=job.finished_at,
                        commit=run.commit,
                        pipeline=run.pipeline,
                        url=run.url,
                    )
                )
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """The delivery evidence of one project; None for a source that was never collected."""

    deployments: Sequence[Deployment] | None = None
    incidents: Sequence[Incident] | None = None
    work_items: Sequence[WorkItem] | None = None
    runs: Sequence[PipelineRun] | None = None
    releases: Sequence[Release] | None = None
    commits: dict[str, Commit] = field(default_factory=dict)
    rules: DeliveryRules = field(default_factory=DeliveryRules)
    _production: tuple[Deployment, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # every deployment metric starts from this list: apply the rule and sort once, not once per metric
        found = [d for d in self.deployments or () if self.rules.is_production(d)]
        found += deployments_from_runs(self.runs or (), self.rules)
        object.__setattr__(self, "_production", tuple(sorted(found, key=lambda d: (d.created_at, d.id))))

    def production(self) -> list[Deployment]:
        """Production deployments (from the deployment APIs and from the rule's pipelines/jobs), oldest first."""
        return list(self._production)


def _when(d: Deployment) -> datetime:
    return d.finished_at or d.created_at


def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600.0


# --- DORA ---


def deployment_frequency(ev: Delivery, window: Window) -> MetricValue:
    prod = ev.production()
    if ev.deployments is None and not prod:
        return _unknown("deployment_frequency", "deployments/day", window, "no deployments collected")
    ok = [d for d in prod if d.status is RunStatus.SUCCESS and window.contains(_when(d))]
    return MetricValue(
        metric="deployment_frequency",
        value=len(ok) / window.days,
        unit="deployments/day",
        window=window,
        sample_size=len(ok),
        evidence=tuple(d.id for d in ok[-20:]),
    )


def attribute_commits(deployments: Sequence[Deployment], commits: dict[str, Commit]) -> dict[str, int]:
    """For each commit, the index of the first successful deployment (in time order) that shipped it.

    Each deployment ships the commits reachable from its commit and not shipped before; every commit is visited
    once, so the whole history costs O(commits + deployments). Commits outside the loaded history stop the walk.
    """
    shipped: dict[str, int] = {}
    for index, dep in enumerate(deployments):
        todo = [dep.commit] if dep.commit else []
        while todo:
            sha = todo.pop()
            if sha in shipped or sha not in commits:
                continue
            shipped[sha] = index
            todo.extend(commits[sha].parents)
    return shipped


def lead_times(ev: Delivery) -> list[tuple[Deployment, list[float]]]:
    """Per successful production deployment after the first: the lead time in hours of each commit it shipped
    (commit time to deployment finish). The first observed deployment only sets the baseline: the history
    before it was shipped at unknown times."""
    ok = [d for d in ev.production() if d.status is RunStatus.SUCCESS]
    shipped = attribute_commits(ok, ev.commits)
    per: dict[int, list[float]] = {i: [] for i in range(1, len(ok))}
    for sha, index in shipped.items():
        if index > 0:
            lead = _hours(ev.commits[sha].committer_time, _when(ok[index]))
            per[index].append(max(lead, 0.0))
    return [(ok[i], per[i]) for i in range(1, len(ok))]


def lead_time_for_changes(ev: Delivery, window: Window) -> MetricValue:
    if not ev.production():
        return _unknown("lead_time_for_changes", "hours", window, "no production deployments collected")
    if not ev.commits:
        return _unknown("lead_time_for_changes", "hours", window, "no git history to attribute commits to deployments")
    inside = [(d, leads) for d, leads in lead_times(ev) if window.contains(_when(d))]
    values = [v for _, leads in inside for v in leads]
    empty = sum(1 for _, leads in inside if not leads)
    if not values:
        return _unknown(
            "lead_time_for_changes",
            "hours",
            window,
            "no commit shipped by a production deployment in the window after the first observed one",
        )
    return MetricValue(
        metric="lead_time_for_changes",
        value=statistics.median(values),
        unit="hours",
        window=window,
        sample_size=len(values),
        evidence=tuple(d.id for d, _ in inside[-20:]),
        details=(*spread(values), ("deployments", str(len(inside))), ("deployments_without_new_commits", str(empty))),
    )


def failed_deployments(ev: Delivery) -> tuple[list[Deployment], set[str]]:
    """Production changes (rollbacks excluded) and the ids of those that needed intervention: failed status,
    an incident linked to them, or a rollback before the next change."""
    prod = ev.production()
    changes = [d for d in prod if not d.rollback and d.status in _FINISHED]
    linked = {i.deployment for i in ev.incidents or () if i.deployment}
    failed = {d.id for d in changes if d.status is RunStatus.FAILURE or d.id in linked}
    for i, dep in enumerate(prod):
        if dep.rollback:
            earlier = [c for c in prod[:i] if not c.rollback and c.status is RunStatus.SUCCESS]
            if earlier:
                failed.add(earlier[-1].id)
    return changes, failed


def change_failure_rate(ev: Delivery, window: Window) -> MetricValue:
    changes, failed = failed_deployments(ev)
    inside = [d for d in changes if window.contains(d.created_at)]
    bad = [d.id for d in inside if d.id in failed]
    return ratio(
        "change_failure_rate", window, len(bad), len(inside), "no production deployments in the window", bad[-20:]
    )


def failed_deployment_recovery_time(ev: Delivery, window: Window) -> MetricValue:
    changes, failed = failed_deployments(ev)
    prod = ev.production()
    starts = [d.created_at for d in prod]  # prod is sorted by start: find "the next one" by bisection
    resolved = {i.deployment: i.resolved_at for i in ev.incidents or () if i.deployment and i.resolved_at}
    times: list[float] = []
    for dep in changes:
        if dep.id not in failed or not window.contains(dep.created_at):
            continue
        later = itertools.islice(prod, bisect.bisect_right(starts, dep.created_at), None)
        fix = next((d for d in later if d.status is RunStatus.SUCCESS and d.id not in failed), None)
        end = resolved.get(dep.id) or (_when(fix) if fix else None)
        if end is not None:
            times.append(_hours(dep.created_at, end))
    return median_value(
        "failed_deployment_recovery_time",
        "hours",
        window,
        times,
        "no failed production deployment recovered in the window",
    )


def deployment_rework_rate(ev: Delivery, window: Window) -> MetricValue:
    inside = [d for d in ev.production() if window.contains(d.created_at) and d.status in _FINISHED]
    rework = [d.id for d in inside if d.rollback or d.incident]
    return ratio(
        "deployment_rework_rate",
        window,
        len(rework),
        len(inside),
        "no production deployments in the window",
        rework[-20:],
    )


def deployment_success_rate(ev: Delivery, window: Window) -> MetricValue:
    inside = [d for d in ev.production() if window.contains(d.created_at) and d.status in _FINISHED]
    ok = [d.id for d in inside if d.status is RunStatus.SUCCESS]
    return ratio(
        "deployment_success_rate",
        window,
        len(ok),
        len(inside),
        "no finished production deployments in the window",
        ok[-20:],
    )


def change_first_time_failure_rate(ev: Delivery, window: Window) -> MetricValue:
    inside = [d for d in ev.production() if window.contains(d.created_at) and d.status in _FINISHED and not d.rollback]
    bad = [d.id for d in inside if d.status is RunStatus.FAILURE]
    return ratio(
        "change_first_time_failure_rate",
        window,
        len(bad),
        len(inside),
        "no production changes in the window",
        bad[-20:],
    )


# --- incidents ---


def _incidents(ev: Delivery) -> list[Incident]:
    return [i for i in ev.incidents or () if ev.rules.counts_incident(i)]


def mttr(ev: Delivery, window: Window) -> MetricValue:
    if ev.incidents is None:
        return _unknown("mttr", "hours", window, "no incidents collected")
    done = [i for i in _incidents(ev) if i.resolved_at and window.contains(i.started_at)]
    open_ = sum(1 for i in _incidents(ev) if not i.resolved_at and window.contains(i.started_at))
    if not done:
        return _unknown("mttr", "hours", window, "no incident started and resolved in the window")
    hours = [_hours(i.started_at, i.resolved_at) for i in done if i.resolved_at]
    return MetricValue(
        metric="mttr",
        value=statistics.fmean(hours),
        unit="hours",
        window=window,
        sample_size=len(hours),
        evidence=tuple(i.id for i in done[-20:]),
        details=(*spread(hours), ("unresolved", str(open_))),
    )


def availability(ev: Delivery, window: Window) -> MetricValue:
    """1 minus the union of incident intervals (clipped to the window, open ones to its end) over its length."""
    if ev.incidents is None:
        return _unknown("availability", "ratio", window, "no incidents collected")
    spans = sorted(
        (max(i.started_at, window.start), min(i.resolved_at or window.end, window.end))
        for i in _incidents(ev)
        if i.started_at < window.end and (i.resolved_at or window.end) > window.start
    )
    down = 0.0
    cursor = window.start
    for began, end in spans:
        start = max(began, cursor)
        if end > start:
            down += (end - start).total_seconds()
            cursor = end
    total = (window.end - window.start).total_seconds()
    return MetricValue(
        metric="availability",
        value=1.0 - down / total,
        unit="ratio",
        window=window,
        sample_size=len(spans),
        details=(("downtime_hours", f"{down / 3600:.4g}"),),
    )


def incident_auto_recovery_share(ev: Delivery, window: Window) -> MetricValue:
    inside = [i for i in _incidents(ev) if window.contains(i.started_at)]
    auto = [i.id for i in inside if i.auto_recovered]
    return ratio(
        "incident_auto_recovery_share", window, len(auto), len(inside), "no incidents in the window", auto[-20:]
    )


# --- work items and releases ---


def requirement_delivery_cycle(ev: Delivery, window: Window) -> MetricValue:
    """Requirement created to released (resolved when no release time is recorded), median days."""
    if ev.work_items is None:
        return _unknown("requirement_delivery_cycle", "days", window, "no work items collected")
    days = []
    for item in ev.work_items:
        done = item.released_at or item.resolved_at
        if done and _matches(item.type, ev.rules.requirement_types) and window.contains(done):
            days.append((done - item.created_at).total_seconds() / 86400)
    return median_value("requirement_delivery_cycle", "days", window, days, "no requirement released in the window")


def production_defect_escape_rate(ev: Delivery, window: Window) -> MetricValue:
    if ev.work_items is None:
        return _unknown("production_defect_escape_rate", "ratio", window, "no work items collected")
    defects = [w for w in ev.work_items if _matches(w.type, ev.rules.defect_types) and window.contains(w.created_at)]
    escaped = [w.id for w in defects if _matches(w.environment, ev.rules.production_environments)]
    return ratio(
        "production_defect_escape_rate",
        window,
        len(escaped),
        len(defects),
        "no defects recorded in the window",
        escaped[-20:],
    )


def release_frequency_deployments(ev: Delivery, window: Window) -> MetricValue:
    if ev.releases is None:
        return _unknown("release_frequency_deployments", "releases/week", window, "no releases collected")
    inside = [r for r in ev.releases if window.contains(r.created_at)]
    return MetricValue(
        metric="release_frequency_deployments",
        value=len(inside) / (window.days / 7),
        window=window,
        unit="releases/week",
        sample_size=len(inside),
    )


# --- pipelines ---


def _finished_runs(ev: Delivery, window: Window) -> list[PipelineRun]:
    return [r for r in ev.runs or () if r.status in _FINISHED and window.contains(r.created_at)]


def pipeline_duration(metric: str, q: float):  # type: ignore[no-untyped-def]
    def compute(ev: Delivery, window: Window) -> MetricValue:
        minutes = [d / 60 for r in _finished_runs(ev, window) if (d := r.duration_seconds) is not None]
        if not minutes:
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


def build_success_rate(ev: Delivery, window: Window) -> MetricValue:
    runs = _finished_runs(ev, window)
    ok = [r.id for r in runs if r.status is RunStatus.SUCCESS]
    return ratio("build_success_rate", window, len(ok), len(runs), "no finished pipeline runs in the window", ok[-20:])


def integration_feedback_cycle(ev: Delivery, window: Window) -> MetricValue:
    """From a failed run to the next green run of the same pipeline and branch (CAICT: detect and fix)."""
    by_line: dict[tuple[str, str], list[PipelineRun]] = {}
    for run in sorted(ev.runs or (), key=lambda r: r.created_at):
        if run.status in _FINISHED:
            by_line.setdefault((run.pipeline, run.branch or ""), []).append(run)
    cycles: list[float] = []
    for runs in by_line.values():
        for i, run in enumerate(runs):
            if (
                run.status is RunStatus.FAILURE
                and window.contains(run.created_at)
                and (i == 0 or runs[i - 1].status is RunStatus.SUCCESS)
            ):
                green = next((r for r in runs[i + 1 :] if r.status is RunStatus.SUCCESS), None)
                if green is not None:
                    cycles.append(((green.finished_at or green.created_at) - run.created_at).total_seconds() / 60)
    return median_value(
        "integration_feedback_cycle", "minutes", window, cycles, "no red-to-green sequence in the window"
    )


def security_scan_run_share(ev: Delivery, window: Window) -> MetricValue:
    """Pipeline runs with a job whose name or stage shows a security scan (SAST, SCA, secrets, images)."""
    runs = _finished_runs(ev, window)
    scan = STAGE_PATTERNS["security_scan"]
    scanned = [r.id for r in runs if any(scan.search(f"{j.name} {j.stage}") for j in r.jobs)]
    return ratio(
        "security_scan_run_share",
        window,
        len(scanned),
        len(runs),
        "no finished pipeline runs in the window",
        scanned[-20:],
    )
