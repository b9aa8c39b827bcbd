"""Organisations, projects and sources of the service: create, list, read, change, delete, rotate credentials.

Each use case takes the actor, finds the object inside the actor's organisations only (anything else is
not-found), checks the action in the roles table (a refusal is recorded in the organisation's audit log), writes,
and appends its audit entry in the same transaction. Credentials are accepted as values, encrypted with the service
key (auth/secrets.SecretBox) and never returned: a source shows only `has_secret`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor, in_scope, require
from devmaturity.auth.roles import PERMISSIONS, Action, Role
from devmaturity.auth.secrets import SecretBox
from devmaturity.config import Config, apply_section
from devmaturity.errors import (
    BadPayloadError,
    ConfigError,
    Conflict,
    DataError,
    NotFoundError,
    PermissionDenied,
)
from devmaturity.model.projects import (
    SOURCE_SPECS,
    ProjectRecord,
    SourceKind,
    SourceRecord,
    credential_problems,
    settings_problems,
    slug_problem,
)
from devmaturity.services.admin import AuditLog, check_recorded
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


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else now


def _scope(conn: Connection, actor: Actor) -> frozenset[int]:
    """The organisations the actor sees: all of them for the local owner."""
    return repo.all_org_ids(conn) if actor.owner else actor.org_ids()


def _org_of(conn: Connection, org_id: int) -> Organisation:
    [org] = accounts.orgs_by_id(conn, frozenset({org_id}))
    return org


def _bad(problems: Sequence[str], what: str, error: type[DataError] | type[BadPayloadError]) -> None:
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
    at = _now(now)
    problem = slug_problem(slug)
    if problem:
        raise BadPayloadError(problem, zh=f"{slug!r} 不是有效的短名")
    if not actor.owner:
        if actor.user_id is None or not actor.org_ids():
            raise NotFoundError("organisation not found")
        if not any(Action.ORG_CREATE in _actions(actor, org_id) for org_id in actor.org_ids()):
            with store.transaction() as conn:
                home = _org_of(conn, min(actor.org_ids()))
            check_recorded(store, actor, Action.ORG_CREATE, home, source=source, now=at)
    with store.transaction() as conn:
        org = accounts.create_org(conn, slug=slug, name=name or slug, now=at)
        if actor.user_id is not None:
            accounts.set_membership(conn, org_id=org.id, user_id=actor.user_id, role=Role.ADMIN, now=at)
        AuditLog(conn, actor, at, source).add(
            EventKind.ORG_CREATED, org, ("organisation", org.id, org.slug), action=Action.ORG_CREATE
        )
    return org


def _actions(actor: Actor, org_id: int) -> frozenset[Action]:
    role = actor.role_in(org_id)
    return PERMISSIONS[role] if role is not None else frozenset()


def list_orgs(store: Store, actor: Actor) -> list[Organisation]:
    """The organisations the actor is in (every one for the local owner), by slug."""
    with store.transaction() as conn:
        return accounts.orgs_by_id(conn, None if actor.owner else actor.org_ids())


def get_org(store: Store, actor: Actor, slug: str) -> Organisation:
    with store.transaction() as conn:
        org = accounts.org_by_slug(conn, slug)
    if org is None or not in_scope(actor, org.id):
        raise NotFoundError(f"organisation {slug!r} not found", zh=f"未找到组织 {slug!r}")
    require(actor, Action.ORG_READ, org.id, what=f"organisation {slug!r}")
    return org


# --- projects ---


def _project(conn: Connection, actor: Actor, project_id: int) -> ProjectRecord:
    found = repo.get_project(conn, _scope(conn, actor), project_id)
    if found is None:
        raise NotFoundError(f"project {project_id} not found", zh=f"未找到项目 {project_id}")
    return found


def require_recorded(store: Store, actor: Actor, action: Action, org_id: int, *, source: str, now: int) -> None:
    """`require` in the organisation, recording a refusal in its audit log first."""
    _allowed(store, actor, action, org_id, source=source, now=now)


def scope_of(conn: Connection, actor: Actor) -> frozenset[int]:
    """The organisation ids the actor sees (every one for the local owner)."""
    return _scope(conn, actor)


def parse_cursor(cursor: str | None) -> int | None:
    """The id a cursor this service gave stands for; a bad-payload error for anything else."""
    return _cursor(cursor)


def _allowed(store: Store, actor: Actor, action: Action, org_id: int, *, source: str, now: int) -> None:
    with store.transaction() as conn:
        org = _org_of(conn, org_id)
    check_recorded(store, actor, action, org, source=source, now=now)


def _text(value: str | None, what: str, most: int) -> str | None:
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
    at = _now(now)
    org = get_org(store, actor, org_slug)
    check_recorded(store, actor, Action.PROJECT_CREATE, org, source=source, now=at)
    problem = slug_problem(slug)
    if problem:
        raise BadPayloadError(problem, zh=f"{slug!r} 不是有效的短名")
    check_project_settings(settings or {})
    with store.transaction() as conn:
        made = repo.create_project(
            conn,
            org,
            slug=slug,
            title=_text(title, "title", 200),
            team=_text(team, "team", 100),
            settings=settings or {},
            now=at,
        )
        AuditLog(conn, actor, at, source).add(
            EventKind.PROJECT_CREATED, org, ("project", made.id, made.key), action=Action.PROJECT_CREATE
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
    with store.transaction() as conn:
        scope = _scope(conn, actor)
        if org_slug is not None:
            org = accounts.org_by_slug(conn, org_slug)
            if org is None or org.id not in scope:
                raise NotFoundError(f"organisation {org_slug!r} not found", zh=f"未找到组织 {org_slug!r}")
            scope = frozenset({org.id})
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
    org = get_org(store, actor, org_slug)
    with store.transaction() as conn:
        found = repo.project_by_slug(conn, org, slug)
    if found is not None:
        require(actor, Action.PROJECT_READ, found.org_id, what="project")
    return found


def open_store(database_url: str) -> Store:
    """The store at the URL, for the command line (which names no store module itself)."""
    return Store.open(database_url)


def get_project(store: Store, actor: Actor, project_id: int) -> ProjectRecord:
    with store.transaction() as conn:
        found = _project(conn, actor, project_id)
    require(actor, Action.PROJECT_READ, found.org_id, what="project")
    return found


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
    at = _now(now)
    with store.transaction() as conn:
        found = _project(conn, actor, project_id)
    _allowed(store, actor, Action.PROJECT_UPDATE, found.org_id, source=source, now=at)
    values: dict[str, object] = {}
    if title is not _UNSET:
        values["title"] = _text(title, "title", 200)
    if team is not _UNSET:
        values["team"] = _text(team, "team", 100)
    if settings is not _UNSET:
        check_project_settings(settings or {})
        values["settings"] = dict(settings or {})
    with store.transaction() as conn:
        scope = _scope(conn, actor)
        if values:
            repo.update_project(conn, scope, project_id, values, now=at)
        details: dict[str, str | int | bool | None] = {"changed": ",".join(sorted(values))}
        AuditLog(conn, actor, at, source).add(
            EventKind.PROJECT_UPDATED,
            _org_of(conn, found.org_id),
            ("project", found.id, found.key),
            action=Action.PROJECT_UPDATE,
            details=details,
        )
        updated = repo.get_project(conn, scope, project_id)
    assert updated is not None
    return updated


def delete_project(store: Store, actor: Actor, project_id: int, *, source: str = "cli", now: int | None = None) -> None:
    """Delete the project with its sources, runs and evidence; the audit entry keeps its name."""
    at = _now(now)
    with store.transaction() as conn:
        found = _project(conn, actor, project_id)
    _allowed(store, actor, Action.PROJECT_DELETE, found.org_id, source=source, now=at)
    with store.transaction() as conn:
        repo.delete_project(conn, _scope(conn, actor), project_id)
        AuditLog(conn, actor, at, source).add(
            EventKind.PROJECT_DELETED,
            _org_of(conn, found.org_id),
            ("project", found.id, found.key),
            action=Action.PROJECT_DELETE,
        )


# --- sources ---


def _box(keys: Sequence[str]) -> SecretBox:
    return SecretBox(keys)


def _source_kind(kind: str) -> SourceKind:
    try:
        return SourceKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in SourceKind)
        raise BadPayloadError(
            f"unknown source kind {kind!r}; use one of {known}", zh=f"未知的数据源种类 {kind!r}"
        ) from None


def check_source(kind: SourceKind, settings: Mapping[str, Any], credentials: Mapping[str, Any] | None) -> None:
    """BadPayloadError naming every problem of a source's settings and credential values."""
    _bad(settings_problems(kind, settings), f"source {kind.value} settings", BadPayloadError)
    _bad(credential_problems(kind, credentials or {}), f"source {kind.value} credentials", BadPayloadError)


