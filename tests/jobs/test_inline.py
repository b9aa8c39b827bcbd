"""Jobs without a broker: the inline runner, the claim of a run row, the per-project lock, retry backoff, and the
one-line errors of `devmaturity worker`."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from devmaturity.cli.main import run
from devmaturity.config import load_config
from devmaturity.errors import StoreError, StoreUnavailableError
from devmaturity.jobs.runner import CeleryRunner, InlineRunner, make_runner
from devmaturity.jobs.tasks import backoff
from devmaturity.model.facts import Fact
from devmaturity.services.jobs import TRANSIENT, queue_assess, queue_collect, run_assess, run_collect
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder


def _repo(root: Path, name: str, commits: int) -> Path:
    builder = RepoBuilder(root / name)
    for i in range(commits):
        builder.commit(f"c{i}", {"f.txt": f"{i}\n"}, date=f"2026-01-{i + 1:02d}T10:00:00+08:00")
    return builder.path


def _project_of(store: Store, run_id: int) -> int:
    row = store.run(run_id)
    assert row is not None
    return int(row["project_id"])


def test_inline_runner_is_the_default() -> None:
    """No DEVMATURITY_BROKER_URL (the fixture removes it): jobs run in-process; with one, on Celery."""
    assert isinstance(make_runner(load_config(env={})), InlineRunner)
    runner = make_runner(load_config(env={"DEVMATURITY_BROKER_URL": "redis://127.0.0.1:1/0"}))
    assert isinstance(runner, CeleryRunner)  # building the sender does not connect


def test_collect_runs_inline_and_records_progress(
    tmp_path: Path, store: Store, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two repositories of 3 and 2 commits: each its own run, printed as `run <id> <path>`, ending ok with its
    commits stored, claimed once, and the last progress written on the row (stage commits, 3 resp. 2 done)."""
    one, two = _repo(tmp_path, "one", 3), _repo(tmp_path, "two", 2)
    assert run(["collect", str(one), str(two), "--db", store_url]) == 0
    out = capsys.readouterr().out
    assert f"run 1 {one}" in out and f"run 2 {two}" in out
    assert "run 1: ok, 3 new commit(s)" in out and "run 2: ok, 2 new commit(s)" in out
    for run_id, commits in ((1, 3), (2, 2)):
        project_id = _project_of(store, run_id)  # ids from a PostgreSQL sequence may skip: read them
        (row,) = store.runs(project_id)
        assert (row["status"], row["attempts"], row["stage"], row["done"]) == ("ok", 1, "commits", commits)
        assert store.count_commits(project_id) == commits


def test_finished_run_is_not_run_again(tmp_path: Path, store: Store, store_url: str) -> None:
    """A job delivered twice: the second claim changes no row (the run is ok), so it stops and stores nothing."""
    path = _repo(tmp_path, "r", 2)
    job = queue_collect(load_config(flags={"database_url": store_url}), path)
    assert run_collect(store_url, job.run_id) == "ok"
    shutil.rmtree(path)  # were it run again, the missing repository would fail the run
    assert run_collect(store_url, job.run_id) == "skipped"
    (row,) = store.runs(_project_of(store, job.run_id))
    assert (row["status"], row["attempts"]) == ("ok", 1)


def test_run_left_running_by_a_dead_worker_is_taken_over(tmp_path: Path, store: Store, store_url: str) -> None:
    """A run claimed by a worker that died stays `running`; under the project lock nobody else can be running it,
    so the redelivered job claims it again (attempts 2) and finishes it, storing each of the 4 commits once."""
    path = _repo(tmp_path, "r", 4)
    job = queue_collect(load_config(flags={"database_url": store_url}), path)
    assert store.claim_run(job.run_id)  # the first worker's claim; then it was killed
    assert run_collect(store_url, job.run_id) == "ok"
    (row,) = store.runs(job_project := _project_of(store, job.run_id))
    assert (row["status"], row["attempts"]) == ("ok", 2)
    assert store.count_commits(job_project) == 4


