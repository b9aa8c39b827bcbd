"""Delivery evidence as columns: what the delivery metrics read.

A frame holds one kind of record as parallel arrays (times as float seconds since the epoch, NaN where a time
is unknown; statuses as small integer codes), so a metric over a million deployments is a few array operations
instead of a million objects. Frames are built from records (tests, small inputs) or straight from the store's
rows (store/delivery.py); both give the same arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from devmaturity.model.delivery import Deployment, Incident, JobRun, PipelineRun, Release, RunStatus, WorkItem
from devmaturity.model.stages import STAGE_PATTERNS, provisions

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int8]
Flags = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]

STATUSES: tuple[RunStatus, ...] = tuple(RunStatus)
CODE: dict[str, int] = {s.value: i for i, s in enumerate(STATUSES)}
SUCCESS = CODE[RunStatus.SUCCESS.value]
FAILURE = CODE[RunStatus.FAILURE.value]

_SCAN = STAGE_PATTERNS["security_scan"]


def security_scan(jobs: Iterable[JobRun]) -> bool:
    """A job whose name or stage shows a security scan (SAST, SCA, secrets, images)."""
    return any(_SCAN.search(f"{j.name} {j.stage}") for j in jobs)


def provision_span(
    pipeline: str, succeeded: bool, start: float, end: float, jobs: Iterable[tuple[str, bool, float, float]]
) -> float | None:
    """Seconds a run spent provisioning an environment (times as float seconds, NaN unknown; each job as (name and
    stage, succeeded, start, end)): the whole run when its pipeline's name says it provisions (a Jenkins job
    "env-provision"), else from the first provisioning job's start to the last one's end. None when it provisions
    nothing, when it or a provisioning job did not succeed (no environment came of it), or when a time is unknown."""
    if not succeeded:
        return None
    if provisions(pipeline):
        span = end - start
    else:
        found = [(ok, begin, finish) for name, ok, begin, finish in jobs if provisions(name)]
        if not found or not all(ok for ok, _, _ in found):
            return None
        span = max(finish for _, _, finish in found) - min(begin for _, begin, _ in found)
    return float(span) if np.isfinite(span) and span >= 0 else None


def provision_seconds(run: PipelineRun) -> float | None:
    """`provision_span` of a pipeline run record."""
    jobs = (
        (f"{j.name} {j.stage}", j.status is RunStatus.SUCCESS, seconds(j.started_at), seconds(j.finished_at))
        for j in run.jobs
    )
    ok = run.status is RunStatus.SUCCESS
    return provision_span(run.pipeline, ok, seconds(run.started_at), seconds(run.finished_at), jobs)


def seconds(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else float("nan")


def floats(values: Iterable[float | int | None]) -> Floats:
    """Times as float seconds; None becomes NaN."""
    return np.array(list(values), dtype=np.float64)


def texts(values: Iterable[str | None], *, clean: bool = False) -> Texts:
    """Text as an object array; None becomes "" (`clean`: the values are known to be str already)."""
    listed = values if clean and isinstance(values, list) else ["" if v is None else v for v in values]
    out = np.empty(len(listed), dtype=object)
    out[:] = listed
    return out


def codes(statuses: Iterable[str]) -> Codes:
    return np.array([CODE[s] for s in statuses], dtype=np.int8)


def flags(values: Iterable[Any]) -> Flags:
    return np.array([bool(v) for v in values], dtype=np.bool_)


F = TypeVar("F")


def take(frame: F, index: npt.NDArray[Any]) -> F:
    """The rows `index` (a mask or positions) of any frame but LeadFrame: every column alike."""
    values: dict[str, Any] = {}
    for f in fields(frame):  # type: ignore[arg-type]
        value = getattr(frame, f.name)
        if isinstance(value, np.ndarray):
            value = value[index]
        elif value is not None:  # a list column (jobs)
            value = [value[i] for i in np.arange(len(value))[index]]
        values[f.name] = value
    return type(frame)(**values)


def concat(frames: Sequence[F]) -> F:
    """Frames of one kind one after the other; a column left out of any of them is left out."""
    values: dict[str, Any] = {}
    for f in fields(frames[0]):  # type: ignore[arg-type]
        parts = [getattr(x, f.name) for x in frames]
        if any(p is None for p in parts):
            values[f.name] = None
        elif isinstance(parts[0], np.ndarray):
            values[f.name] = np.concatenate(parts)
        else:
            values[f.name] = [v for part in parts for v in part]
    return type(frames[0])(**values)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeploymentFrame:
    """Deployments; `linked` says the deployment names an incident itself (a rework marker); `services` is what
    was deployed as the model has it, the deployment's pipeline (rollbacks and incidents look for the change
    before them among the deployments of the same service)."""

    ids: Texts
    environments: Texts
    created: Floats
    finished: Floats
    status: Codes
    rollback: Flags
    linked: Flags
    services: Texts
    commits: Texts | None = None  # what each deployed; left out where only lead times (kept apart) need it

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def of(records: Sequence[Deployment]) -> DeploymentFrame:
        return DeploymentFrame(
            ids=texts(d.id for d in records),
            environments=texts(d.environment for d in records),
            created=floats(seconds(d.created_at) for d in records),
            finished=floats(seconds(d.finished_at) for d in records),
            status=codes(d.status.value for d in records),
            rollback=flags(d.rollback for d in records),
            linked=flags(d.incident for d in records),
            services=texts(d.pipeline for d in records),
            commits=texts(d.commit for d in records),
        )

    def take(self, index: npt.NDArray[Any]) -> DeploymentFrame:
        return take(self, index)

    @staticmethod
    def concat(frames: Sequence[DeploymentFrame]) -> DeploymentFrame:
        return concat(frames)

    @property
    def when(self) -> Floats:
        """Finish time, else start time."""
        return np.where(np.isnan(self.finished), self.created, self.finished)


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentFrame:
    ids: Texts
    started: Floats
    resolved: Floats
    severity: Texts
    service: Texts
    deployment: Texts
    auto_recovered: Flags
    postmortem: Flags  # a post-mortem is recorded (a link or yes)
    postmortem_known: Flags  # the record says whether there was one

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def of(records: Sequence[Incident]) -> IncidentFrame:
        return IncidentFrame(
            ids=texts(i.id for i in records),
            started=floats(seconds(i.started_at) for i in records),
            resolved=floats(seconds(i.resolved_at) for i in records),
            severity=texts(i.severity for i in records),
            service=texts(i.service for i in records),
            deployment=texts(i.deployment for i in records),
            auto_recovered=flags(i.auto_recovered for i in records),
            postmortem=flags(bool(i.postmortem) for i in records),
            postmortem_known=flags(i.postmortem is not None for i in records),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItemFrame:
    """Work items; `estimate` is NaN where none is recorded, `accepted` counts only where `accepted_known`,
    `reviewed` (approved by someone other than the author) only where `reviewed_known`."""

    ids: Texts
    types: Texts
    created: Floats
    resolved: Floats
    released: Floats
    environment: Texts
    iteration: Texts
    iteration_start: Floats
    iteration_end: Floats
    estimate: Floats
    parent: Texts
    accepted: Flags
    accepted_known: Flags
    reviewed: Flags
    reviewed_known: Flags

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def of(records: Sequence[WorkItem]) -> WorkItemFrame:
        return WorkItemFrame(
            ids=texts(w.id for w in records),
            types=texts(w.type for w in records),
            created=floats(seconds(w.created_at) for w in records),
            resolved=floats(seconds(w.resolved_at) for w in records),
            released=floats(seconds(w.released_at) for w in records),
            environment=texts(w.environment for w in records),
            iteration=texts(w.iteration for w in records),
            iteration_start=floats(seconds(w.iteration_start) for w in records),
            iteration_end=floats(seconds(w.iteration_end) for w in records),
            estimate=floats(w.estimate for w in records),
            parent=texts(w.parent for w in records),
            accepted=np.array([bool(w.acceptance_criteria) for w in records], dtype=np.bool_),
            accepted_known=np.array([w.acceptance_criteria is not None for w in records], dtype=np.bool_),
            reviewed=np.array([bool(w.approved_by_other) for w in records], dtype=np.bool_),
            reviewed_known=np.array([w.approved_by_other is not None for w in records], dtype=np.bool_),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFrame:
    """Pipeline runs; `jobs` is loaded only when the deployment rule names jobs (None otherwise); `provision` is
    the seconds each run spent provisioning an environment (NaN: none; the column None: not stored)."""

    ids: Texts
    pipeline: Texts
    branch: Texts
    status: Codes
    created: Floats
    started: Floats
    finished: Floats
    security_scan: Flags
    commits: Texts | None = None  # left out where no deployment rule names pipelines or jobs
    jobs: Sequence[tuple[JobRun, ...]] | None = None
    provision: Floats | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def of(records: Sequence[PipelineRun]) -> RunFrame:
        return RunFrame(
            ids=texts(r.id for r in records),
            pipeline=texts(r.pipeline for r in records),
            branch=texts(r.branch for r in records),
            status=codes(r.status.value for r in records),
            created=floats(seconds(r.created_at) for r in records),
            started=floats(seconds(r.started_at) for r in records),
            finished=floats(seconds(r.finished_at) for r in records),
            security_scan=flags(security_scan(r.jobs) for r in records),
            commits=texts(r.commit for r in records),
            jobs=[r.jobs for r in records],
            provision=floats(provision_seconds(r) for r in records),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseFrame:
    ids: Texts
    created: Floats

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def of(records: Sequence[Release]) -> ReleaseFrame:
        return ReleaseFrame(ids=texts(r.id for r in records), created=floats(seconds(r.created_at) for r in records))


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadFrame:
    """Lead-time attribution: per successful production deployment (ordinal = its place among them, 0 the first
    ever observed), when it finished, and the lead seconds of the commits it shipped first, concatenated in
    `leads` with `offsets[i]:offsets[i + 1]` belonging to row i."""

    ids: Texts
    ordinal: Ints
    deployed: Floats
    offsets: Ints
    leads: Floats

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def counts(self) -> Ints:
        return np.diff(self.offsets)
