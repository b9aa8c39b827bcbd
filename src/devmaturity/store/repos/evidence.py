"""Stored assessments read back (by id, or a project's latest) and the evidence records an assessment cites:
commits, ingested report files (test, coverage, security, performance summaries) and delivery records."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from devmaturity.store import tables as t
from devmaturity.store.repos.tenancy import scoped

_CHUNK = 500  # values per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
_MORE_FILES = re.compile(r" \(\+\d+ files?\)$")  # "path (+5 files)": one build's report files cited as one
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
DELIVERY_TABLES: tuple[Table, ...] = (
    t.deployments,
    t.incidents,
    t.work_items,
    t.pipeline_runs,
    t.releases,
    t.drills,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredAssessment:
    """One stored assessment with its JSON report (docs/report-schema.md) and the project it belongs to."""

    id: int
    run_id: int
    project_id: int
    project: str
    org_id: int | None  # None: a project of the local CLI, which only the local owner sees
    framework: str
    framework_version: str
    window_start: datetime
    window_end: datetime
    created_at: datetime
    levels: dict[str, int]
    report: dict[str, Any]


def _stamp(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _query() -> Any:
    a = t.assessments.c
    return select(
        a.id,
        a.run_id,
        a.project_id,
        t.projects.c.name,
        t.projects.c.org_id,
        a.framework,
        a.framework_version,
        a.window_start,
        a.window_end,
        a.levels,
        a.report,
        t.runs.c.started_at,
        t.runs.c.finished_at,
    ).select_from(t.assessments.join(t.projects, t.projects.c.id == a.project_id).join(t.runs, t.runs.c.id == a.run_id))


def _stored(row: Any) -> StoredAssessment:
    created = _stamp(row.finished_at or row.started_at)
    assert created is not None
    return StoredAssessment(
        id=row.id,
        run_id=row.run_id,
        project_id=row.project_id,
        project=row.name,
        org_id=row.org_id,
        framework=row.framework,
        framework_version=row.framework_version,
        window_start=datetime.fromtimestamp(row.window_start, UTC),
        window_end=datetime.fromtimestamp(row.window_end, UTC),
        created_at=created,
        levels=json.loads(row.levels),
        report=json.loads(row.report),
    )


def _in(query: Any, scope: frozenset[int] | None) -> Any:
    """Only projects of the scope's organisations; `None` (the local owner) also sees projects of none."""
    return query if scope is None else query.where(scoped(t.projects, scope))


def assessment_by_id(conn: Connection, assessment_id: int, scope: frozenset[int] | None) -> StoredAssessment | None:
    row = conn.execute(_in(_query(), scope).where(t.assessments.c.id == assessment_id)).first()
    return None if row is None else _stored(row)


def latest_assessment(conn: Connection, project: str, scope: frozenset[int] | None) -> StoredAssessment | None:
    """The project's newest assessment (the highest id: assessments are stored in the order they run)."""
    query = _in(_query(), scope).where(t.projects.c.name == project).order_by(t.assessments.c.id.desc()).limit(1)
    row = conn.execute(query).first()
    return None if row is None else _stored(row)


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _plain(row: Any) -> dict[str, Any]:
    """A row as JSON-ready values: unix-second columns (`*_at`, `*_time`) also as ISO 8601 UTC."""
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if key in ("run_id", "project_id"):
            continue
        out[key] = value
        if isinstance(value, int) and not isinstance(value, bool) and key.endswith(("_at", "_time")):
            out[f"{key}_iso"] = datetime.fromtimestamp(value, UTC).isoformat()
    return out


def _commits(conn: Connection, project_id: int, refs: Sequence[str]) -> dict[str, dict[str, Any]]:
    c = t.commits.c
    cols = (c.sha, c.parents, c.author_name, c.author_email, c.author_time, c.committer_time, c.subject, c.files)
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks([r for r in refs if _SHA.match(r)]):
        for row in conn.execute(select(*cols).where(c.project_id == project_id, c.sha.in_(chunk))):
            record = _plain(row)
            record["files"] = [f for f in record["files"].split("\n") if f]
            out[row.sha] = record
    return out


def _reports(conn: Connection, project_id: int, refs: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each cited report path → the report row and its siblings (the other files of the same build: same kind,
    commit and time), which a "(+N files)" citation stands for."""
    r = t.reports.c
    cols = (r.id, r.kind, r.format, r.path, r.digest, r.commit_sha, r.observed_at, r.summary, r.scan_status)
    paths = {_MORE_FILES.sub("", ref): ref for ref in refs}
    out: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(sorted(paths)):
        for row in conn.execute(select(*cols).where(r.project_id == project_id, r.path.in_(chunk))):
            siblings = conn.execute(
                select(*cols)
                .where(
                    r.project_id == project_id,
                    r.kind == row.kind,
                    r.observed_at == row.observed_at,
                    (r.commit_sha == row.commit_sha) if row.commit_sha is not None else r.commit_sha.is_(None),
                )
                .order_by(r.path)
            ).all()
            out[paths[row.path]] = [_report(s) for s in siblings]
    return out


def _report(row: Any) -> dict[str, Any]:
    record = _plain(row)
    record["summary"] = json.loads(record["summary"])
    if record.get("scan_status"):
        record["scan_status"] = json.loads(record["scan_status"])
    return record


def _delivery(conn: Connection, project_id: int, refs: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each cited record id → the delivery records with that id (kind = table name), any source system."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in DELIVERY_TABLES:
        for chunk in _chunks(list(refs)):
            query = select(table).where(table.c.project_id == project_id, table.c.ext_id.in_(chunk))
            for row in conn.execute(query):
                out.setdefault(row.ext_id, []).append({"kind": table.name, "record": _plain(row)})
    return out


def cited_records(conn: Connection, project_id: int, refs: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Every reference an assessment cites → the stored records it names (a reference no table holds, such as a
    repository file or an answer's document, maps to nothing): `{"kind": commits | reports | <delivery table>,
    "record": {...}}`."""
    wanted = sorted(set(refs))
    out: dict[str, list[dict[str, Any]]] = {}
    for sha, record in _commits(conn, project_id, wanted).items():
        out.setdefault(sha, []).append({"kind": "commits", "record": record})
    for ref, records in _reports(conn, project_id, wanted).items():
        out.setdefault(ref, []).extend({"kind": "reports", "record": rec} for rec in records)
    for ref, records in _delivery(conn, project_id, wanted).items():
        out.setdefault(ref, []).extend(records)
    return out
