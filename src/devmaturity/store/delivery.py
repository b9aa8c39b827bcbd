"""Delivery evidence in the store: upserts by natural key, each page with its sync cursor, and loading."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select

from devmaturity.errors import DataError
from devmaturity.model.delivery import (
    Deployment,
    Drill,
    Incident,
    PipelineRun,
    Release,
    RunStatus,
    WorkItem,
)
from devmaturity.model.frames import security_scan
from devmaturity.model.limits import describe, violations
from devmaturity.model.quality import QualityAnalysis
from devmaturity.store import tables as t
from devmaturity.store.db import BATCH, Store
from devmaturity.store.frames import KINDS as PACKED
from devmaturity.store.frames import PART, drill_of, jobs_of, moment
from devmaturity.store.quality import analysis_row
from devmaturity.store.repos import deliveries

DeliveryRecord = PipelineRun | Deployment | Incident | WorkItem | Release | QualityAnalysis | Drill


def _ts(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def run_row(r: PipelineRun) -> dict[str, Any]:
    """The pipeline_runs row of a run (without project and run ids)."""
    jobs = [
        {
            "id": j.id,
            "name": j.name,
            "stage": j.stage,
            "status": j.status.value,
            "started_at": _ts(j.started_at),
            "finished_at": _ts(j.finished_at),
            **({"environment": j.environment} if j.environment else {}),
        }
        for j in r.jobs
    ]
    return {
        "source": r.source,
        "ext_id": r.id,
        "pipeline": r.pipeline,
        "status": r.status.value,
        "created_at": _ts(r.created_at),
        "started_at": _ts(r.started_at),
        "finished_at": _ts(r.finished_at),
        "commit_sha": r.commit,
        "branch": r.branch,
        "event": r.event,
        "url": r.url,
        "jobs": json.dumps(jobs),
        "security_scan": security_scan(r.jobs),
    }


def _deployment_row(d: Deployment) -> dict[str, Any]:
    return {
        "source": d.source,
        "ext_id": d.id,
        "environment": d.environment,
        "status": d.status.value,
        "created_at": _ts(d.created_at),
        "finished_at": _ts(d.finished_at),
        "commit_sha": d.commit,
        "pipeline": d.pipeline,
        "url": d.url,
        "rollback": d.rollback,
        "incident": d.incident,
    }


def _incident_row(i: Incident) -> dict[str, Any]:
    return {
        "source": i.source,
        "ext_id": i.id,
        "title": i.title,
        "started_at": _ts(i.started_at),
        "resolved_at": _ts(i.resolved_at),
        "severity": i.severity,
        "service": i.service,
        "deployment": i.deployment,
        "labels": "\n".join(i.labels),
        "auto_recovered": i.auto_recovered,
        "postmortem": i.postmortem,
    }


def _drill_row(d: Drill) -> dict[str, Any]:
    return {
        "source": d.source,
        "ext_id": d.id,
        "kind": d.kind.value,
        "started_at": _ts(d.started_at),
        "finished_at": _ts(d.finished_at),
        "status": d.status.value,
        "service": d.service,
        "environment": d.environment,
        "url": d.url,
    }


def _work_item_row(w: WorkItem) -> dict[str, Any]:
    return {
        "source": w.source,
        "ext_id": w.id,
        "type": w.type,
        "title": w.title,
        "created_at": _ts(w.created_at),
        "resolved_at": _ts(w.resolved_at),
        "released_at": _ts(w.released_at),
        "release": w.release,
        "severity": w.severity,
        "environment": w.environment,
        "labels": "\n".join(w.labels),
        "iteration": w.iteration,
        "iteration_start": _ts(w.iteration_start),
        "iteration_end": _ts(w.iteration_end),
        "estimate": w.estimate,
        "parent": w.parent,
        "acceptance_criteria": w.acceptance_criteria,
        "approvals": w.approvals,
        "approved_by_other": w.approved_by_other,
    }


def _release_row(r: Release) -> dict[str, Any]:
    return {
        "source": r.source,
        "ext_id": r.id,
        "name": r.name,
        "created_at": _ts(r.created_at),
        "commit_sha": r.commit,
        "tag": r.tag,
    }


# record type -> (table, row builder): one table instead of scattered ifs
_ROWS: dict[type, tuple[Table, Any]] = {
    PipelineRun: (t.pipeline_runs, run_row),
    Deployment: (t.deployments, _deployment_row),
    Incident: (t.incidents, _incident_row),
    WorkItem: (t.work_items, _work_item_row),
    Release: (t.releases, _release_row),
    QualityAnalysis: (t.quality_analyses, analysis_row),
    Drill: (t.drills, _drill_row),
}


def save_delivery(
    store: Store,
    project_id: int,
    run_id: int,
    records: Iterable[DeliveryRecord],
    cursor: tuple[str, str] | None = None,
) -> int:
    """Upsert records (a later state of a run or deployment replaces the earlier one) and, in the same
    transaction, the source's cursor, so an interrupted sync resumes after the last stored page."""
    with delivery_writer(store, project_id, run_id) as write:
        stored = write(records)
        if cursor is not None:
            write.cursor(*cursor)
    return stored


