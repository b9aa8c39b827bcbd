"""Runs of a project: history with status and progress, one run, and queueing a collection or an assessment in
the background (202 with the queued run; poll GET /runs/{id}) (docs/api.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks
from pydantic import BaseModel, Field

from devmaturity.config import Config
from devmaturity.jobs.runner import make_runner
from devmaturity.model.projects import RunRecord
from devmaturity.services import project_runs
from devmaturity.services.jobs import QueuedJob
from devmaturity.web.api.v1.common import CursorQuery, LimitQuery, Page
from devmaturity.web.api.v1.projects import Id
from devmaturity.web.deps import ActorDep, ConfigDep, SourceDep, StoreDep

router = APIRouter(tags=["runs"])


class RunRead(BaseModel):
    id: int
    project_id: int
    kind: str = Field(description="collect | assess | sync | ingest")
    status: str = Field(description="queued | running | ok | failed | interrupted")
    stage: str | None = Field(description="what the run is doing now")
    done: int | None = Field(description="items of `stage` done so far")
    attempts: int
    started_at: int
    finished_at: int | None
    summary: dict[str, Any]
    problems: int = Field(description="how many problems the run recorded")


def read(run: RunRecord) -> RunRead:
    return RunRead(
        id=run.id,
        project_id=run.project_id,
        kind=run.kind,
        status=run.status,
        stage=run.stage,
        done=run.done,
        attempts=run.attempts,
        started_at=run.started_at,
        finished_at=run.finished_at,
        summary=dict(run.summary),
        problems=run.problems,
    )


def _submit(config: Config, database_url: str, job: QueuedJob) -> None:
    runner_config = Config(
        database_url=database_url, broker_url=config.broker_url, job_time_limit=config.job_time_limit
    )
    make_runner(runner_config).submit(job)


@router.get("/projects/{project_id}/runs", operation_id="list_runs", response_model=Page[RunRead])
def list_runs(
    project_id: Id, store: StoreDep, actor: ActorDep, cursor: CursorQuery = None, limit: LimitQuery = 50
) -> Page[RunRead]:
    page = project_runs.list_runs(store, actor, project_id, cursor=cursor, limit=limit)
    return Page[RunRead](items=[read(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/runs/{run_id}", operation_id="get_run", response_model=RunRead)
def get_run(run_id: Id, store: StoreDep, actor: ActorDep) -> RunRead:
    return read(project_runs.get_run(store, actor, run_id))


def _queue(
    kind: str, project_id: Id, store: Any, actor: Any, config: Config, source: str, background: BackgroundTasks
) -> RunRead:
    queued = project_runs.queue_run(store, actor, project_id, kind, source=source)
    background.add_task(_submit, config, project_runs.database_url_of(store), queued.job)
    return read(queued.run)


@router.post("/projects/{project_id}/collect", operation_id="collect_project", status_code=202, response_model=RunRead)
def collect_project(
    project_id: Id, store: StoreDep, actor: ActorDep, config: ConfigDep, source: SourceDep, background: BackgroundTasks
) -> RunRead:
    """Queue a collection of the project's git source (commits, refs, tree facts, reports)."""
    return _queue("collect", project_id, store, actor, config, source, background)


@router.post("/projects/{project_id}/assess", operation_id="assess_project", status_code=202, response_model=RunRead)
def assess_project(
    project_id: Id, store: StoreDep, actor: ActorDep, config: ConfigDep, source: SourceDep, background: BackgroundTasks
) -> RunRead:
    """Queue an assessment of the project (a collection first) with its stored settings."""
    return _queue("assess", project_id, store, actor, config, source, background)
