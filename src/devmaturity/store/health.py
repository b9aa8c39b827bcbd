"""Whether the store answers and carries the newest schema (what `GET /ready` reports)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from devmaturity.store import tables as t
from devmaturity.store.db import Store, current_revision


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaState:
    reachable: bool
    current: str | None  # the revision the database is stamped with (None: unstamped or unreachable)
    head: str  # the newest revision this code knows

    @property
    def ready(self) -> bool:
        return self.reachable and self.current == self.head


def schema_state(store: Store) -> SchemaState:
    """One short read: is the database reachable, and at which revision is it. The head is the declared
    SCHEMA_REVISION (tests hold it equal to the migrations' head), so no migration script is loaded."""
    try:
        with store.engine.connect() as conn:
            current = current_revision(conn)
    except SQLAlchemyError:
        return SchemaState(reachable=False, current=None, head=t.SCHEMA_REVISION)
    return SchemaState(reachable=True, current=current, head=t.SCHEMA_REVISION)
