"""Delivery evidence loaded as frames (model/frames.py), through a columnar cache of 30-day parts.

Rows stay the truth. Deployments, pipeline runs and lead times are also kept as packed columns, one blob per
project, kind and 30-day part of their time axis, so a window's worth of a million-deployment history is a few
blobs instead of a few hundred thousand rows. A part is rebuilt from its rows when any of them was written by
a newer run than the part (and, for a record whose start time moved to another part, the part it left:
save_delivery notes it in frame_dirty). Incidents, work items and releases are read from rows: they are few.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection, and_, func, or_, select

from devmaturity.model.delivery import Drill, DrillKind, JobRun, RunStatus
from devmaturity.model.delivery_rules import DeliveryRules
from devmaturity.model.frames import (
    CODE,
    DeploymentFrame,
    IncidentFrame,
    LeadFrame,
    ReleaseFrame,
    RunFrame,
    WorkItemFrame,
    concat,
    take,
    texts,
)
from devmaturity.store import tables as t
from devmaturity.store.db import Store

PART = 30 * 86400  # seconds of one cached part
CONTEXT = 7 * 86400  # records this long before a window are read too: a rollback or a red run just before it
_SEP = "\x00"

F = TypeVar("F")


# --- rows ---


def _floats(values: Sequence[Any]) -> Any:
    return np.array(values, dtype=np.float64)


def _codes(values: Sequence[str]) -> Any:
    if not len(values):
        return np.zeros(0, dtype=np.int8)
    distinct, inverse = np.unique(np.array(values, dtype=object).astype(str), return_inverse=True)
    table = np.array([CODE.get(v, CODE[RunStatus.SKIPPED.value]) for v in distinct], dtype=np.int8)
    return table[inverse.reshape(-1)]


def _columns(conn: Connection, query: Any, width: int) -> list[Sequence[Any]]:
    rows = conn.execute(query).all()
    if not rows:
        return [() for _ in range(width)]
    return list(zip(*rows, strict=True))


def _span(query: Any, column: Any, lo: int | None, hi: int | None) -> Any:
    if lo is not None:
        query = query.where(column >= lo)
    if hi is not None:
        query = query.where(column < hi)
    return query


def deployment_rows(conn: Connection, project_id: int, lo: int | None, hi: int | None = None) -> DeploymentFrame:
    c = t.deployments.c
    query = select(
        c.ext_id, c.environment, c.created_at, c.finished_at, c.status, c.rollback, c.incident, c.pipeline, c.commit_sha
    ).where(c.project_id == project_id)
    query = _span(query, c.created_at, lo, hi).order_by(c.created_at, c.ext_id)
    ids, envs, created, finished, status, rollback, incident, services, commits = _columns(conn, query, 9)
    return DeploymentFrame(
        ids=texts(ids),
        environments=texts(envs),
        created=_floats(created),
        finished=_floats(finished),
        status=_codes(status),
        rollback=np.array(rollback, dtype=np.bool_),
        linked=np.array([bool(i) for i in incident], dtype=np.bool_),
        services=texts(services),
        commits=texts(commits),
    )


def run_rows(
    conn: Connection, project_id: int, lo: int | None, hi: int | None = None, *, with_jobs: bool = False
) -> RunFrame:
    c = t.pipeline_runs.c
    cols = [c.ext_id, c.pipeline, c.branch, c.status, c.created_at, c.started_at, c.finished_at, c.security_scan]
    cols += [c.commit_sha, c.provision_seconds] + ([c.jobs] if with_jobs else [])
    query = _span(select(*cols).where(c.project_id == project_id), c.created_at, lo, hi)
    columns = _columns(conn, query.order_by(c.created_at, c.ext_id), len(cols))
    return RunFrame(
        ids=texts(columns[0]),
        pipeline=texts(columns[1]),
        branch=texts(columns[2]),
        status=_codes(columns[3]),
        created=_floats(columns[4]),
        started=_floats(columns[5]),
        finished=_floats(columns[6]),
        security_scan=np.array(columns[7], dtype=np.bool_),
        commits=texts(columns[8]),
        provision=_floats(columns[9]),
        jobs=[jobs_of(text) for text in columns[10]] if with_jobs else None,
    )


def jobs_of(text: str) -> tuple[JobRun, ...]:
    """The jobs column (JSON) of a pipeline_runs row."""
    return tuple(
        JobRun(
            id=j["id"],
            name=j["name"],
            stage=j["stage"],
            status=RunStatus(j["status"]),
            started_at=moment(j["started_at"]),
            finished_at=moment(j["finished_at"]),
            environment=j.get("environment", ""),
        )
        for j in json.loads(text)
    )


def moment(stamp: int | None) -> datetime | None:
    """A stored unix time as an aware UTC datetime."""
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else None


def lead_rows(conn: Connection, project_id: int, lo: int | None, hi: int | None = None) -> LeadFrame:
    c = t.lead_times.c
    query = select(c.ext_id, c.ordinal, c.deployed_at, c.leads).where(c.project_id == project_id)
    ids, ordinals, deployed, blobs = _columns(conn, _span(query, c.deployed_at, lo, hi).order_by(c.ordinal), 4)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    # the first ever deployment ships all earlier history but keeps no lead times (it only sets the baseline)
    np.cumsum(np.array([len(b) // 8 for b in blobs], dtype=np.int64), out=offsets[1:])
    return LeadFrame(
        ids=texts(ids),
        ordinal=np.array(ordinals, dtype=np.int64),
        deployed=_floats(deployed),
        offsets=offsets,
        leads=np.frombuffer(b"".join(blobs), dtype="<i8").astype(np.float64),
    )


def _sorted_rows(conn: Connection, queries: Sequence[Any], width: int, time: int) -> list[Any]:
    """The rows of several queries as columns, ordered by (the time column, id) as one query would be."""
    rows = [r for q in queries for r in conn.execute(q).all()]
    if not rows:
        return [np.zeros(0, dtype=object) for _ in range(width)]
    columns = [np.array(col, dtype=object) for col in zip(*rows, strict=True)]
    order = np.lexsort((columns[0].astype(str), columns[time].astype(np.float64)))
    return [col[order] for col in columns]


def drill_of(r: Any) -> Drill:
    """The Drill of a drills row."""
    return Drill(
        source=r.source,
        id=r.ext_id,
        kind=DrillKind(r.kind),
        started_at=moment(r.started_at) or datetime.fromtimestamp(0, UTC),
        finished_at=moment(r.finished_at),
        status=RunStatus(r.status),
        service=r.service,
        environment=r.environment,
        url=r.url,
    )


def _drill_rows(conn: Connection, project_id: int, lo: int) -> list[Drill]:
    """Drills are few (a handful a year): read as records."""
    c = t.drills.c
    query = select(t.drills).where(c.project_id == project_id, c.started_at >= lo).order_by(c.started_at, c.ext_id)
    return [drill_of(r) for r in conn.execute(query)]


def _incident_rows(conn: Connection, project_id: int, lo: int) -> IncidentFrame:
    c = t.incidents.c
    base = select(
        c.ext_id, c.started_at, c.resolved_at, c.severity, c.service, c.deployment, c.auto_recovered, c.postmortem
    ).where(c.project_id == project_id)
    queries = [
        base.where(c.started_at >= lo),
        # incidents that began earlier and were still open at `lo` count for availability
        base.where(c.resolved_at > lo, c.started_at < lo),
        base.where(c.resolved_at.is_(None), c.started_at < lo),
    ]
    ids, started, resolved, severity, service, deployment, auto, postmortem = _sorted_rows(conn, queries, 8, 1)
    return IncidentFrame(
        ids=texts(ids),
        started=_floats(started),
        resolved=_floats(resolved),
        severity=texts(severity),
        service=texts(service),
        deployment=texts(deployment),
        auto_recovered=auto.astype(np.bool_),
        postmortem=np.array([bool(p) for p in postmortem], dtype=np.bool_),
        postmortem_known=np.array([p is not None for p in postmortem], dtype=np.bool_),
    )


def _work_item_rows(conn: Connection, project_id: int, lo: int) -> WorkItemFrame:
    c = t.work_items.c
    base = select(
        c.ext_id,
        c.type,
        c.created_at,
        c.resolved_at,
        c.released_at,
        c.environment,
        c.iteration,
        c.iteration_start,
        c.iteration_end,
        c.estimate,
        c.parent,
        c.acceptance_criteria,
        c.approved_by_other,
    ).where(c.project_id == project_id)
    # a requirement counts when it is released (or resolved): it may have been created long before; an item
    # planned in an iteration that ends in the window counts for that iteration even while it is still open
    earlier = or_(c.released_at < lo, and_(c.released_at.is_(None), or_(c.resolved_at.is_(None), c.resolved_at < lo)))
    queries = [
        base.where(c.created_at >= lo),
        base.where(c.released_at >= lo, c.created_at < lo),
        base.where(c.resolved_at >= lo, c.released_at.is_(None), c.created_at < lo),
        base.where(c.iteration_end >= lo, c.created_at < lo, earlier),
    ]
    (
        ids,
        types,
        created,
        resolved,
        released,
        environment,
        iteration,
        start,
        end,
        estimate,
        parent,
        accepted,
        by_other,
    ) = _sorted_rows(conn, queries, 13, 2)
    return WorkItemFrame(
        ids=texts(ids),
        types=texts(types),
        created=_floats(created),
        resolved=_floats(resolved),
        released=_floats(released),
        environment=texts(environment),
        iteration=texts(iteration),
        iteration_start=_floats(start),
        iteration_end=_floats(end),
        estimate=_floats(estimate),
        parent=texts(parent),
        accepted=np.array([bool(a) for a in accepted], dtype=np.bool_),
        accepted_known=np.array([a is not None for a in accepted], dtype=np.bool_),
        reviewed=np.array([bool(r) for r in by_other], dtype=np.bool_),
        reviewed_known=np.array([r is not None for r in by_other], dtype=np.bool_),
    )


def _release_rows(conn: Connection, project_id: int, lo: int) -> ReleaseFrame:
    c = t.releases.c
    query = select(c.ext_id, c.created_at).where(c.project_id == project_id, c.created_at >= lo)
    ids, created = _columns(conn, query.order_by(c.created_at, c.ext_id), 2)
    return ReleaseFrame(ids=texts(ids), created=_floats(created))


# --- packed parts ---


def pack(frame: Any) -> bytes:
    """A frame's arrays in one .npz blob (no pickles): text columns as NUL-joined UTF-8."""
    arrays: dict[str, Any] = {"n": np.array([len(frame)], dtype=np.int64)}
    for f in fields(frame):
        value = getattr(frame, f.name)
        if not isinstance(value, np.ndarray):  # columns left out, and jobs (never packed)
            continue
        if value.dtype == object:
            joined = _SEP.join(str(v).replace(_SEP, "\ufffd") for v in value.tolist())
            arrays[f"s_{f.name}"] = np.frombuffer(joined.encode(), dtype=np.uint8)
        else:
            arrays[f.name] = value
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack(kind: Callable[..., F], data: bytes) -> F:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        size = int(z["n"][0])
        values: dict[str, Any] = {}
        for name in z.files:
            if name == "n":
                continue
            if name.startswith("s_"):
                text = z[name].tobytes().decode()
                values[name[2:]] = texts(text.split(_SEP) if size else [], clean=True)
            else:
                values[name] = z[name]
    return kind(**values)


