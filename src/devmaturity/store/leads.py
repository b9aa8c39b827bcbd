"""Lead-time attribution kept in the store.

Which successful production deployment first shipped each commit depends on the whole history, so it is
worked out when evidence arrives, not when a metric is asked for: `refresh_leads` extends it with the new
deployments (walking only the commits they ship), or rebuilds it from the earliest point a late or changed
record touches, or from scratch when the deployment rule changes. It is one transaction: an interrupted
refresh leaves the previous attribution whole. `load_frames` then reads a window's worth of columns.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from devmaturity.model.commit_graph import ship, walk_graph
from devmaturity.model.delivery_rules import DeliveryRules, production
from devmaturity.model.frames import SUCCESS, DeploymentFrame, texts
from devmaturity.store import tables as t
from devmaturity.store.db import BATCH, Store
from devmaturity.store.frames import PART, deployment_rows, max_run, rebuild_parts, run_rows
from devmaturity.store.frames import lock_project as _lock

# above this many deployments to attribute, the commit graph is read into memory once instead of level by level
BULK = 2000
CHUNK = 500  # shas per IN (...) query

Progress = Callable[[str, int], None]


def quiet(_stage: str, _count: int) -> None:
    pass


@dataclass(frozen=True, slots=True)
class LeadRefresh:
    """What a refresh did: nothing (already current), extended, rebuilt from an ordinal, or rebuilt whole."""

    action: str
    from_ordinal: int
    deployments: int
    commits: int


def rule_key(rules: DeliveryRules) -> str:
    return hashlib.sha256(rules.deployment_key().encode()).hexdigest()[:32]


def _changed_since(conn: Connection, table: Any, project_id: int, run_id: int) -> int | None:
    """The earliest start time among rows written after `run_id`, if any."""
    c = table.c
    value = conn.execute(select(func.min(c.created_at)).where(c.project_id == project_id, c.run_id > run_id)).scalar()
    return None if value is None else int(value)


def refresh_leads(
    store: Store, project_id: int, rules: DeliveryRules, progress: Progress = quiet, *, bulk: int = BULK
) -> LeadRefresh:
    """Bring the project's lead-time attribution up to date with its evidence and deployment rule."""
    key = rule_key(rules)
    uses_runs = bool(rules.pipelines or rules.jobs)
    with store.reading() as conn:  # the usual case, nothing new: only reads, no lock, no write
        marks, state = _marks(conn, project_id)
        if state is not None and state.rule_key == key and marks == {k: getattr(state, k) for k in marks}:
            return LeadRefresh("current", 0, 0, 0)
    with store.transaction() as conn:
        _lock(conn, project_id)
        marks, state = _marks(conn, project_id)  # again, under the lock: another refresh may have done it
        since = _rebuild_point(conn, project_id, state, key, marks, uses_runs)
        if since is None:
            return LeadRefresh("current", 0, 0, 0)
        lt = t.lead_times.c
        start = 0
        if since > _FROM_SCRATCH:
            start = int(
                conn.execute(select(func.count()).where(lt.project_id == project_id, lt.created_at < since)).scalar()
                or 0
            )
        removed = conn.execute(t.lead_times.delete().where(lt.project_id == project_id, lt.ordinal >= start)).rowcount
        sc = t.shipped_commits.c
        conn.execute(t.shipped_commits.delete().where(sc.project_id == project_id, sc.ordinal >= start))
        ok = _successful(conn, project_id, rules, since if start else None)
        progress("attribute", len(ok))
        shipped = _attribute(conn, project_id, ok, start, progress, bulk)
        _repack(conn, project_id, None if since == _FROM_SCRATCH else since)
        row = {"project_id": project_id, "rule_key": key, "updated_at": int(time.time()), **marks}
        conn.execute(t.lead_state.delete().where(t.lead_state.c.project_id == project_id))
        conn.execute(t.lead_state.insert(), [row])
    action = "built" if since == _FROM_SCRATCH else ("rebuilt" if removed else "extended")
    return LeadRefresh(action, start, len(ok), shipped)


