"""The signed-in user's API tokens: create (shown once), list (never the secret), revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from devmaturity.services import admin, tokens
from devmaturity.web.api.v1.common import Page
from devmaturity.web.deps import ActorDep, ContextDep, SourceDep, StoreDep

router = APIRouter(prefix="/tokens", tags=["tokens"])

PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "not-authenticated"},
    403: {"description": "permission-denied, csrf-failed"},
    404: {"description": "not-found"},
}


class TokenCreate(BaseModel):
    org: str | None = Field(
        default=None, max_length=100, pattern=r"^[^\x00]*$", description="down-scope the token to this organisation"
    )
    user: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\x00]*$",
        description="whose token (default: mine; someone else's needs user.manage)",
    )


class TokenCreated(BaseModel):
    token: str = Field(description="the token: shown this once, never again")
    user: str
    org: str | None


class TokenRead(BaseModel):
    id: int
    org: str | None
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


@router.post(
    "",
    operation_id="tokens_create",
    status_code=201,
    response_model=TokenCreated,
    responses={**PROBLEMS, 400: {"description": "usage"}},
)
def create_token(
    body: TokenCreate, actor: ActorDep, store: StoreDep, context: ContextDep, source: SourceDep, response: Response
) -> TokenCreated:
    """A new API token (token.create in every organisation it covers); the answer is the only time it is shown."""
    user = body.user or actor.name
    token = admin.create_token(store, actor, user_name=user, org_slug=body.org, secret_key=context.key, source=source)
    response.headers["Cache-Control"] = "no-store"
    return TokenCreated(token=token, user=user, org=body.org)


@router.get("", operation_id="tokens_list", response_model=Page[TokenRead], responses=PROBLEMS)
def list_tokens(actor: ActorDep, store: StoreDep) -> Page[TokenRead]:
    """My tokens, newest first, without their secrets (one page: a user has few)."""
    items = [
        TokenRead(
            id=t.id, org=t.org_slug, created_at=t.created_at, last_used_at=t.last_used_at, revoked_at=t.revoked_at
        )
        for t in tokens.my_tokens(store, actor)
    ]
    return Page[TokenRead](items=items, next_cursor=None)


@router.delete(
    "/{token_id}", operation_id="tokens_revoke", status_code=204, response_class=Response, responses=PROBLEMS
)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**62)], actor: ActorDep, store: StoreDep, source: SourceDep
) -> Response:
    """Revoke one of my tokens; it never authenticates again."""
    admin.revoke_token(store, actor, token_id=token_id, source=source)
    return Response(status_code=204)