def _normal(settings: Mapping[str, Any]) -> dict[str, object]:
    return {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in settings.items()}


def _seal(credentials: Mapping[str, str] | None, keys: Sequence[str]) -> str | None:
    if not credentials:
        return None
    return _box(keys).encrypt(json.dumps(dict(credentials), sort_keys=True))


def create_source(
    store: Store,
    actor: Actor,
    project_id: int,
    *,
    kind: str,
    name: str,
    settings: Mapping[str, Any],
    credentials: Mapping[str, str] | None = None,
    secret_keys: Sequence[str] = (),
    source: str = "cli",
    now: int | None = None,
) -> SourceRecord:
    at = _now(now)
    with store.transaction() as conn:
        project = _project(conn, actor, project_id)
    _allowed(store, actor, Action.SOURCE_MANAGE, project.org_id, source=source, now=at)
    source_kind = _source_kind(kind)
    check_source(source_kind, settings, credentials)
    label = _text(name, "name", 200)
    assert label is not None
    sealed = _seal(credentials, secret_keys)
    with store.transaction() as conn:
        made = repo.create_source(
            conn, project, kind=source_kind, name=label, settings=_normal(settings), secret=sealed, now=at
        )
        AuditLog(conn, actor, at, source).add(
            EventKind.SOURCE_CREATED,
            _org_of(conn, project.org_id),
            ("source", made.id, f"{project.key}:{made.name}"),
            action=Action.SOURCE_MANAGE,
            details={"kind": source_kind.value, "login_stored": sealed is not None},
        )
    return made


