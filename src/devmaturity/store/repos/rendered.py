"""Rendered documents of stored assessments (the rendered_reports table) and the render runs that fill it. Works in
the caller's transaction; the caller has found the assessment in the actor's scope first (assessments carry no
organisation of their own: they are scoped through their project)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, select

from devmaturity.model.documents import CachedDocument, DocumentKey, RenderRun
from devmaturity.store import tables as t

_R = t.rendered_reports.c
RENDER_KIND = "render"


def _of(key: DocumentKey) -> Any:
    return (
        (_R.assessment_id == key.assessment_id)
        & (_R.format == key.format)
        & (_R.lang == key.lang)
        & (_R.assessor == key.assessor)
    )


def cached(conn: Connection, key: DocumentKey, digest: str) -> CachedDocument | None:
    """The stored rendering of `key` made for `digest`; None when there is none or it is stale."""
    row = conn.execute(select(_R.created_at, _R.content).where(_of(key), _R.digest == digest)).first()
    if row is None:
        return None
    return CachedDocument(key=key, digest=digest, created_at=int(row.created_at), content=bytes(row.content))


def is_cached(conn: Connection, key: DocumentKey, digest: str) -> bool:
    """Whether a rendering of `key` for `digest` is stored (its bytes are not read)."""
    return conn.execute(select(_R.created_at).where(_of(key), _R.digest == digest)).first() is not None


def put(conn: Connection, document: CachedDocument) -> None:
    """Store a rendering, replacing the key's previous one (stale, or the same made twice by concurrent jobs)."""
    key = document.key
    conn.execute(delete(t.rendered_reports).where(_of(key)))
    conn.execute(
        t.rendered_reports.insert().values(
            assessment_id=key.assessment_id,
            format=key.format,
            lang=key.lang,
            assessor=key.assessor,
            digest=document.digest,
            created_at=document.created_at,
            content=document.content,
        )
    )


def render_runs(conn: Connection, project_id: int, *, limit: int = 50) -> list[RenderRun]:
    """The project's newest render runs first, with the key and digest each was queued for."""
    c = t.runs.c
    query = (
        select(c.id, c.status, c.inputs)
        .where(c.project_id == project_id, c.kind == RENDER_KIND)
        .order_by(c.id.desc())
        .limit(limit)
    )
    return [_render_run(row) for row in conn.execute(query)]


def _render_run(row: Any) -> RenderRun:
    inputs = json.loads(row.inputs)
    key = DocumentKey(
        assessment_id=int(inputs["assessment_id"]),
        format=str(inputs["format"]),
        lang=str(inputs["lang"]),
        assessor=str(inputs["assessor"]),
    )
    return RenderRun(run_id=int(row.id), status=str(row.status), key=key, digest=str(inputs["digest"]))
