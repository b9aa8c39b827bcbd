"""The store on SQLite and on the real PostgreSQL: idempotent, incremental, transactional collection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.collectors.git import GitRepository
from devmaturity.config import Config
from devmaturity.errors import GitError
from devmaturity.model.evidence import Commit
from devmaturity.services.assess import collect_repository, run_assessment
from devmaturity.store.db import Store
from tests.history import build_history

NOW = datetime(2024, 3, 1, tzinfo=UTC)


def test_collecting_twice_stores_nothing_twice(store: Store, tmp_path: Path) -> None:
    build_history(tmp_path / "r")
    repo = GitRepository(tmp_path / "r")
    first = collect_repository(store, repo, Config())
    assert (first.new_commits, first.total_commits) == (8, 8)
    facts = store.count_facts(first.project_id)
    second = collect_repository(store, repo, Config())
    assert (second.new_commits, second.total_commits) == (0, 8)
    assert store.count_facts(first.project_id) == facts
    runs = store.runs(first.project_id)
    assert [(r["kind"], r["status"]) for r in runs] == [("collect", "ok"), ("collect", "ok")]


def test_second_collection_reads_only_new_commits(store: Store, tmp_path: Path) -> None:
    builder, _ = build_history(tmp_path / "r")
    repo = GitRepository(tmp_path / "r")
    collect_repository(store, repo, Config())
    builder.commit("next", {"n.txt": "n\n"}, "2024-02-20T10:00:00+00:00")
    again = collect_repository(store, repo, Config())
    assert (again.new_commits, again.total_commits) == (1, 9)


def test_stored_commits_round_trip_with_timezones(store: Store, tmp_path: Path) -> None:
    _, sha = build_history(tmp_path / "r")
    result = collect_repository(store, GitRepository(tmp_path / "r"), Config())
    loaded = {c.sha: c for c in store.load_commits(result.project_id, datetime(2000, 1, 1, tzinfo=UTC))}
    original = {c.sha: c for c in GitRepository(tmp_path / "r").commits()}
    assert loaded == original
    assert loaded[sha["c1"]].author_time.isoformat() == "2024-02-05T09:00:00+08:00"


def test_failure_mid_collection_writes_nothing(store: Store, tmp_path: Path) -> None:
    build_history(tmp_path / "r")
    repo = GitRepository(tmp_path / "r")
    project = store.project("p", str(tmp_path))
    run = store.start_run(project, "collect", {})

    def broken() -> Iterator[Commit]:
        for n, commit in enumerate(repo.commits()):
            if n == 3:
                raise GitError("git log died")
            yield commit

    with pytest.raises(GitError):
        store.save_git(project, run, broken(), repo.refs())
    assert store.count_commits(project) == 0
    assert store.known_tips(project) == []


def test_assessment_is_recorded_as_a_run(store: Store, tmp_path: Path) -> None:
    build_history(tmp_path / "r")
    result = run_assessment(tmp_path / "r", Config(window=28), store=store, now=NOW, parts=["cd"])
    saved = store.assessments(result.collect.project_id)
    assert saved == [
        {"id": saved[0]["id"], "framework": "caict-devops", "levels": {"cd": result.assessment.parts[0].level}}
    ]
    kinds = [(r["kind"], r["status"]) for r in store.runs(result.collect.project_id)]
    assert kinds == [("collect", "ok"), ("assess", "ok")]


def test_unknown_fact_is_stored_as_null(store: Store) -> None:
    """A fact the evidence cannot tell (value None) is stored with a NULL value on both backends, not as false."""
    from sqlalchemy import select

    from devmaturity.model.facts import Fact
    from devmaturity.store import tables

    pid = store.project("p", "/tmp/p")
    run = store.start_run(pid, "collect", {})
    unknown = Fact(id="pipeline.trigger.commit", value=None, detail="set on the Jenkins server")
    assert store.save_facts(pid, run, "abc", [unknown, Fact(id="ci.present", value=True)]) == 2
    with store.engine.connect() as conn:
        rows = {row[0]: row[1] for row in conn.execute(select(tables.facts.c.fact_id, tables.facts.c.value))}
    assert rows == {"pipeline.trigger.commit": None, "ci.present": True}


def test_a_commit_the_database_refuses_is_a_store_error_and_nothing_is_half_written(
    store: Store, tmp_path: Path
) -> None:
    """PostgreSQL takes commits by COPY, SQLite by plain inserts: a row the database refuses (here a commit
    without an author name, NOT NULL) fails the write as the store's own error on both, and the transaction leaves nothing."""
    from dataclasses import replace

    from devmaturity.errors import StoreError

    build_history(tmp_path / "r")
    repo = GitRepository(tmp_path / "r")
    commits = list(repo.commits(exclude=[]))
    project = store.project("r", str(repo.root))
    run = store.start_run(project, "collect", {})
    # NOT NULL refused on both (a sha longer than String(64) would pass on SQLite, which keeps any length)
    bad = [*commits[:3], replace(commits[3], author_name=None), *commits[4:]]  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.save_git(project, run, bad, [])
    assert store.count_commits(project) == 0
    assert store.save_git(project, run, commits, []) == len(commits)