def list_sources(store: Store, actor: Actor, project_id: int) -> list[SourceRecord]:
    with store.transaction() as conn:
        project = _project(conn, actor, project_id)
        require(actor, Action.SOURCE_READ, project.org_id, what="project")
        return repo.list_sources(conn, _scope(conn, actor), project_id)


def _source(conn: Connection, actor: Actor, project_id: int, source_id: int) -> SourceRecord:
    found = repo.get_source(conn, _scope(conn, actor), project_id, source_id)
    if found is None:
        raise NotFoundError(f"source {source_id} not found", zh=f"未找到数据源 {source_id}")
    return found


def get_source(store: Store, actor: Actor, project_id: int, source_id: int) -> SourceRecord:
    with store.transaction() as conn:
        found = _source(conn, actor, project_id, source_id)
    require(actor, Action.SOURCE_READ, found.org_id, what="source")
    return found


def update_source(
    store: Store,
    actor: Actor,
    project_id: int,
    source_id: int,
    *,
    name: str | None = None,
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, str] | None = _UNSET,
    secret_keys: Sequence[str] = (),
    source: str = "cli",
    now: int | None = None,
) -> SourceRecord:
    """Change the name, the settings (replaced whole) and/or the credentials (replaced whole; None removes them)."""
    at = _now(now)
    with store.transaction() as conn:
        found = _source(conn, actor, project_id, source_id)
        project = _project(conn, actor, project_id)
    _allowed(store, actor, Action.SOURCE_MANAGE, found.org_id, source=source, now=at)
    new_settings = settings if settings is not None else found.settings
    check_source(found.kind, new_settings, None if credentials is _UNSET else credentials)
    values: dict[str, object] = {}
    if name is not None:
        values["name"] = _text(name, "name", 200)
    if settings is not None:
        values["settings"] = _normal(settings)
    if credentials is not _UNSET:
        values["secret"] = _seal(credentials, secret_keys)
    with store.transaction() as conn:
        scope = _scope(conn, actor)
        if "name" in values and values["name"] != found.name:
            clash = [s for s in repo.list_sources(conn, scope, project_id) if s.name == values["name"]]
            if clash:
                raise _name_taken(project, str(values["name"]))
        repo.update_source(conn, scope, source_id, values, now=at)
        AuditLog(conn, actor, at, source).add(
            EventKind.SOURCE_UPDATED,
            _org_of(conn, found.org_id),
            ("source", found.id, f"{project.key}:{found.name}"),
            action=Action.SOURCE_MANAGE,
            details={"changed": ",".join(sorted(k if k != "secret" else "credentials" for k in values))},
        )
        updated = repo.get_source(conn, scope, project_id, source_id)
    assert updated is not None
    return updated


def _name_taken(project: ProjectRecord, name: str) -> Conflict:
    return Conflict(
        f"project {project.key!r} has a source named {name!r} already",
        zh=f"项目 {project.key!r} 已有名为 {name!r} 的数据源",
    )


def delete_source(
    store: Store, actor: Actor, project_id: int, source_id: int, *, source: str = "cli", now: int | None = None
) -> None:
    at = _now(now)
    with store.transaction() as conn:
        found = _source(conn, actor, project_id, source_id)
    _allowed(store, actor, Action.SOURCE_MANAGE, found.org_id, source=source, now=at)
    with store.transaction() as conn:
        repo.delete_source(conn, _scope(conn, actor), source_id)
        AuditLog(conn, actor, at, source).add(
            EventKind.SOURCE_DELETED,
            _org_of(conn, found.org_id),
            ("source", found.id, found.name),
            action=Action.SOURCE_MANAGE,
            details={"kind": found.kind.value},
        )


