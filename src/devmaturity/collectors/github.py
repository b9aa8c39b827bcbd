"""GitHub REST: one repository's Actions runs and jobs, deployments, releases, pull requests and issues."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import quote

from devmaturity.collectors.http import Answer, ClientOptions, Credentials, Record, RestClient, link_next
from devmaturity.collectors.members import github_member, members_fact
from devmaturity.collectors.payload import Obj, approved, commit_sha, label_names, pull_request, work_type
from devmaturity.collectors.streams import (
    Entry,
    Mark,
    Stream,
    StreamSource,
    all_pages,
    entries_keyed,
    query_url,
    since_param,
)
from devmaturity.errors import SourceAuthError, UsageError
from devmaturity.model.delivery import Deployment, JobRun, PipelineRun, Release, RunStatus, WorkItem
from devmaturity.model.facts import Fact

GITHUB_API = "https://api.github.com"
TOKEN_ENV = "GITHUB_TOKEN"  # noqa: S105 - the name of the variable holding the token, not a token
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "devmaturity"}
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")

# A run's or job's `conclusion` once its `status` is "completed"; before that it is running.
CONCLUSIONS = {
    "success": RunStatus.SUCCESS,
    "failure": RunStatus.FAILURE,
    "timed_out": RunStatus.FAILURE,
    "startup_failure": RunStatus.FAILURE,
    "cancelled": RunStatus.CANCELLED,
    "skipped": RunStatus.SKIPPED,
    "neutral": RunStatus.SKIPPED,
    "stale": RunStatus.SKIPPED,
    "action_required": RunStatus.SKIPPED,
}
# A deployment status `state`; "inactive" is a successful deployment superseded by a newer one.
DEPLOYMENT_STATES = {
    "success": RunStatus.SUCCESS,
    "inactive": RunStatus.SUCCESS,
    "failure": RunStatus.FAILURE,
    "error": RunStatus.FAILURE,
    "in_progress": RunStatus.RUNNING,
    "queued": RunStatus.RUNNING,
    "pending": RunStatus.RUNNING,
}
FINISHED_STATES = frozenset({"success", "failure", "error"})
FINAL_STATES = FINISHED_STATES | {"inactive"}
PROTECTION_FACTS = ("vcs.branch_protected", "vcs.reviews_required")
# Review states that settle a reviewer's verdict; a later one replaces an earlier (COMMENTED and PENDING do not).
VERDICTS = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


def source_name(repo: str) -> str:
    """The source of a repository's records, shared by the REST sync and the webhook: github:owner/name."""
    return f"github:{repo}"


def deployment_record(source: str, item: Obj, latest: Obj | None, finished: datetime | None) -> Deployment:
    """A deployment with its latest status (none yet: running), as the REST sync and the deployment_status
    webhook both see it; `finished` is when it first reached a finished state."""
    return Deployment(
        source=source,
        id=item.ident("id"),
        environment=item.text("environment"),
        status=latest.status("state", DEPLOYMENT_STATES, RunStatus.OTHER) if latest else RunStatus.RUNNING,
        created_at=item.time("created_at"),
        commit=item.opt_text("sha"),
        finished_at=finished,
        url=(latest.opt_text("log_url") or latest.opt_text("target_url") or "") if latest else "",
    )


def _login(item: Obj) -> str | None:
    user = item.opt_child("user")
    return user.opt_text("login") if user else None


def _status(item: Obj) -> RunStatus:
    if item.text("status").casefold() != "completed":
        return RunStatus.RUNNING
    return item.status("conclusion", CONCLUSIONS, RunStatus.OTHER)


def _job(item: Obj) -> JobRun:
    return JobRun(
        id=item.ident("id"),
        name=item.text("name"),
        status=_status(item),
        started_at=item.opt_time("started_at"),
        finished_at=item.opt_time("completed_at"),
    )


