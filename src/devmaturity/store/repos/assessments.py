"""Stored assessments as pages read them: rows with their summary digest, the full report, metric series and the
portfolio (every project's two newest assessments in one query). Works in the caller's transaction.

Assessments carry no organisation of their own: they are scoped through their project's `org_id`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, and_, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from devmaturity.model.workbench import AssessmentRow, SeriesPoint
from devmaturity.store import tables as t
from devmaturity.store.repos.tenancy import scoped
from devmaturity.store.repos.workbench import Scope

_A, _P, _S = t.assessments.c, t.projects.c, t.assessment_summaries.c
_ROW = (
    _A.id,
    _A.project_id,
    _P.name.label("project"),
    _P.org_id,
    _A.run_id,
    _A.framework,
    _A.framework_version,
    _A.window_start,
    _A.window_end,
    _A.created_at,
    _A.cycle_id,
    _A.levels,
    _S.summary,
)


def _row(row: Any) -> AssessmentRow:
    return AssessmentRow(
        id=row.id,
        project_id=row.project_id,
        project=row.project,
        org_id=row.org_id,
        run_id=row.run_id,
        framework=row.framework,
        version=row.framework_version,
        window_start=int(row.window_start),
        window_end=int(row.window_end),
        created_at=row.created_at,
        cycle_id=row.cycle_id,
        levels=json.loads(row.levels),
        summary=json.loads(row.summary) if row.summary else None,
    )


def _in_scope(query: Any, scope: Scope) -> Any:
    """Scope a query joined to projects to the actor's organisations."""
    return query.where(scoped(t.projects, scope))


def _joined() -> Any:
    return select(*_ROW).select_from(
        t.assessments.join(t.projects, t.projects.c.id == _A.project_id).outerjoin(
            t.assessment_summaries, _S.assessment_id == _A.id
        )
    )


def by_id(conn: Connection, assessment_id: int, scope: Scope) -> AssessmentRow | None:
    row = conn.execute(_in_scope(_joined().where(_A.id == assessment_id), scope)).first()
    return _row(row) if row else None


def of_project(
    conn: Connection, project_id: int, scope: Scope, *, before: int | None = None, limit: int = 50
) -> list[AssessmentRow]:
    """The project's assessments, newest first, optionally only those older than the id `before` (a cursor)."""
    query = _joined().where(_A.project_id == project_id).order_by(_A.id.desc()).limit(limit)
    if before is not None:
        query = query.where(_A.id < before)
    return [_row(r) for r in conn.execute(_in_scope(query, scope))]


def report(conn: Connection, assessment_id: int) -> dict[str, Any]:
    """The stored JSON report of an assessment the caller has already found in scope."""
    text = conn.execute(select(_A.report).where(_A.id == assessment_id)).scalar_one()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def set_derived(
    conn: Connection, assessment_id: int, *, summary: Mapping[str, Any], created_at: int | None, cycle_id: int | None
) -> None:
    text = json.dumps(summary, ensure_ascii=False, sort_keys=True)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(t.assessment_summaries).from_select(
        ["assessment_id", "project_id", "summary"],
        select(_A.id, _A.project_id, literal(text)).where(_A.id == assessment_id),
    )
    conn.execute(stmt.on_conflict_do_update(index_elements=["assessment_id"], set_={"summary": stmt.excluded.summary}))
    values: dict[str, Any] = {}
    if created_at is not None:
        values["created_at"] = created_at
    if cycle_id is not None:
        values["cycle_id"] = cycle_id
    if values:
        conn.execute(update(t.assessments).where(_A.id == assessment_id).values(**values))


def missing_summaries(conn: Connection, project_ids: Iterable[int]) -> list[int]:
    """Assessments of these projects that have no summary yet (stored before 0019)."""
    query = (
        select(_A.id)
        .select_from(t.assessments.outerjoin(t.assessment_summaries, _S.assessment_id == _A.id))
        .where(_A.project_id.in_(sorted(set(project_ids))), _S.assessment_id.is_(None))
        .order_by(_A.id)
    )
    return [int(i) for i in conn.execute(query).scalars()]


