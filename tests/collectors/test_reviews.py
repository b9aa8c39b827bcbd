"""Code review of merged pull/merge requests read from the GitHub, GitLab and Gitee APIs, against the local fake
server.

GitHub, `github/pulls-reviewed.json` (author octocat) and `github/reviews-<n>.json`, each reviewer's last verdict:
  #51 bob APPROVED                                        -> 1 approval, by another user
  #52 carol COMMENTED then APPROVED, dave APPROVED         -> 2 approvals (carol once), by another user
  #53 octocat COMMENTED, bob APPROVED then CHANGES_REQUESTED -> 0 approvals (bob withdrew it), not by another
  #54 no reviews                                          -> 0 approvals, not by another
  #55 reviews answer 404                                  -> not read (None, None)
  #56 open                                                -> reviews never asked for (None, None)
GitLab, `gitlab/merge_requests-reviewed.json` (author alice) and `gitlab/approvals-<iid>.json`:
  !21 approved_by bob -> 1, True; !22 approved_by alice (self-approval) -> 1, False; !23 nobody -> 0, False;
  !24 opened -> not asked (None, None).
Gitee, `gitee/pulls-reviewed.json` (author alice), reviewers in `assignees` with `accept` (审查通过):
  !11 bob accepted, carol not, tester dave accepted -> 1 (the tester's sign-off is not a review), True
  !12 alice accepted her own                         -> 1, False
  !13 no reviewer, tester dave accepted               -> 0, False
  !14 no `assignees` in the answer                   -> not read (None, None)
  !15 open, bob accepted                             -> not merged (None, None)
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from devmaturity.collectors.gitee import GiteeSource
from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.gitlab import GitLabSource
from devmaturity.errors import SourceAuthError
from devmaturity.model.delivery import WorkItem
from devmaturity.services.sync import credential_values
from tests.apiserver import ApiServer
from tests.collectors.test_rest_sources import DATA, TOKEN, collect, options

REPO = "/repos/acme/shop"
PROJECT = "/api/v4/projects/acme%2Fshop"


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer(DATA) as server:
        yield server


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    monkeypatch.setenv("GITEE_TOKEN", TOKEN)


def reviews(records: list[object]) -> dict[str, tuple[int | None, bool | None]]:
    return {r.id: (r.approvals, r.approved_by_other) for r in records if isinstance(r, WorkItem)}


def test_github_reviews_of_merged_pull_requests(api: ApiServer) -> None:
    api.serve(f"{REPO}/pulls", "github/pulls-reviewed.json")
    for number in (51, 52, 53, 54):
        api.serve(f"{REPO}/pulls/{number}/reviews", f"github/reviews-{number}.json")
    for stream in ("actions/runs", "deployments", "releases", "issues"):
        api.serve_body(f"{REPO}/{stream}", b'{"workflow_runs": []}' if stream == "actions/runs" else b"[]")
    records, _ = collect(
        GitHubSource("acme/shop", base_url=api.url, client=options([]), **credential_values("github", {}))
    )
    assert reviews(records) == {
        "#51": (1, True),
        "#52": (2, True),
        "#53": (0, False),
        "#54": (0, False),
        "#55": (None, None),
        "#56": (None, None),
    }
    asked = sorted(p for p in api.paths() if p.endswith("/reviews"))
    assert asked == [f"{REPO}/pulls/{n}/reviews" for n in (51, 52, 53, 54, 55)]  # not the open #56


def test_gitlab_approvals_of_merged_merge_requests(api: ApiServer) -> None:
    api.serve(f"{PROJECT}/merge_requests", "gitlab/merge_requests-reviewed.json", paging="gitlab")
    for iid in (21, 22, 23):
        api.serve_body(
            f"{PROJECT}/merge_requests/{iid}/approvals", (DATA / f"gitlab/approvals-{iid}.json").read_bytes()
        )
    for stream in ("pipelines", "deployments", "issues", "releases"):
        api.serve_body(f"{PROJECT}/{stream}", b"[]")
    records, _ = collect(
        GitLabSource("acme/shop", base_url=api.url, client=options([]), **credential_values("gitlab", {}))
    )
    assert reviews(records) == {"!21": (1, True), "!22": (1, False), "!23": (0, False), "!24": (None, None)}
    asked = sorted(p for p in api.paths() if p.endswith("/approvals"))
    assert asked == [f"{PROJECT}/merge_requests/{iid}/approvals" for iid in (21, 22, 23)]


def test_a_forbidden_review_listing_is_an_error_not_a_silent_no(api: ApiServer) -> None:
    """A 403 on the reviews (token without pull-request rights) stops the sync with the auth error, like any other
    listing; it is never stored as "not reviewed"."""
    api.serve(f"{REPO}/pulls", "github/pulls-reviewed.json")
    api.serve_body(f"{REPO}/pulls/55/reviews", b'{"message": "Resource not accessible"}', status=403)
    for stream in ("actions/runs", "deployments", "releases", "issues"):
        api.serve_body(f"{REPO}/{stream}", b'{"workflow_runs": []}' if stream == "actions/runs" else b"[]")
    with pytest.raises(SourceAuthError, match="reviews"):
        collect(GitHubSource("acme/shop", base_url=api.url, client=options([]), **credential_values("github", {})))


# --- the default branch's protection (facts vcs.branch_protected, vcs.reviews_required) ---


PROTECTION = ("vcs.branch_protected", "vcs.reviews_required")


def facts_of(api: ApiServer) -> dict[str, tuple[bool | None, str]]:
    source = GitHubSource("acme/shop", base_url=api.url, client=options([]), **credential_values("github", {}))
    return {f.id: (f.value, f.detail) for f in source.facts() if f.id in PROTECTION}


def test_a_protected_branch_requiring_two_approvals(api: ApiServer) -> None:
    """`github/protection-main.json`: 2 approving reviews required, enforced for admins."""
    api.serve(REPO, "github/repo.json")
    api.serve(f"{REPO}/branches/main/protection", "github/protection-main.json")
    assert facts_of(api) == {
        "vcs.branch_protected": (True, "branch main is protected for admins too"),
        "vcs.reviews_required": (True, "branch main: 2 approving review(s) required"),
    }


def test_a_404_is_an_unprotected_branch(api: ApiServer) -> None:
    api.serve(REPO, "github/repo.json")  # no protection route: the fake server answers 404, as GitHub does
    assert facts_of(api) == {
        "vcs.branch_protected": (False, "branch main is not protected"),
        "vcs.reviews_required": (False, "branch main is not protected"),
    }


def test_a_403_leaves_the_protection_unknown(api: ApiServer) -> None:
    api.serve(REPO, "github/repo.json")
    api.serve_body(f"{REPO}/branches/main/protection", b'{"message": "Resource not accessible"}', status=403)
    why = "the token may not read the protection of branch main (it needs admin rights)"
    assert facts_of(api) == {"vcs.branch_protected": (None, why), "vcs.reviews_required": (None, why)}


def gitlab_facts(api: ApiServer) -> dict[str, tuple[bool | None, str]]:
    source = GitLabSource("acme/shop", base_url=api.url, client=options([]), **credential_values("gitlab", {}))
    return {f.id: (f.value, f.detail) for f in source.facts() if f.id in PROTECTION}


def test_gitlab_protected_branch_and_approval_rules(api: ApiServer) -> None:
    """`gitlab/protected_branch-main.json` (push: Maintainers) and `gitlab/approval_rules.json` (rules needing 0
    and 2 approvals -> the most, 2, is required)."""
    api.serve(PROJECT, "gitlab/project.json", paging="none")
    api.serve(f"{PROJECT}/protected_branches/main", "gitlab/protected_branch-main.json", paging="none")
    api.serve(f"{PROJECT}/approval_rules", "gitlab/approval_rules.json", paging="none")
    assert gitlab_facts(api) == {
        "vcs.branch_protected": (True, "branch main is protected; push: Maintainers"),
        "vcs.reviews_required": (True, "approval rules require 2 approval(s)"),
    }


def test_gitlab_unprotected_branch_and_no_approval_settings(api: ApiServer) -> None:
    """No protected branch (404), no approval rules (404: GitLab Free) and no `approvals_before_merge` in
    `gitlab/project.json`: not protected, and whether approvals are required is unknown, not "no"."""
    api.serve(PROJECT, "gitlab/project.json", paging="none")
    protected, required = gitlab_facts(api).values()
    assert protected == (False, "branch main is not protected")
    assert required[0] is None and "cannot be read" in required[1]


def test_gitlab_forbidden_protected_branches_are_unknown(api: ApiServer) -> None:
    api.serve(PROJECT, "gitlab/project.json", paging="none")
    api.serve_body(f"{PROJECT}/protected_branches/main", b'{"message": "403 Forbidden"}', status=403)
    assert gitlab_facts(api)["vcs.branch_protected"] == (None, "the token may not read protected branches")


# --- Gitee: reviews from the pull request listing, protection and the review setting ---

GITEE = "/api/v5/repos/acme/shop"


def gitee(api: ApiServer) -> GiteeSource:
    return GiteeSource("acme/shop", base_url=f"{api.url}/api/v5", client=options([]), token=TOKEN)


def test_gitee_reviews_of_merged_pull_requests(api: ApiServer) -> None:
    api.serve(f"{GITEE}/pulls", "gitee/pulls-reviewed.json", paging="gitee")
    for stream in ("issues", "releases"):
        api.serve(f"{GITEE}/{stream}", "gitee/releases.json" if stream == "releases" else "gitee/issues.json")
    records, _ = collect(gitee(api))
    assert reviews([r for r in records if r.id.startswith("!")]) == {
        "!11": (1, True),
        "!12": (1, False),
        "!13": (0, False),
        "!14": (None, None),
        "!15": (None, None),
    }
    assert not [p for p in api.paths() if "/pulls/" in p]  # the listing carries the review: no request per pull


def gitee_facts(api: ApiServer) -> dict[str, tuple[bool | None, str]]:
    return {f.id: (f.value, f.detail) for f in gitee(api).facts() if f.id in PROTECTION}


def test_gitee_protected_branch_and_review_setting(api: ApiServer) -> None:
    """`gitee/repo.json` (default branch master, `assignees_number` 1) and `gitee/branch-master.json`
    (`protected` true)."""
    api.serve(GITEE, "gitee/repo.json", paging="none")
    api.serve(f"{GITEE}/branches/master", "gitee/branch-master.json", paging="none")
    assert gitee_facts(api) == {
        "vcs.branch_protected": (True, "branch master is protected"),
        "vcs.reviews_required": (True, "code review setting: 1 reviewer approval(s) required"),
    }


def test_gitee_unprotected_branch_without_review_setting(api: ApiServer) -> None:
    repo = json.loads((DATA / "gitee/repo.json").read_bytes()) | {"assignees_number": 0}
    branch = json.loads((DATA / "gitee/branch-master.json").read_bytes()) | {"protected": False}
    api.serve_body(GITEE, json.dumps(repo).encode())
    api.serve_body(f"{GITEE}/branches/master", json.dumps(branch).encode())
    assert gitee_facts(api) == {
        "vcs.branch_protected": (False, "branch master is not protected"),
        "vcs.reviews_required": (False, "code review setting: no reviewer approval required"),
    }


def test_gitee_forbidden_settings_are_unknown(api: ApiServer) -> None:
    api.serve_body(GITEE, b'{"message": "403 Forbidden"}', status=403)
    why = "the token may not read the repository's settings"
    assert gitee_facts(api) == {"vcs.branch_protected": (None, why), "vcs.reviews_required": (None, why)}
