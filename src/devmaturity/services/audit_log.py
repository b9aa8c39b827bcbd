"""Reading an organisation's audit log page by page, filtered (admins: audit.read); export and verify are in
admin."""

from __future__ import annotations

from dataclasses import dataclass

from devmaturity.auth.audit import AuditEntry
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.services.access import Gate
from devmaturity.store.db import Store
from devmaturity.store.repos import audit as audit_repo


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    since: int | None = None  # unix seconds, inclusive
    until: int | None = None  # unix seconds, exclusive
    kind: str | None = None
    action: str | None = None
    actor_name: str | None = None
    result: str | None = None


def entries(
    store: Store,
    actor: Actor,
    *,
    org_slug: str,
    where: AuditFilter,
    before_seq: int | None,
    limit: int,
    source: str,
) -> list[AuditEntry]:
    """The organisation's entries matching `where`, newest first, before `before_seq`, at most `limit`."""
    org = Gate(store, actor, source=source).organisation(org_slug, Action.AUDIT_READ)
    with store.transaction() as conn:
        return audit_repo.page(
            conn,
            org.id,
            before_seq=before_seq,
            limit=limit,
            since=where.since,
            until=where.until,
            kind=where.kind,
            action=where.action,
            actor_name=where.actor_name,
            result=where.result,
        )
