"""The policy: which organisations an actor sees and whether it may take an action there (the roles table decides).

Outside the actor's organisations an object does not exist for it (NotFoundError, 404); inside, an action its role
lacks is refused with the action's denial sentence (PermissionDenied, 403). Nobody is loaded first and compared later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from devmaturity.auth.roles import DENIALS, Action, Role, permitted
from devmaturity.errors import NotAuthenticated, NotFoundError, PermissionDenied
from devmaturity.model.text import Lang


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who acts: a user with a role per organisation id, optionally down-scoped to one organisation by the API
    token it presented. `owner` is the local operator of the CLI (whoever can open the database): it may do
    everything and is never built from a web request."""

    user_id: int | None
    name: str
    roles: Mapping[int, Role] = field(default_factory=lambda: MappingProxyType({}))
    token_org: int | None = None
    owner: bool = False

    @staticmethod
    def local(name: str) -> Actor:
        """The CLI's actor: the local owner, recorded in the audit log under `name` (e.g. `local:alice`)."""
        return Actor(user_id=None, name=name, owner=True)

    def org_ids(self) -> frozenset[int]:
        """The organisations this actor sees (a token's down-scope narrows them); empty for the owner, who sees
        whatever organisation it names."""
        orgs = frozenset(self.roles)
        return orgs & {self.token_org} if self.token_org is not None else orgs

    def role_in(self, org_id: int) -> Role | None:
        """The actor's role in the organisation, or None when it is outside the actor's scope."""
        return self.roles.get(org_id) if org_id in self.org_ids() else None


def in_scope(actor: Actor, org_id: int) -> bool:
    """Whether the organisation exists for this actor at all."""
    return actor.owner or actor.role_in(org_id) is not None


def allowed(actor: Actor, action: Action, org_id: int) -> bool:
    """Whether the actor may take `action` in the organisation: the owner always, others by their role there."""
    if actor.owner:
        return True
    role = actor.role_in(org_id)
    return role is not None and permitted(role, action)


def require(actor: Actor | None, action: Action, org_id: int, *, what: str = "organisation", lang: Lang = "en") -> None:
    """Raise unless `allowed`: NotAuthenticated without an actor, NotFoundError outside its organisations (the
    message names only what was asked for), PermissionDenied with the action's denial sentence in scope."""
    if actor is None:
        raise NotAuthenticated("sign in or present an API token" if lang == "en" else "请先登录或提供 API 令牌")
    if not in_scope(actor, org_id):
        raise NotFoundError(f"{what} not found" if lang == "en" else f"未找到{what}")
    if not allowed(actor, action, org_id):
        raise PermissionDenied(DENIALS[action].get(lang), action=action.value)
