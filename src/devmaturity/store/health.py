"""Whether the store answers and carries the newest schema (what `GET /ready` reports)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from devmaturity.store.db import MIGRATIONS, Store


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaState:
    reachable: bool
    current: str | None  # the revision the database is stamped with (None: unstamped or unreachable)
    head: str  # the newest revision this code knows

    @property
    def ready(self) -> bool:
        return self.reachable and self.current == self.head


@cache
def head_revision() -> str:
    """The newest migration revision shipped with this code."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    return str(head)


def schema_state(store: Store) -> SchemaState:
    """One short read: is the database reachable, and at which revision is it."""
    from alembic.migration import MigrationContext

    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError:
        return SchemaState(reachable=False, current=None, head=head_revision())
    return SchemaState(reachable=True, current=current, head=head_revision())
