"""Sources of service projects: add, list, read, change, remove, try the connection, and rotate the key their
credentials are encrypted with. Credentials are accepted as values, encrypted with the service key
(auth/secrets.SecretBox) and never returned: a source shows only `has_secret`. The rules are those of
services/projects.py: scope first (not-found), then the role (a refusal is recorded), then the change and its
audit entry in one transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.auth.secrets import SecretBox
from devmaturity.errors import BadPayloadError, Conflict, NotFoundError, PermissionDenied
from devmaturity.model.projects import (
    ProjectRecord,
    SourceKind,
    SourceRecord,
    credential_problems,
    settings_problems,
)
from devmaturity.services.access import Gate, owner_scope
from devmaturity.services.projects import KEEP, project_for, project_in, refuse_problems, text_field
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts
from devmaturity.store.repos import projects as repo

_UNSET = KEEP


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
    refuse_problems(settings_problems(kind, settings), f"source {kind.value} settings", BadPayloadError)
    refuse_problems(credential_problems(kind, credentials or {}), f"source {kind.value} credentials", BadPayloadError)


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
    gate = Gate(store, actor, source=source, now=now)
    project = project_for(gate, project_id, Action.SOURCE_MANAGE)
    source_kind = _source_kind(kind)
    check_source(source_kind, settings, credentials)
    label = text_field(name, "name", 200)
    assert label is not None
    sealed = _seal(credentials, secret_keys)
    with store.transaction() as conn:
        made = repo.create_source(
            conn, project, kind=source_kind, name=label, settings=_normal(settings), secret=sealed, now=gate.at
        )
        gate.audit(conn).add(
            EventKind.SOURCE_CREATED,
            project.org_id,
            ("source", made.id, f"{project.key}:{made.name}"),
            action=Action.SOURCE_MANAGE,
            details={"kind": source_kind.value, "login_stored": sealed is not None},
        )
    return made


def list_sources(store: Store, actor: Actor, project_id: int) -> list[SourceRecord]:
    gate = Gate(store, actor)
    project_for(gate, project_id, Action.SOURCE_READ)
    with store.transaction() as conn:
        return repo.list_sources(conn, gate.scope(conn), project_id)


def _source(conn: Connection, gate: Gate, project_id: int, source_id: int) -> SourceRecord:
    found = repo.get_source(conn, gate.scope(conn), project_id, source_id)
    if found is None:
        raise NotFoundError(f"source {source_id} not found", zh=f"未找到数据源 {source_id}")
    return found


def get_source(store: Store, actor: Actor, project_id: int, source_id: int) -> SourceRecord:
    return _source_for(Gate(store, actor), project_id, source_id, Action.SOURCE_READ)


def _source_for(gate: Gate, project_id: int, source_id: int, action: Action) -> SourceRecord:
    """The source, if the actor sees it and may take `action` there (a refusal is recorded)."""
    with gate.store.transaction() as conn:
        found = _source(conn, gate, project_id, source_id)
    gate.require(action, found.org_id)
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
    gate = Gate(store, actor, source=source, now=now)
    with store.transaction() as conn:
        found = _source(conn, gate, project_id, source_id)
        project = project_in(conn, gate.scope(conn), project_id)
    gate.require(Action.SOURCE_MANAGE, found.org_id)
    new_settings = settings if settings is not None else found.settings
    check_source(found.kind, new_settings, None if credentials is _UNSET else credentials)
    values: dict[str, object] = {}
    if name is not None:
        values["name"] = text_field(name, "name", 200)
    if settings is not None:
        values["settings"] = _normal(settings)
    if credentials is not _UNSET:
        values["secret"] = _seal(credentials, secret_keys)
    with store.transaction() as conn:
        scope = gate.scope(conn)
        if "name" in values and values["name"] != found.name:
            clash = [s for s in repo.list_sources(conn, scope, project_id) if s.name == values["name"]]
            if clash:
                raise _name_taken(project, str(values["name"]))
        repo.update_source(conn, scope, source_id, values, now=gate.at)
        gate.audit(conn).add(
            EventKind.SOURCE_UPDATED,
            found.org_id,
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
    gate = Gate(store, actor, source=source, now=now)
    found = _source_for(gate, project_id, source_id, Action.SOURCE_MANAGE)
    with store.transaction() as conn:
        repo.delete_source(conn, gate.scope(conn), source_id)
        gate.audit(conn).add(
            EventKind.SOURCE_DELETED,
            found.org_id,
            ("source", found.id, found.name),
            action=Action.SOURCE_MANAGE,
            details={"kind": found.kind.value},
        )


def source_credentials(store: Store, actor: Actor, source: SourceRecord, keys: Sequence[str]) -> dict[str, str]:
    """The source's credential values, decrypted for a collector (never for display); {} when it holds none."""
    with store.transaction() as conn:
        sealed = repo.source_secret(conn, Gate(store, actor).scope(conn), source.id)
    if sealed is None:
        return {}
    value = json.loads(_box(keys).decrypt(sealed))
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def rotate_secrets(store: Store, actor: Actor, secret_keys: Sequence[str], *, now: int | None = None) -> int:
    """Re-encrypt every stored credential under the current key (the first of `secret_keys`); the others only
    decrypt. Only the local owner rotates (the command line). One transaction: all or nothing. Returns how many."""
    if not actor.owner:
        raise PermissionDenied("only the local owner (the command line) rotates the service key", action="secrets")
    gate = Gate(store, actor, now=now)
    box = _box(secret_keys)
    with store.transaction() as conn:
        scope = owner_scope(conn)
        sealed = repo.secrets(conn, scope)
        counts: dict[int, int] = {}
        for source_id, org_id, ciphertext in sealed:
            repo.set_secret(conn, scope, source_id, box.rotate(ciphertext))
            counts[org_id] = counts.get(org_id, 0) + 1
        for org in accounts.orgs_by_id(conn, frozenset(counts)):
            gate.audit(conn).add(
                EventKind.SECRETS_ROTATED,
                org.id,
                ("organisation", org.id, org.slug),
                details={"sources": counts[org.id]},
            )
    return len(sealed)


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
    gate = Gate(store, actor, source=source, now=now)
    found = _source_for(gate, project_id, source_id, Action.SOURCE_MANAGE)
    result = _try(found)
    with store.transaction() as conn:
        gate.audit(conn).add(
            EventKind.SOURCE_TESTED,
            found.org_id,
            ("source", found.id, found.name),
            action=Action.SOURCE_MANAGE,
            details={"reachable": result.ok},
        )
    return result
