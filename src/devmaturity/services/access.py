"""The access check the assessment and workbench use cases share: find a project or cycle inside the actor's
organisations (NotFoundError outside them), require the action there (a refusal is recorded in the audit log in a
transaction of its own, as services/admin.py does), and append the use case's audit entries.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection

from devmaturity.auth.audit import AuditEvent, EventKind, Result
from devmaturity.auth.policy import Actor, require
from devmaturity.auth.roles import Action
from devmaturity.errors import NotFoundError, PermissionDenied
from devmaturity.store.db import Store
from devmaturity.store.repos import audit as audit_repo
from devmaturity.store.repos import workbench as wb

Target = tuple[str, int | str, str]
"""What an audit entry is about: (type, id, name)."""


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
        return wb.all_orgs(conn) if self.actor.owner else self.actor.org_ids()

    @staticmethod
    def project_org(conn: Connection, project_id: int) -> int | None:
        """A project's organisation, for the trusted writers (an assessment run acts as the local owner, who sees
        every organisation), never for a request."""
        ref = wb.project(conn, project_id, wb.all_orgs(conn))
        return ref.org_id if ref else None

    def project(self, project_id: int, action: Action) -> wb.ProjectRef:
        """The project, if the actor sees it and may take `action` there."""
        with self.store.transaction() as conn:
            ref = wb.project(conn, project_id, self.scope(conn))
        if ref is None:
            raise NotFoundError(f"project {project_id} not found", zh=f"未找到项目 {project_id}")
        self.require(action, ref.org_id, ("project", ref.id, ref.name))
        return ref

    def require(self, action: Action, org_id: int | None, target: Target) -> None:
        """`require`, recording a refusal inside the actor's organisations before raising it. An object of no
        organisation (none since migration 0017 put every project in one) is the owner's only."""
        if org_id is None:
            if not self.actor.owner:
                raise NotFoundError(f"{target[0]} {target[1]} not found", zh=f"未找到 {target[0]} {target[1]}")
            return
        try:
            require(self.actor, action, org_id, what=f"{target[0]} {target[1]}")
        except PermissionDenied:
            with self.store.transaction() as conn:
                self.log(conn, EventKind.PERMISSION_DENIED, org_id, target, action=action, result=Result.DENIED)
            raise

    def log(
        self,
        conn: Connection,
        kind: EventKind,
        org_id: int,
        target: Target,
        *,
        action: Action | None = None,
        result: Result = Result.OK,
        details: Mapping[str, str | int | bool | None] | None = None,
    ) -> None:
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
        audit_repo.append(conn, self.actor, event, now=self.at, source=self.source)
