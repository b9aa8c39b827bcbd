"""Organisations, projects and sources of the service: create, list, read, change, delete, rotate credentials.

Each use case takes the actor, finds the object inside the actor's organisations only (anything else is
not-found), checks the action in the roles table (a refusal is recorded in the organisation's audit log), writes,
and appends its audit entry in the same transaction. Credentials are accepted as values, encrypted with the service
key (auth/secrets.SecretBox) and never returned: a source shows only `has_secret`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import PERMISSIONS, Action, Role
from devmaturity.config import Config, apply_section
from devmaturity.errors import (
    BadPayloadError,
    ConfigError,
    DataError,
    NotFoundError,
)
from devmaturity.model.projects import (
    ProjectRecord,
    slug_problem,
)
from devmaturity.services.access import Gate, org_target, owner_scope
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts
from devmaturity.store.repos import projects as repo
from devmaturity.store.repos.accounts import Organisation

PROJECT_KEYS = (
    "framework",
    "window",
    "lang",
    "trunk",
    "release_tag_pattern",
    "issue_key_pattern",
    "rollup",
    "answers",
    "manual_test_cases",
    "thresholds",
    "reports",
    "test_kinds",
    "rules",
    "not_applicable",
    "sarif",
    "tree",
)
"""The keys of a project's settings: devmaturity.toml's [devmaturity] keys that describe the project (its sources
are rows of their own; process settings such as database_url and broker_url are not a project's)."""

PAGE_MAX = 200


T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next page (None on the last)."""

    items: list[T]
    next_cursor: str | None


def refuse_problems(problems: Sequence[str], what: str, error: type[DataError] | type[BadPayloadError]) -> None:
    if problems:
        raise error(f"{what}: " + "; ".join(problems), zh=f"{what}：设置无效（详情请用 --lang en 查看）")


def check_project_settings(
    settings: Mapping[str, Any], *, origin: str = "project settings", error: type[Any] = BadPayloadError
) -> Config:
    """The project settings as the Config they give (with the same checks as devmaturity.toml); `error` (bad
    payload for the API, config for a file) names every unknown key or bad value."""
    unknown = sorted(set(settings) - set(PROJECT_KEYS))
    if unknown:
        raise error(
            f"{origin}: unknown key(s) {', '.join(unknown)}; a project takes {', '.join(PROJECT_KEYS)}",
            zh=f"{origin}：未知的键 {'、'.join(unknown)}",
        )
    try:
        return apply_section(Config(), settings, origin)
    except ConfigError as exc:
        if error is ConfigError:
            raise
        raise error(exc.message, zh=exc.zh) from None


def project_config(project: ProjectRecord, database_url: str) -> Config:
    """The Config a job of this project runs with: its stored settings over the defaults, the store's URL."""
    config = check_project_settings(project.settings, origin=f"project {project.key}", error=ConfigError)
    return Config(**{**_fields(config), "database_url": database_url, "project": project.key})


def _fields(config: Config) -> dict[str, Any]:
    return {name: getattr(config, name) for name in Config.__dataclass_fields__}


# --- organisations ---


def create_org(
    store: Store, actor: Actor, *, slug: str, name: str | None = None, source: str = "cli", now: int | None = None
) -> Organisation:
    """A new organisation. The local owner creates any; a user may when it is an administrator of at least one
    organisation (`org.create`), and becomes the new one's administrator."""
    gate = Gate(store, actor, source=source, now=now)
    problem = slug_problem(slug)
    if problem:
        raise BadPayloadError(problem, zh=f"{slug!r} 不是有效的短名")
    if not actor.owner:
        if actor.user_id is None or not actor.org_ids():
            raise NotFoundError("organisation not found")
        if not any(Action.ORG_CREATE in _actions(actor, org_id) for org_id in actor.org_ids()):
            gate.require(Action.ORG_CREATE, min(actor.org_ids()))
    with store.transaction() as conn:
        org = accounts.create_org(conn, slug=slug, name=name or slug, now=gate.at)
        if actor.user_id is not None:
            accounts.set_membership(conn, org_id=org.id, user_id=actor.user_id, role=Role.ADMIN, now=gate.at)
        gate.audit(conn).add(EventKind.ORG_CREATED, org.id, org_target(org), action=Action.ORG_CREATE)
    return org


def _actions(actor: Actor, org_id: int) -> frozenset[Action]:
    role = actor.role_in(org_id)
    return PERMISSIONS[role] if role is not None else frozenset()


def list_orgs(store: Store, actor: Actor) -> list[Organisation]:
    """The organisations the actor is in (every one for the local owner), by slug."""
    with store.transaction() as conn:
        return accounts.orgs_by_id(conn, None if actor.owner else actor.org_ids())


def get_org(store: Store, actor: Actor, slug: str) -> Organisation:
    return Gate(store, actor).organisation(slug, Action.ORG_READ)


# --- projects ---


def project_in(conn: Connection, scope: frozenset[int], project_id: int) -> ProjectRecord:
    """The project when it is in one of the scope's organisations; NotFoundError otherwise."""
    found = repo.get_project(conn, scope, project_id)
    if found is None:
        raise NotFoundError(f"project {project_id} not found", zh=f"未找到项目 {project_id}")
    return found


def project_for(gate: Gate, project_id: int, action: Action) -> ProjectRecord:
    """The project, if the actor sees it and may take `action` there (a refusal is recorded against its
    organisation)."""
    with gate.store.reading() as conn:
        found = project_in(conn, gate.scope(conn), project_id)
    gate.require(action, found.org_id)
    return found


def parse_cursor(cursor: str | None) -> int | None:
    """The id a cursor this service gave stands for; a bad-payload error for anything else."""
    return _cursor(cursor)


def text_field(value: str | None, what: str, most: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > most:
        raise BadPayloadError(f"{what} must be 1-{most} characters", zh=f"{what} 长度须为 1-{most} 个字符")
    return value


def create_project(
    store: Store,
    actor: Actor,
    *,
    org_slug: str,
    slug: str,
    title: str | None = None,
    team: str | None = None,
    settings: Mapping[str, Any] | None = None,
    source: str = "cli",
    now: int | None = None,
) -> ProjectRecord:
    gate = Gate(store, actor, source=source, now=now)
    org = gate.organisation(org_slug, Action.ORG_READ)
    gate.require(Action.PROJECT_CREATE, org.id, org_target(org))
    problem = slug_problem(slug)
    if problem:
        raise BadPayloadError(problem, zh=f"{slug!r} 不是有效的短名")
    check_project_settings(settings or {})
    with store.transaction() as conn:
        made = repo.create_project(
            conn,
            org,
            slug=slug,
            title=text_field(title, "title", 200),
            team=text_field(team, "team", 100),
            settings=settings or {},
            now=gate.at,
        )
        gate.audit(conn).add(
            EventKind.PROJECT_CREATED, org.id, ("project", made.id, made.key), action=Action.PROJECT_CREATE
        )
    return made


def list_projects(
    store: Store,
    actor: Actor,
    *,
    org_slug: str | None = None,
    team: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ProjectRecord]:
    """Projects of the actor's organisations (or of one), by id, a page at a time (the cursor is opaque)."""
    after = _cursor(cursor)
    size = max(1, min(limit, PAGE_MAX))
    gate = Gate(store, actor)
    with store.transaction() as conn:
        scope = gate.scope(conn) if org_slug is None else frozenset({gate.find_org(conn, org_slug).id})
        rows = repo.list_projects(conn, scope, team=team, after=after, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, next_cursor=str(rows[-1].id) if more else None)


def _cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise BadPayloadError(f"cursor {cursor!r} is not one this API gave", zh="游标无效")
    return int(cursor)


def find_project(store: Store, actor: Actor, org_slug: str, slug: str) -> ProjectRecord | None:
    """The organisation's project of that slug, or None; the organisation must be the actor's."""
    gate = Gate(store, actor)
    org = gate.organisation(org_slug, Action.ORG_READ)
    with store.transaction() as conn:
        found = repo.project_by_slug(conn, org, slug)
    if found is not None:
        gate.require(Action.PROJECT_READ, found.org_id)
    return found


def get_project(store: Store, actor: Actor, project_id: int) -> ProjectRecord:
    return project_for(Gate(store, actor), project_id, Action.PROJECT_READ)


_UNSET: Any = object()
KEEP: Any = _UNSET
"""For update_source's credentials: leave the stored ones as they are."""


def update_project(
    store: Store,
    actor: Actor,
    project_id: int,
    *,
    title: str | None = _UNSET,
    team: str | None = _UNSET,
    settings: Mapping[str, Any] | None = _UNSET,
    source: str = "cli",
    now: int | None = None,
) -> ProjectRecord:
    """Change what is given (None clears the title or team; settings replace the stored ones whole)."""
    gate = Gate(store, actor, source=source, now=now)
    found = project_for(gate, project_id, Action.PROJECT_UPDATE)
    values: dict[str, object] = {}
    if title is not _UNSET:
        values["title"] = text_field(title, "title", 200)
    if team is not _UNSET:
        values["team"] = text_field(team, "team", 100)
    if settings is not _UNSET:
        check_project_settings(settings or {})
        values["settings"] = dict(settings or {})
    with store.transaction() as conn:
        scope = gate.scope(conn)
        if values:
            repo.update_project(conn, scope, project_id, values, now=gate.at)
        details: dict[str, str | int | bool | None] = {"changed": ",".join(sorted(values))}
        gate.audit(conn).add(
            EventKind.PROJECT_UPDATED,
            found.org_id,
            ("project", found.id, found.key),
            action=Action.PROJECT_UPDATE,
            details=details,
        )
        updated = repo.get_project(conn, scope, project_id)
    assert updated is not None
    return updated


def delete_project(store: Store, actor: Actor, project_id: int, *, source: str = "cli", now: int | None = None) -> None:
    """Delete the project with its sources, runs and evidence; the audit entry keeps its name."""
    gate = Gate(store, actor, source=source, now=now)
    found = project_for(gate, project_id, Action.PROJECT_DELETE)
    with store.transaction() as conn:
        repo.delete_project(conn, gate.scope(conn), project_id)
        gate.audit(conn).add(
            EventKind.PROJECT_DELETED,
            found.org_id,
            ("project", found.id, found.key),
            action=Action.PROJECT_DELETE,
        )


def stored_config(store: Store, database_url: str, project_id: int, *, framework: str | None = None) -> Config:
    """The Config a background job of a service project runs with (the job acts for the owner of the store)."""
    with store.transaction() as conn:
        found = repo.get_project(conn, owner_scope(conn), project_id)
    if found is None:
        raise NotFoundError(f"project {project_id} not found (deleted since the run was queued?)")
    config = project_config(found, database_url)
    return Config(**{**_fields(config), "framework": framework}) if framework else config