_FROM_SCRATCH = -(2**62)


def _marks(conn: Connection, project_id: int) -> tuple[dict[str, int], Any]:
    """The newest run of each table the attribution follows, and the state it was built at (None if never)."""
    marks = {
        "deployments_run": max_run(conn, t.deployments, project_id),
        "pipeline_runs_run": max_run(conn, t.pipeline_runs, project_id),
        "commits_run": max_run(conn, t.commits, project_id),
    }
    return marks, conn.execute(select(t.lead_state).where(t.lead_state.c.project_id == project_id)).first()


def _rebuild_point(
    conn: Connection, project_id: int, state: Any, key: str, marks: Mapping[str, int], uses_runs: bool
) -> int | None:
    """From which start time the attribution must be redone (None: it is current)."""
    if state is None or state.rule_key != key:
        return _FROM_SCRATCH
    points: list[int] = []
    if marks["deployments_run"] > state.deployments_run:
        found = _changed_since(conn, t.deployments, project_id, state.deployments_run)
        if found is not None:
            points.append(found)
    if uses_runs and marks["pipeline_runs_run"] > state.pipeline_runs_run:
        found = _changed_since(conn, t.pipeline_runs, project_id, state.pipeline_runs_run)
        if found is not None:
            points.append(found)
    if marks["commits_run"] > state.commits_run:
        # new history changes nothing already attributed, unless a walk stopped at a commit the store lacked
        lt = t.lead_times.c
        gap = conn.execute(
            select(func.min(lt.created_at)).where(lt.project_id == project_id, lt.missing.is_(True))
        ).scalar()
        if gap is not None:
            points.append(int(gap))
    if not points:
        if marks != {k: getattr(state, k) for k in marks}:
            _touch(conn, project_id, marks)
        return None
    return min(points)


def _touch(conn: Connection, project_id: int, marks: Mapping[str, int]) -> None:
    conn.execute(
        t.lead_state.update()
        .where(t.lead_state.c.project_id == project_id)
        .values(updated_at=int(time.time()), **marks)
    )


def _successful(conn: Connection, project_id: int, rules: DeliveryRules, since: int | None) -> DeploymentFrame:
    """Successful production deployments (by the rule) starting at or after `since`, in attribution order."""
    deps = deployment_rows(conn, project_id, since)
    runs = run_rows(conn, project_id, since, with_jobs=bool(rules.jobs)) if rules.pipelines or rules.jobs else None
    prod = production(deps, runs, rules)
    keep = prod.status == SUCCESS
    if since is not None:
        keep &= prod.created >= since
    return prod.take(keep)


Walk = Callable[[str | None], tuple[dict[str, float], bool]]
# placeholder -> the driver-level insert of shipped commits (the bulk of an attribution's rows)
_INSERT_SHIPPED = {
    "?": "INSERT INTO shipped_commits (project_id, sha, ordinal) VALUES (?, ?, ?)",
    "%s": "INSERT INTO shipped_commits (project_id, sha, ordinal) VALUES (%s, %s, %s)",
}