def concat_leads(frames: Sequence[LeadFrame]) -> LeadFrame:
    if len(frames) == 1:
        return frames[0]
    if not frames:
        return lead_rows_empty()
    sizes = np.concatenate([np.diff(f.offsets) for f in frames])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return LeadFrame(
        ids=np.concatenate([f.ids for f in frames]),
        ordinal=np.concatenate([f.ordinal for f in frames]),
        deployed=np.concatenate([f.deployed for f in frames]),
        offsets=offsets,
        leads=np.concatenate([f.leads for f in frames]),
    )


def lead_rows_empty() -> LeadFrame:
    return LeadFrame(
        ids=texts([]),
        ordinal=np.zeros(0, dtype=np.int64),
        deployed=np.zeros(0),
        offsets=np.zeros(1, dtype=np.int64),
        leads=np.zeros(0),
    )


@dataclass(frozen=True, slots=True)
class _Kind:
    table: Any
    time: str
    rows: Callable[[Connection, int, int | None, int | None], Any]


KINDS: dict[str, _Kind] = {
    "deployments": _Kind(t.deployments, "created_at", deployment_rows),
    "pipeline_runs": _Kind(t.pipeline_runs, "created_at", run_rows),
}


def max_run(conn: Connection, table: Any, project_id: int) -> int:
    """The newest run that wrote a row of the table for the project (0 if none): how fresh derived data is
    checked (an index lookup)."""
    return int(conn.execute(select(func.max(table.c.run_id)).where(table.c.project_id == project_id)).scalar() or 0)


