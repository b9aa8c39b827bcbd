"""Repository members and their roles, as the hosting platforms list them, judged as one fact: vcs.least_privilege."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from devmaturity.collectors.http import Answer, RestClient
from devmaturity.collectors.payload import Obj
from devmaturity.errors import SourceAuthError
from devmaturity.model.facts import Fact

FACT = "vcs.least_privilege"
# devmaturity's calibration (docs/facts.md): administrators may be up to this many people, or this share of the
# members when that is more; a team of three may all administer, a team of forty may have eight administrators
ADMIN_FLOOR = 3
ADMIN_SHARE = 0.2


class Access(enum.IntEnum):
    """What a member may do in the repository, in the platforms' common terms."""

    READ = 1  # read, triage; GitLab Guest and Reporter; Gitee pull only
    WRITE = 2  # push (GitHub write and maintain, GitLab Developer, Gitee push)
    ADMIN = 3  # change the repository's settings and its branch protection (GitHub admin, GitLab Maintainer and
    # Owner, Gitee admin)


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    login: str
    access: Access


def admin_limit(members: int) -> int:
    """How many administrators a repository of `members` people may have and still count as least privilege."""
    return max(ADMIN_FLOOR, math.ceil(ADMIN_SHARE * members))


def least_privilege(members: Iterable[Member], where: tuple[str, ...]) -> Fact:
    """True when the administrators are few (at most `admin_limit`), false when more; unknown with no member
    listed (the platform always lists at least the owner, so an empty list means the token sees none)."""
    people = {member.login: member.access for member in members}
    if not people:
        return Fact(id=FACT, value=None, detail="the member list is empty as the token sees it", evidence=where)
    counts = {access: sum(1 for a in people.values() if a is access) for access in Access}
    limit = admin_limit(len(people))
    admins = counts[Access.ADMIN]
    detail = (
        f"{admins} of {len(people)} member(s) administer the repository (at most {limit} allowed); "
        f"{counts[Access.WRITE]} may write, {counts[Access.READ]} may only read"
    )
    return Fact(id=FACT, value=admins <= limit, detail=detail, evidence=where)


def members_fact(
    api: RestClient,
    url: str,
    next_page: Callable[[Answer], str | None],
    member: Callable[[Obj], Member | None],
    where: str,
) -> Fact:
    """The fact from every member a platform lists at `url`, page by page (`member` None: not a person with
    access, such as a blocked account); a token that may not list members (401/403) or a listing that is not found
    leaves it unknown with the reason, never false."""
    evidence = (where,)
    try:
        answer = api.get_optional(url)
        if answer is None:
            return Fact(id=FACT, value=None, detail="the member listing was not found", evidence=evidence)
        items = answer.objects()
        while (following := next_page(answer)) is not None:
            answer = api.get(following)
            items += answer.objects()
    except SourceAuthError:
        why = "the token may not list the repository's members and their roles"
        return Fact(id=FACT, value=None, detail=why, evidence=evidence)
    return least_privilege(filter(None, map(member, items)), evidence)


def github_member(item: Obj) -> Member:
    """A GitHub collaborator: `role_name` (admin, maintain, write, triage, read, or a custom role), else its
    `permissions` flags."""
    role = (item.opt_text("role_name") or "").casefold()
    named = {"admin": Access.ADMIN, "maintain": Access.WRITE, "write": Access.WRITE, "triage": Access.READ}
    if role in named or role == "read":
        return Member(login=item.text("login"), access=named.get(role, Access.READ))
    return Member(login=item.text("login"), access=_flags(item))


def gitee_member(item: Obj) -> Member:
    """A Gitee collaborator with its `permissions` {admin, push, pull}."""
    return Member(login=item.text("login"), access=_flags(item))


def _flags(item: Obj) -> Access:
    flags = item.opt_child("permissions")
    if flags is None:
        return Access.READ
    if flags.get("admin") is True:
        return Access.ADMIN
    if flags.get("push") is True or flags.get("maintain") is True:
        return Access.WRITE
    return Access.READ


# GitLab access levels: 5 Minimal, 10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
GITLAB_DEVELOPER = 30
GITLAB_MAINTAINER = 40


def gitlab_member(item: Obj) -> Member | None:
    """A GitLab member of the project (direct or inherited, `members/all`) with its `access_level`; a blocked
    account has no access and is left out."""
    if (item.opt_text("state") or "active") != "active":
        return None
    level = item.number("access_level")
    if level >= GITLAB_MAINTAINER:
        access = Access.ADMIN
    elif level >= GITLAB_DEVELOPER:
        access = Access.WRITE
    else:
        access = Access.READ
    return Member(login=item.text("username"), access=access)
