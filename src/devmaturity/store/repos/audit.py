"""The audit log: append an entry to its organisation's hash chain (in the caller's transaction), read, verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select, update

from devmaturity.auth.audit import GENESIS, AuditEntry, AuditEvent, ChainBreak, entry_hash
from devmaturity.auth.policy import Actor
from devmaturity.model.text import Text
from devmaturity.store import tables as t
from devmaturity.store.repos.tenancy import scoped


def append(conn: Connection, actor: Actor, event: AuditEvent, *, now: int, source: str) -> AuditEntry:
    """Add the event as the organisation's next entry. The first statement moves the organisation's head, which
    takes the write lock on its row, so concurrent appends to one chain take turns instead of forking it."""
    o = t.organisations.c
    conn.execute(update(t.organisations).where(o.id == event.org_id).values(audit_seq=o.audit_seq + 1))
    head = conn.execute(select(o.slug, o.audit_seq, o.audit_head).where(o.id == event.org_id)).one()
    fields: dict[str, Any] = {
        "org_id": event.org_id,
        "org_slug": head.slug,
        "seq": int(head.audit_seq),
        "at": now,
        "kind": event.kind.value,
        "action": event.action,
        "actor_ref": actor.user_id,
        "actor_name": actor.name,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_name": event.target_name,
        "result": event.result.value,
        "source": source,
        "details": dict(event.details),
        "prev_hash": head.audit_head,
    }
    digest = entry_hash(fields)
    row = {**fields, "details": json.dumps(fields["details"], sort_keys=True, ensure_ascii=False)}
    conn.execute(t.audit_log.insert().values(**row, actor_user_id=actor.user_id, entry_hash=digest))
    conn.execute(update(t.organisations).where(o.id == event.org_id).values(audit_head=digest))
    return AuditEntry(**fields, entry_hash=digest)


def _entry(row: Any) -> AuditEntry:
    try:
        details = json.loads(row.details)
    except ValueError:
        details = {"unreadable": row.details}
    return AuditEntry(
        org_id=row.org_id,
        org_slug=row.org_slug,
        seq=int(row.seq),
        at=int(row.at),
        kind=row.kind,
        action=row.action,
        actor_ref=row.actor_ref,
        actor_name=row.actor_name,
        target_type=row.target_type,
        target_id=row.target_id,
        target_name=row.target_name,
        result=row.result,
        source=row.source,
        details=details if isinstance(details, dict) else {"unreadable": row.details},
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


_COLUMNS = [c for c in t.audit_log.c if c.name not in ("id", "actor_user_id")]


def entries(
    conn: Connection,
    org_ids: frozenset[int],
    *,
    since: int | None = None,
    kind: str | None = None,
    actor_name: str | None = None,
) -> Iterator[AuditEntry]:
    """The organisations' entries, by organisation and sequence, optionally from `since` (unix seconds) on."""
    c = t.audit_log.c
    query = select(*_COLUMNS).where(scoped(t.audit_log, org_ids)).order_by(c.org_id, c.seq)
    if since is not None:
        query = query.where(c.at >= since)
    if kind is not None:
        query = query.where(c.kind == kind)
    if actor_name is not None:
        query = query.where(c.actor_name == actor_name)
    for row in conn.execute(query):
        yield _entry(row)


_CHANGED = Text(
    zh="条目内容在写入后被修改（哈希不符）", en="the entry was changed after it was written (hash mismatch)"
)
_RELINKED = Text(
    zh="前一条目哈希与上一条目不符（条目被删除、插入或改动）",
    en="its previous-entry hash does not match the entry before it (an entry was removed, inserted or changed)",
)


def _missing(seq: int) -> Text:
    return Text(zh=f"条目 {seq} 缺失（被删除）", en=f"entry {seq} is missing (deleted)")


def verify_chain(conn: Connection, org_id: int) -> tuple[int, ChainBreak | None]:
    """Walk the organisation's chain: (entries read, the first broken entry or None). Each entry must carry the
    next sequence number, the previous entry's hash and its own hash; the last one must be the recorded head."""
    o = t.organisations.c
    org = conn.execute(select(o.slug, o.audit_seq, o.audit_head).where(o.id == org_id)).one()
    expected_seq, previous, count = 1, GENESIS, 0
    for entry in entries(conn, frozenset({org_id})):
        count += 1
        if entry.seq != expected_seq:
            return count, ChainBreak(org_slug=org.slug, seq=expected_seq, reason=_missing(expected_seq))
        if entry.prev_hash != previous:
            return count, ChainBreak(org_slug=org.slug, seq=entry.seq, reason=_RELINKED)
        if entry_hash(entry.canonical()) != entry.entry_hash:
            return count, ChainBreak(org_slug=org.slug, seq=entry.seq, reason=_CHANGED)
        expected_seq, previous = entry.seq + 1, entry.entry_hash
    if expected_seq - 1 < org.audit_seq:
        return count, ChainBreak(org_slug=org.slug, seq=expected_seq, reason=_missing(expected_seq))
    if previous != org.audit_head:
        return count, ChainBreak(org_slug=org.slug, seq=expected_seq - 1, reason=_CHANGED)
    return count, None


def page(
    conn: Connection,
    org_id: int,
    *,
    before_seq: int | None,
    limit: int,
    since: int | None = None,
    until: int | None = None,
    kind: str | None = None,
    action: str | None = None,
    actor_name: str | None = None,
    result: str | None = None,
) -> list[AuditEntry]:
    """One organisation's entries, newest first, filtered, those before sequence `before_seq` (keyset)."""
    c = t.audit_log.c
    query = select(*_COLUMNS).where(scoped(t.audit_log, [org_id])).order_by(c.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(c.seq < before_seq)
    if since is not None:
        query = query.where(c.at >= since)
    if until is not None:
        query = query.where(c.at < until)
    for column, value in ((c.kind, kind), (c.action, action), (c.actor_name, actor_name), (c.result, result)):
        if value is not None:
            query = query.where(column == value)
    return [_entry(row) for row in conn.execute(query)]
