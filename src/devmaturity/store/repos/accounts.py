"""Organisations, users, memberships and API tokens: create, look up, count sign-in failures, revoke."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.errors import Conflict, NotFoundError
from devmaturity.store import tables as t
from devmaturity.store.repos.tenancy import own, scoped


@dataclass(frozen=True, slots=True, kw_only=True)
class Organisation:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    id: int
    name: str
    password_hash: str | None
    failed_count: int
    locked_until: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRow:
    id: int
    user_id: int
    digest: str
    org_id: int | None
    revoked: bool


def _insert_new(conn: Connection, table: Table, key: str, values: dict[str, object]) -> int | None:
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id: the new id, or None when the key is taken."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])
    new_id = conn.execute(stmt.returning(table.c.id)).scalar_one_or_none()
    return None if new_id is None else int(new_id)


def create_org(conn: Connection, *, slug: str, name: str, now: int) -> Organisation:
    """A new organisation; Conflict when the slug is taken."""
    org_id = _insert_new(conn, t.organisations, "slug", {"slug": slug, "name": name, "created_at": now})
    if org_id is None:
        raise Conflict(f"organisation {slug!r} exists already")
    return Organisation(id=org_id, slug=slug, name=name)


def org_by_slug(conn: Connection, slug: str) -> Organisation | None:
    c = t.organisations.c
    row = conn.execute(select(c.id, c.slug, c.name).where(c.slug == slug)).first()
    return Organisation(id=row.id, slug=row.slug, name=row.name) if row else None


def orgs_by_id(conn: Connection, org_ids: frozenset[int] | None) -> list[Organisation]:
    """The organisations with these ids (all of them for None: the local owner's view), by slug."""
    c = t.organisations.c
    query = select(c.id, c.slug, c.name).order_by(c.slug)
    if org_ids is not None:
        query = query.where(c.id.in_(sorted(org_ids)))
    return [Organisation(id=r.id, slug=r.slug, name=r.name) for r in conn.execute(query)]


def create_user(conn: Connection, *, name: str, password_hash: str | None, now: int) -> int:
    """A new user; Conflict when the name is taken."""
    user_id = _insert_new(conn, t.users, "name", {"name": name, "password_hash": password_hash, "created_at": now})
    if user_id is None:
        raise Conflict(f"user {name!r} exists already")
    return user_id


def user_by_name(conn: Connection, name: str) -> User | None:
    c = t.users.c
    return _user(conn.execute(select(*_USER_COLUMNS).where(c.name == name)).first())


_USER_COLUMNS = (t.users.c.id, t.users.c.name, t.users.c.password_hash, t.users.c.failed_count, t.users.c.locked_until)


def _user(row: Any) -> User | None:
    if row is None:
        return None
    return User(
        id=row.id,
        name=row.name,
        password_hash=row.password_hash,
        failed_count=row.failed_count,
        locked_until=row.locked_until,
    )


def set_membership(conn: Connection, *, org_id: int, user_id: int, role: Role, now: int) -> Role | None:
    """Give the user this role in the organisation; the role it had before, or None when it was not a member."""
    m = t.memberships.c
    before = conn.execute(
        select(m.role).where(scoped(t.memberships, [org_id]), m.user_id == user_id)
    ).scalar_one_or_none()
    if before is None:
        conn.execute(t.memberships.insert().values(org_id=org_id, user_id=user_id, role=role.value, created_at=now))
        return None
    conn.execute(
        update(t.memberships).where(scoped(t.memberships, [org_id]), m.user_id == user_id).values(role=role.value)
    )
    return Role(before)


def roles_of(conn: Connection, user_id: int) -> dict[int, Role]:
    """The user's own memberships: organisation id → role (what an Actor is built from)."""
    m = t.memberships.c
    return {r.org_id: Role(r.role) for r in conn.execute(select(m.org_id, m.role).where(own(t.memberships, user_id)))}


def actor_of(conn: Connection, user: User, *, token_org: int | None = None) -> Actor:
    return Actor(user_id=user.id, name=user.name, roles=MappingProxyType(roles_of(conn, user.id)), token_org=token_org)


def record_failure(conn: Connection, user: User, *, now: int, max_failures: int, lock_minutes: int) -> bool:
    """Count a wrong password (in SQL, so two attempts at once both count); at `max_failures` in a row lock
    sign-in for `lock_minutes` and start counting again. True when this failure locked the user."""
    c = t.users.c
    failures = conn.execute(
        update(t.users).where(c.id == user.id).values(failed_count=c.failed_count + 1).returning(c.failed_count)
    ).scalar_one()
    if failures < max_failures:
        return False
    conn.execute(update(t.users).where(c.id == user.id).values(failed_count=0, locked_until=now + lock_minutes * 60))
    return True


def record_success(conn: Connection, user: User, *, new_hash: str | None) -> None:
    """A good sign-in clears the failure count and the lock (and stores a rehashed password when given)."""
    values: dict[str, object] = {"failed_count": 0, "locked_until": None}
    if new_hash is not None:
        values["password_hash"] = new_hash
    conn.execute(update(t.users).where(t.users.c.id == user.id).values(**values))


def add_token(conn: Connection, *, user_id: int, digest: str, org_id: int | None, now: int) -> int:
    return int(
        conn.execute(
            t.api_tokens.insert()
            .values(user_id=user_id, digest=digest, org_id=org_id, created_at=now)
            .returning(t.api_tokens.c.id)
        ).scalar_one()
    )


def token_by_digest(conn: Connection, digest: str) -> TokenRow | None:
    c = t.api_tokens.c
    row = conn.execute(select(c.id, c.user_id, c.digest, c.org_id, c.revoked_at).where(c.digest == digest)).first()
    if row is None:
        return None
    return TokenRow(
        id=row.id, user_id=row.user_id, digest=row.digest, org_id=row.org_id, revoked=row.revoked_at is not None
    )


def token_used(conn: Connection, token_id: int, now: int) -> None:
    conn.execute(update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=now))


