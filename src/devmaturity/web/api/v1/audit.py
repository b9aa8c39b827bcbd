"""An organisation's audit log for its admins: list (filtered, cursor-paginated), export, verify the chain."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from devmaturity.auth.audit import AuditEntry
from devmaturity.services import admin, audit_log
from devmaturity.services.audit_log import AuditFilter
from devmaturity.web.api.v1.common import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from devmaturity.web.deps import ActorDep, LangDep, SourceDep, StoreDep

router = APIRouter(prefix="/orgs/{org}/audit", tags=["audit"])

OrgPath = Annotated[str, Path(max_length=100, description="the organisation's slug")]
Seconds = Annotated[int | None, Query(ge=0, le=2**62, description="unix seconds")]
Word = Annotated[str | None, Query(max_length=200)]
PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "not-authenticated"},
    403: {"description": "permission-denied, csrf-failed"},
    404: {"description": "not-found"},
}


class AuditEntryRead(BaseModel):
    seq: int
    at: int = Field(description="unix seconds")
    kind: str
    action: str
    actor: str
    actor_id: int | None
    target_type: str
    target_id: str
    target_name: str
    result: str
    source: str = Field(description="client address, or cli")
    details: dict[str, str | int | bool | None]
    prev_hash: str
    entry_hash: str


class ChainRead(BaseModel):
    org: str
    entries: int
    head: str
    intact: bool
    broken_at: int | None
    reason: str | None


def _read(entry: AuditEntry) -> AuditEntryRead:
    return AuditEntryRead(
        seq=entry.seq,
        at=entry.at,
        kind=entry.kind,
        action=entry.action,
        actor=entry.actor_name,
        actor_id=entry.actor_ref,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_name=entry.target_name,
        result=entry.result,
        source=entry.source,
        details=dict(entry.details),
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
    )


@router.get("", operation_id="audit_list", response_model=Page[AuditEntryRead], responses=PROBLEMS)
def list_entries(
    org: OrgPath,
    actor: ActorDep,
    store: StoreDep,
    source: SourceDep,
    since: Seconds = None,
    until: Seconds = None,
    kind: Word = None,
    action: Word = None,
    user: Annotated[str | None, Query(max_length=200, description="the actor's name")] = None,
    result: Annotated[Literal["ok", "failed", "denied"] | None, Query()] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[AuditEntryRead]:
    """The organisation's entries, newest first (audit.read)."""
    after = decode_cursor(cursor)
    before = after[0] if after and isinstance(after[0], int) and 0 < after[0] < 2**62 else None
    where = AuditFilter(since=since, until=until, kind=kind, action=action, actor_name=user, result=result)
    found = audit_log.entries(
        store, actor, org_slug=org, where=where, before_seq=before, limit=limit + 1, source=source
    )
    page = page_of(found, limit, lambda entry: (entry.seq,))
    return Page[AuditEntryRead](items=[_read(e) for e in page.items], next_cursor=page.next_cursor)


@router.get(
    "/export",
    operation_id="audit_export",
    response_class=Response,
    responses={**PROBLEMS, 200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
)
def export(
    org: OrgPath,
    actor: ActorDep,
    store: StoreDep,
    source: SourceDep,
    format: Literal["jsonl", "csv"] = "jsonl",
    since: Seconds = None,
) -> Response:
    """Every entry with its hashes (audit.export), as JSON lines or CSV; the export itself is recorded."""
    text = admin.export_audit(store, actor, org_slug=org, since=since, fmt=admin.ExportFormat(format), source=source)
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    disposition = f'attachment; filename="audit-{org}.{format}"'
    return Response(text, media_type=f"{media}; charset=utf-8", headers={"Content-Disposition": disposition})


@router.post("/verify", operation_id="audit_verify", response_model=ChainRead, responses=PROBLEMS)
def verify(org: OrgPath, actor: ActorDep, store: StoreDep, source: SourceDep, lang: LangDep) -> ChainRead:
    """Walk the organisation's hash chain (audit.read): intact, or the first broken entry and why."""
    report = admin.verify_audit(store, actor, org_slug=org, source=source)[0]
    broken = report.broken
    return ChainRead(
        org=report.org_slug,
        entries=report.entries,
        head=report.head,
        intact=broken is None,
        broken_at=broken.seq if broken else None,
        reason=broken.reason.get(lang) if broken else None,
    )