class GitHubSource(StreamSource):
    """One repository on github.com or GitHub Enterprise Server (base_url "https://host/api/v3").

    Streams, in order: Actions runs (`created>=` the mark; unfinished runs are fetched again by id), deployments
    (newest first, read down to the mark; fetched again until their latest status is final), releases (all
    pages, keyed by `published_at`; drafts wait as open), pull requests (`sort=updated`, read down to the mark)
    and issues (`since` the mark; pull requests in that list are skipped). A re-run of a run stored as finished
    keeps its id and `created_at`, so it is not read again.
    """

    def __init__(
        self,
        repo: str,
        *,
        base_url: str = GITHUB_API,
        token_env: str = TOKEN_ENV,
        token: str = "",
        client: ClientOptions | None = None,
    ) -> None:
        if not _REPO.fullmatch(repo):
            raise UsageError(f"github: repository {repo!r} is not owner/name")
        self.repo = self._what = repo
        self._headers = HEADERS
        self.name = source_name(repo)
        self._base_url = base_url
        self._credentials = Credentials(token_env=token_env, token=token)
        self._options = client or ClientOptions()

    def _streams(self) -> tuple[Stream, ...]:
        return (
            Stream(
                name="runs",
                start=self._runs_url,
                entries=lambda answer: entries_keyed(answer.objects("workflow_runs"), "id", "created_at"),
                convert=self._run,
                fetch=self._refetch("actions/runs", "created_at"),
            ),
            Stream(
                name="deployments",
                start=lambda _: self._url("deployments", {}),
                entries=lambda answer: entries_keyed(answer.objects(), "id", "created_at"),
                convert=self._deployment,
                stop_early=True,
                fetch=self._refetch("deployments", "created_at"),
            ),
            Stream(
                name="releases",
                start=lambda _: self._url("releases", {}),
                entries=_release_entries,
                convert=self._release,
                fetch=self._refetch("releases", "published_at"),
            ),
            Stream(
                name="pulls",
                start=lambda _: self._url("pulls", {"state": "all", "sort": "updated", "direction": "desc"}),
                entries=lambda answer: entries_keyed(answer.objects(), "id", "updated_at"),
                convert=self._pull,
                stop_early=True,
            ),
            Stream(
                name="issues",
                start=self._issues_url,
                entries=lambda answer: entries_keyed(answer.objects(), "id", "updated_at"),
                convert=self._issue,
            ),
        )

    def _url(self, path: str, params: Mapping[str, str | int | None]) -> str:
        return query_url(f"repos/{self.repo}/{path}", {**params, "per_page": self._options.page_size})

    def _runs_url(self, mark: Mark) -> str:
        since = since_param(mark)
        created = f">={since}" if since else None
        return self._url("actions/runs", {"exclude_pull_requests": "true", "created": created})

    def _issues_url(self, mark: Mark) -> str:
        params = {"state": "all", "sort": "updated", "direction": "desc", "since": since_param(mark)}
        return self._url("issues", params)

    def _refetch(self, path: str, key: str) -> Callable[[RestClient, str], Entry | None]:
        def fetch(api: RestClient, ident: str) -> Entry | None:
            answer = api.get_optional(f"repos/{self.repo}/{path}/{ident}")
            if answer is None:
                return None
            item = answer.object()
            return Entry(id=item.ident("id"), key=item.opt_time(key), item=item)

        return fetch

    def _run(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        status = _status(item)
        jobs = all_pages(api, self._url(f"actions/runs/{entry.id}/jobs", {}), "jobs")
        run = PipelineRun(
            source=self.name,
            id=entry.id,
            pipeline=item.opt_text("name") or item.opt_text("path") or "",
            status=status,
            created_at=item.time("created_at"),
            commit=item.opt_text("head_sha"),
            branch=item.opt_text("head_branch"),
            event=item.opt_text("event") or "",
            started_at=item.opt_time("run_started_at"),
            finished_at=item.opt_time("updated_at") if status is not RunStatus.RUNNING else None,
            url=item.opt_text("html_url") or "",
            jobs=tuple(_job(job) for job in jobs),
        )
        return run, status is not RunStatus.RUNNING

    def _deployment(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        statuses = all_pages(api, self._url(f"deployments/{entry.id}/statuses", {}))
        statuses.sort(key=lambda status: (status.time("created_at"), int(status.ident("id"))))
        latest = statuses[-1] if statuses else None
        finished = [s.time("created_at") for s in statuses if s.text("state").casefold() in FINISHED_STATES]
        deployment = deployment_record(self.name, item, latest, finished[0] if finished else None)
        return deployment, latest is not None and latest.text("state").casefold() in FINAL_STATES

    def _release(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        if item.flag("draft"):
            return None, False
        tag = item.text("tag_name")
        release = Release(
            source=self.name,
            id=entry.id,
            name=item.opt_text("name") or tag,
            created_at=item.opt_time("published_at") or item.time("created_at"),
            commit=commit_sha(item.opt_text("target_commitish")),
            tag=tag,
        )
        return release, True

    def _facts(self, api: RestClient) -> tuple[Fact, ...]:
        """The default branch's protection, and the members with their roles (vcs.least_privilege)."""
        url = self._url("collaborators", {"affiliation": "all"})
        members = members_fact(api, url, link_next, github_member, f"{self.name} collaborators")
        return (*self._protection(api), members)

    def _protection(self, api: RestClient) -> tuple[Fact, ...]:
        """The default branch's protection: 404 means not protected; a token that may not read it (403) leaves
        both facts unknown."""
        repo = api.get_optional(f"repos/{self.repo}")
        if repo is None:
            why = f"repository {self.repo} not found, so its default branch is unknown"
            return tuple(Fact(id=f, value=None, detail=why, evidence=(self.name,)) for f in PROTECTION_FACTS)
        branch = repo.object().text("default_branch")
        where = (f"{self.name} branch {branch}",)
        try:
            answer = api.get_optional(f"repos/{self.repo}/branches/{quote(branch, safe='')}/protection")
        except SourceAuthError:
            why = f"the token may not read the protection of branch {branch} (it needs admin rights)"
            return tuple(Fact(id=f, value=None, detail=why, evidence=where) for f in PROTECTION_FACTS)
        if answer is None:
            detail = f"branch {branch} is not protected"
            return tuple(Fact(id=f, value=False, detail=detail, evidence=where) for f in PROTECTION_FACTS)
        rules = answer.object()
        reviews = rules.opt_child("required_pull_request_reviews")
        count = reviews.get("required_approving_review_count") if reviews else None
        admins = rules.opt_child("enforce_admins")
        enforced = " for admins too" if admins is not None and admins.get("enabled") is True else ""
        required = isinstance(count, int) and not isinstance(count, bool) and count > 0
        said = f"{count} approving review(s) required" if required else "no approving review required"
        return (
            Fact(
                id="vcs.branch_protected", value=True, detail=f"branch {branch} is protected{enforced}", evidence=where
            ),
            Fact(id="vcs.reviews_required", value=required, detail=f"branch {branch}: {said}", evidence=where),
        )

    def _pull(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        """A pull request; a merged one with its reviews (each reviewer's last verdict counts; left unread when
        the reviews are not found)."""
        item = entry.item
        pull = pull_request(self.name, item, "#")
        if pull.resolved_at is None:
            return pull, True
        number = item.number("number")
        answer = api.get_optional(self._url(f"pulls/{number}/reviews", {}))
        if answer is None:
            return pull, True
        reviews = answer.objects()
        while (next_url := link_next(answer)) is not None:
            answer = api.get(next_url)
            reviews += answer.objects()
        verdicts: dict[str, str] = {}
        for review in reviews:
            state, user = review.text("state").upper(), _login(review)
            if user is not None and state in VERDICTS:
                verdicts[user] = state
        approvers = [user for user, state in verdicts.items() if state == "APPROVED"]
        return approved(pull, approvers, _login(item)), True

    def _issue(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        if item.get("pull_request") is not None:
            return None, True  # the issues list includes pull requests; the pulls stream has them
        labels = label_names(item)
        issue = WorkItem(
            source=self.name,
            id=f"#{item.number('number')}",
            type=work_type(labels),
            title=item.text("title"),
            created_at=item.time("created_at"),
            resolved_at=item.opt_time("closed_at"),
            labels=labels,
        )
        return issue, True


def _release_entries(answer: Answer) -> list[Entry]:
    """Releases keyed by publication: `created_at` is the date of the tagged commit, not of the release."""
    return [Entry(id=item.ident("id"), key=item.opt_time("published_at"), item=item) for item in answer.objects()]
