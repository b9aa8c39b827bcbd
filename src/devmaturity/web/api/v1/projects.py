"""Projects of the caller's organisations: list (cursor pages, by team), create, read, change, delete (docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from devmaturity.model.projects import ProjectRecord
from devmaturity.services import projects as svc
from devmaturity.web.api.v1.common import CursorQuery, LimitQuery, Page
from devmaturity.web.deps import ActorDep, SourceDep, StoreDep

router = APIRouter(prefix="/projects", tags=["projects"])

Id = Annotated[int, Path(ge=1, le=2_147_483_647, description="the object's id")]
"""A path id: the range of the id columns (INTEGER on both databases), so an absurd id is a 422, not a 500."""
SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
SETTINGS_DOC = "devmaturity.toml's project keys (window, thresholds, not_applicable, rules, reports, answers, ...)"


class ProjectRead(BaseModel):
    id: int
    org: str
    slug: str
    key: str = Field(description="the store-wide name: <org>/<slug> (the slug alone in `local`)")
    title: str
    team: str | None
    settings: dict[str, Any] = Field(description=SETTINGS_DOC)
    created_at: int
    updated_at: int | None


class ProjectCreate(BaseModel):
    org: str = Field(min_length=1, max_length=100)
    slug: str = Field(min_length=1, max_length=100, pattern=SLUG_PATTERN)
    title: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=100)
    settings: dict[str, Any] = Field(default_factory=dict, description=SETTINGS_DOC)


class ProjectUpdate(BaseModel):
    """Only the fields given change; settings replace the stored ones whole; null clears title or team."""

    title: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=100)
    settings: dict[str, Any] | None = Field(default=None, description=SETTINGS_DOC)


def read(project: ProjectRecord) -> ProjectRead:
    return ProjectRead(
        id=project.id,
        org=project.org_slug,
        slug=project.slug,
        key=project.key,
        title=project.title,
        team=project.team,
        settings=dict(project.settings),
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


@router.get("", operation_id="list_projects", response_model=Page[ProjectRead])
def list_projects(
    store: StoreDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    org: str | None = Query(default=None, max_length=100),
    team: str | None = Query(default=None, max_length=100),
) -> Page[ProjectRead]:
    page = svc.list_projects(store, actor, org_slug=org, team=team, cursor=cursor, limit=limit)
    return Page[ProjectRead](items=[read(p) for p in page.items], next_cursor=page.next_cursor)


@router.post("", operation_id="create_project", status_code=201, response_model=ProjectRead)
def create_project(body: ProjectCreate, store: StoreDep, actor: ActorDep, source: SourceDep) -> ProjectRead:
    made = svc.create_project(
        store,
        actor,
        org_slug=body.org,
        slug=body.slug,
        title=body.title,
        team=body.team,
        settings=body.settings,
        source=source,
    )
    return read(made)


@router.get("/{project_id}", operation_id="get_project", response_model=ProjectRead)
def get_project(project_id: Id, store: StoreDep, actor: ActorDep) -> ProjectRead:
    return read(svc.get_project(store, actor, project_id))


@router.patch("/{project_id}", operation_id="update_project", response_model=ProjectRead)
def update_project(
    project_id: Id, body: ProjectUpdate, store: StoreDep, actor: ActorDep, source: SourceDep
) -> ProjectRead:
    changes = body.model_dump(exclude_unset=True)
    return read(svc.update_project(store, actor, project_id, source=source, **changes))


@router.delete("/{project_id}", operation_id="delete_project", status_code=204, response_class=Response)
def delete_project(project_id: Id, store: StoreDep, actor: ActorDep, source: SourceDep) -> Response:
    """Delete the project with its sources, runs and evidence."""
    svc.delete_project(store, actor, project_id, source=source)
    return Response(status_code=204)
