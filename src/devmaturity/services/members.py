"""Members of an organisation: list them, add a new user, change a member's role, remove one; an organisation
always keeps at least one admin. Each change is audited in the organisation's chain."""

from __future__ import annotations

from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action, Role
from devmaturity.errors import Conflict, NotFoundError
from devmaturity.services import admin
from devmaturity.services.access import Gate
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts
from devmaturity.store.repos import sessions as session_repo
from devmaturity.store.repos.accounts import Member

__all__ = ["Member", "add_user", "change_role", "list_members", "remove"]

_LAST_ADMIN = "the organisation's last admin cannot be removed or given another role: make someone else admin first"
_LAST_ADMIN_ZH = "不能移除组织的最后一名管理员或更改其角色：请先让其他人成为管理员"


def list_members(
    store: Store, actor: Actor, *, org_slug: str, after: str | None, limit: int, source: str
) -> list[Member]:
    """The organisation's members by name after `after`, at most `limit` (any member may see who is in it)."""
    org = Gate(store, actor, source=source).organisation(org_slug, Action.ORG_READ)
    with store.transaction() as conn:
        return accounts.members(conn, org.id, after=after, limit=limit)


def add_user(store: Store, actor: Actor, *, org_slug: str, name: str, password: str, role: Role, source: str) -> Member:
    """A new user with a role in the organisation (admin.create_user: password policy, argon2, audit)."""
    user_id = admin.create_user(store, actor, org_slug=org_slug, name=name, password=password, role=role, source=source)
    with store.transaction() as conn:
        org = accounts.org_by_slug(conn, org_slug)
        assert org is not None  # create_user just found or made it
        found = accounts.member(conn, org.id, user_id)
    assert found is not None  # committed by create_user
    return found


def change_role(store: Store, actor: Actor, *, org_slug: str, name: str, role: Role, source: str) -> Role | None:
    """Give a user (new to the organisation or not) a role there; the previous role. The last admin keeps its."""
    org = Gate(store, actor, source=source).organisation(org_slug, Action.USER_MANAGE)
    if role is not Role.ADMIN:
        _keep_an_admin(store, org.id, name)
    return admin.set_role(store, actor, org_slug=org_slug, name=name, role=role, source=source)


def _keep_an_admin(store: Store, org_id: int, name: str) -> None:
    with store.transaction() as conn:
        user = accounts.user_by_name(conn, name)
        roles = accounts.roles_of(conn, user.id) if user is not None else {}
        if roles.get(org_id) is Role.ADMIN and accounts.admin_count(conn, org_id) <= 1:
            raise Conflict(_LAST_ADMIN, zh=_LAST_ADMIN_ZH)


def remove(store: Store, actor: Actor, *, org_slug: str, name: str, source: str, now: int | None = None) -> Role:
    """Remove the user from the organisation (its account stays; sessions of a user left in no organisation end);
    the role it had. NotFoundError when it is not a member."""
    gate = Gate(store, actor, source=source, now=now)
    org, at = gate.organisation(org_slug, Action.USER_MANAGE), gate.at
    _keep_an_admin(store, org.id, name)
    with store.transaction() as conn:
        user = accounts.user_by_name(conn, name)
        before = None if user is None else accounts.remove_membership(conn, org_id=org.id, user_id=user.id)
        if user is None or before is None:
            raise NotFoundError(f"user {name!r} is not a member of organisation {org_slug!r}")
        if not accounts.roles_of(conn, user.id):
            session_repo.revoke_all(conn, user.id, now=at)
        details = {"role": None, "previous_role": before.value}
        target = ("user", user.id, name)
        gate.audit(conn).add(EventKind.MEMBERSHIP_CHANGED, org.id, target, action=Action.USER_MANAGE, details=details)
    return before