class DeliveryWriter:
    """Writes batches of delivery records in one open transaction (see delivery_writer)."""

    def __init__(self, store: Store, conn: Connection, project_id: int, run_id: int) -> None:
        self._store = store
        self._conn = conn
        self._project_id = project_id
        self._run_id = run_id

    def __call__(self, records: Iterable[DeliveryRecord]) -> int:
        """Upsert one batch; returns how many records it held. A record outside the declared field limits
        (model/limits.py) is refused with DataError: callers admit records first, so this only guards the store."""
        grouped: dict[Table, list[dict[str, Any]]] = {}
        for record in records:
            faults = violations(record)
            if faults:
                raise DataError(f"not stored: {describe(record, faults)}")
            table, row = _ROWS[type(record)]
            grouped.setdefault(table, []).append(
                {"project_id": self._project_id, "run_id": self._run_id, **row(record)}
            )
        for table, rows in grouped.items():
            if table.name in PACKED:
                _note_moves(self._store, self._conn, table, self._project_id, rows)
            _upsert(self._store, self._conn, table, rows)
        return sum(len(rows) for rows in grouped.values())

    def remember_delivery(self, project: str, source: str, delivery_id: str) -> bool:
        """Record a webhook delivery id in this transaction; False when it was received before."""
        return deliveries.remember(self._conn, project, source, delivery_id, now=int(time.time()))

    def cursor(self, source: str, value: str) -> None:
        row = {"project_id": self._project_id, "source": source, "cursor": value, "updated_at": int(time.time())}
        _upsert(self._store, self._conn, t.sync_cursors, [row])


@contextmanager
def delivery_writer(store: Store, project_id: int, run_id: int) -> Iterator[DeliveryWriter]:
    """One transaction for any number of batches: a file read in batches is stored whole or, when its reader
    fails half way, not at all (the error leaves the block and the transaction rolls back)."""
    with store.transaction() as conn:
        yield DeliveryWriter(store, conn, project_id, run_id)


def _note_moves(store: Store, conn: Connection, table: Table, project_id: int, rows: list[dict[str, Any]]) -> None:
    """A record whose start time changes leaves its packed part: note that part for repacking (store/frames.py)."""
    c = table.c
    new = {(r["source"], r["ext_id"]): r["created_at"] for r in rows}
    left: set[int] = set()
    ids = sorted({r["ext_id"] for r in rows})
    for start in range(0, len(ids), BATCH):
        query = select(c.source, c.ext_id, c.created_at).where(
            c.project_id == project_id, c.ext_id.in_(ids[start : start + BATCH])
        )
        for source, ext_id, created in conn.execute(query):
            moved = new.get((source, ext_id))
            if moved is not None and moved // PART != created // PART:
                left.add(created // PART)
    if left:
        insert = store.insert_statement(t.frame_dirty).on_conflict_do_nothing()
        conn.execute(insert, [{"project_id": project_id, "kind": table.name, "part": part} for part in left])


# tables whose rows move from running to a final state; the column is the finish time
FINAL_STATE = {"deployments": "finished_at", "pipeline_runs": "finished_at", "drills": "finished_at"}


def _newer(table: Table, excluded: Any) -> Any:
    """The condition under which an incoming row may replace the stored one: an older state never overwrites a
    newer one, so a finished row is replaced only by one finished at the same time or later (a replayed or late
    `running` event does not roll a `success` back)."""
    column = FINAL_STATE.get(table.name)
    if column is None:
        return None
    stored, incoming = table.c[column], excluded[column]
    return or_(stored.is_(None), and_(incoming.is_not(None), incoming >= stored))


def _upsert(store: Store, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    keys = [c.name for c in table.primary_key.columns]
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        stmt = store.insert_statement(table)
        update = {c: stmt.excluded[c] for c in batch[0] if c not in keys}
        guard = _newer(table, stmt.excluded)
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update, where=guard), batch)


