"""The assessor's workbench tables: assessment cycles, the answer history and evidence files (caller's transaction).

Every read of these tenant tables carries the actor's organisations (`tenancy.scoped`); a project is looked up
within them too, so an object of another organisation is simply not found.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, func, select, update

from devmaturity.model.workbench import AnswerRow, Cycle, FileRow
from devmaturity.store import tables as t
from devmaturity.store.repos.tenancy import scoped

Scope = frozenset[int]
"""The organisation ids the actor sees (every organisation for the local owner)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRef:
    id: int
    name: str
    org_id: int | None


def project(conn: Connection, project_id: int, scope: Scope) -> ProjectRef | None:
    """The project when it belongs to one of the scope's organisations."""
    p = t.projects.c
    row = conn.execute(select(p.id, p.name, p.org_id).where(scoped(t.projects, scope), p.id == project_id)).first()
    return ProjectRef(id=row.id, name=row.name, org_id=row.org_id) if row else None


def _cycle(row: Any) -> Cycle:
    return Cycle(
        id=row.id,
        org_id=row.org_id,
        project_id=row.project_id,
        period_start=int(row.period_start),
        period_end=int(row.period_end),
        status=row.status,
        created_at=int(row.created_at),
        created_by=row.created_by,
        frozen_at=row.frozen_at,
        frozen_by=row.frozen_by,
        assessment_id=row.assessment_id,
    )


def add_cycle(conn: Connection, *, org_id: int, project_id: int, start: int, end: int, by: str, now: int) -> Cycle:
    c = t.assessment_cycles
    values = {
        "org_id": org_id,
        "project_id": project_id,
        "period_start": start,
        "period_end": end,
        "status": "open",
        "created_at": now,
        "created_by": by,
    }
    new_id = conn.execute(c.insert().values(**values).returning(c.c.id)).scalar_one()
    found = cycle(conn, int(new_id), frozenset({org_id}))
    assert found is not None  # just written in this transaction
    return found


def cycle(conn: Connection, cycle_id: int, scope: Scope) -> Cycle | None:
    c = t.assessment_cycles
    row = conn.execute(select(c).where(scoped(c, scope), c.c.id == cycle_id)).first()
    return _cycle(row) if row else None


def cycles_of(conn: Connection, project_id: int, scope: Scope) -> list[Cycle]:
    """The project's cycles, newest first."""
    c = t.assessment_cycles
    query = select(c).where(scoped(c, scope), c.c.project_id == project_id).order_by(c.c.id.desc())
    return [_cycle(r) for r in conn.execute(query)]


def open_cycle(conn: Connection, project_id: int, scope: Scope) -> Cycle | None:
    """The project's open cycle (at most one is kept open by the service)."""
    return next((c for c in cycles_of(conn, project_id, scope) if not c.frozen), None)


def cycle_of_assessment(conn: Connection, assessment_id: int, scope: Scope) -> Cycle | None:
    """The cycle an assessment used, or the one that pinned it."""
    c, a = t.assessment_cycles, t.assessments
    used = select(a.c.cycle_id).where(a.c.id == assessment_id).scalar_subquery()
    query = select(c).where(scoped(c, scope), (c.c.id == used) | (c.c.assessment_id == assessment_id))
    row = conn.execute(query.order_by(c.c.id.desc())).first()
    return _cycle(row) if row else None


def freeze(conn: Connection, cycle_id: int, scope: Scope, *, by: str, now: int, assessment_id: int | None) -> bool:
    """Freeze the cycle if it is still open (a conditional update: two freezes at once, one wins)."""
    c = t.assessment_cycles
    done = conn.execute(
        update(c)
        .where(scoped(c, scope), c.c.id == cycle_id, c.c.status == "open")
        .values(status="frozen", frozen_at=now, frozen_by=by, assessment_id=assessment_id)
    )
    return done.rowcount == 1


def lock_cycle(conn: Connection, cycle_id: int, scope: Scope) -> Cycle | None:
    """Read the cycle for an edit, holding its row so a concurrent freeze waits for the edit (or the edit sees
    the freeze): a no-op update takes the row lock on PostgreSQL and the write lock on SQLite."""
    c = t.assessment_cycles
    conn.execute(update(c).where(scoped(c, scope), c.c.id == cycle_id).values(status=c.c.status))
    return cycle(conn, cycle_id, scope)


