"""Migration 0017 on a store that already has CLI projects (built by replaying the migrations to 0016 and writing
rows as the CLI did then): each project joins the organisation `local` with its name as slug, nothing else
changes, and the CLI finds the same project by the same name afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, text

from devmaturity.store.db import MIGRATIONS, Store


@pytest.fixture
def old_store(store_url: str) -> Iterator[Any]:
    engine = create_engine(store_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0016")
        conn.execute(
            text(
                "INSERT INTO projects (name, root, created_at) VALUES ('shop', '/srv/shop', 1), ('web', '/srv/web', 2)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO runs (project_id, kind, status, started_at, inputs, attempts) "
                "VALUES (1, 'collect', 'ok', 3, '{}', 1)"
            )
        )
    yield engine, cfg
    engine.dispose()


def test_existing_projects_join_the_local_organisation(old_store: Any, store_url: str) -> None:
    engine, cfg = old_store
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        orgs = conn.execute(text("SELECT id, slug FROM organisations")).all()
        assert [o.slug for o in orgs] == ["local"]
        rows = conn.execute(text("SELECT id, name, slug, org_id FROM projects ORDER BY id")).all()
        assert [(r.id, r.name, r.slug, r.org_id) for r in rows] == [
            (1, "shop", "shop", orgs[0].id),
            (2, "web", "web", orgs[0].id),
        ]
        assert conn.execute(text("SELECT count(*) FROM runs")).scalar_one() == 1
    store = Store(create_engine(store_url))
    try:
        assert store.project("shop", "/srv/shop") == 1  # the CLI's name finds the same project
        assert store.project("new", "/srv/new") not in (1, 2)  # a new name is a new project (of `local`)
        with store.engine.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT o.slug FROM projects p JOIN organisations o ON o.id = p.org_id WHERE p.name = 'new'")
                ).scalar_one()
                == "local"
            )
    finally:
        store.engine.dispose()


def test_an_empty_store_gets_no_local_organisation_until_the_cli_needs_one(store_url: str) -> None:
    engine = create_engine(store_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM organisations")).scalar_one() == 0
    finally:
        engine.dispose()
