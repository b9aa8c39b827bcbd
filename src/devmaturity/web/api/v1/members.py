"""Members of an organisation: list, add a new user, set a role, remove (docs/api.md#users-and-memberships)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from devmaturity.auth.roles import Role
from devmaturity.services import members
from devmaturity.services.members import Member
from devmaturity.web.api.v1.common import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from devmaturity.web.deps import ActorDep, SourceDep, StoreDep

router = APIRouter(prefix="/orgs/{org}/members", tags=["members"])

OrgPath = Annotated[str, Path(max_length=100, description="the organisation's slug")]
NamePath = Annotated[str, Path(max_length=200, description="the user's sign-in name")]
PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "not-authenticated"},
    403: {"description": "permission-denied, csrf-failed"},
    404: {"description": "not-found"},
}


class MemberRead(BaseModel):
    name: str
    role: Role
    since: int = Field(description="unix seconds the user joined the organisation")


class MemberCreate(BaseModel):
    name: str = Field(
        min_length=1, max_length=200, pattern=r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
    )
    password: str = Field(min_length=1, max_length=1024, repr=False)
    role: Role = Role.DEVELOPER


class RoleUpdate(BaseModel):
    role: Role


class RoleChanged(BaseModel):
    name: str
    role: Role
    previous_role: Role | None


def _read(member: Member) -> MemberRead:
    return MemberRead(name=member.name, role=member.role, since=member.since)


@router.get("", operation_id="members_list", response_model=Page[MemberRead], responses=PROBLEMS)
def list_members(
    org: OrgPath,
    actor: ActorDep,
    store: StoreDep,
    source: SourceDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[MemberRead]:
    """The organisation's members by name (any member may list them)."""
    after = decode_cursor(cursor)
    found = members.list_members(
        store, actor, org_slug=org, after=str(after[0]) if after else None, limit=limit + 1, source=source
    )
    page = page_of(found, limit, lambda member: (member.name,))
    return Page[MemberRead](items=[_read(m) for m in page.items], next_cursor=page.next_cursor)


@router.post(
    "",
    operation_id="members_create",
    status_code=201,
    response_model=MemberRead,
    responses={**PROBLEMS, 409: {"description": "conflict"}, 422: {"description": "password-policy"}},
)
def create_member(org: OrgPath, body: MemberCreate, actor: ActorDep, store: StoreDep, source: SourceDep) -> MemberRead:
    """A new user with a password and a role in the organisation (admins; the password policy applies)."""
    member = members.add_user(
        store, actor, org_slug=org, name=body.name, password=body.password, role=body.role, source=source
    )
    return _read(member)


@router.put(
    "/{name}",
    operation_id="members_set_role",
    response_model=RoleChanged,
    responses={**PROBLEMS, 409: {"description": "conflict (the last admin)"}},
)
def set_role(
    org: OrgPath, name: NamePath, body: RoleUpdate, actor: ActorDep, store: StoreDep, source: SourceDep
) -> RoleChanged:
    """Give an existing user a role in the organisation (adding it when it is not a member yet)."""
    before = members.change_role(store, actor, org_slug=org, name=name, role=body.role, source=source)
    return RoleChanged(name=name, role=body.role, previous_role=before)


@router.delete(
    "/{name}",
    operation_id="members_remove",
    status_code=204,
    response_class=Response,
    responses={**PROBLEMS, 409: {"description": "conflict (the last admin)"}},
)
def remove_member(org: OrgPath, name: NamePath, actor: ActorDep, store: StoreDep, source: SourceDep) -> Response:
    """Remove the user from the organisation (its account stays)."""
    members.remove(store, actor, org_slug=org, name=name, source=source)
    return Response(status_code=204)
