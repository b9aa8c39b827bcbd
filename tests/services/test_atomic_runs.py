"""A use case's last writes and its run's end are one unit of work: when the database refuses to mark the run ok
(a real trigger on the runs table, on SQLite and PostgreSQL), the assessment or the tree's facts written just
before are rolled back with it, the run is recorded as failed, and a later run stores them once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from devmaturity.config import Config
from devmaturity.errors import StoreError
from devmaturity.services.assess import run_assessment
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder

NOW = datetime(2026, 5, 1, tzinfo=UTC)
SQLITE_TRIGGER = """CREATE TRIGGER refuse_ok BEFORE UPDATE OF status ON runs
WHEN NEW.status = 'ok' AND NEW.kind = '{kind}' BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"""
PG_FUNCTION = """CREATE FUNCTION refuse_ok() RETURNS trigger AS $$ BEGIN
IF NEW.status = 'ok' AND NEW.kind = '{kind}' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
RETURN NEW; END $$ LANGUAGE plpgsql"""
PG_TRIGGER = "CREATE TRIGGER refuse_ok BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION refuse_ok()"


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    built = RepoBuilder(tmp_path / "svc")
    built.write("Jenkinsfile", "pipeline { agent any\n stages { stage('Build') { steps { sh 'mvn -B package' } } } }\n")
    for day in range(1, 6):
        built.commit(f"change {day}", {f"src/d{day}.txt": "x\n"}, f"2026-04-{day:02d}T10:00:00+00:00")
    return built


class Refusal:
    """Installs and removes the trigger refusing to mark runs of one kind ok."""

    def __init__(self, url: str) -> None:
        self.url = url

    def install(self, kind: str) -> None:
        engine = create_engine(self.url)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(PG_FUNCTION.format(kind=kind)))
                conn.execute(text(PG_TRIGGER))
            else:
                conn.execute(text(SQLITE_TRIGGER.format(kind=kind)))
        engine.dispose()

    def remove(self) -> None:
        engine = create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_ok" + (" ON runs" if conn.dialect.name == "postgresql" else "")))
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP FUNCTION refuse_ok()"))
        engine.dispose()


@pytest.fixture
def refusal(store: Store, store_url: str) -> Iterator[Refusal]:
    yield Refusal(store_url)


def _rows(store: Store, table: object, **where: object) -> int:
    query = select(func.count()).select_from(table)  # type: ignore[arg-type]
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _runs(store: Store, kind: str) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.scalars(select(t.runs.c.status).where(t.runs.c.kind == kind).order_by(t.runs.c.id)))


def test_an_assessment_is_not_stored_when_its_run_cannot_end_ok(
    store: Store, store_url: str, repo: RepoBuilder, refusal: Refusal
) -> None:
    config = Config(database_url=store_url, window=30)
    refusal.install("assess")
    with pytest.raises(StoreError, match="refused by the test trigger"):
        run_assessment(repo.path, config, store=store, now=NOW)
    assert _rows(store, t.assessments) == 0  # not an assessment of a failed run
    assert _runs(store, "assess") == ["failed"]
    refusal.remove()
    result = run_assessment(repo.path, config, store=store, now=NOW)
    assert _rows(store, t.assessments) == 1 and _rows(store, t.assessments, run_id=result.run_id) == 1
    assert _runs(store, "assess") == ["failed", "ok"]


def test_tree_facts_are_not_stored_when_the_collect_run_cannot_end_ok(
    store: Store, store_url: str, repo: RepoBuilder, refusal: Refusal
) -> None:
    config = Config(database_url=store_url, window=30)
    refusal.install("collect")
    with pytest.raises(StoreError, match="refused by the test trigger"):
        run_assessment(repo.path, config, store=store, now=NOW)
    assert _rows(store, t.facts) == 0
    assert _runs(store, "collect") == ["failed"]
    assert _rows(store, t.commits) == 5  # the history was stored in its own transaction, and is kept
    refusal.remove()
    result = run_assessment(repo.path, config, store=store, now=NOW)
    assert _rows(store, t.facts, run_id=result.collect.run_id) == len(result.collect.facts) > 0
    assert _runs(store, "collect") == ["failed", "ok"]
