"""Gitee API v5: one repository's pull requests (with their review), issues and releases; branch protection,
review settings and members."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from devmaturity.collectors.http import Answer, ClientOptions, Credentials, Record, RestClient, total_page_next
from devmaturity.collectors.members import gitee_member, members_fact
from devmaturity.collectors.payload import Obj, approved, commit_sha, label_names, pull_request, work_type
from devmaturity.collectors.streams import Entry, Mark, Stream, StreamSource, entries_keyed, query_url
from devmaturity.errors import SourceAuthError, UsageError
from devmaturity.model.delivery import Release, WorkItem
from devmaturity.model.facts import Fact

GITEE_API = "https://gitee.com/api/v5"
TOKEN_ENV = "GITEE_TOKEN"  # noqa: S105 - the name of the variable holding the token, not a token
BUG_ISSUE_TYPES = frozenset({"缺陷", "bug", "defect"})  # `issue_type` of enterprise repositories
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
PROTECTION_FACTS = ("vcs.branch_protected", "vcs.reviews_required")


def _since(mark: Mark) -> str | None:
    """Gitee's documented `since` form: ISO 8601 with an offset, whole seconds, rounded down."""
    return mark.at.replace(microsecond=0).isoformat() if mark.at else None


class GiteeSource(StreamSource):
    """One repository on gitee.com. The token travels as the `access_token` query parameter, as Gitee documents;
    it is added at send time and removed from everything kept or logged.

    Pull requests are read by `sort=updated` newest first down to the mark, issues `since` the mark, releases all
    pages (few) keyed by `created_at`. Pages follow the `total_page` header.
    """

    def __init__(
        self,
        repo: str,
        *,
        base_url: str = GITEE_API,
        token_env: str = TOKEN_ENV,
        token: str = "",
        client: ClientOptions | None = None,
    ) -> None:
        if not _REPO.fullmatch(repo):
            raise UsageError(f"gitee: repository {repo!r} is not owner/name")
        self.repo = self._what = repo
        self.name = f"gitee:{repo}"
        self._base_url = base_url
        self._credentials = Credentials(token_env=token_env, token=token, query="access_token")
        self._options = client or ClientOptions()

    def _streams(self) -> tuple[Stream, ...]:
        newest = {"state": "all", "sort": "updated", "direction": "desc"}
        return (
            Stream(
                name="pulls",
                start=lambda _: self._url("pulls", newest),
                entries=lambda answer: entries_keyed(answer.objects(), "id", "updated_at"),
                convert=self._pull,
                next=total_page_next,
                stop_early=True,
            ),
            Stream(
                name="issues",
                start=lambda mark: self._url("issues", {**newest, "since": _since(mark)}),
                entries=lambda answer: entries_keyed(answer.objects(), "id", "updated_at"),
                convert=self._issue,
                next=total_page_next,
            ),
            Stream(
                name="releases",
                start=lambda _: self._url("releases", {"direction": "desc"}),
                entries=_release_entries,
                convert=self._release,
                next=total_page_next,
            ),
        )

    def _url(self, path: str, params: Mapping[str, str | int | None]) -> str:
        return query_url(f"repos/{self.repo}/{path}", {**params, "page": 1, "per_page": self._options.page_size})

    def _pull(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        """A pull request; a merged one with its review: each reviewer (`assignees`) whose `accept` is true passed
        it (审查通过). A tester's `accept` (测试通过) is a test sign-off, not a code review, and is not counted. A
        listing without `assignees` leaves the review unread."""
        item = entry.item
        pull = pull_request(self.name, item, "!")
        if pull.resolved_at is None or item.get("assignees") is None:
            return pull, True
        approvers = [r.text("login") for r in item.children("assignees") if r.get("accept") is True]
        user = item.opt_child("user")
        return approved(pull, list(dict.fromkeys(approvers)), user.opt_text("login") if user else None), True

    def _facts(self, api: RestClient) -> tuple[Fact, ...]:
        """The default branch's protection and the repository's review setting, and the members with their
        permissions."""
        url = self._url("collaborators", {})
        members = members_fact(api, url, total_page_next, gitee_member, f"{self.name} collaborators")
        return (*self._protection(api), members)

    def _protection(self, api: RestClient) -> tuple[Fact, ...]:
        """`protected` of the default branch (Gitee's protection rules), and whether merging needs a reviewer's
        approval: the repository's code review setting `assignees_number` (最少审查人数). A token that may
        not read them leaves both unknown."""
        try:
            repo = api.get_optional(f"repos/{self.repo}")
            if repo is None:
                why = f"repository {self.repo} not found, so its default branch is unknown"
                return tuple(Fact(id=f, value=None, detail=why, evidence=(self.name,)) for f in PROTECTION_FACTS)
            settings = repo.object()
            branch = settings.opt_text("default_branch") or "master"
            answer = api.get_optional(f"repos/{self.repo}/branches/{quote(branch, safe='')}")
        except SourceAuthError:
            why = "the token may not read the repository's settings"
            return tuple(Fact(id=f, value=None, detail=why, evidence=(self.name,)) for f in PROTECTION_FACTS)
        where = (f"{self.name} branch {branch}",)
        return (_protected(answer.object() if answer else None, branch, where), _review_setting(settings, where))

    def _issue(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        labels = label_names(item)
        bug_type = (item.opt_text("issue_type") or "").lower() in BUG_ISSUE_TYPES
        issue = WorkItem(
            source=self.name,
            id=f"#{item.ident('number')}",
            type="bug" if bug_type else work_type(labels),
            title=item.text("title"),
            created_at=item.time("created_at"),
            resolved_at=item.opt_time("finished_at"),
            labels=labels,
        )
        return issue, True

    def _release(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        tag = item.text("tag_name")
        release = Release(
            source=self.name,
            id=entry.id,
            name=item.opt_text("name") or tag,
            created_at=item.time("created_at"),
            commit=commit_sha(item.opt_text("target_commitish")),
            tag=tag,
        )
        return release, True


def _release_entries(answer: Answer) -> list[Entry]:
    return entries_keyed(answer.objects(), "id", "created_at")


def _protected(branch: Obj | None, name: str, where: tuple[str, ...]) -> Fact:
    if branch is None:
        return Fact(id="vcs.branch_protected", value=None, detail=f"branch {name} not found", evidence=where)
    flag = branch.get("protected")
    if not isinstance(flag, bool):
        why = f"branch {name}: the answer does not say whether it is protected"
        return Fact(id="vcs.branch_protected", value=None, detail=why, evidence=where)
    said = "protected" if flag else "not protected"
    return Fact(id="vcs.branch_protected", value=flag, detail=f"branch {name} is {said}", evidence=where)


def _review_setting(settings: Obj, where: tuple[str, ...]) -> Fact:
    count = settings.get("assignees_number")
    if not isinstance(count, int) or isinstance(count, bool):
        why = "the repository answer has no code review setting (assignees_number)"
        return Fact(id="vcs.reviews_required", value=None, detail=why, evidence=where)
    said = f"{count} reviewer approval(s) required" if count > 0 else "no reviewer approval required"
    return Fact(id="vcs.reviews_required", value=count > 0, detail=f"code review setting: {said}", evidence=where)
