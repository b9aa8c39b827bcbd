"""Organisations: the ones I am in, create one (an administrator of an organisation may), read one (docs/api.md)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from devmaturity.services import projects as svc
from devmaturity.web.deps import ActorDep, SourceDep, StoreDep

router = APIRouter(prefix="/orgs", tags=["organisations"])


class OrgRead(BaseModel):
    id: int
    slug: str
    name: str


class OrgCreate(BaseModel):
    slug: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str | None = Field(default=None, min_length=1, max_length=200)


def _read(org: object) -> OrgRead:
    return OrgRead.model_validate(org, from_attributes=True)


@router.get("", operation_id="list_orgs", response_model=list[OrgRead])
def list_orgs(store: StoreDep, actor: ActorDep) -> list[OrgRead]:
    """The organisations the caller is a member of (an organisation-scoped token: that one)."""
    return [_read(org) for org in svc.list_orgs(store, actor)]


@router.post("", operation_id="create_org", status_code=201, response_model=OrgRead)
def create_org(body: OrgCreate, store: StoreDep, actor: ActorDep, source: SourceDep) -> OrgRead:
    """Create an organisation; the caller (an administrator of some organisation) becomes its administrator."""
    return _read(svc.create_org(store, actor, slug=body.slug, name=body.name, source=source))


@router.get("/{org_slug}", operation_id="get_org", response_model=OrgRead)
def get_org(org_slug: str, store: StoreDep, actor: ActorDep) -> OrgRead:
    return _read(svc.get_org(store, actor, org_slug))
