"""Crashed runs are recovered: an ingest killed with SIGKILL is marked interrupted by the next command that opens
the store, at the time it was last seen, and `devmaturity runs` shows it (zh and en); the rules for a reused pid
and for a run of another host are checked on rows written directly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from devmaturity.store import tables as t
from devmaturity.store.db import STALE_AFTER, Store

ROW = "W-{n},story,Keep the basket when the session expires {n},2026-11-20T10:00:00+00:00\n"


def _devmaturity(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devmaturity", *args], capture_output=True, text=True, timeout=300, check=False
    )


def _running_run(url: str, deadline: float) -> dict[str, object]:
    """The child's run row once it says running (polled without opening the store, which would recover runs)."""
    engine = create_engine(url)
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    row = conn.execute(select(t.runs).where(t.runs.c.status == "running")).first()
            except Exception:
                row = None
            if row is not None:
                return dict(row._mapping)
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise AssertionError("the ingest never recorded a running run")


@pytest.mark.slow
def test_an_ingest_killed_with_sigkill_is_marked_interrupted(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "work-items.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("id,type,title,created_at\n")
        for start in range(0, 600_000, 10_000):
            out.write("".join(ROW.format(n=n) for n in range(start, start + 10_000)))
    child = subprocess.Popen(
        [sys.executable, "-m", "devmaturity", "ingest", str(path), "--kind", "workitems", "--project", "shop",
         "--db", store_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        run = _running_run(store_url, time.monotonic() + 120)
        assert (run["pid"], run["host"]) == (child.pid, socket.gethostname())
        assert child.poll() is None, "the ingest finished before it could be killed; make the file bigger"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(30)
    shown = _devmaturity("runs", "--db", store_url)
    assert shown.returncode == 0, shown.stderr
    [line] = [line for line in shown.stdout.splitlines() if "shop" in line]
    assert "interrupted (process gone)" in line and " ingest " in line
    assert "已中断（进程已不在）" in _devmaturity("runs", "--db", store_url, "--lang", "zh").stdout
    opened = Store.open(store_url)
    try:
        [after] = opened.runs(opened.project("shop", ""))
        assert after["status"] == "interrupted"
        assert after["finished_at"] == after["heartbeat_at"] >= after["started_at"]  # when it was last seen
        assert opened.count_rows("work_items", opened.project("shop", "")) == 0  # the file's transaction undone
    finally:
        opened.engine.dispose()


def _insert_run(store: Store, **process: object) -> int:
    project = store.project("shop", "")
    with store.transaction() as conn:
        values = {"project_id": project, "kind": "ingest", "status": "running", "started_at": 1_000, "inputs": "{}"}
        key = conn.execute(t.runs.insert().values(**values, **process)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _status(store: Store, run_id: int) -> tuple[str, int | None]:
    with store.engine.connect() as conn:
        row = conn.execute(select(t.runs.c.status, t.runs.c.finished_at).where(t.runs.c.id == run_id)).one()
    return row.status, row.finished_at


def test_recovery_tells_live_runs_from_dead_ones(store: Store) -> None:
    """now = 1,000 + STALE_AFTER + 500: a heartbeat at 1,400 is 100 s past the timeout, one at 1,600 is within it."""
    now = 1_000 + STALE_AFTER + 500
    me = socket.gethostname()
    start = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    live = _insert_run(store, host=me, pid=os.getpid(), proc_start=start, heartbeat_at=1_100)
    reused = _insert_run(store, host=me, pid=os.getpid(), proc_start=start + 1, heartbeat_at=1_200)
    stale = _insert_run(store, host="build-7", pid=os.getpid(), proc_start=start, heartbeat_at=1_400)
    fresh = _insert_run(store, host="build-7", pid=1, proc_start=1, heartbeat_at=1_600)
    unknown = _insert_run(store)  # written before runs recorded their process: judged by its start, 1,000
    assert sorted(store.recover_runs(now)) == sorted([reused, stale, unknown])
    assert _status(store, live) == ("running", None)  # this very process, same start time
    assert _status(store, reused) == ("interrupted", 1_200)  # same pid, another process: last seen at its beat
    assert _status(store, stale) == ("interrupted", 1_400)
    assert _status(store, fresh) == ("running", None)
    assert _status(store, unknown) == ("interrupted", 1_000)
    assert store.recover_runs(now) == []  # nothing left to mark


def test_a_finished_run_stops_its_heartbeat(store: Store) -> None:
    project = store.project("shop", "")
    run = store.start_run(project, "ingest", {})
    [row] = store.runs(project)
    assert (row["pid"], row["heartbeat_at"]) == (os.getpid(), row["started_at"])
    assert store.heartbeat(run) is True
    store.finish_run(run, "ok", {}, ())
    assert store.recover_runs() == []
    assert store.heartbeat(run) is False  # a finished run has nothing to renew: a leftover thread would stop
    name = f"devmaturity-heartbeat-{id(store):x}-{run}"
    assert not [thread for thread in threading.enumerate() if thread.name == name]
