"""Repository members and roles from the GitHub, GitLab and Gitee APIs (fact vcs.least_privilege), against the
local fake server, and the rule that judges them.

The payloads (tests/data/api/README.md) follow each API's documented member listing:
  github/collaborators-1.json, -2.json  octocat admin, bob write, carol maintain, dave read | erin triage, frank admin
                                         -> 2 of 6 administer (limit 3), 2 write, 2 read: true
  github/collaborators-all-admin.json   five admins -> false
  gitlab/members-all.json               Owner, Maintainer, 3 Developers, Reporter, Guest, and a blocked Maintainer
                                         -> 2 of 7 administer (the blocked account is left out): true
  gitee/collaborators.json              alice admin, bob and carol push, dave pull -> 1 of 4: true
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devmaturity.collectors.gitee import GiteeSource
from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.gitlab import GitLabSource
from devmaturity.collectors.members import Access, Member, admin_limit, least_privilege
from devmaturity.collectors.streams import StreamSource
from tests.apiserver import ApiServer
from tests.collectors.test_rest_sources import DATA, TOKEN, options

GITHUB = "/repos/acme/shop/collaborators"
GITLAB = "/api/v4/projects/acme%2Fshop/members/all"
GITEE = "/api/v5/repos/acme/shop/collaborators"


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer(DATA) as server:
        yield server


def member_fact(source: StreamSource) -> tuple[bool | None, str, tuple[str, ...]]:
    [fact] = [f for f in source.facts() if f.id == "vcs.least_privilege"]
    return fact.value, fact.detail, fact.evidence


def github(api: ApiServer) -> GitHubSource:
    return GitHubSource("acme/shop", base_url=api.url, client=options([]), token=TOKEN)


def test_github_collaborators_over_two_pages(api: ApiServer) -> None:
    api.serve(GITHUB, "github/collaborators-1.json", "github/collaborators-2.json")
    assert member_fact(github(api)) == (
        True,
        "2 of 6 member(s) administer the repository (at most 3 allowed); 2 may write, 2 may only read",
        ("github:acme/shop collaborators",),
    )
    assert [q["affiliation"] for q in api.queries(GITHUB)] == ["all", "all"]


def test_a_team_of_administrators_is_not_least_privilege(api: ApiServer) -> None:
    api.serve(GITHUB, "github/collaborators-all-admin.json")
    value, detail, _ = member_fact(github(api))
    assert value is False
    assert detail.startswith("5 of 5 member(s) administer the repository (at most 3 allowed)")


@pytest.mark.parametrize("status", [401, 403])
def test_a_token_that_may_not_list_members_leaves_it_unknown(api: ApiServer, status: int) -> None:
    api.serve_body(GITHUB, b'{"message": "Must have push access to view repository collaborators."}', status=status)
    value, detail, _ = member_fact(github(api))
    assert (value, detail) == (None, "the token may not list the repository's members and their roles")


def test_a_missing_listing_is_unknown_not_false(api: ApiServer) -> None:
    value, detail, _ = member_fact(github(api))  # no route: 404
    assert (value, detail) == (None, "the member listing was not found")


def test_gitlab_members_with_inherited_ones(api: ApiServer) -> None:
    api.serve(GITLAB, "gitlab/members-all.json", paging="gitlab")
    source = GitLabSource("acme/shop", base_url=api.url, client=options([]), token=TOKEN)
    assert member_fact(source) == (
        True,
        "2 of 7 member(s) administer the repository (at most 3 allowed); 3 may write, 2 may only read",
        ("gitlab:acme/shop members",),
    )


def test_gitee_collaborators_with_permissions(api: ApiServer) -> None:
    api.serve(GITEE, "gitee/collaborators.json", paging="gitee")
    source = GiteeSource("acme/shop", base_url=f"{api.url}/api/v5", client=options([]), token=TOKEN)
    assert member_fact(source)[:2] == (
        True,
        "1 of 4 member(s) administer the repository (at most 3 allowed); 2 may write, 1 may only read",
    )
    assert {q["access_token"] for q in api.queries(GITEE)} == {TOKEN}


# --- the rule ---


def team(admins: int, writers: int = 0, readers: int = 0) -> list[Member]:
    roles = [Access.ADMIN] * admins + [Access.WRITE] * writers + [Access.READ] * readers
    return [Member(login=f"user{i}", access=access) for i, access in enumerate(roles)]


@pytest.mark.parametrize(("members", "limit"), [(1, 3), (3, 3), (15, 3), (16, 4), (40, 8), (41, 9)])
def test_the_administrator_limit_is_three_or_a_fifth(members: int, limit: int) -> None:
    assert admin_limit(members) == limit


@pytest.mark.parametrize(
    ("admins", "writers", "expected"),
    [(3, 0, True), (4, 0, False), (3, 12, True), (4, 11, False), (4, 12, True), (5, 15, False)],
)
def test_least_privilege_at_the_limit(admins: int, writers: int, expected: bool) -> None:
    assert least_privilege(team(admins, writers), ("x",)).value is expected


def test_one_login_counts_once_and_no_members_is_unknown() -> None:
    twice = [Member(login="a", access=Access.ADMIN), Member(login="a", access=Access.ADMIN)]
    assert "1 of 1 member(s)" in least_privilege(twice, ()).detail
    assert least_privilege([], ()).value is None
