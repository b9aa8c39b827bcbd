"""Run bookkeeping written once (services/runs.py recorded_run), on SQLite and PostgreSQL: a run ends ok, failed
with the error's line, or interrupted; the problems found before a failure are kept; the end hooks (where the
audit log listens) hear each end once, with credentials masked; `succeed` ends a run inside a unit of work."""

from __future__ import annotations

import json

import pytest

from devmaturity.errors import SourceError
from devmaturity.model.evidence import Problem
from devmaturity.services.runs import RunEnded, recorded_run
from devmaturity.store.db import Store


def _row(store: Store, run_id: int) -> tuple[str, dict[str, object], list[dict[str, str]]]:
    row = store.run(run_id)
    assert row is not None
    return row["status"], json.loads(row["summary"]), json.loads(row["problems"])


def test_a_run_ends_ok_and_the_hooks_hear_it(store: Store) -> None:
    pid = store.project("shop", "/tmp/shop")
    heard: list[RunEnded] = []
    with recorded_run(store, pid, "ingest", {"files": []}, hooks=[heard.append]) as run:
        run.summary = {"ingested": 2}
        run.problems.append(Problem(source="a.xml", message="not a report"))
        assert store.run(run.run_id)["status"] == "running"  # type: ignore[index]
    assert _row(store, run.run_id) == ("ok", {"ingested": 2}, [{"source": "a.xml", "message": "not a report"}])
    assert heard == [RunEnded(run_id=run.run_id, project_id=pid, kind="ingest", status="ok", summary={"ingested": 2})]


def test_a_failure_keeps_the_summary_and_problems_and_masks_the_secret(store: Store) -> None:
    pid = store.project("shop", "/tmp/shop")
    heard: list[RunEnded] = []
    mask = lambda text: text.replace("tok-secret", "***")  # noqa: E731
    with pytest.raises(SourceError), recorded_run(store, pid, "sync", {}, redact=mask, hooks=[heard.append]) as run:
        run.summary = {"pages": 3}
        run.problems.append(Problem(source="github", message="saw tok-secret"))
        raise SourceError("github: HTTP 500 echoing tok-secret")
    status, summary, problems = _row(store, run.run_id)
    assert status == "failed"
    assert summary == {"error": "error[source]: github: HTTP 500 echoing ***", "pages": 3}
    assert problems == [{"source": "github", "message": "saw ***"}]
    assert [(h.status, h.summary["error"]) for h in heard] == [
        ("failed", "error[source]: github: HTTP 500 echoing ***")
    ]


def test_ctrl_c_is_recorded_as_interrupted(store: Store) -> None:
    pid = store.project("shop", "/tmp/shop")
    with pytest.raises(KeyboardInterrupt), recorded_run(store, pid, "collect", {}) as run:
        raise KeyboardInterrupt
    assert _row(store, run.run_id)[:2] == ("failed", {"error": "interrupted"})


def test_succeed_ends_the_run_with_the_units_writes_and_a_later_error_does_not_undo_it(store: Store) -> None:
    pid = store.project("shop", "/tmp/shop")
    heard: list[RunEnded] = []
    with pytest.raises(RuntimeError), recorded_run(store, pid, "assess", {}, hooks=[heard.append]) as run:
        with store.unit_of_work() as uow:
            run.succeed(uow, {"CD": 3})
            assert store.run(run.run_id)["status"] == "running"  # type: ignore[index]  # not before the commit
        raise RuntimeError("after the end was committed")
    assert _row(store, run.run_id)[:2] == ("ok", {"CD": 3})
    assert [h.status for h in heard] == ["ok"]  # the run ended ok; the error after it is the caller's


def test_a_unit_that_rolls_back_leaves_the_run_to_fail(store: Store) -> None:
    pid = store.project("shop", "/tmp/shop")
    with pytest.raises(RuntimeError), recorded_run(store, pid, "assess", {}) as run, store.unit_of_work() as uow:
        run.succeed(uow, {"CD": 3})
        raise RuntimeError("crash before the commit")
    assert _row(store, run.run_id)[:2] == ("failed", {"error": "interrupted", "CD": 3})
