"""The roles → actions table decides every answer of `allowed()`; outside its organisations an actor gets 404."""

from __future__ import annotations

import itertools
from types import MappingProxyType

import pytest

from devmaturity.auth.policy import Actor, allowed, require
from devmaturity.auth.roles import DENIALS, PERMISSIONS, Action, Role
from devmaturity.errors import NotAuthenticated, NotFoundError, PermissionDenied

ORG_A, ORG_B = 1, 2


def _actor(role: Role, *, token_org: int | None = None) -> Actor:
    return Actor(user_id=7, name="u", roles=MappingProxyType({ORG_A: role}), token_org=token_org)


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_allowed_follows_the_table_for_every_role_and_action(role: Role, action: Action) -> None:
    """In its own organisation a role may exactly what PERMISSIONS lists; in another, nothing at all."""
    actor = _actor(role)
    assert allowed(actor, action, ORG_A) is (action in PERMISSIONS[role])
    assert allowed(actor, action, ORG_B) is False


def test_hand_picked_expectations() -> None:
    """What the brief says in words, independent of how the table is written."""
    assert not allowed(_actor(Role.DEVELOPER), Action.ANSWER_WRITE, ORG_A)
    assert allowed(_actor(Role.DEVELOPER), Action.ASSESSMENT_READ, ORG_A)
    assert allowed(_actor(Role.ASSESSOR), Action.ASSESSMENT_FREEZE, ORG_A)
    assert allowed(_actor(Role.ASSESSOR), Action.ANSWER_REVIEW, ORG_A)
    assert not allowed(_actor(Role.ASSESSOR), Action.USER_MANAGE, ORG_A)
    assert not allowed(_actor(Role.OPERATIONS), Action.PROJECT_DELETE, ORG_A)
    assert not allowed(_actor(Role.TESTER), Action.AUDIT_READ, ORG_A)
    assert all(allowed(_actor(Role.ADMIN), action, ORG_A) for action in Action)


def test_delivery_roles_only_read() -> None:
    """The six delivery roles get the same five read actions and nothing else."""
    reads = {"org.read", "project.read", "source.read", "run.read", "assessment.read"}
    for role in (Role.PRODUCT_MANAGER, Role.SCRUM_MASTER, Role.ARCHITECT, Role.DEVELOPER, Role.TESTER, Role.OPERATIONS):
        assert {a.value for a in PERMISSIONS[role]} == reads


def test_every_action_has_a_denial_in_both_languages() -> None:
    assert set(DENIALS) == set(Action)
    assert all(text.zh.strip() and text.en.strip() and text.zh != text.en for text in DENIALS.values())


def test_require_outside_scope_is_not_found_and_in_scope_is_denied() -> None:
    developer = _actor(Role.DEVELOPER)
    with pytest.raises(NotFoundError) as outside:
        require(developer, Action.ORG_READ, ORG_B)
    assert outside.value.slug == "not-found"
    with pytest.raises(PermissionDenied) as denied:
        require(developer, Action.ANSWER_WRITE, ORG_A)
    assert str(denied.value) == "Only assessors and administrators may answer assessment questions."
    assert denied.value.action == "answer.write"
    with pytest.raises(PermissionDenied, match="只有评估师和管理员"):
        require(developer, Action.ANSWER_WRITE, ORG_A, lang="zh")
    require(developer, Action.PROJECT_READ, ORG_A)  # allowed: no exception
    with pytest.raises(NotAuthenticated):
        require(None, Action.PROJECT_READ, ORG_A)


def test_token_down_scope_hides_the_other_organisations() -> None:
    """An admin of A and B presenting a token scoped to B sees only B: A is not found, not forbidden."""
    admin = Actor(user_id=1, name="a", roles=MappingProxyType({ORG_A: Role.ADMIN, ORG_B: Role.ADMIN}), token_org=ORG_B)
    assert admin.org_ids() == frozenset({ORG_B})
    assert allowed(admin, Action.USER_MANAGE, ORG_B)
    assert not allowed(admin, Action.ORG_READ, ORG_A)
    with pytest.raises(NotFoundError):
        require(admin, Action.ORG_READ, ORG_A)


def test_the_local_owner_may_everything() -> None:
    owner = Actor.local("local:ops")
    assert all(allowed(owner, action, org) for action in Action for org in (ORG_A, ORG_B))
