"""Gitee API v5: one repository's pull requests, issues and releases."""

from __future__ import annotations

import re
from collections.abc import Mapping

from devmaturity.collectors.http import Answer, ClientOptions, Credentials, Record, RestClient, total_page_next
from devmaturity.collectors.payload import commit_sha, label_names, pull_request, work_type
from devmaturity.collectors.streams import Entry, Mark, Stream, StreamSource, entries_keyed, query_url
from devmaturity.errors import UsageError
from devmaturity.model.delivery import Release, WorkItem

GITEE_API = "https://gitee.com/api/v5"
TOKEN_ENV = "GITEE_TOKEN"  # noqa: S105 - the name of the variable holding the token, not a token
BUG_ISSUE_TYPES = frozenset({"缺陷", "bug", "defect"})  # `issue_type` of enterprise repositories
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


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
        return pull_request(self.name, entry.item, "!"), True

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
