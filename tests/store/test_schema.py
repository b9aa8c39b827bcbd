"""A new store is created from the declared tables and stamped; an old one is upgraded by the migrations, only
through `Store.upgrade` (`devmaturity db upgrade`): opening an old store is refused. Both ways must give the same
schema, on SQLite and PostgreSQL, or the shortcut would hide a missing migration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from devmaturity.errors import SchemaOutdatedError, StoreError
from devmaturity.store import tables as t
from devmaturity.store.db import MIGRATIONS, SchemaState, Store


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
    Store.open(store_url).engine.dispose()  # opening again changes nothing


def _head() -> str:
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def _downgraded(url: str) -> str:
    """A store created at head and then taken one migration back, as a store an older devmaturity left; returns
    that revision."""
    Store.open(url).engine.dispose()
    engine = create_engine(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    with engine.connect() as conn:
        old = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    assert old is not None and old != _head()
    return old


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return found


def test_opening_an_old_store_is_refused_and_upgrades_nothing(store_url: str) -> None:
    old = _downgraded(store_url)
    with pytest.raises(SchemaOutdatedError) as caught:
        Store.open(store_url)
    assert caught.value.slug == "schema-outdated" and caught.value.exit_code == 74
    assert f"is at schema revision {old}, this devmaturity needs {_head()}" in caught.value.message
    assert caught.value.message.endswith("run `devmaturity db upgrade`")
    assert caught.value.one_line("zh").startswith("错误[schema-outdated]：存储 ")
    assert "devmaturity db upgrade" in caught.value.one_line("zh")
    assert _revision(store_url) == old  # opening changed nothing


def test_upgrade_brings_an_old_store_to_the_declared_schema_once(store_url: str) -> None:
    old = _downgraded(store_url)
    store = Store.connect(store_url)
    assert store.schema() == SchemaState(before=old, current=old, head=_head())
    state = store.upgrade()
    assert (state.before, state.current, state.up_to_date) == (old, _head(), True)
    again = store.upgrade()
    assert (again.before, again.current) == (_head(), _head())  # a second upgrade changes nothing
    with store.engine.connect() as conn:
        assert _structural(compare_metadata(MigrationContext.configure(conn), t.metadata)) == []
    store.engine.dispose()
    Store.open(store_url).engine.dispose()  # and now it opens


def test_a_store_of_a_revision_this_version_lacks_asks_for_a_newer_devmaturity(store_url: str) -> None:
    Store.open(store_url).engine.dispose()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    store = Store.connect(store_url)
    for step in (lambda: Store.open(store_url), store.upgrade):
        with pytest.raises(StoreError) as caught:
            step()
        assert not isinstance(caught.value, SchemaOutdatedError)
        assert "schema revision 9999_from_the_future, which this devmaturity does not know" in caught.value.message
        assert caught.value.message.endswith("upgrade devmaturity")
    assert store.schema().known is False
    store.engine.dispose()


def test_a_new_store_reports_no_revision_until_created(store_url: str) -> None:
    store = Store.connect(store_url)
    assert store.schema() == SchemaState(before=None, current=None, head=_head())
    state = store.upgrade()  # `db upgrade` on a new database creates it from the tables
    assert (state.before, state.current) == (None, _head())
    store.engine.dispose()