def _attribute(
    conn: Connection, project_id: int, ok: DeploymentFrame, start: int, progress: Progress, bulk: int
) -> int:
    """Walk each deployment's new commits; write lead_times and shipped_commits rows from ordinal `start`."""
    if not len(ok):
        return 0
    walk = (_memory if len(ok) > bulk else _queries)(conn, project_id, start)
    deployed = ok.when
    shas = ok.commits if ok.commits is not None else texts("" for _ in range(len(ok)))
    insert_shipped = _INSERT_SHIPPED["?" if conn.dialect.paramstyle == "qmark" else "%s"]
    lead_rows: list[dict[str, Any]] = []
    ship_rows: list[tuple[int, str, int]] = []
    total = 0
    for k in range(len(ok)):
        ordinal = start + k
        found, missing = walk(str(shas[k]) or None)
        total += len(found)
        leads = np.zeros(0, dtype="<i8")
        if ordinal > 0 and found:
            moments = np.fromiter(found.values(), dtype=np.float64, count=len(found))
            leads = np.maximum(float(deployed[k]) - moments, 0.0).round().astype("<i8")
        lead_rows.append(
            {
                "project_id": project_id,
                "ordinal": ordinal,
                "ext_id": str(ok.ids[k]),
                "created_at": int(ok.created[k]),
                "deployed_at": int(deployed[k]),
                "commits": len(found),
                "missing": missing,
                "leads": leads.tobytes(),
            }
        )
        ship_rows.extend((project_id, sha, ordinal) for sha in found)
        if len(ship_rows) >= 20 * BATCH:  # the bulk of the rows: straight to the driver
            conn.exec_driver_sql(insert_shipped, ship_rows)
            ship_rows = []
        if len(lead_rows) >= BATCH:
            conn.execute(t.lead_times.insert(), lead_rows)
            lead_rows = []
            progress("attributed", k + 1)
    if ship_rows:
        conn.exec_driver_sql(insert_shipped, ship_rows)
    if lead_rows:
        conn.execute(t.lead_times.insert(), lead_rows)
    progress("attributed", len(ok))
    return total


def _memory(conn: Connection, project_id: int, start: int) -> Walk:
    """The whole commit graph in memory (sha, parents, time), read once: for building many deployments."""
    c = t.commits.c
    query = select(c.sha, c.parents, c.committer_time).where(c.project_id == project_id)
    graph = {sha: (parents, moment) for sha, parents, moment in conn.execute(query.execution_options(yield_per=50_000))}
    done: set[str] = set()
    if start:
        sc = t.shipped_commits.c
        done = set(conn.scalars(select(sc.sha).where(sc.project_id == project_id, sc.ordinal < start)))
    return lambda tip: walk_graph(tip, graph, done)


def _queries(conn: Connection, project_id: int, start: int) -> Walk:
    """The commit graph asked level by level: for extending with a few new deployments."""
    c = t.commits.c
    sc = t.shipped_commits.c

    def lookup(shas: Sequence[str]) -> dict[str, tuple[Sequence[str], float]]:
        out: dict[str, tuple[Sequence[str], float]] = {}
        for part in _chunks(shas):
            query = select(c.sha, c.parents, c.committer_time).where(c.project_id == project_id, c.sha.in_(part))
            for sha, parents, moment in conn.execute(query):
                out[sha] = (parents.split(), float(moment))
        return out

    def shipped(shas: Sequence[str]) -> set[str]:
        out: set[str] = set()
        for part in _chunks(shas):
            query = select(sc.sha).where(sc.project_id == project_id, sc.sha.in_(part), sc.ordinal < start)
            out.update(conn.scalars(query))
        return out

    taken: set[str] = set()

    def before(shas: Sequence[str]) -> set[str]:
        found = shipped(shas)
        return found.union(s for s in shas if s in taken)

    def walk(tip: str | None) -> tuple[dict[str, float], bool]:
        found, missing = ship(tip, lookup, before)
        taken.update(found)
        return found, missing

    return walk


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _repack(conn: Connection, project_id: int, since: int | None) -> None:
    """Pack the lead-time parts from `since` on (all of them after a build from scratch) again."""
    fp, lt = t.frame_parts.c, t.lead_times.c
    old = select(fp.part).where(fp.project_id == project_id, fp.kind == "leads")
    new = select(func.distinct(lt.deployed_at // PART)).where(lt.project_id == project_id)
    if since is not None:
        old = old.where(fp.part >= since // PART)
        new = new.where(lt.deployed_at >= since)
    rebuild_parts(conn, project_id, "leads", {*conn.scalars(old), *(int(p) for p in conn.scalars(new))})
