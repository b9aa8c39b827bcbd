"""Projects of organisations and their sources (settings as JSON, credentials only as ciphertext), and their runs:
every read and write goes through the organisation scope of tenancy.scoped()."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from devmaturity.errors import Conflict
from devmaturity.model.projects import LOCAL_ORG, ProjectRecord, RunRecord, SourceKind, SourceRecord
from devmaturity.store import tables as t
from devmaturity.store.repos.accounts import Organisation, org_by_slug
from devmaturity.store.repos.tenancy import scoped

LOCAL_NAME = "Local projects"


def local_org(conn: Connection, *, now: int) -> tuple[Organisation, bool]:
    """The `local` organisation of the CLI's projects, created when missing; (it, whether it was created now)."""
    found = org_by_slug(conn, LOCAL_ORG)
    if found is not None:
        return found, False
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(t.organisations).values(slug=LOCAL_ORG, name=LOCAL_NAME, created_at=now)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["slug"]))
    made = org_by_slug(conn, LOCAL_ORG)
    assert made is not None  # inserted above, or by a concurrent first run
    return made, True


def project_key(org_slug: str, slug: str) -> str:
    """The project's store-wide name: its slug in `local` (what the CLI calls it), else <org slug>/<slug>."""
    return slug if org_slug == LOCAL_ORG else f"{org_slug}/{slug}"


_P = t.projects.c
_PROJECT_COLUMNS = (
    _P.id,
    _P.org_id,
    t.organisations.c.slug.label("org_slug"),
    _P.slug,
    _P.name,
    _P.title,
    _P.team,
    _P.settings,
    _P.created_at,
    _P.updated_at,
)


def _loads(text: str | None) -> Mapping[str, object]:
    if not text:
        return MappingProxyType({})
    value = json.loads(text)
    return MappingProxyType(value if isinstance(value, dict) else {})


def _dumps(value: Mapping[str, object]) -> str:
    return json.dumps(dict(value), sort_keys=True, ensure_ascii=False)


def _project(row: Any) -> ProjectRecord:
    return ProjectRecord(
        id=int(row.id),
        org_id=int(row.org_id),
        org_slug=row.org_slug,
        slug=row.slug,
        key=row.name,
        title=row.title or row.slug,
        team=row.team,
        settings=_loads(row.settings),
        created_at=int(row.created_at),
        updated_at=row.updated_at,
    )


def _projects_query(org_ids: Iterable[int]) -> Any:
    return (
        select(*_PROJECT_COLUMNS)
        .join_from(t.projects, t.organisations, t.organisations.c.id == _P.org_id)
        .where(scoped(t.projects, org_ids))
    )


def create_project(
    conn: Connection,
    org: Organisation,
    *,
    slug: str,
    title: str | None,
    team: str | None,
    settings: Mapping[str, object],
    now: int,
) -> ProjectRecord:
    """A new project of the organisation; Conflict when the slug (or its store-wide key) is taken."""
    key = project_key(org.slug, slug)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {
        "name": key,
        "root": "",
        "created_at": now,
        "org_id": org.id,
        "slug": slug,
        "title": title,
        "team": team,
        "settings": _dumps(settings),
        "updated_at": now,
    }
    stmt = dialect.insert(t.projects).values(**values).on_conflict_do_nothing()
    new_id = conn.execute(stmt.returning(_P.id)).scalar_one_or_none()
    if new_id is None:
        raise Conflict(
            f"project {slug!r} exists already in organisation {org.slug!r}",
            zh=f"组织 {org.slug!r} 中已有项目 {slug!r}",
        )
    found = get_project(conn, [org.id], int(new_id))
    assert found is not None
    return found


def get_project(conn: Connection, org_ids: Iterable[int], project_id: int) -> ProjectRecord | None:
    row = conn.execute(_projects_query(org_ids).where(_P.id == project_id)).first()
    return _project(row) if row else None


def project_by_slug(conn: Connection, org: Organisation, slug: str) -> ProjectRecord | None:
    row = conn.execute(_projects_query([org.id]).where(_P.slug == slug)).first()
    return _project(row) if row else None


def list_projects(
    conn: Connection, org_ids: Iterable[int], *, team: str | None = None, after: int | None = None, limit: int = 50
) -> list[ProjectRecord]:
    """Projects by id, from the one after `after` on (the cursor), at most `limit`, optionally of one team."""
    query = _projects_query(org_ids).order_by(_P.id).limit(limit)
    if team is not None:
        query = query.where(_P.team == team)
    if after is not None:
        query = query.where(_P.id > after)
    return [_project(row) for row in conn.execute(query)]


def update_project(
    conn: Connection, org_ids: Iterable[int], project_id: int, values: Mapping[str, object], *, now: int
) -> None:
    """Change a project's title, team and/or settings (the keys given)."""
    changes = {k: (_dumps(v) if k == "settings" and isinstance(v, Mapping) else v) for k, v in values.items()}
    conn.execute(
        update(t.projects).where(scoped(t.projects, org_ids), _P.id == project_id).values(**changes, updated_at=now)
    )


def delete_project(conn: Connection, org_ids: Iterable[int], project_id: int) -> bool:
    """Delete the project with its sources, runs and evidence (every foreign key to it cascades)."""
    result = conn.execute(delete(t.projects).where(scoped(t.projects, org_ids), _P.id == project_id))
    return bool(result.rowcount)


# --- sources ---

_S = t.sources.c


