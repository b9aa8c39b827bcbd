"""The REST sources of a service project, synced by its collection job: each stored source becomes the collector
of its kind (services/sync.py), its credentials decrypted and handed to it as values, never read from the
process environment. Each source is a `sync` run of its own; one failing source is recorded and the next goes on."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devmaturity.auth.secrets import SecretBox
from devmaturity.errors import DevmaturityError
from devmaturity.model.projects import SOURCE_SPECS, SourceRecord
from devmaturity.services.access import owner_scope
from devmaturity.services.sync import SOURCES, make_source, sync_source
from devmaturity.store.db import Store
from devmaturity.store.repos import projects as repo

NAME_KEYS = {"token": "token_env", "user": "user_env", "account": "account_env", "password": "password_env"}
"""A credential field and the setting by which a collector asks for it (the value is handed in under the field)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceSync:
    source: str
    ok: bool
    records: int
    error: str | None = None


def _stored(store: Store, project_id: int) -> list[tuple[SourceRecord, str | None]]:
    with store.transaction() as conn:
        scope = owner_scope(conn)  # a job acts for the owner of the store
        found = repo.list_sources(conn, scope, project_id)
        return [(s, repo.source_secret(conn, scope, s.id)) for s in found if s.kind.value in SOURCES]


def _values(sealed: str | None, keys: Sequence[str]) -> dict[str, str]:
    if sealed is None:
        return {}
    data = json.loads(SecretBox(keys).decrypt(sealed))
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _spec(found: SourceRecord, values: dict[str, str]) -> dict[str, str]:
    settings = {
        k: str(v)
        for k, v in found.settings.items()
        if k in SOURCE_SPECS[found.kind].required + SOURCE_SPECS[found.kind].optional
    }
    return {"kind": found.kind.value, **settings, **{NAME_KEYS[name]: name for name in values if name in NAME_KEYS}}


def sync_project_sources(
    store: Store, project_id: int, *, secret_keys: Sequence[str], progress: Callable[[str, int], None] | None = None
) -> list[SourceSync]:
    """Sync every REST source of the project (github, gitlab, gitee, jenkins, jira, zentao, sonarqube)."""
    outcomes: list[SourceSync] = []
    for found, sealed in _stored(store, project_id):
        label = f"{found.kind.value}:{found.name}"
        try:
            values = _values(sealed, secret_keys)
            source = make_source(_spec(found, values), env=values)
        except DevmaturityError as exc:  # before any page: record it as the source's failed sync run
            run_id = store.start_run(project_id, "sync", {"source": label})
            store.finish_run(run_id, "failed", {"error": exc.one_line()}, ())
            outcomes.append(SourceSync(source=label, ok=False, records=0, error=exc.one_line()))
            continue
        try:
            result = sync_source(store, project_id, source, progress)
        except DevmaturityError as exc:  # sync_source closed its run as failed, credentials masked
            outcomes.append(SourceSync(source=label, ok=False, records=0, error=exc.one_line()))
            continue
        outcomes.append(SourceSync(source=label, ok=True, records=result.records))
    return outcomes
