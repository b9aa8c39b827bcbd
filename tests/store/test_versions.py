"""The per-organisation change counters (store/versions.py): every write of a watched table raises its own
organisation's counter and no other's, whatever path wrote it (plain SQL here), on SQLite and PostgreSQL; a store
created from the tables and one built by the migrations (0023 on a store with organisations) carry the same
triggers; audited actions, which move an organisation's audit chain columns, raise nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, text

from devmaturity.store import versions
from devmaturity.store.db import MIGRATIONS, Store


def _triggers(conn: Any) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        rows = conn.exec_driver_sql("SELECT DISTINCT trigger_name FROM information_schema.triggers")
    return {r[0] for r in rows if r[0].startswith("dm_v_")}


def _version(conn: Any, org: int) -> int:
    return int(conn.execute(text("SELECT version FROM org_versions WHERE org_id = :o"), {"o": org}).scalar_one())


@pytest.fixture
def two_orgs(store_url: str) -> Iterator[Any]:
    store = Store.open(store_url)
    with store.engine.begin() as conn:
        for slug in ("acme", "globex"):
            conn.execute(
                text("INSERT INTO organisations (slug, name, created_at) VALUES (:s, :n, 1)"), {"s": slug, "n": slug}
            )
        ids = dict(conn.execute(text("SELECT slug, id FROM organisations")).all())
        conn.execute(
            text("INSERT INTO projects (name, slug, root, created_at, org_id) VALUES ('acme/shop', 'shop', '', 1, :o)"),
            {"o": ids["acme"]},
        )
    yield store, ids["acme"], ids["globex"]
    store.engine.dispose()


def test_a_new_store_has_every_trigger(store: Store) -> None:
    with store.engine.connect() as conn:
        assert _triggers(conn) == versions.trigger_names(conn.dialect.name)


def test_the_migration_installs_the_same_triggers_and_a_counter_per_organisation(store_url: str) -> None:
    engine = create_engine(store_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0022")
        conn.execute(text("INSERT INTO organisations (slug, name, created_at) VALUES ('acme', 'Acme', 1)"))
        command.upgrade(cfg, "0023")
    with engine.connect() as conn:
        assert _triggers(conn) == versions.trigger_names(conn.dialect.name)
        assert [tuple(r) for r in conn.execute(text("SELECT org_id, version FROM org_versions"))] == [(1, 1)]
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0022")
        assert _triggers(conn) == set()
    engine.dispose()


def test_every_write_of_a_watched_table_raises_only_its_organisations_counter(two_orgs: Any) -> None:
    store, acme, globex = two_orgs
    steps = [
        "UPDATE projects SET title = 'Shop' WHERE slug = 'shop'",
        "INSERT INTO runs (project_id, kind, status, started_at, inputs, attempts) VALUES (1, 'assess', 'ok', 1, '{}', 1)",
        "INSERT INTO assessments (run_id, project_id, framework, framework_version, window_start, window_end, levels, "
        "report) VALUES (1, 1, 'caict-devops', '1', 0, 1, '{}', '{}')",
        "INSERT INTO assessment_summaries (assessment_id, project_id, summary) VALUES (1, 1, '{}')",
        "UPDATE assessment_summaries SET summary = '{\"parts\": []}'",
        f"INSERT INTO metric_series (org_id, project_id, metric, days, window_end, value, unit, sample_size, "
        f"assessment_id) VALUES ({acme}, 1, 'm', 90, 1, 0.5, 'ratio', 3, 1)",
        "DELETE FROM metric_series",
        "UPDATE organisations SET name = 'Acme Corp' WHERE slug = 'acme'",
        "DELETE FROM assessments",
        "DELETE FROM projects",
    ]
    with store.engine.connect() as conn:
        before = _version(conn, acme), _version(conn, globex)
    raised_by = {}
    for step in steps:
        with store.engine.begin() as conn:
            start = _version(conn, acme)
            conn.execute(text(step))
            raised_by[step.split(" (")[0][:40]] = _version(conn, acme) - start
            assert _version(conn, globex) == before[1], step
    # the runs row is not shown by pages and raises nothing; every other step raises acme's counter
    assert [name for name, raised in raised_by.items() if raised == 0] == ["INSERT INTO runs"]


def test_moving_a_project_raises_both_organisations(two_orgs: Any) -> None:
    store, acme, globex = two_orgs
    with store.engine.begin() as conn:
        before = _version(conn, acme), _version(conn, globex)
        conn.execute(text("UPDATE projects SET org_id = :g"), {"g": globex})
        assert _version(conn, acme) > before[0]
        assert _version(conn, globex) > before[1]


def test_an_audited_action_raises_nothing(two_orgs: Any) -> None:
    store, acme, _globex = two_orgs
    with store.engine.begin() as conn:
        before = _version(conn, acme)
        conn.execute(text("UPDATE organisations SET audit_seq = 7, audit_head = 'x' WHERE id = :o"), {"o": acme})
        assert _version(conn, acme) == before


def test_versions_are_none_for_an_organisation_without_a_counter(two_orgs: Any) -> None:
    store, acme, globex = two_orgs
    with store.engine.begin() as conn:
        assert versions.versions(conn, [globex, acme, acme]) == tuple(
            sorted([(acme, 2), (globex, 1)])
        )  # the project raised acme once
        conn.execute(text("DELETE FROM org_versions WHERE org_id = :g"), {"g": globex})
        assert versions.versions(conn, [acme, globex]) is None
        assert versions.versions(conn, []) == ()