def test_data_error_fails_the_run_without_raising_inline(tmp_path: Path, store: Store, store_url: str) -> None:
    """The repository vanished between queueing and running: not transient, so the run fails with the error's
    one line (not-a-repository or input) and the inline runner goes on."""
    path = _repo(tmp_path, "r", 1)
    job = queue_collect(load_config(flags={"database_url": store_url}), path)
    shutil.rmtree(path)
    InlineRunner(store_url).submit(job)
    (row,) = store.runs(_project_of(store, job.run_id))
    assert row["status"] == "failed"
    assert '"error": "error[input]' in row["summary"]


def test_one_project_waits_for_its_lock_another_does_not(tmp_path: Path, store: Store, store_url: str) -> None:
    """While project 1's lock is held (another job of it running), its queued run stays queued; project 2's run
    completes meanwhile; released, project 1's run completes too."""
    config = load_config(flags={"database_url": store_url})
    first = queue_collect(config, _repo(tmp_path, "a", 1))
    second = queue_collect(config, _repo(tmp_path, "b", 1))
    outcome: list[str] = []
    busy = _project_of(store, first.run_id)
    with store.project_lock(busy):
        waiting = threading.Thread(target=lambda: outcome.append(run_collect(store_url, first.run_id)))
        waiting.start()
        assert run_collect(store_url, second.run_id) == "ok"
        time.sleep(1.0)
        assert store.runs(busy)[0]["status"] == "queued"
        assert outcome == []
    waiting.join(timeout=30)
    assert outcome == ["ok"]
    assert store.runs(busy)[0]["status"] == "ok"


def test_backoff_doubles_and_is_capped() -> None:
    """2 s after the first failure, then 4, 8, 16, 32; never more than 300 s."""
    assert [backoff(n) for n in range(5)] == [2, 4, 8, 16, 32]
    assert backoff(20) == 300


def test_worker_without_broker_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["worker"]) == 69
    assert capsys.readouterr().err.strip() == (
        "error[broker]: no broker configured: set DEVMATURITY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"
    )


def test_worker_with_unreachable_broker_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listens on port 1: one line naming the broker with its password masked, exit 69."""
    monkeypatch.setenv("DEVMATURITY_BROKER_URL", "redis://:secret@127.0.0.1:1/0")
    assert run(["worker"]) == 69
    err = capsys.readouterr().err.strip()
    assert err.startswith("error[broker]: the broker redis://:***@127.0.0.1:1/0 does not answer:")
    assert "secret" not in err and "\n" not in err


def test_only_a_busy_or_lost_database_is_transient(tmp_path: Path) -> None:
    """A SQLite file whose write lock another connection holds past the (here 0.1 s) busy timeout: the write fails
    as store-unavailable, which jobs retry. A missing table is an operational error too, but not transient: plain
    store, never retried."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    Store.open(url).engine.dispose()
    impatient = Store(create_engine(url, connect_args={"timeout": 0.1}))
    project_id = impatient.project("p", "/p")
    holder = sqlite3.connect(tmp_path / "busy.db")
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailableError, match="database is locked"):
            impatient.queue_run(project_id, "collect", {})
        holder.rollback()
        holder.execute("DROP TABLE facts")
        holder.commit()
        with pytest.raises(StoreError, match="no such table") as raised:
            impatient.save_facts(project_id, 1, "snap", [Fact(id="vcs.git", value=True, detail="", evidence=())])
        assert not isinstance(raised.value, StoreUnavailableError)
        assert not isinstance(raised.value, TRANSIENT)
    finally:
        holder.close()
        impatient.engine.dispose()


def test_assess_job_taken_over_stores_one_assessment(tmp_path: Path, store: Store, store_url: str) -> None:
    """An assess job whose first worker died after claiming: the rerun claims it again (attempts 2), ends ok and
    the project holds exactly one assessment for it; a third delivery is skipped and adds none. Its collection is
    a run of its own (kind collect, ok)."""
    path = _repo(tmp_path, "r", 3)
    job = queue_assess(load_config(flags={"database_url": store_url}), path)
    assert job.task == "devmaturity.assess"
    assert store.claim_run(job.run_id)
    assert run_assess(store_url, job.run_id) == "ok"
    assert run_assess(store_url, job.run_id) == "skipped"
    project_id = _project_of(store, job.run_id)
    runs = {row["kind"]: row for row in store.runs(project_id)}
    assert (runs["assess"]["status"], runs["assess"]["attempts"]) == ("ok", 2)
    assert runs["collect"]["status"] == "ok"
    assert len(store.assessments(project_id)) == 1
