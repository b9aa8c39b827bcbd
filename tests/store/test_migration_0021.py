"""Migration 0021 on a store that already has assessments with summaries (built by replaying the migrations to 0020
and writing rows as the store did then): each summary moves to assessment_summaries unchanged, an assessment
without one stays without one, the column leaves `assessments`, and the downgrade brings them back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, inspect, text

from devmaturity.store.db import MIGRATIONS


@pytest.fixture
def old_store(store_url: str) -> Iterator[Any]:
    engine = create_engine(store_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0020")
        conn.execute(text("INSERT INTO organisations (slug, name, created_at) VALUES ('acme', 'Acme', 1)"))
        conn.execute(
            text("INSERT INTO projects (name, slug, root, created_at, org_id) VALUES ('shop', 'shop', '/s', 1, 1)")
        )
        for run in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO runs (project_id, kind, status, started_at, inputs, attempts) "
                    "VALUES (1, 'assess', 'ok', 3, '{}', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO assessments (run_id, project_id, framework, framework_version, window_start, "
                    "window_end, levels, report, summary) VALUES (:run, 1, 'caict-devops', '1', 0, 1, '{}', '{}', :s)"
                ),
                {"run": run, "s": '{"parts": []}' if run == 1 else None},
            )
    yield engine, cfg
    engine.dispose()


def test_summaries_move_to_their_own_table_and_back(old_store: Any) -> None:
    engine, cfg = old_store
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0021")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT assessment_id, project_id, summary FROM assessment_summaries")).all()
        assert [tuple(r) for r in rows] == [(1, 1, '{"parts": []}')]
        assert "summary" not in {c["name"] for c in inspect(conn).get_columns("assessments")}
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0020")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, summary FROM assessments ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, '{"parts": []}'), (2, None)]
        assert "assessment_summaries" not in inspect(conn).get_table_names()


def test_the_report_is_the_last_column_after_the_upgrade(old_store: Any, store_url: str) -> None:
    engine, cfg = old_store
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0021")
    if not store_url.startswith("sqlite"):
        pytest.skip("only SQLite keeps large values in the row")
    with engine.connect() as conn:
        names = [c["name"] for c in inspect(conn).get_columns("assessments")]
    assert names[-1] == "report" and {"created_at", "cycle_id", "levels"} <= set(names)
