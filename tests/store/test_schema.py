"""A new store is created from the declared tables and stamped; an old one is upgraded by the migrations. Both must
give the same schema, on SQLite and PostgreSQL, or the shortcut would hide a missing migration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from devmaturity.store import tables as t
from devmaturity.store.db import MIGRATIONS, Store


def _structural(diff: list[Any]) -> list[Any]:
    """The differences that matter: everything but comments (the migrations write none; the declared tables do)."""
    flat: list[Any] = []
    for entry in diff:
        flat.extend(entry if isinstance(entry, list) else [entry])
    return [d for d in flat if d[0] not in ("modify_comment", "add_table_comment", "remove_table_comment")]


@pytest.fixture
def migrated(store_url: str) -> Iterator[Any]:
    """A store built by replaying every migration from nothing, as an existing store is upgraded."""
    engine = create_engine(store_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    yield engine
    engine.dispose()


def test_the_migrations_give_the_declared_schema(migrated: Any) -> None:
    with migrated.connect() as conn:
        assert _structural(compare_metadata(MigrationContext.configure(conn), t.metadata)) == []


def test_a_new_store_is_created_from_the_tables_and_stamped_at_head(store_url: str) -> None:
    store = Store.open(store_url)
    with store.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= set(t.metadata.tables)
        assert MigrationContext.configure(conn).get_current_revision() == _head()
        assert _structural(compare_metadata(MigrationContext.configure(conn), t.metadata)) == []
    store.engine.dispose()
    Store.open(store_url).engine.dispose()  # opening again upgrades nothing and changes nothing


def _head() -> str:
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head
