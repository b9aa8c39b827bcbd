"""Sources of a project: list, add, read, change, remove, and try the connection. Credentials are write-only:
a source answers `has_secret`, never a credential (docs/api.md)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from devmaturity.config import secret_keys
from devmaturity.errors import ConfigError
from devmaturity.model.projects import SourceKind, SourceRecord
from devmaturity.services import projects as svc
from devmaturity.services import sources as sources_svc
from devmaturity.web.api.v1.projects import Id
from devmaturity.web.deps import ActorDep, ContextDep, SourceDep, StoreDep

router = APIRouter(prefix="/projects/{project_id}/sources", tags=["sources"])

SettingValue = str | list[str]
SETTINGS_DOC = "the keys of devmaturity.toml's [[sources]] table of this kind (no *_env: credentials go apart)"
CREDENTIALS_DOC = "write-only values: token, user, account, password as the kind takes them"


class SourceRead(BaseModel):
    id: int
    project_id: int
    kind: SourceKind
    name: str
    settings: dict[str, SettingValue]
    has_secret: bool = Field(description="whether credentials are stored (they are never returned)")
    created_at: int
    updated_at: int


class SourceCreate(BaseModel):
    kind: SourceKind
    name: str = Field(min_length=1, max_length=200)
    settings: dict[str, SettingValue] = Field(description=SETTINGS_DOC)
    credentials: dict[str, str] | None = Field(default=None, description=CREDENTIALS_DOC)


class SourceUpdate(BaseModel):
    """Only the fields given change; settings and credentials are replaced whole; credentials null removes them."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    settings: dict[str, SettingValue] | None = Field(default=None, description=SETTINGS_DOC)
    credentials: dict[str, str] | None = Field(default=None, description=CREDENTIALS_DOC)


class SourceTestRead(BaseModel):
    ok: bool
    message: str


def _keys(context: object) -> tuple[str, ...]:
    key = getattr(context, "secret_key", None)
    if key is None:
        return ()
    try:
        return (key, *secret_keys()[1:])
    except ConfigError:
        return (key,)


def read(found: SourceRecord) -> SourceRead:
    settings = {k: (list(v) if isinstance(v, list | tuple) else str(v)) for k, v in found.settings.items()}
    return SourceRead(
        id=found.id,
        project_id=found.project_id,
        kind=found.kind,
        name=found.name,
        settings=settings,
        has_secret=found.has_secret,
        created_at=found.created_at,
        updated_at=found.updated_at,
    )


@router.get("", operation_id="list_sources", response_model=list[SourceRead])
def list_sources(project_id: Id, store: StoreDep, actor: ActorDep) -> list[SourceRead]:
    return [read(s) for s in sources_svc.list_sources(store, actor, project_id)]


@router.post("", operation_id="create_source", status_code=201, response_model=SourceRead)
def create_source(
    project_id: Id, body: SourceCreate, store: StoreDep, actor: ActorDep, context: ContextDep, source: SourceDep
) -> SourceRead:
    made = sources_svc.create_source(
        store,
        actor,
        project_id,
        kind=body.kind.value,
        name=body.name,
        settings=body.settings,
        credentials=body.credentials,
        secret_keys=_keys(context),
        source=source,
    )
    return read(made)


@router.get("/{source_id}", operation_id="get_source", response_model=SourceRead)
def get_source(project_id: Id, source_id: Id, store: StoreDep, actor: ActorDep) -> SourceRead:
    return read(sources_svc.get_source(store, actor, project_id, source_id))


@router.patch("/{source_id}", operation_id="update_source", response_model=SourceRead)
def update_source(
    project_id: Id,
    source_id: Id,
    body: SourceUpdate,
    store: StoreDep,
    actor: ActorDep,
    context: ContextDep,
    source: SourceDep,
) -> SourceRead:
    given = body.model_dump(exclude_unset=True)
    updated = sources_svc.update_source(
        store,
        actor,
        project_id,
        source_id,
        name=given.get("name"),
        settings=given.get("settings"),
        credentials=given.get("credentials", svc.KEEP),
        secret_keys=_keys(context),
        source=source,
    )
    return read(updated)


@router.delete("/{source_id}", operation_id="delete_source", status_code=204, response_class=Response)
def delete_source(project_id: Id, source_id: Id, store: StoreDep, actor: ActorDep, source: SourceDep) -> Response:
    sources_svc.delete_source(store, actor, project_id, source_id, source=source)
    return Response(status_code=204)


@router.post("/{source_id}/test", operation_id="test_source", response_model=SourceTestRead)
def test_source(project_id: Id, source_id: Id, store: StoreDep, actor: ActorDep, source: SourceDep) -> SourceTestRead:
    """Try the connection: open the git folder, look for the path, or ask the server's base URL once."""
    result = sources_svc.try_source(store, actor, project_id, source_id, source=source)
    return SourceTestRead(ok=result.ok, message=result.message)