def source_credentials(store: Store, actor: Actor, source: SourceRecord, keys: Sequence[str]) -> dict[str, str]:
    """The source's credential values, decrypted for a collector (never for display); {} when it holds none."""
    with store.transaction() as conn:
        sealed = repo.source_secret(conn, _scope(conn, actor), source.id)
    if sealed is None:
        return {}
    value = json.loads(_box(keys).decrypt(sealed))
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def rotate_secrets(store: Store, actor: Actor, secret_keys: Sequence[str], *, now: int | None = None) -> int:
    """Re-encrypt every stored credential under the current key (the first of `secret_keys`); the others only
    decrypt. Only the local owner rotates (the command line). One transaction: all or nothing. Returns how many."""
    if not actor.owner:
        raise PermissionDenied("only the local owner (the command line) rotates the service key", action="secrets")
    at = _now(now)
    box = _box(secret_keys)
    with store.transaction() as conn:
        scope = repo.all_org_ids(conn)
        sealed = repo.secrets(conn, scope)
        counts: dict[int, int] = {}
        for source_id, org_id, ciphertext in sealed:
            repo.set_secret(conn, scope, source_id, box.rotate(ciphertext))
            counts[org_id] = counts.get(org_id, 0) + 1
        for org in accounts.orgs_by_id(conn, frozenset(counts)):
            AuditLog(conn, actor, at, "cli").add(
                EventKind.SECRETS_ROTATED,
                org,
                ("organisation", org.id, org.slug),
                details={"sources": counts[org.id]},
            )
    return len(sealed)


KINDS = tuple(SOURCE_SPECS)


def stored_config(store: Store, database_url: str, project_id: int, *, framework: str | None = None) -> Config:
    """The Config a background job of a service project runs with (the job acts for the owner of the store)."""
    with store.transaction() as conn:
        found = repo.get_project(conn, repo.all_org_ids(conn), project_id)
    if found is None:
        raise NotFoundError(f"project {project_id} not found (deleted since the run was queued?)")
    config = project_config(found, database_url)
    return Config(**{**_fields(config), "framework": framework}) if framework else config


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceCheck:
    """What trying a source's connection found: whether it answered, and a sentence saying what was seen."""

    ok: bool
    message: str


DEFAULT_BASE_URLS = {
    SourceKind.GITHUB: "https://api.github.com",
    SourceKind.GITLAB: "https://gitlab.com/api/v4",
    SourceKind.GITEE: "https://gitee.com/api/v5",
}
TEST_TIMEOUT = 5.0


def _try(found: SourceRecord) -> SourceCheck:
    from pathlib import Path

    settings = found.settings
    if found.kind is SourceKind.GIT:
        from devmaturity.collectors.git import GitRepository
        from devmaturity.errors import DevmaturityError

        try:
            repo = GitRepository(Path(str(settings["path"])))
        except DevmaturityError as exc:
            return SourceCheck(ok=False, message=exc.one_line())
        return SourceCheck(ok=True, message=f"{repo.root} is a git repository")
    if found.kind in (SourceKind.REPORTS, SourceKind.EVENTS):
        path = Path(str(settings["path"]))
        return SourceCheck(ok=path.exists(), message=f"{path} {'exists' if path.exists() else 'does not exist'}")
    return _reach(str(settings.get("base_url") or DEFAULT_BASE_URLS.get(found.kind, "")))


def _reach(url: str) -> SourceCheck:
    import httpx

    if not url.startswith(("http://", "https://")):
        return SourceCheck(ok=False, message=f"base_url {url!r} is not an http(s) URL")
    try:
        response = httpx.get(url, timeout=TEST_TIMEOUT, follow_redirects=False)
    except httpx.HTTPError as exc:
        return SourceCheck(ok=False, message=f"{url} did not answer: {type(exc).__name__}")
    ok = response.status_code < 500
    return SourceCheck(ok=ok, message=f"{url} answered HTTP {response.status_code} (credentials are not tried)")


def try_source(
    store: Store, actor: Actor, project_id: int, source_id: int, *, source: str = "cli", now: int | None = None
) -> SourceCheck:
    """Try the source: a git folder is opened, a report or event path looked for, a server's base URL asked once
    (within TEST_TIMEOUT seconds). The result is recorded (`source_tested`)."""
    at = _now(now)
    with store.transaction() as conn:
        found = _source(conn, actor, project_id, source_id)
    _allowed(store, actor, Action.SOURCE_MANAGE, found.org_id, source=source, now=at)
    result = _try(found)
    with store.transaction() as conn:
        AuditLog(conn, actor, at, source).add(
            EventKind.SOURCE_TESTED,
            _org_of(conn, found.org_id),
            ("source", found.id, found.name),
            action=Action.SOURCE_MANAGE,
            details={"reachable": result.ok},
        )
    return result
