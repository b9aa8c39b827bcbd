"""GitLab REST v4: one project's pipelines and jobs, deployments, merge requests, issues and releases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal
from urllib.parse import quote

from devmaturity.collectors.http import Answer, ClientOptions, Credentials, Record, RestClient, gitlab_next
from devmaturity.collectors.members import gitlab_member, members_fact
from devmaturity.collectors.payload import Obj, approved, work_type
from devmaturity.collectors.streams import (
    Convert,
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

GITLAB_URL = "https://gitlab.com"
TOKEN_ENV = "GITLAB_TOKEN"  # noqa: S105 - the name of the variable holding the token, not a token
PROTECTION_FACTS = ("vcs.branch_protected", "vcs.reviews_required")
PIPELINE_FILE = ".gitlab-ci.yml"  # the pipeline's name when GitLab gives none (a project has one pipeline)

_RUNNING = ("created", "waiting_for_resource", "preparing", "pending", "running", "scheduled")
_ENDED = {
    "success": RunStatus.SUCCESS,
    "failed": RunStatus.FAILURE,
    "canceled": RunStatus.CANCELLED,
    "canceling": RunStatus.CANCELLED,
    "skipped": RunStatus.SKIPPED,
}
# A pipeline in "manual" waits for someone to press play; a job in "manual" was never run.
PIPELINE_STATUS = {**dict.fromkeys(_RUNNING, RunStatus.RUNNING), **_ENDED, "manual": RunStatus.RUNNING}
JOB_STATUS = {**dict.fromkeys(_RUNNING, RunStatus.RUNNING), **_ENDED, "manual": RunStatus.SKIPPED}
DEPLOYMENT_STATUS = {
    "created": RunStatus.RUNNING,
    "running": RunStatus.RUNNING,
    "blocked": RunStatus.RUNNING,
    "success": RunStatus.SUCCESS,
    "failed": RunStatus.FAILURE,
    "canceled": RunStatus.CANCELLED,
    "skipped": RunStatus.SKIPPED,
}


def source_name(project: str) -> str:
    """The source of a project's records, shared by the REST sync and the webhook: gitlab:group/name."""
    return f"gitlab:{project}"


def api_root(base_url: str) -> str:
    """The REST v4 root of a GitLab: "https://gitlab.example.com/gitlab" -> ".../gitlab/api/v4"."""
    base = base_url.rstrip("/")
    return base if base.endswith("/api/v4") else f"{base}/api/v4"


def _job(item: Obj) -> JobRun:
    return JobRun(
        id=item.ident("id"),
        name=item.text("name"),
        status=item.status("status", JOB_STATUS, RunStatus.OTHER),
        stage=item.opt_text("stage") or "",
        started_at=item.opt_time("started_at"),
        finished_at=item.opt_time("finished_at"),
    )


