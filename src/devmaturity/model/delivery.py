"""Delivery evidence: pipeline runs and jobs, deployments, incidents, work items, releases and drills."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class RunStatus(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    RUNNING = "running"
    SKIPPED = "skipped"
    OTHER = "other"  # a finished state the source named but we do not know: neither success nor failure


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRun:
    id: str
    name: str
    status: RunStatus
    stage: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    environment: str = ""  # where a deploy job/stage deploys (normalised: dev, test, uat, staging, production)


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineRun:
    """One CI/CD pipeline (workflow) run; `source` names the system and project, e.g. github:acme/shop."""

    source: str
    id: str
    pipeline: str
    status: RunStatus
    created_at: datetime
    commit: str | None = None
    branch: str | None = None
    event: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    url: str = ""
    jobs: tuple[JobRun, ...] = ()

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """A deployment to one environment. `commit` is what was deployed; the deployment rule decides which
    deployments count as production (docs/deployments.md)."""

    source: str
    id: str
    environment: str
    status: RunStatus
    created_at: datetime
    commit: str | None = None
    finished_at: datetime | None = None
    pipeline: str = ""
    url: str = ""
    rollback: bool = False
    incident: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    source: str
    id: str
    title: str
    started_at: datetime
    resolved_at: datetime | None = None
    severity: str = ""
    service: str = ""
    deployment: str | None = None
    labels: tuple[str, ...] = ()
    auto_recovered: bool = False
    postmortem: str | None = None  # a link, or "yes"; "" when the record says there was none; None: not recorded


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItem:
    """A requirement, story, task or defect; `environment` tells where a defect was found (production or not).

    The agile fields are optional, as trackers export them: `iteration` names the sprint, iteration or milestone
    the item was planned in (the last one when it moved), with that iteration's start and end; `estimate` is its
    story points or hours; `parent` the epic or feature it belongs to ("" when none is recorded);
    `acceptance_criteria` whether it carries acceptance criteria (None: not recorded).

    A pull/merge request (type "pull_request") may carry its review: `approvals` counts its approvals and
    `approved_by_other` says whether someone other than its author approved it (both None: not read)."""

    source: str
    id: str
    type: str
    title: str
    created_at: datetime
    resolved_at: datetime | None = None
    released_at: datetime | None = None
    release: str = ""
    severity: str = ""
    environment: str = ""
    labels: tuple[str, ...] = ()
    iteration: str = ""
    iteration_start: datetime | None = None
    iteration_end: datetime | None = None
    estimate: float | None = None
    parent: str = ""
    acceptance_criteria: bool | None = None
    approvals: int | None = None
    approved_by_other: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    source: str
    id: str
    name: str
    created_at: datetime
    commit: str | None = None
    tag: str = ""


class DrillKind(enum.StrEnum):
    """What a backup or disaster-recovery drill exercised."""

    BACKUP = "backup"  # a backup taken and checked
    RESTORE = "restore"  # data restored from a backup
    FAILOVER = "failover"  # service switched to a standby
    DR = "dr"  # a disaster-recovery drill: the service run from the recovery site


@dataclass(frozen=True, slots=True, kw_only=True)
class Drill:
    """One backup or disaster-recovery drill; `status` is its outcome (success, failure) or running."""

    source: str
    id: str
    kind: DrillKind
    started_at: datetime
    status: RunStatus
    finished_at: datetime | None = None
    service: str = ""
    environment: str = ""
    url: str = ""