def _source(row: Any) -> SourceRecord:
    return SourceRecord(
        id=int(row.id),
        org_id=int(row.org_id),
        project_id=int(row.project_id),
        kind=SourceKind(row.kind),
        name=row.name,
        settings=_loads(row.settings),
        has_secret=row.secret is not None,
        created_at=int(row.created_at),
        updated_at=int(row.updated_at),
    )


def create_source(
    conn: Connection,
    project: ProjectRecord,
    *,
    kind: SourceKind,
    name: str,
    settings: Mapping[str, object],
    secret: str | None,
    now: int,
) -> SourceRecord:
    """A new source of the project; Conflict when the project has a source of that name."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(t.sources)
        .values(
            org_id=project.org_id,
            project_id=project.id,
            kind=kind.value,
            name=name,
            settings=_dumps(settings),
            secret=secret,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["project_id", "name"])
    )
    new_id = conn.execute(stmt.returning(_S.id)).scalar_one_or_none()
    if new_id is None:
        raise Conflict(
            f"project {project.key!r} has a source named {name!r} already",
            zh=f"项目 {project.key!r} 已有名为 {name!r} 的数据源",
        )
    found = get_source(conn, [project.org_id], project.id, int(new_id))
    assert found is not None
    return found


def list_sources(conn: Connection, org_ids: Iterable[int], project_id: int) -> list[SourceRecord]:
    query = select(t.sources).where(scoped(t.sources, org_ids), _S.project_id == project_id).order_by(_S.id)
    return [_source(row) for row in conn.execute(query)]


def get_source(conn: Connection, org_ids: Iterable[int], project_id: int, source_id: int) -> SourceRecord | None:
    query = select(t.sources).where(scoped(t.sources, org_ids), _S.project_id == project_id, _S.id == source_id)
    row = conn.execute(query).first()
    return _source(row) if row else None


def source_secret(conn: Connection, org_ids: Iterable[int], source_id: int) -> str | None:
    """The source's credential ciphertext (for the service to decrypt and hand to its collector), or None."""
    query = select(_S.secret).where(scoped(t.sources, org_ids), _S.id == source_id)
    return conn.execute(query).scalar_one_or_none()


def update_source(
    conn: Connection, org_ids: Iterable[int], source_id: int, values: Mapping[str, object], *, now: int
) -> None:
    """Change a source's name, settings and/or secret (the keys given; secret None removes the credentials)."""
    changes = {k: (_dumps(v) if k == "settings" and isinstance(v, Mapping) else v) for k, v in values.items()}
    conn.execute(
        update(t.sources).where(scoped(t.sources, org_ids), _S.id == source_id).values(**changes, updated_at=now)
    )


def delete_source(conn: Connection, org_ids: Iterable[int], source_id: int) -> bool:
    result = conn.execute(delete(t.sources).where(scoped(t.sources, org_ids), _S.id == source_id))
    return bool(result.rowcount)


def secrets(conn: Connection, org_ids: Iterable[int]) -> list[tuple[int, int, str]]:
    """(source id, organisation id, ciphertext) of every source holding credentials: what rotation rewrites."""
    query = (
        select(_S.id, _S.org_id, _S.secret).where(scoped(t.sources, org_ids), _S.secret.is_not(None)).order_by(_S.id)
    )
    return [(int(r.id), int(r.org_id), str(r.secret)) for r in conn.execute(query)]


def set_secret(conn: Connection, org_ids: Iterable[int], source_id: int, ciphertext: str) -> None:
    """Replace a ciphertext by the same value re-encrypted (rotation: updated_at stays, the settings did not change)."""
    conn.execute(update(t.sources).where(scoped(t.sources, org_ids), _S.id == source_id).values(secret=ciphertext))


# --- runs of a project ---

_R = t.runs.c


def _run(row: Any) -> RunRecord:
    summary = _loads(row.summary)
    try:
        problems = len(json.loads(row.problems)) if row.problems else 0
    except ValueError:
        problems = 0
    return RunRecord(
        id=int(row.id),
        project_id=int(row.project_id),
        kind=row.kind,
        status=row.status,
        stage=row.stage,
        done=row.done,
        attempts=int(row.attempts),
        started_at=int(row.started_at),
        finished_at=row.finished_at,
        summary=summary,
        problems=problems,
    )


def _runs_query(org_ids: Iterable[int]) -> Any:
    return select(t.runs).join_from(t.runs, t.projects, _P.id == _R.project_id).where(scoped(t.projects, org_ids))


def list_runs(
    conn: Connection,
    org_ids: Iterable[int],
    project_id: int,
    *,
    before: int | None = None,
    limit: int = 50,
    kinds: Sequence[str] | None = None,
) -> list[RunRecord]:
    """The project's runs, newest first, from the one before `before` on (the cursor)."""
    query = _runs_query(org_ids).where(_R.project_id == project_id).order_by(_R.id.desc()).limit(limit)
    if before is not None:
        query = query.where(_R.id < before)
    if kinds is not None:
        query = query.where(_R.kind.in_(list(kinds)))
    return [_run(row) for row in conn.execute(query)]


def get_run(conn: Connection, org_ids: Iterable[int], run_id: int) -> RunRecord | None:
    row = conn.execute(_runs_query(org_ids).where(_R.id == run_id)).first()
    return _run(row) if row else None


def count_projects(conn: Connection, org_ids: Iterable[int]) -> int:
    return int(
        conn.execute(select(func.count()).select_from(t.projects).where(scoped(t.projects, org_ids))).scalar_one()
    )