def rebuild_parts(conn: Connection, project_id: int, kind: str, parts: Iterable[int]) -> int:
    """Pack the given parts of a kind again from their rows (lead times come from lead_times)."""
    fp = t.frame_parts.c
    wanted = sorted(set(parts))
    for part in wanted:
        lo, hi = part * PART, (part + 1) * PART
        if kind == "leads":
            frame = lead_rows(conn, project_id, lo, hi)
        else:  # commits are read from rows by the lead-time attribution; parts leave them out
            frame = replace(KINDS[kind].rows(conn, project_id, lo, hi), commits=None)
        conn.execute(t.frame_parts.delete().where(fp.project_id == project_id, fp.kind == kind, fp.part == part))
        if len(frame):
            conn.execute(
                t.frame_parts.insert(),
                [{"project_id": project_id, "kind": kind, "part": part, "rows": len(frame), "data": pack(frame)}],
            )
    return len(wanted)


def lock_project(conn: Connection, project_id: int) -> None:
    """Serialise refreshes of one project's derived data: a no-op write to the project row, first thing in the
    transaction, takes PostgreSQL's row lock and SQLite's write lock, so a second refresh waits and then reads
    a state in which the work is done."""
    p = t.projects.c  # not the key: writing a parent key would make SQLite check every row that refers to it
    conn.execute(t.projects.update().where(p.id == project_id).values(created_at=p.created_at))


