"""Server-side sessions: add one, find a live one by the digest of its id (touching it), revoke, purge expired."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import Connection, delete, or_, select, update

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.store import tables as t
from devmaturity.store import versions


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


def live(
    conn: Connection, digest: str, *, now: int, idle_seconds: int
) -> tuple[SessionRow, Actor, versions.Counters | None] | None:
    """The session with this digest and its user as an actor (with the user's roles), if the session is neither
    revoked, past its absolute end, nor idle longer than `idle_seconds`; with the change counters of the user's
    organisations (store/versions.py; None when one has none), which a cached page is keyed by. One read, since
    every request of a signed-in viewer asks. Touching it (`touch`) is the caller's, at most once a minute."""
    s, m, v = t.sessions.c, t.memberships.c, t.org_versions.c
    rows = conn.execute(
        select(
            s.id,
            s.user_id,
            s.csrf_digest,
            s.method,
            s.created_at,
            s.expires_at,
            s.last_seen_at,
            t.users.c.name,
            m.org_id,
            m.role,
            v.version,
        )
        .join_from(t.sessions, t.users, t.users.c.id == s.user_id)
        .outerjoin(t.memberships, m.user_id == s.user_id)
        .outerjoin(t.org_versions, v.org_id == m.org_id)
        .where(s.digest == digest, s.revoked_at.is_(None), s.expires_at > now, s.last_seen_at > now - idle_seconds)
    ).all()
    if not rows:
        return None
    row = rows[0]
    roles = {int(r.org_id): Role(r.role) for r in rows if r.org_id is not None}
    session = SessionRow(
        id=row.id,
        user_id=row.user_id,
        csrf_digest=row.csrf_digest,
        method=row.method,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_seen_at=row.last_seen_at,
    )
    counters = versions.counters((int(r.org_id), r.version) for r in rows if r.org_id is not None)
    return session, Actor(user_id=int(row.user_id), name=row.name, roles=MappingProxyType(roles)), counters


def touch(conn: Connection, session_id: int, *, now: int) -> None:
    """The session was used at `now` (its idle expiry counts from there)."""
    conn.execute(update(t.sessions).where(t.sessions.c.id == session_id).values(last_seen_at=now))


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
