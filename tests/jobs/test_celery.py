"""Jobs on real Celery workers (`devmaturity worker` subprocesses) with the real Redis, on SQLite and PostgreSQL:
a batch of repositories completes, and a worker killed with SIGKILL mid-job loses and duplicates nothing."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from devmaturity.cli.main import run
from devmaturity.config import load_config
from devmaturity.jobs.runner import CeleryRunner
from devmaturity.services.jobs import queue_collect, run_state, wait_for
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder
from tests.jobs.workers import fast_import_repo, start_worker, stop_worker, worker_env

pytestmark = pytest.mark.slow
JUNIT = Path(__file__).resolve().parents[1] / "data" / "junit" / "jest-junit.xml"


def test_twenty_repositories_complete_on_two_workers(
    tmp_path: Path,
    store: Store,
    store_url: str,
    broker: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """20 repositories of 2 commits each, queued by `devmaturity collect --wait` to a 2-process worker: 20 runs
    ok, each claimed once, each project holding its 2 commits."""
    paths = []
    for i in range(20):
        builder = RepoBuilder(tmp_path / f"repo{i:02d}")
        builder.commit("first", {"a.txt": f"{i}\n"}, date="2026-03-01T10:00:00+08:00")
        builder.commit("second", {"a.txt": f"{i}!\n"}, date="2026-03-02T10:00:00+08:00")
        paths.append(str(builder.path))
    worker = start_worker(worker_env(store_url), tmp_path / "worker.log", concurrency=2)
    try:
        monkeypatch.setenv("DEVMATURITY_BROKER_URL", broker)
        assert run(["collect", *paths, "--db", store_url, "--wait", "--timeout", "120"]) == 0
    finally:
        stop_worker(worker)
    out = capsys.readouterr().out
    assert out.count(": ok, 2 new commit(s)") == 20
    for run_id in range(1, 21):
        row = store.run(run_id)
        assert row is not None
        assert (row["status"], row["attempts"]) == ("ok", 1)
        assert store.count_commits(int(row["project_id"])) == 2


def test_worker_killed_mid_job_the_retry_stores_everything_once(
    tmp_path: Path, store: Store, store_url: str, broker: str
) -> None:
    """A 5,000-commit repository with one JUnit report. Worker A claims the run; once its progress shows 1,000
    commits read (the commits transaction open) it is killed with SIGKILL. Nothing of the run is stored then (one
    transaction per source). Worker B gets the unacknowledged job after the redelivery wait (job_time_limit 4 s
    + 5 s hard-limit grace + 5 s margin), takes over the run (attempts 2) and ends it ok: 5,000 commits and 1
    report, each stored once, one run row."""
    path = tmp_path / "big"
    fast_import_repo(path, 5000)
    (path / "build").mkdir()
    shutil.copy(JUNIT, path / "build" / "junit.xml")
    env = worker_env(store_url, job_time_limit=4)
    job = queue_collect(load_config(flags={"database_url": store_url}), path)
    assert run_state(store_url, job.run_id).status == "queued"
    row = store.run(job.run_id)
    assert row is not None
    project = int(row["project_id"])
    first = start_worker(env, tmp_path / "worker-a.log")
    second = None
    try:
        CeleryRunner(broker, 4).submit(job)
        deadline = time.monotonic() + 60
        state = run_state(store_url, job.run_id)
        while not (state.stage == "commits" and (state.done or 0) >= 1000) and time.monotonic() < deadline:
            time.sleep(0.02)
            state = run_state(store_url, job.run_id)
        assert state.status == "running", (tmp_path / "worker-a.log").read_text()
        stop_worker(first, signal.SIGKILL)
        killed = run_state(store_url, job.run_id)  # a store opened since may have marked it interrupted
        assert (killed.status in ("running", "interrupted"), killed.attempts) == (True, 1)
        assert store.count_commits(project) == 0
        assert store.count_rows("reports", project) == 0
        second = start_worker(env, tmp_path / "worker-b.log")
        final = wait_for(store_url, [job.run_id], timeout=60)[job.run_id]
    finally:
        stop_worker(first, signal.SIGKILL)
        if second is not None:
            stop_worker(second)
    assert (final.status, final.attempts) == ("ok", 2), (tmp_path / "worker-b.log").read_text()
    assert final.summary["new_commits"] == 5000
    assert store.count_commits(project) == 5000
    assert store.count_rows("reports", project) == 1
    assert len(store.runs(project)) == 1
