"""Failed sign-ins counted per key (a keyed digest of a client address or a user name) in fixed windows."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from devmaturity.store import tables as t


def count_failure(conn: Connection, key: str, *, now: int, window: int) -> None:
    """One more failure for the key: counted in its current window, or the first of a new window when the
    current one is over (one statement, so concurrent failures all count)."""
    c = t.login_attempts.c
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    current = c.window_start > now - window
    stmt = (
        dialect.insert(t.login_attempts)
        .values(key=key, window_start=now, failures=1)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((current, c.failures + 1), else_=1),
                "window_start": case((current, c.window_start), else_=now),
            },
        )
    )
    conn.execute(stmt)


def blocked_until(conn: Connection, limits: Iterable[tuple[str, int]], *, now: int, window: int) -> int | None:
    """The time (unix seconds) until which sign-in is refused because one of the keys reached its limit of
    failures in its current window; None when none did. `limits` pairs each key with its limit."""
    wanted = dict(limits)
    c = t.login_attempts.c
    rows = conn.execute(
        select(c.key, c.window_start, c.failures).where(c.key.in_(sorted(wanted)), c.window_start > now - window)
    )
    ends = [row.window_start + window for row in rows if row.failures >= wanted[row.key]]
    return max(ends) if ends else None


def clear(conn: Connection, key: str) -> None:
    conn.execute(delete(t.login_attempts).where(t.login_attempts.c.key == key))


def purge(conn: Connection, *, now: int, window: int) -> None:
    """Forget windows that are over."""
    conn.execute(delete(t.login_attempts).where(t.login_attempts.c.window_start <= now - window))