def upsert_series(conn: Connection, *, org_id: int | None, project_id: int, points: Sequence[SeriesPoint]) -> None:
    """Store the points; a point of the same (project, metric, window length, window end) is replaced, so a refresh
    is idempotent and a newer computation wins."""
    if not points:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    s = t.metric_series
    rows = [
        {
            "org_id": org_id,
            "project_id": project_id,
            "metric": p.metric,
            "days": p.days,
            "window_end": p.window_end,
            "value": p.value,
            "unit": p.unit,
            "sample_size": p.sample_size,
            "assessment_id": p.assessment_id,
        }
        for p in points
    ]
    stmt = dialect.insert(s).values(rows)
    keep = ("value", "unit", "sample_size", "assessment_id", "org_id")
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["project_id", "metric", "days", "window_end"],
            set_={name: stmt.excluded[name] for name in keep},
        )
    )


def series(
    conn: Connection, project_id: int, *, metrics: Sequence[str], days: int, until: int, limit: int
) -> dict[str, list[SeriesPoint]]:
    """Per metric, its last `limit` points of this window length ending at or before `until`, oldest first."""
    s = t.metric_series.c
    ranked = (
        select(
            s.metric,
            s.days,
            s.window_end,
            s.value,
            s.unit,
            s.sample_size,
            s.assessment_id,
            func.row_number().over(partition_by=s.metric, order_by=s.window_end.desc()).label("rank"),
        )
        .where(s.project_id == project_id, s.metric.in_(list(metrics)), s.days == days, s.window_end <= until)
        .subquery()
    )
    query = select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.metric, ranked.c.window_end)
    out: dict[str, list[SeriesPoint]] = {m: [] for m in metrics}
    for r in conn.execute(query):
        out[r.metric].append(
            SeriesPoint(
                metric=r.metric,
                days=r.days,
                window_end=int(r.window_end),
                value=r.value,
                unit=r.unit,
                sample_size=int(r.sample_size),
                assessment_id=r.assessment_id,
            )
        )
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioRow:
    project_id: int
    project: str
    org_id: int | None
    team: str | None
    latest: AssessmentRow | None
    previous: AssessmentRow | None


def portfolio(conn: Connection, scope: Scope, *, framework: str | None = None) -> list[PortfolioRow]:
    """Every project in scope with its newest and previous assessment (summaries, not reports) in one round trip.

    The two newest assessments per project are ranked on narrow columns only (id, project_id, framework: the
    ix_assessments_project index and the row's head), and only those two rows per project are read back; the
    summary, which on SQLite sits after the large `report` text in the row, is read for the newest alone."""
    ranked_q = select(
        _A.id.label("aid"),
        _A.project_id.label("apid"),
        func.row_number().over(partition_by=_A.project_id, order_by=_A.id.desc()).label("rank"),
    )
    if framework is not None:
        ranked_q = ranked_q.where(_A.framework == framework)
    ranked = ranked_q.subquery()  # scoped below, through the projects it is joined to
    columns = [c for c in _ROW if c.name not in ("summary", "project", "org_id")]
    query = (
        select(
            _P.id.label("pid"),
            _P.name.label("pname"),
            _P.org_id.label("porg"),
            _P.team.label("pteam"),
            _P.name.label("project"),
            _P.org_id.label("org_id"),
            *columns,
            # the previous assessment is only compared by its part levels: its summary is not even read
            _S.summary,
        )
        .select_from(
            t.projects.outerjoin(ranked, and_(ranked.c.apid == _P.id, ranked.c.rank <= 2))
            .outerjoin(t.assessments, _A.id == ranked.c.aid)
            .outerjoin(t.assessment_summaries, and_(_S.assessment_id == ranked.c.aid, ranked.c.rank == 1))
        )
        .order_by(_P.name, ranked.c.rank)
    )
    rows: dict[int, PortfolioRow] = {}
    for r in conn.execute(_in_scope(query, scope)):
        found = rows.get(r.pid) or PortfolioRow(
            project_id=r.pid, project=r.pname, org_id=r.porg, team=r.pteam, latest=None, previous=None
        )
        if r.id is not None:
            found = replace(
                found, latest=found.latest or _row(r), previous=_row(r) if found.latest is not None else None
            )
        rows[r.pid] = found
    return list(rows.values())
