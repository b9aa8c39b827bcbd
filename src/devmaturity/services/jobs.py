"""Background jobs as use cases: queue a run row, then claim and run it by id, on a worker or inline."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devmaturity.collectors.git import GitRepository
from devmaturity.config import Config, load_config
from devmaturity.errors import DevmaturityError, SourceUnreachableError, StoreUnavailableError, UsageError
from devmaturity.services.assess import collect_repository, run_assessment
from devmaturity.store.db import DEFAULT_POOL, Pool, Store

TRANSIENT: tuple[type[DevmaturityError], ...] = (StoreUnavailableError, SourceUnreachableError)
"""The only errors a job retries (with backoff, a bounded number of times); any other error fails the run."""
FINISHED = ("ok", "failed")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedJob:
    """A job as the runner sees it: a fixed task name and the id of the run row it will claim."""

    task: str
    run_id: int
    project: str
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunState:
    run_id: int
    status: str
    stage: str | None
    done: int | None
    attempts: int
    summary: dict[str, object]


_STORES: dict[str, Store] = {}
_POOL: dict[str, Pool] = {"pool": DEFAULT_POOL}


def use_pool(pool: Pool) -> None:
    """The connection pool of the stores this process opens for jobs from now on (the process settings
    db_pool_size and db_max_overflow): set where a worker or the server starts."""
    _POOL["pool"] = pool


def store_for(database_url: str) -> Store:
    """One store (engine and pool) per URL and process: a worker process opens it at its first job."""
    if database_url not in _STORES:
        _STORES[database_url] = Store.open(database_url, _POOL["pool"])
    return _STORES[database_url]


def close_stores() -> None:
    """Close every store this process opened for jobs (a runner's shutdown; tests between databases)."""
    while _STORES:
        _STORES.popitem()[1].engine.dispose()


def queue_collect(config: Config, path: Path) -> QueuedJob:
    """Check that `path` is a repository, bind its project, and queue a collect run for it (committed here, so
    the job that runs it finds it)."""
    repo = GitRepository(path)
    store = store_for(config.database_url)
    name = config.project or repo.root.name
    project_id = store.project(name, str(repo.root), identity=repo.identity())
    run_id = store.queue_run(project_id, "collect", {"path": str(repo.root), "project": name})
    return QueuedJob(task="devmaturity.collect", run_id=run_id, project=name, path=str(repo.root))


def run_collect(database_url: str, run_id: int, *, final: bool = True) -> str:
    """Run a queued collection: take the project's lock, claim the run (stop when it is done already), collect.
    Collection is idempotent (commits keyed by sha, reports by digest), so a rerun after a killed worker stores
    nothing twice. On a transient error the run goes back to `queued` for the retry, unless this is the `final`
    attempt. Returns the outcome: ok, skipped (already done or unknown run)."""
    with claimed(database_url, run_id, "collect") as found:
        if found is None:
            return "skipped"
        store, inputs = found
        path = Path(inputs["path"])
        try:
            config = _job_config(store, database_url, inputs, path)
            repo = GitRepository(path)
        except DevmaturityError as exc:
            store.finish_run(run_id, "failed", {"error": exc.one_line()}, ())
            raise
        try:
            collect_repository(store, repo, config, _progress(store, run_id), run_id=run_id)
        except TRANSIENT as exc:
            if not final:
                store.requeue_run(run_id, exc.one_line())
            raise
        if "project_id" in inputs:  # a service project: its REST sources too, each a sync run of its own
            _sync_sources(store, int(inputs["project_id"]), _progress(store, run_id))
    return "ok"


def _sync_sources(store: Store, project_id: int, progress: Callable[[str, int], None]) -> None:
    from devmaturity.config import secret_keys
    from devmaturity.errors import ConfigError
    from devmaturity.services.project_sync import sync_project_sources

    try:
        keys = secret_keys()
    except ConfigError:
        keys = ()  # only a source holding credentials needs the key; it fails alone, saying so
    sync_project_sources(store, project_id, secret_keys=keys, progress=progress)


def queue_assess(config: Config, path: Path) -> QueuedJob:
    """Queue an assessment of the repository at `path` (a collection first, as `devmaturity assess` does)."""
    repo = GitRepository(path)
    store = store_for(config.database_url)
    name = config.project or repo.root.name
    project_id = store.project(name, str(repo.root), identity=repo.identity())
    inputs = {"path": str(repo.root), "project": name, "framework": config.framework}
    run_id = store.queue_run(project_id, "assess", inputs)
    return QueuedJob(task="devmaturity.assess", run_id=run_id, project=name, path=str(repo.root))


def run_assess(database_url: str, run_id: int, *, final: bool = True) -> str:
    """Run a queued assessment like run_collect runs a collection: lock, claim, then collect and assess over the
    rolling window up to now. Its collect part is a run of its own; a rerun replaces the run's assessment."""
    with claimed(database_url, run_id, "assess") as found:
        if found is None:
            return "skipped"
        store, inputs = found
        path = Path(inputs["path"])
        try:
            config = _job_config(store, database_url, inputs, path)
            run_assessment(path, config, store=store, progress=_progress(store, run_id), run_id=run_id)
        except TRANSIENT as exc:
            if not final:
                store.requeue_run(run_id, exc.one_line())
            raise
        except DevmaturityError as exc:
            current = store.run(run_id)
            if current is not None and current["status"] == "running":  # failed before the assessment began
                store.finish_run(run_id, "failed", {"error": exc.one_line()}, ())
            raise
    return "ok"


def run_refresh(database_url: str, run_id: int, *, final: bool = True) -> str:
    """Refresh a project's derived data (services/derived.py): rebuild the summaries of its assessments stored
    without one. Queued with the run's project; idempotent, so a redelivered job changes nothing."""
    from devmaturity.auth.policy import Actor
    from devmaturity.services.derived import refresh

    with claimed(database_url, run_id, "refresh") as found:
        if found is None:
            return "skipped"
        store, inputs = found
        try:
            rebuilt = refresh(store, Actor.local("job:refresh"), project_id=int(inputs["project_id"]))
        except TRANSIENT as exc:
            if not final:
                store.requeue_run(run_id, exc.one_line())
            raise
        except DevmaturityError as exc:
            store.finish_run(run_id, "failed", {"error": exc.one_line()}, ())
            raise
        store.finish_run(run_id, "ok", {"rebuilt": rebuilt}, ())
    return "ok"


def _job_config(store: Store, database_url: str, inputs: dict[str, Any], path: Path) -> Config:
    """A service project's job runs with the project's stored settings; a CLI project's with its folder's
    devmaturity.toml, as queued."""
    framework = inputs.get("framework")
    if "project_id" in inputs:
        from devmaturity.services.projects import stored_config

        return stored_config(store, database_url, int(inputs["project_id"]), framework=framework)
    flags = {"project": inputs["project"], "database_url": database_url, "framework": framework}
    return load_config(project_dir=path, flags=flags)


@contextmanager
def claimed(
    database_url: str, run_id: int, kind: str, *, lock: bool = True
) -> Iterator[tuple[Store, dict[str, Any]] | None]:
    """The store and the run's inputs, holding the project's lock (unless `lock` is False: a job that only reads
    the project), once the run is claimed; None when the run is unknown, of another kind, or done already (a
    redelivered job stops there)."""
    store = store_for(database_url)
    row = store.run(run_id)
    if row is None or row["kind"] != kind:
        yield None
        return
    with store.project_lock(int(row["project_id"])) if lock else nullcontext():
        yield (store, json.loads(row["inputs"])) if store.claim_run(run_id) else None


def _progress(store: Store, run_id: int) -> Callable[[str, int], None]:
    def report(stage: str, done: int) -> None:
        store.set_progress(run_id, stage, done)

    return report


def run_state(database_url: str, run_id: int) -> RunState:
    row = store_for(database_url).run(run_id)
    if row is None:
        raise UsageError(f"no run {run_id} in the store")
    return RunState(
        run_id=run_id,
        status=str(row["status"]),
        stage=row["stage"],
        done=row["done"],
        attempts=int(row["attempts"]),
        summary=json.loads(row["summary"]) if row["summary"] else {},
    )


def wait_for(database_url: str, run_ids: Sequence[int], *, timeout: float, poll: float = 0.5) -> dict[int, RunState]:
    """Poll the run rows until each is finished (ok or failed) or `timeout` seconds have passed; the states as
    last read (a run still queued or running at the deadline is returned as it is)."""
    deadline = time.monotonic() + timeout
    states = {rid: run_state(database_url, rid) for rid in run_ids}
    while any(s.status not in FINISHED for s in states.values()) and time.monotonic() < deadline:
        time.sleep(poll)
        states = {rid: run_state(database_url, rid) for rid in run_ids}
    return states
