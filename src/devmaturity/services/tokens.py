"""The signed-in user's API tokens as a list (never a secret nor a digest); creating and revoking are in admin."""

from __future__ import annotations

from dataclasses import dataclass

from devmaturity.auth.policy import Actor
from devmaturity.errors import UsageError
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenInfo:
    id: int
    org_slug: str | None  # the organisation it is down-scoped to
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


def my_tokens(store: Store, actor: Actor) -> list[TokenInfo]:
    """The actor's own tokens, newest first."""
    if actor.user_id is None:
        raise UsageError("the local owner has no tokens of its own")
    with store.transaction() as conn:
        rows = accounts.tokens_of(conn, actor.user_id)
        slugs = {o.id: o.slug for o in accounts.orgs_by_id(conn, frozenset(r.org_id for r in rows if r.org_id))}
    return [
        TokenInfo(
            id=row.id,
            org_slug=slugs.get(row.org_id) if row.org_id is not None else None,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
        for row in rows
    ]
