"""Which local user an OIDC account (issuer, subject) signs in as."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from devmaturity.store import tables as t


def user_of(conn: Connection, issuer: str, subject: str) -> int | None:
    c = t.oidc_identities.c
    row = conn.execute(select(c.user_id).where(c.issuer == issuer, c.subject == subject)).first()
    return None if row is None else int(row.user_id)


def link(conn: Connection, *, issuer: str, subject: str, user_id: int, email: str | None, now: int) -> None:
    """Remember the account for the user (or refresh its email when it is linked already)."""
    c = t.oidc_identities.c
    if user_of(conn, issuer, subject) is None:
        values = {"issuer": issuer, "subject": subject, "user_id": user_id, "email": email, "created_at": now}
        conn.execute(t.oidc_identities.insert().values(**values))
    else:
        conn.execute(update(t.oidc_identities).where(c.issuer == issuer, c.subject == subject).values(email=email))
