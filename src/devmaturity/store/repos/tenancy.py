"""The one helper that scopes tenant-table queries to the actor's organisations, and a guard that enforces it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, event, select
from sqlalchemy.sql import Delete, Select, Update, visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.util import find_tables

from devmaturity.errors import StoreError
from devmaturity.store.tables import TENANT_TABLES, organisations

TENANT_SCOPE = "tenant_scope"
OWN_ROWS = "tenant_own_user"
_TENANT_NAMES = frozenset(table.name for table in TENANT_TABLES)


def scoped(table: Table, org_ids: Iterable[int]) -> ColumnElement[bool]:
    """`table.org_id IN (the actor's organisations)`: the WHERE clause every tenant query carries."""
    return table.c.org_id.in_(bindparam(TENANT_SCOPE, sorted(set(org_ids)), expanding=True))


def all_org_ids(conn: Connection) -> frozenset[int]:
    """Every organisation's id: the scope of the local owner, who sees them all (and of the jobs acting for it)."""
    return frozenset(int(i) for i in conn.execute(select(organisations.c.id)).scalars())


def own(table: Table, user_id: int) -> ColumnElement[bool]:
    """`table.user_id = the user`: a user's own memberships, read to resolve the actor (before any scope exists)."""
    return table.c.user_id == bindparam(OWN_ROWS, user_id)


def unscoped_tenant_tables(statement: Any) -> list[str]:
    """The tenant tables a SELECT/UPDATE/DELETE reads without either helper's bound parameter; [] when fine."""
    if not isinstance(statement, Select | Update | Delete):
        return []
    names = sorted({t.name for t in find_tables(statement, include_crud=True) if isinstance(t, Table)} & _TENANT_NAMES)
    if not names:
        return []
    keys = {e.key for e in visitors.iterate(statement) if isinstance(e, BindParameter)}
    return [] if keys & {TENANT_SCOPE, OWN_ROWS} else names


def install_guard(engine: Engine) -> None:
    """Refuse, at run time, any statement on this engine that reads a tenant table without the scope helper."""

    def check(_conn: Any, clause: Any, *_args: Any, **_kwargs: Any) -> None:
        names = unscoped_tenant_tables(clause)
        if names:
            raise StoreError(f"tenant query without the organisation scope on {', '.join(names)}")

    event.listen(engine, "before_execute", check)
