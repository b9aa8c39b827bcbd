"""Runs of service projects: queue a collection or an assessment by project id (the job reads the project's git
source and stored settings), and read the run history with status and progress."""

from __future__ import annotations

from dataclasses import dataclass

from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.errors import BadPayloadError, NotFoundError, UsageError
from devmaturity.model.projects import ProjectRecord, RunRecord, SourceKind
from devmaturity.services import projects as svc
from devmaturity.services import sources
from devmaturity.services.access import Gate
from devmaturity.services.jobs import QueuedJob
from devmaturity.store.db import Store
from devmaturity.store.repos import projects as repo

TASKS = {"collect": "devmaturity.collect", "assess": "devmaturity.assess"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Queued:
    """A committed run row and the job that will claim it (hand it to a runner after this returns)."""

    run: RunRecord
    job: QueuedJob


def database_url_of(store: Store) -> str:
    """The store's URL with its password, for the job that reopens it (never shown anywhere)."""
    return store.engine.url.render_as_string(hide_password=False)


def _git_path(store: Store, actor: Actor, project: ProjectRecord) -> str:
    gits = [s for s in sources.list_sources(store, actor, project.id) if s.kind is SourceKind.GIT]
    if not gits:
        raise UsageError(
            f"project {project.key} has no git source: add one (kind git, path) before collecting",
            zh=f"项目 {project.key} 没有 git 数据源：请先添加（种类 git，路径 path）",
        )
    return str(gits[0].settings["path"])


def queue_run(
    store: Store, actor: Actor, project_id: int, kind: str, *, source: str = "cli", now: int | None = None
) -> Queued:
    """Queue a collection (`collect`) or an assessment (`assess`, a collection first) of the project; the run is
    committed before this returns, and recorded (`run_started`) in the organisation's audit log."""
    if kind not in TASKS:
        raise BadPayloadError(
            f"run kind {kind!r}: use collect or assess", zh=f"运行类型 {kind!r}：只能是 collect 或 assess"
        )
    gate = Gate(store, actor, source=source, now=now)
    project = svc.project_for(gate, project_id, Action.PROJECT_READ)
    gate.require(Action.RUN_START, project.org_id)
    path = _git_path(store, actor, project)
    config = svc.project_config(project, database_url_of(store))
    inputs: dict[str, object] = {"project_id": project.id, "project": project.key, "path": path}
    if kind == "assess":
        inputs["framework"] = config.framework
    run_id = store.queue_run(project.id, kind, inputs)
    with store.transaction() as conn:
        gate.audit(conn).add(
            EventKind.RUN_STARTED,
            project.org_id,
            ("run", run_id, project.key),
            action=Action.RUN_START,
            details={"kind": kind},
        )
    run = get_run(store, actor, run_id)
    return Queued(run=run, job=QueuedJob(task=TASKS[kind], run_id=run_id, project=project.key, path=path))


def list_runs(
    store: Store, actor: Actor, project_id: int, *, cursor: str | None = None, limit: int = 50
) -> svc.Page[RunRecord]:
    """The project's runs, newest first, a page at a time."""
    gate = Gate(store, actor)
    project = svc.project_for(gate, project_id, Action.PROJECT_READ)
    gate.require(Action.RUN_READ, project.org_id)
    before = svc.parse_cursor(cursor)
    size = max(1, min(limit, svc.PAGE_MAX))
    with store.transaction() as conn:
        rows = repo.list_runs(conn, gate.scope(conn), project_id, before=before, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return svc.Page(items=rows, next_cursor=str(rows[-1].id) if more else None)


def get_run(store: Store, actor: Actor, run_id: int) -> RunRecord:
    """One run with its status and progress (stage, done) while it runs."""
    gate = Gate(store, actor)
    with store.transaction() as conn:
        scope = gate.scope(conn)
        found = repo.get_run(conn, scope, run_id)
        project = None if found is None else repo.get_project(conn, scope, found.project_id)
    if found is None or project is None:
        raise NotFoundError(f"run {run_id} not found", zh=f"未找到运行 {run_id}")
    gate.require(Action.RUN_READ, project.org_id)
    return found