def _stale(conn: Connection, project_id: int, kind: str) -> tuple[int, int | None, set[int]] | None:
    """(newest run, run the parts were packed at, parts a moved record left) when the kind needs repacking."""
    fs, fd = t.frame_state.c, t.frame_dirty.c
    mark = max_run(conn, KINDS[kind].table, project_id)
    state = conn.execute(select(fs.run_mark).where(fs.project_id == project_id, fs.kind == kind)).scalar()
    dirty = set(conn.scalars(select(fd.part).where(fd.project_id == project_id, fd.kind == kind)))
    return None if state is not None and mark <= state and not dirty else (mark, state, dirty)


def refresh_parts(store: Store, project_id: int) -> int:
    """Repack the parts that rows written since they were packed touched; returns how many were repacked.
    When all are current it only reads: no lock, no write on the way to every metric."""
    with store.reading() as conn:
        if all(_stale(conn, project_id, kind) is None for kind in KINDS):
            return 0
    fs, fd = t.frame_state.c, t.frame_dirty.c
    done = 0
    with store.transaction() as conn:
        lock_project(conn, project_id)
        for kind, spec in KINDS.items():
            stale = _stale(conn, project_id, kind)  # again, under the lock: another refresh may have done it
            if stale is None:
                continue
            mark, state, dirty = stale
            c = spec.table.c
            changed = select(func.distinct(c[spec.time] // PART)).where(c.project_id == project_id)
            if state is not None:
                changed = changed.where(c.run_id > state)
            else:  # never packed: any stale parts go too
                dirty |= set(
                    conn.scalars(
                        select(t.frame_parts.c.part).where(
                            t.frame_parts.c.project_id == project_id, t.frame_parts.c.kind == kind
                        )
                    )
                )
            dirty |= {int(p) for p in conn.scalars(changed)}
            done += rebuild_parts(conn, project_id, kind, dirty)
            conn.execute(t.frame_dirty.delete().where(fd.project_id == project_id, fd.kind == kind))
            conn.execute(t.frame_state.delete().where(fs.project_id == project_id, fs.kind == kind))
            conn.execute(
                t.frame_state.insert(),
                [{"project_id": project_id, "kind": kind, "run_mark": mark, "updated_at": int(time.time())}],
            )
    return done


def _packed(conn: Connection, project_id: int, kind: str, lo: int) -> list[bytes]:
    fp = t.frame_parts.c
    query = select(fp.data).where(fp.project_id == project_id, fp.kind == kind, fp.part >= lo // PART).order_by(fp.part)
    return list(conn.scalars(query))


def _trim(frame: F, moments: Any, lo: int) -> F:
    """Drop what lies before `lo` in the first part."""
    keep = moments >= lo
    return frame if keep.all() else take(frame, keep)


def _present(conn: Connection, table: Any, project_id: int) -> bool:
    return conn.execute(select(table.c.ext_id).where(table.c.project_id == project_id).limit(1)).first() is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryFrames:
    """A project's delivery evidence from a point in time on; a kind never collected is None (unknown)."""

    deployments: DeploymentFrame | None
    runs: RunFrame | None
    incidents: IncidentFrame | None
    work_items: WorkItemFrame | None
    releases: ReleaseFrame | None
    leads: LeadFrame
    drills: Sequence[Drill] | None = None


def load_frames(store: Store, project_id: int, since: datetime, rules: DeliveryRules) -> DeliveryFrames:
    """Everything the delivery metrics read for windows starting at or after `since` (and CONTEXT before it).
    Repacks stale parts first; with a jobs rule, runs come from rows (their jobs are not packed)."""
    refresh_parts(store, project_id)
    lo = int(since.timestamp()) - CONTEXT
    with store.reading() as conn:
        deps = None
        if _present(conn, t.deployments, project_id):
            blobs = [unpack(DeploymentFrame, b) for b in _packed(conn, project_id, "deployments", lo)]
            deps = concat(blobs) if blobs else DeploymentFrame.of([])
            deps = _trim(deps, deps.created, lo)
        runs = None
        if _present(conn, t.pipeline_runs, project_id):
            if rules.jobs:
                runs = run_rows(conn, project_id, lo, with_jobs=True)
            else:
                packed = [unpack(RunFrame, b) for b in _packed(conn, project_id, "pipeline_runs", lo)]
                runs = concat(packed) if packed else RunFrame.of([])
                runs = _trim(runs, runs.created, lo)
        incs = _incident_rows(conn, project_id, lo) if _present(conn, t.incidents, project_id) else None
        items = _work_item_rows(conn, project_id, lo) if _present(conn, t.work_items, project_id) else None
        rels = _release_rows(conn, project_id, lo) if _present(conn, t.releases, project_id) else None
        drills = _drill_rows(conn, project_id, lo) if _present(conn, t.drills, project_id) else None
        leads = concat_leads([unpack(LeadFrame, b) for b in _packed(conn, project_id, "leads", lo)])
    return DeliveryFrames(
        deployments=deps,
        runs=runs,
        incidents=incs,
        work_items=items,
        releases=rels,
        leads=_trim_leads(leads, lo),
        drills=drills,
    )


def _trim_leads(frame: LeadFrame, lo: int) -> LeadFrame:
    keep = frame.deployed >= lo
    if keep.all():
        return frame
    sizes = np.diff(frame.offsets)
    offsets = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    np.cumsum(sizes[keep], out=offsets[1:])
    return LeadFrame(
        ids=frame.ids[keep],
        ordinal=frame.ordinal[keep],
        deployed=frame.deployed[keep],
        offsets=offsets,
        leads=frame.leads[np.repeat(keep, sizes)],
    )
