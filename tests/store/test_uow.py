"""The unit of work on SQLite and PostgreSQL: one transaction for a use case's writes, committed together at the
end of the block or rolled back together when it raises; reads inside see the unit's own writes; actions wait for
the commit; a run's heartbeat never holds a unit up."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select

from devmaturity.errors import StoreError
from devmaturity.model.evidence import Commit
from devmaturity.model.facts import Fact
from devmaturity.store import db
from devmaturity.store import tables as t
from devmaturity.store.db import Store

WHEN = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _commit(n: int) -> Commit:
    return Commit(
        sha=f"{n:040x}",
        parents=(),
        author_name="Dev",
        author_email="dev@example.com",
        author_time=WHEN,
        committer_name="Dev",
        committer_email="dev@example.com",
        committer_time=WHEN,
        subject=f"change {n}",
    )


def _facts(n: int) -> list[Fact]:
    return [Fact(id=f"test.fact{k}", value=True, detail="seen", evidence=("x",)) for k in range(n)]


def _count(url: str, table: object) -> int:
    """Counted on a connection of its own: what another process would see."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
    engine.dispose()
    return found


def test_writes_commit_together_and_reads_inside_see_them(store: Store, store_url: str) -> None:
    pid = store.project("shop", "/tmp/shop")
    run_id = store.start_run(pid, "collect", {})
    seen: list[int] = []
    with store.unit_of_work() as uow:
        assert uow.store.save_git(pid, run_id, [_commit(1), _commit(2)], []) == 2
        assert uow.store.count_commits(pid) == 2  # the unit reads its own writes
        assert _count(store_url, t.commits) == 0  # nobody else sees them before the commit
        uow.store.save_facts(pid, run_id, "tree", _facts(3))
        uow.store.finish_run(run_id, "ok", {"facts": 3}, ())
        uow.after_commit(lambda: seen.append(_count(store_url, t.facts)))
        assert seen == []
    assert seen == [3]  # the action ran after the commit, and saw it
    assert _count(store_url, t.commits) == 2
    assert store.run(run_id)["status"] == "ok"  # type: ignore[index]


def test_an_error_in_the_block_leaves_nothing_written(store: Store, store_url: str) -> None:
    pid = store.project("shop", "/tmp/shop")
    run_id = store.start_run(pid, "collect", {})
    actions: list[str] = []
    with pytest.raises(KeyboardInterrupt), store.unit_of_work() as uow:
        uow.store.save_git(pid, run_id, [_commit(1)], [])
        uow.store.save_facts(pid, run_id, "tree", _facts(2))
        uow.store.finish_run(run_id, "ok", {}, ())
        uow.after_commit(lambda: actions.append("ran"))
        raise KeyboardInterrupt  # Ctrl-C half way through the use case
    assert (_count(store_url, t.commits), _count(store_url, t.facts), actions) == (0, 0, [])
    assert store.run(run_id)["status"] == "running"  # type: ignore[index]
    store.finish_run(run_id, "failed", {"error": "interrupted"}, ())  # the caller's own bookkeeping still works
    assert store.run(run_id)["status"] == "failed"  # type: ignore[index]


def test_a_database_error_rolls_back_and_is_a_store_error(store: Store, store_url: str) -> None:
    pid = store.project("shop", "/tmp/shop")
    run_id = store.start_run(pid, "collect", {})
    with pytest.raises(StoreError, match="store write failed"), store.unit_of_work() as uow:
        uow.store.save_git(pid, run_id, [_commit(1)], [])
        uow.connection.execute(t.runs.insert().values(id=run_id, project_id=pid, kind="x", started_at=0))  # taken
    assert _count(store_url, t.commits) == 0
    store.finish_run(run_id, "failed", {}, ())


def test_runs_start_outside_a_unit_and_units_do_not_nest(store: Store) -> None:
    pid = store.project("shop", "/tmp/shop")
    with store.unit_of_work() as uow:
        with pytest.raises(StoreError, match="start_run commits at once"):
            uow.store.start_run(pid, "collect", {})
        with pytest.raises(StoreError, match="cannot open another"), uow.store.unit_of_work():
            pass


def test_finishing_a_run_in_a_unit_does_not_wait_for_its_heartbeat(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The heartbeat thread renews every few hundredths of a second here, so while the unit holds the write lock
    (SQLite) or the run's row (PostgreSQL) it is blocked on it: finishing must not wait for that thread inside the
    unit, or the unit would hang until the database's busy timeout (60 s)."""
    monkeypatch.setattr(db, "HEARTBEAT_SECONDS", 0.02)
    pid = store.project("shop", "/tmp/shop")
    run_id = store.start_run(pid, "assess", {})
    began = time.monotonic()
    with store.unit_of_work() as uow:
        uow.store.save_facts(pid, run_id, "tree", _facts(1))  # takes SQLite's write lock
        uow.connection.execute(t.runs.update().where(t.runs.c.id == run_id).values(stage="saving"))  # the row
        time.sleep(0.3)  # the heartbeat is now waiting on the unit's lock
        uow.store.finish_run(run_id, "ok", {}, ())
    assert time.monotonic() - began < 10
    assert store.run(run_id)["status"] == "ok"  # type: ignore[index]
    assert run_id not in store._heartbeats
