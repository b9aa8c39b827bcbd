"""Webhook delivery ids already received (project, source, id), so a replayed delivery is refused unwritten."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from devmaturity.store import tables as t


def seen(conn: Connection, project: str, source: str, delivery_id: str) -> bool:
    c = t.webhook_deliveries.c
    query = select(c.received_at).where(c.project == project, c.source == source, c.delivery_id == delivery_id)
    return conn.execute(query).first() is not None


def remember(conn: Connection, project: str, source: str, delivery_id: str, *, now: int) -> bool:
    """Record the delivery id; False when it was recorded before (by a concurrent delivery of the same id)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {"project": project, "source": source, "delivery_id": delivery_id, "received_at": now}
    stmt = dialect.insert(t.webhook_deliveries).values(**values).on_conflict_do_nothing()
    return bool(conn.execute(stmt).rowcount)