def _answer(row: Any) -> AnswerRow:
    return AnswerRow(
        id=row.id,
        cycle_id=row.cycle_id,
        subject=row.subject,
        value=row.value,
        note=row.note,
        owner=row.owner,
        links=tuple(json.loads(row.links)),
        change=row.change,
        draft=bool(row.draft),
        answered_at=int(row.answered_at),
        answered_by=row.answered_by,
        reviewed_at=row.reviewed_at,
        reviewed_by=row.reviewed_by,
    )


def append_answer(conn: Connection, *, org_id: int, cycle_id: int, row: AnswerRow) -> AnswerRow:
    """Append one entry to the history (the newest entry of a subject is its answer)."""
    a = t.answers
    values = {
        "org_id": org_id,
        "cycle_id": cycle_id,
        "subject": row.subject,
        "value": row.value,
        "note": row.note,
        "owner": row.owner,
        "links": json.dumps(list(row.links), ensure_ascii=False),
        "change": row.change,
        "draft": row.draft,
        "answered_at": row.answered_at,
        "answered_by": row.answered_by,
        "reviewed_at": row.reviewed_at,
        "reviewed_by": row.reviewed_by,
    }
    new_id = conn.execute(a.insert().values(**values).returning(a.c.id)).scalar_one()
    return replace(row, id=int(new_id), cycle_id=cycle_id)


def current_answers(conn: Connection, cycle_ids: Iterable[int], scope: Scope) -> list[AnswerRow]:
    """The newest entry of every subject of the cycles, by subject."""
    a = t.answers
    ids = sorted(set(cycle_ids))
    newest = (
        select(func.max(a.c.id))
        .where(scoped(a, scope), a.c.cycle_id.in_(ids))
        .group_by(a.c.cycle_id, a.c.subject)
        .scalar_subquery()
    )
    query = select(a).where(scoped(a, scope), a.c.id.in_(newest)).order_by(a.c.subject)
    return [_answer(r) for r in conn.execute(query)]


def history(conn: Connection, cycle_id: int, subject: str, scope: Scope) -> list[AnswerRow]:
    """Every entry of a subject in the cycle, oldest first: who changed what, and when."""
    a = t.answers
    query = select(a).where(scoped(a, scope), a.c.cycle_id == cycle_id, a.c.subject == subject).order_by(a.c.id)
    return [_answer(r) for r in conn.execute(query)]


_FILE_COLUMNS = [c for c in t.evidence_files.c if c.name not in ("content", "org_id")]


def _file(row: Any) -> FileRow:
    return FileRow(
        id=row.id,
        cycle_id=row.cycle_id,
        subject=row.subject,
        name=row.name,
        media_type=row.media_type,
        size=int(row.size),
        sha256=row.sha256,
        uploaded_at=int(row.uploaded_at),
        uploaded_by=row.uploaded_by,
    )


def add_file(conn: Connection, *, org_id: int, file: FileRow, content: bytes) -> FileRow:
    f = t.evidence_files
    values = {
        "org_id": org_id,
        "cycle_id": file.cycle_id,
        "subject": file.subject,
        "name": file.name,
        "media_type": file.media_type,
        "size": file.size,
        "sha256": file.sha256,
        "content": content,
        "uploaded_at": file.uploaded_at,
        "uploaded_by": file.uploaded_by,
    }
    new_id = conn.execute(f.insert().values(**values).returning(f.c.id)).scalar_one()
    return replace(file, id=int(new_id))


def files_of(conn: Connection, cycle_ids: Iterable[int], scope: Scope, subject: str | None = None) -> list[FileRow]:
    """The cycles' files without their bytes, oldest first."""
    f = t.evidence_files
    query = select(*_FILE_COLUMNS).where(scoped(f, scope), f.c.cycle_id.in_(sorted(set(cycle_ids))))
    if subject is not None:
        query = query.where(f.c.subject == subject)
    return [_file(r) for r in conn.execute(query.order_by(f.c.id))]


def file_content(conn: Connection, file_id: int, scope: Scope) -> tuple[FileRow, bytes] | None:
    f = t.evidence_files
    row = conn.execute(select(*_FILE_COLUMNS, f.c.content).where(scoped(f, scope), f.c.id == file_id)).first()
    return (_file(row), bytes(row.content)) if row else None
