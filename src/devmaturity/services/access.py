"""The access check and the audit appender every use case shares: find a project, cycle or organisation inside the
actor's organisations (NotFoundError outside them), require the action there (a refusal is recorded in the audit
log in a transaction of its own, because the use case's own transaction does not commit), and append the use case's
audit entries in its transaction (AuditLog: the one place an AuditEvent is built).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection

from devmaturity.auth.audit import AuditEntry, AuditEvent, EventKind, Result
from devmaturity.auth.policy import Actor, in_scope, require
from devmaturity.auth.roles import Action
from devmaturity.errors import NotFoundError, PermissionDenied
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts
from devmaturity.store.repos import audit as audit_repo
from devmaturity.store.repos import workbench as wb
from devmaturity.store.repos.accounts import Organisation
from devmaturity.store.repos.tenancy import all_org_ids

Target = tuple[str, int | str, str]
"""What an audit entry is about: (type, id, name)."""

Details = Mapping[str, str | int | bool | None]


@dataclass(frozen=True, slots=True)
class AuditLog:
    """Appends a use case's entries: one actor, one time, one source, in the use case's transaction."""

    conn: Connection
    actor: Actor
    at: int
    source: str

    def add(
        self,
        kind: EventKind,
        org_id: int,
        target: Target,
        *,
        action: Action | None = None,
        result: Result = Result.OK,
        details: Details | None = None,
    ) -> AuditEntry:
        event = AuditEvent(
            kind=kind,
            org_id=org_id,
            action=action.value if action else "",
            target_type=target[0],
            target_id=str(target[1]),
            target_name=target[2],
            result=result,
            details=details or {},
        )
        return audit_repo.append(self.conn, self.actor, event, now=self.at, source=self.source)


def owner_scope(conn: Connection) -> wb.Scope:
    """Every organisation: the local owner's scope, and that of the jobs and writers acting for it."""
    return all_org_ids(conn)


def org_target(org: Organisation) -> Target:
    """An organisation as the target of an audit entry."""
    return ("organisation", org.id, org.slug)


@dataclass(slots=True)
class Gate:
    """One use case's view of the actor: its scope, its checks and its audit entries (one time, one source)."""

    store: Store
    actor: Actor
    source: str = "cli"
    now: int | None = None
    at: int = field(init=False)

    def __post_init__(self) -> None:
        self.at = int(time.time()) if self.now is None else self.now

    def scope(self, conn: Connection) -> wb.Scope:
        """The organisations the actor sees: its own (a token's down-scope applied), or all for the local owner."""
        return owner_scope(conn) if self.actor.owner else self.actor.org_ids()

    @staticmethod
    def project_org(conn: Connection, project_id: int) -> int | None:
        """A project's organisation, for the trusted writers (an assessment run acts as the local owner, who sees
        every organisation), never for a request."""
        ref = wb.project(conn, project_id, owner_scope(conn))
        return ref.org_id if ref else None

    def project(self, project_id: int, action: Action) -> wb.ProjectRef:
        """The project, if the actor sees it and may take `action` there."""
        with self.store.transaction() as conn:
            ref = wb.project(conn, project_id, self.scope(conn))
        if ref is None:
            raise NotFoundError(f"project {project_id} not found", zh=f"未找到项目 {project_id}")
        self.require(action, ref.org_id, ("project", ref.id, ref.name))
        return ref

    def find_org(self, conn: Connection, slug: str) -> Organisation:
        """The organisation by slug, as the actor sees it: one it is not in does not exist for it."""
        org = accounts.org_by_slug(conn, slug)
        if org is None or not in_scope(self.actor, org.id):
            raise NotFoundError(f"organisation {slug!r} not found", zh=f"未找到组织 {slug!r}")
        return org

    def organisation(self, slug: str, action: Action) -> Organisation:
        """The organisation, if the actor sees it and may take `action` there: the first step of every
        organisation use case."""
        with self.store.transaction() as conn:
            org = self.find_org(conn, slug)
        self.require(action, org.id, org_target(org))
        return org

    def require(self, action: Action, org_id: int | None, target: Target | None = None) -> None:
        """`require`, recording a refusal inside the actor's organisations before raising it; the refusal is about
        `target`, or the organisation itself when none is given. An object of no organisation (none since
        migration 0017 put every project in one) is the owner's only."""
        if org_id is None:
            if not self.actor.owner:
                what = f"{target[0]} {target[1]}" if target else "object"
                raise NotFoundError(f"{what} not found", zh=f"未找到 {what}")
            return
        what = f"{target[0]} {target[1]}" if target else "organisation"
        try:
            require(self.actor, action, org_id, what=what)
        except PermissionDenied:
            with self.store.transaction() as conn:
                about = target or org_target(accounts.orgs_by_id(conn, frozenset({org_id}))[0])
                self.audit(conn).add(EventKind.PERMISSION_DENIED, org_id, about, action=action, result=Result.DENIED)
            raise

    def audit(self, conn: Connection) -> AuditLog:
        """The appender of this use case's entries, in the transaction `conn` belongs to."""
        return AuditLog(conn, self.actor, self.at, self.source)
