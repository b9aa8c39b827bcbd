"""Server-side sessions: add one, find a live one by the digest of its id (touching it), revoke, purge expired."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, or_, select, update

from devmaturity.store import tables as t


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRow:
    id: int
    user_id: int
    csrf_digest: str
    method: str
    created_at: int
    expires_at: int
    last_seen_at: int


def add(
    conn: Connection,
    *,
    digest: str,
    user_id: int,
    csrf_digest: str,
    method: str,
    source: str,
    now: int,
    expires_at: int,
) -> int:
    values = {
        "digest": digest,
        "user_id": user_id,
        "csrf_digest": csrf_digest,
        "method": method,
        "source": source[:100],
        "created_at": now,
        "expires_at": expires_at,
        "last_seen_at": now,
    }
    return int(conn.execute(t.sessions.insert().values(**values).returning(t.sessions.c.id)).scalar_one())


def live(conn: Connection, digest: str, *, now: int, idle_seconds: int) -> SessionRow | None:
    """The session with this digest if it is neither revoked, past its absolute end, nor idle longer than
    `idle_seconds`; its last_seen_at moves to `now` (at most once a minute, so reads do not write every time)."""
    c = t.sessions.c
    row = conn.execute(
        select(c.id, c.user_id, c.csrf_digest, c.method, c.created_at, c.expires_at, c.last_seen_at).where(
            c.digest == digest, c.revoked_at.is_(None), c.expires_at > now, c.last_seen_at > now - idle_seconds
        )
    ).first()
    if row is None:
        return None
    if now - row.last_seen_at >= 60:
        conn.execute(update(t.sessions).where(c.id == row.id).values(last_seen_at=now))
    return SessionRow(
        id=row.id,
        user_id=row.user_id,
        csrf_digest=row.csrf_digest,
        method=row.method,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_seen_at=max(row.last_seen_at, now),
    )


def revoke(conn: Connection, digest: str, *, now: int) -> int | None:
    """Revoke the session; its user id, or None when there was no live session with this digest."""
    c = t.sessions.c
    row = conn.execute(
        update(t.sessions).where(c.digest == digest, c.revoked_at.is_(None)).values(revoked_at=now).returning(c.user_id)
    ).first()
    return None if row is None else int(row.user_id)


def revoke_all(conn: Connection, user_id: int, *, now: int) -> int:
    """Revoke every live session of the user (a password change, a removed user); how many were."""
    c = t.sessions.c
    result = conn.execute(update(t.sessions).where(c.user_id == user_id, c.revoked_at.is_(None)).values(revoked_at=now))
    return int(result.rowcount or 0)


def purge(conn: Connection, *, now: int, idle_seconds: int) -> int:
    """Delete sessions that can never authenticate again (ended, revoked or idle); how many were."""
    c = t.sessions.c
    gone = or_(c.expires_at <= now, c.revoked_at.is_not(None), c.last_seen_at <= now - idle_seconds)
    return int(conn.execute(delete(t.sessions).where(gone)).rowcount or 0)
