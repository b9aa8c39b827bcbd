"""Delivery evidence: pipeline runs and jobs, deployments, incidents, work items and releases."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItem:
    """A requirement, story, task or defect; `environment` tells where a defect was found (production or not)."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    source: str
    id: str
    name: str
    created_at: datetime
    commit: str | None = None
    tag: str = ""