def cursor_of(store: Store, project_id: int, source: str) -> str | None:
    c = t.sync_cursors.c
    with store.engine.connect() as conn:
        row = conn.execute(select(c.cursor).where(c.project_id == project_id, c.source == source)).first()
        return None if row is None else str(row[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredDelivery:
    """What the store holds for a project; a kind never collected is None (unknown), not empty."""

    runs: Sequence[PipelineRun] | None
    deployments: Sequence[Deployment] | None
    incidents: Sequence[Incident] | None
    work_items: Sequence[WorkItem] | None
    releases: Sequence[Release] | None
    drills: Sequence[Drill] | None = None


def _rows(conn: Connection, table: Table, project_id: int, time_column: str, since: datetime) -> list[Any] | None:
    c = table.c
    present = conn.execute(select(c.ext_id).where(c.project_id == project_id).limit(1)).first()
    if present is None:
        return None
    query = select(table).where(c.project_id == project_id, c[time_column] >= int(since.timestamp()))
    return list(conn.execute(query.order_by(c[time_column], c.ext_id)))


def load_delivery(store: Store, project_id: int, since: datetime) -> StoredDelivery:
    with store.engine.connect() as conn:
        runs = _rows(conn, t.pipeline_runs, project_id, "created_at", since)
        deps = _rows(conn, t.deployments, project_id, "created_at", since)
        incs = _rows(conn, t.incidents, project_id, "started_at", since)
        items = _rows(conn, t.work_items, project_id, "created_at", datetime.fromtimestamp(0, UTC))
        rels = _rows(conn, t.releases, project_id, "created_at", since)
        drills = _rows(conn, t.drills, project_id, "started_at", since)
    return StoredDelivery(
        runs=None if runs is None else [_run_of(r) for r in runs],
        deployments=None if deps is None else [_deployment_of(r) for r in deps],
        incidents=None if incs is None else [_incident_of(r) for r in incs],
        work_items=None if items is None else [_work_item_of(r) for r in items],
        releases=None if rels is None else [_release_of(r) for r in rels],
        drills=None if drills is None else [drill_of(r) for r in drills],
    )


def _run_of(r: Any) -> PipelineRun:
    jobs = jobs_of(r.jobs)
    return PipelineRun(
        source=r.source,
        id=r.ext_id,
        pipeline=r.pipeline,
        status=RunStatus(r.status),
        created_at=moment(r.created_at) or datetime.fromtimestamp(0, UTC),
        started_at=moment(r.started_at),
        finished_at=moment(r.finished_at),
        commit=r.commit_sha,
        branch=r.branch,
        event=r.event,
        url=r.url,
        jobs=jobs,
    )


def _deployment_of(r: Any) -> Deployment:
    return Deployment(
        source=r.source,
        id=r.ext_id,
        environment=r.environment,
        status=RunStatus(r.status),
        created_at=moment(r.created_at) or datetime.fromtimestamp(0, UTC),
        finished_at=moment(r.finished_at),
        commit=r.commit_sha,
        pipeline=r.pipeline,
        url=r.url,
        rollback=bool(r.rollback),
        incident=r.incident,
    )


def _incident_of(r: Any) -> Incident:
    return Incident(
        source=r.source,
        id=r.ext_id,
        title=r.title,
        started_at=moment(r.started_at) or datetime.fromtimestamp(0, UTC),
        resolved_at=moment(r.resolved_at),
        severity=r.severity,
        service=r.service,
        deployment=r.deployment,
        labels=tuple(x for x in r.labels.split("\n") if x),
        auto_recovered=bool(r.auto_recovered),
        postmortem=r.postmortem,
    )


def _work_item_of(r: Any) -> WorkItem:
    return WorkItem(
        source=r.source,
        id=r.ext_id,
        type=r.type,
        title=r.title,
        created_at=moment(r.created_at) or datetime.fromtimestamp(0, UTC),
        resolved_at=moment(r.resolved_at),
        released_at=moment(r.released_at),
        release=r.release,
        severity=r.severity,
        environment=r.environment,
        labels=tuple(x for x in r.labels.split("\n") if x),
        iteration=r.iteration,
        iteration_start=moment(r.iteration_start),
        iteration_end=moment(r.iteration_end),
        estimate=r.estimate,
        parent=r.parent,
        acceptance_criteria=None if r.acceptance_criteria is None else bool(r.acceptance_criteria),
        approvals=r.approvals,
        approved_by_other=None if r.approved_by_other is None else bool(r.approved_by_other),
    )


def _release_of(r: Any) -> Release:
    return Release(
        source=r.source,
        id=r.ext_id,
        name=r.name,
        created_at=moment(r.created_at) or datetime.fromtimestamp(0, UTC),
        commit=r.commit_sha,
        tag=r.tag,
    )