class GitLabSource(StreamSource):
    """One project on gitlab.com or a self-managed GitLab, by path ("group/sub/name") or numeric id.

    Every stream but releases is asked for `order_by=updated_at&sort=desc` and `updated_after` the mark; a record
    that changes (a pipeline that finishes) gets a newer `updated_at`, so nothing has to be fetched again by id.
    Releases are read newest first by `released_at` down to the mark.
    """

    def __init__(
        self,
        project: str | int,
        *,
        base_url: str = GITLAB_URL,
        token_env: str = TOKEN_ENV,
        token: str = "",
        client: ClientOptions | None = None,
    ) -> None:
        if not str(project).strip("/"):
            raise UsageError("gitlab: the project is empty; give its path (group/name) or its numeric id")
        self.project = self._what = str(project).strip("/")
        self.name = source_name(self.project)
        self._base_url = api_root(base_url)
        self._credentials = Credentials(token_env=token_env, token=token, header="PRIVATE-TOKEN", scheme="")
        self._options = client or ClientOptions()

    def _streams(self) -> tuple[Stream, ...]:
        updated = {"order_by": "updated_at", "sort": "desc"}
        return (
            self._updated_stream("pipelines", "pipelines", updated, self._pipeline),
            self._updated_stream("deployments", "deployments", updated, self._deployment),
            self._updated_stream("merge_requests", "merge_requests", {**updated, "state": "all"}, self._merge_request),
            self._updated_stream("issues", "issues", {**updated, "scope": "all"}, self._issue),
            Stream(
                name="releases",
                start=lambda _: self._url("releases", {"order_by": "released_at", "sort": "desc"}),
                entries=_release_entries,
                convert=self._release,
                next=gitlab_next,
                stop_early=True,
            ),
        )

    def _updated_stream(self, name: str, path: str, params: Mapping[str, str], convert: Convert) -> Stream:
        def start(mark: Mark) -> str:
            return self._url(path, {**params, "updated_after": since_param(mark)})

        return Stream(
            name=name,
            start=start,
            entries=lambda answer: entries_keyed(answer.objects(), "id", "updated_at"),
            convert=convert,
            next=gitlab_next,
        )

    def _url(self, path: str, params: Mapping[str, str | int | None]) -> str:
        project = quote(self.project, safe="")
        return query_url(f"projects/{project}/{path}", {**params, "per_page": self._options.page_size})

    def _pipeline(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        status = item.status("status", PIPELINE_STATUS, RunStatus.OTHER)
        jobs = [_job(job) for job in all_pages(api, self._url(f"pipelines/{entry.id}/jobs", {}), "", gitlab_next)]
        starts = [job.started_at for job in jobs if job.started_at is not None]
        ends = [job.finished_at for job in jobs if job.finished_at is not None]
        run = PipelineRun(
            source=self.name,
            id=entry.id,
            pipeline=item.opt_text("name") or PIPELINE_FILE,
            status=status,
            created_at=item.time("created_at"),
            commit=item.opt_text("sha"),
            branch=item.opt_text("ref"),
            event=item.opt_text("source") or "",
            started_at=min(starts, default=None),
            finished_at=max(ends, default=None) if status is not RunStatus.RUNNING else None,
            url=item.opt_text("web_url") or "",
            jobs=tuple(jobs),
        )
        return run, True

    def _deployment(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        status = item.status("status", DEPLOYMENT_STATUS, RunStatus.OTHER)
        deployable = item.opt_child("deployable")
        pipeline = deployable.opt_child("pipeline") if deployable else None
        finished = deployable.opt_time("finished_at") if deployable else None
        deployment = Deployment(
            source=self.name,
            id=entry.id,
            environment=item.child("environment").text("name"),
            status=status,
            created_at=item.time("created_at"),
            commit=item.opt_text("sha"),
            finished_at=finished if status is not RunStatus.RUNNING else None,
            pipeline=pipeline.ident("id") if pipeline else "",
        )
        return deployment, True

    def _facts(self, api: RestClient) -> tuple[Fact, ...]:
        """The default branch's protection and required approvals, and the members with their roles (direct and
        inherited from groups: `members/all`)."""
        members = members_fact(api, self._url("members/all", {}), gitlab_next, gitlab_member, f"{self.name} members")
        return (*self._protection(api), members)

    def _protection(self, api: RestClient) -> tuple[Fact, ...]:
        """The default branch's protection (404: not protected) and the approvals its merge requests need: the
        approval rules (Premium), else the project's `approvals_before_merge`; neither readable leaves it unknown."""
        root = f"projects/{quote(self.project, safe='')}"
        project = api.get_optional(root)
        if project is None:
            why = f"project {self.project} not found, so its default branch is unknown"
            return tuple(Fact(id=f, value=None, detail=why, evidence=(self.name,)) for f in PROTECTION_FACTS)
        settings = project.object()
        branch = settings.text("default_branch")
        where = (f"{self.name} branch {branch}",)
        protected = _optional(api, f"{root}/protected_branches/{quote(branch, safe='')}")
        if protected is None:
            fact = Fact(id="vcs.branch_protected", value=None, detail="the token may not read protected branches")
        elif protected is False:
            fact = Fact(id="vcs.branch_protected", value=False, detail=f"branch {branch} is not protected")
        else:
            levels = [
                level.opt_text("access_level_description") or "" for level in protected.children("push_access_levels")
            ]
            detail = f"branch {branch} is protected; push: {', '.join(filter(None, levels)) or 'no one'}"
            fact = Fact(id="vcs.branch_protected", value=True, detail=detail)
        return (
            replace(fact, evidence=where),
            replace(_approvals_required(api, root, settings), evidence=where),
        )

    def _merge_request(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        merge_request = WorkItem(
            source=self.name,
            id=f"!{item.number('iid')}",
            type="pull_request",
            title=item.text("title"),
            created_at=item.time("created_at"),
            resolved_at=item.opt_time("merged_at"),
            labels=item.texts("labels"),
        )
        if merge_request.resolved_at is None:
            return merge_request, True
        # the approvals of a merged request; a GitLab without the approvals API (404) leaves them unread
        answer = api.get_optional(
            f"projects/{quote(self.project, safe='')}/merge_requests/{item.number('iid')}/approvals"
        )
        if answer is None:
            return merge_request, True
        approvers = [by.child("user").text("username") for by in answer.object().children("approved_by")]
        author = item.opt_child("author")
        return approved(
            merge_request, list(dict.fromkeys(approvers)), author.opt_text("username") if author else None
        ), True

    def _issue(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        labels = item.texts("labels")
        kind = "incident" if item.opt_text("issue_type") == "incident" else work_type(labels)
        issue = WorkItem(
            source=self.name,
            id=f"#{item.number('iid')}",
            type=kind,
            title=item.text("title"),
            created_at=item.time("created_at"),
            resolved_at=item.opt_time("closed_at"),
            labels=labels,
            **_agile(item),
        )
        return issue, True

    def _release(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        tag = item.text("tag_name")
        commit = item.opt_child("commit")
        release = Release(
            source=self.name,
            id=tag,
            name=item.opt_text("name") or tag,
            created_at=entry.key or item.time("created_at"),
            commit=commit.opt_text("id") if commit else None,
            tag=tag,
        )
        return release, True


def _optional(api: RestClient, url: str) -> Obj | Literal[False] | None:
    """The object at `url`; False when the server answers 404, None when the token may not read it (403)."""
    try:
        answer = api.get_optional(url)
    except SourceAuthError:
        return None
    return False if answer is None else answer.object()


def _approvals_required(api: RestClient, root: str, settings: Obj) -> Fact:
    """Whether merge requests need an approval: any approval rule asking for one (Premium), else the project's
    `approvals_before_merge`; unknown when neither can be read."""
    try:
        answer = api.get_optional(f"{root}/approval_rules")
    except SourceAuthError:
        answer = None
    if answer is not None:
        counts = [rule.get("approvals_required") for rule in answer.objects()]
        most = max((c for c in counts if isinstance(c, int) and not isinstance(c, bool)), default=0)
        said = f"approval rules require {most} approval(s)" if most else "no approval rule requires an approval"
        return Fact(id="vcs.reviews_required", value=most > 0, detail=said)
    before = settings.get("approvals_before_merge")
    if isinstance(before, int) and not isinstance(before, bool):
        said = f"{before} approval(s) required before merge" if before else "no approval required before merge"
        return Fact(id="vcs.reviews_required", value=before > 0, detail=said)
    why = "the approval rules cannot be read (GitLab Premium, or the token's rights) and the project gives no count"
    return Fact(id="vcs.reviews_required", value=None, detail=why)


def _release_entries(answer: Answer) -> list[Entry]:
    """Releases have no numeric id in the API; the tag names one. Keyed by `released_at`, their listing order."""
    items = answer.objects()
    return [
        Entry(id=item.text("tag_name"), key=item.opt_time("released_at") or item.time("created_at"), item=item)
        for item in items
    ]


def _agile(item: Obj) -> dict[str, Any]:
    """An issue's iteration (GitLab's iteration when set, else its milestone, with their dates), weight as the
    estimate and epic (`&iid`) as the parent; a field the edition or the issue lacks stays unrecorded."""
    plan = item.opt_child("iteration") or item.opt_child("milestone")
    epic = item.opt_child("epic")
    weight = item.get("weight")
    fields: dict[str, Any] = {"parent": f"&{epic.ident('iid')}" if epic else ""}
    if isinstance(weight, int) and not isinstance(weight, bool) and weight >= 0:
        fields["estimate"] = float(weight)
    if plan is not None:
        fields["iteration"] = plan.opt_text("title") or f"iteration {plan.ident('id')}"
        fields["iteration_start"] = plan.opt_time("start_date")
        fields["iteration_end"] = plan.opt_time("due_date")
    return fields
