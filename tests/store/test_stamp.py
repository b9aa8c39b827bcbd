"""The shortcuts of a first run, held to what they replace. A new store writes Alembic's version table itself
instead of running `alembic stamp head` (which imports Alembic and loads every migration script): the revision it
writes must be the migrations' head, and the table the one Alembic creates, on SQLite and PostgreSQL. Commits go to
the driver as plain tuples, whose order must name every column."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from devmaturity.store import tables as t
from devmaturity.store.db import COMMIT_COLUMNS, MIGRATIONS, Store


def _config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _version_table(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            columns = [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns("alembic_version")]
            key = found.get_pk_constraint("alembic_version")
            rows = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
            current = MigrationContext.configure(conn).get_current_revision()
        return {"columns": columns, "key": (key["name"], key["constrained_columns"]), "rows": rows, "current": current}
    finally:
        engine.dispose()


def test_the_schema_revision_is_the_head_of_the_migrations() -> None:
    assert ScriptDirectory.from_config(_config()).get_current_head() == t.SCHEMA_REVISION


def test_a_new_store_is_stamped_as_alembic_stamps_it(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.begin() as conn:  # Alembic's own stamp on the empty database, read, then taken away again
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.stamp(cfg, "head")
    by_alembic = _version_table(store_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    engine.dispose()

    Store.open(store_url).engine.dispose()
    by_store = _version_table(store_url)

    assert by_alembic["rows"] == [t.SCHEMA_REVISION]
    assert by_store == by_alembic


def test_a_stamped_new_store_is_one_alembic_upgrades_without_change(store_url: str) -> None:
    Store.open(store_url).engine.dispose()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")  # nothing to do: already at head
        assert MigrationContext.configure(conn).get_current_revision() == t.SCHEMA_REVISION
    engine.dispose()


def test_a_commit_row_names_every_column_of_the_commits_table() -> None:
    """save_git hands the driver plain tuples in the order of COMMIT_COLUMNS: a column added to the table and not to
    the row would otherwise go missing silently."""
    assert tuple(t.commits.c.keys()) == COMMIT_COLUMNS