def user_by_id(conn: Connection, user_id: int) -> User:
    found = _user(conn.execute(select(*_USER_COLUMNS).where(t.users.c.id == user_id)).first())
    if found is None:
        raise NotFoundError("user not found")
    return found


def revoke_token(conn: Connection, *, token_id: int, user_id: int, now: int) -> TokenRow | None:
    """Revoke the user's token; the token as it was, or None when it is not theirs or already revoked."""
    c = t.api_tokens.c
    row = conn.execute(
        update(t.api_tokens)
        .where(c.id == token_id, c.user_id == user_id, c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(c.id, c.user_id, c.digest, c.org_id)
    ).first()
    if row is None:
        return None
    return TokenRow(id=row.id, user_id=row.user_id, digest=row.digest, org_id=row.org_id, revoked=True)


def audit_head(conn: Connection, org_id: int) -> str:
    """The hash of the organisation's newest audit entry (zeros before the first)."""
    return str(conn.execute(select(t.organisations.c.audit_head).where(t.organisations.c.id == org_id)).scalar_one())


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    user_id: int
    name: str
    role: Role
    since: int


def members(conn: Connection, org_id: int, *, after: str | None, limit: int) -> list[Member]:
    """The organisation's members by name, those after `after` (keyset), at most `limit`."""
    m, u = t.memberships.c, t.users.c
    query = (
        select(m.user_id, u.name, m.role, m.created_at)
        .join(t.users, u.id == m.user_id)
        .where(scoped(t.memberships, [org_id]))
        .order_by(u.name)
        .limit(limit)
    )
    if after is not None:
        query = query.where(u.name > after)
    return [Member(user_id=r.user_id, name=r.name, role=Role(r.role), since=r.created_at) for r in conn.execute(query)]


def member(conn: Connection, org_id: int, user_id: int) -> Member | None:
    m, u = t.memberships.c, t.users.c
    row = conn.execute(
        select(m.user_id, u.name, m.role, m.created_at)
        .join(t.users, u.id == m.user_id)
        .where(scoped(t.memberships, [org_id]), m.user_id == user_id)
    ).first()
    return (
        None if row is None else Member(user_id=row.user_id, name=row.name, role=Role(row.role), since=row.created_at)
    )


def remove_membership(conn: Connection, *, org_id: int, user_id: int) -> Role | None:
    """Remove the user from the organisation; the role it had, or None when it was not a member."""
    m = t.memberships.c
    row = conn.execute(
        delete(t.memberships).where(scoped(t.memberships, [org_id]), m.user_id == user_id).returning(m.role)
    ).first()
    return None if row is None else Role(row.role)


def admin_count(conn: Connection, org_id: int) -> int:
    m = t.memberships.c
    query = select(func.count()).select_from(t.memberships).where(scoped(t.memberships, [org_id]), m.role == "admin")
    return int(conn.execute(query).scalar_one())


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenInfo:
    id: int
    org_id: int | None
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


def tokens_of(conn: Connection, user_id: int) -> list[TokenInfo]:
    """The user's tokens (never their digests), newest first."""
    c = t.api_tokens.c
    query = (
        select(c.id, c.org_id, c.created_at, c.last_used_at, c.revoked_at)
        .where(c.user_id == user_id)
        .order_by(c.id.desc())
    )
    return [
        TokenInfo(
            id=r.id, org_id=r.org_id, created_at=r.created_at, last_used_at=r.last_used_at, revoked_at=r.revoked_at
        )
        for r in conn.execute(query)
    ]
