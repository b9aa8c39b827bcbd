"""Jenkins JSON API and Pipeline REST API (wfapi): one job's builds with their commit, cause and stages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from devmaturity.collectors.http import ClientOptions, Credentials, Page, RestClient
from devmaturity.collectors.payload import Obj
from devmaturity.collectors.redact import Redactor
from devmaturity.errors import SourceError, UsageError
from devmaturity.model.delivery import JobRun, PipelineRun, RunStatus

USER_ENV = "JENKINS_USER"
TOKEN_ENV = "JENKINS_TOKEN"  # noqa: S105 - the name of the variable holding the API token, not a token
CURSOR_FORMAT = 1
BUILD_FIELDS = (
    "number,result,building,timestamp,duration,url,"
    "actions[lastBuiltRevision[SHA1,branch[name]],causes[shortDescription]]"
)
# A build's `result`; null while it is building. UNSTABLE is a build whose tests failed.
RESULTS = {
    "SUCCESS": RunStatus.SUCCESS,
    "UNSTABLE": RunStatus.FAILURE,
    "FAILURE": RunStatus.FAILURE,
    "ABORTED": RunStatus.CANCELLED,
    "NOT_BUILT": RunStatus.SKIPPED,
    None: RunStatus.RUNNING,
}
# A wfapi stage `status` (pipeline-stage-view's StatusExt).
STAGE_STATUS = {
    "SUCCESS": RunStatus.SUCCESS,
    "UNSTABLE": RunStatus.FAILURE,
    "FAILED": RunStatus.FAILURE,
    "ABORTED": RunStatus.CANCELLED,
    "NOT_EXECUTED": RunStatus.SKIPPED,
    "IN_PROGRESS": RunStatus.RUNNING,
    "PAUSED_PENDING_INPUT": RunStatus.RUNNING,
}
# The first cause's class says what started the build.
CAUSES = (
    ("Cause$UserIdCause", "manual"),
    ("SCMTrigger$SCMTriggerCause", "scm"),
    ("TimerTrigger$TimerTriggerCause", "schedule"),
    ("Cause$UpstreamCause", "upstream"),
    ("Cause$RemoteCause", "remote"),
    ("GitHubPushCause", "push"),
    ("BranchIndexingCause", "branch_indexing"),
    ("BranchEventCause", "push"),
    ("Cause$ReplayCause", "replay"),
)
_BRANCH_PREFIXES = ("refs/remotes/origin/", "origin/", "refs/heads/")


@dataclass(frozen=True, slots=True, kw_only=True)
class JenkinsCursor:
    """The highest build number stored, and the lower ones that were still building then."""

    last: int = 0
    open: frozenset[int] = frozenset()

    def wants(self, number: int) -> bool:
        return number > self.last or number in self.open

    def encode(self) -> str:
        return json.dumps({"format": CURSOR_FORMAT, "last": self.last, "open": sorted(self.open)})

    @classmethod
    def decode(cls, cursor: str | None, source: str) -> JenkinsCursor:
        if cursor is None:
            return cls()
        try:
            data: Any = json.loads(cursor)
            if data.get("format") != CURSOR_FORMAT:
                raise ValueError(f"not a format {CURSOR_FORMAT} cursor")
            return cls(last=int(data["last"]), open=frozenset(int(n) for n in data.get("open", [])))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise SourceError(f"{source}: cannot resume from the stored cursor ({exc}); sync from the start") from None


def job_path(job: str) -> str:
    """ "folder/app" -> "job/folder/job/app/", the URL path of a job inside folders."""
    parts = [part for part in job.split("/") if part]
    return "".join(f"job/{quote(part, safe='')}/" for part in parts)


class JenkinsSource:
    """One job (or a branch of a multibranch job: "folder/app/main"), read through the JSON API.

    The job's whole history is listed newest first through `allBuilds`, `page_size` builds per request
    (`tree=allBuilds[...]{M,N}`), down to the cursor: the listing stops at the first page that reaches a build
    already stored and final. Builds numbered above the cursor's `last`, and the ones still building last time,
    are then read, oldest first, with their stages from wfapi (none for freestyle jobs). Pages hold `batch`
    builds each, so an interrupted sync resumes after the last stored batch.
    """

    def __init__(
        self,
        job: str,
        *,
        base_url: str,
        user_env: str = USER_ENV,
        token_env: str = TOKEN_ENV,
        user: str = "",
        token: str = "",
        client: ClientOptions | None = None,
        batch: int = 20,
        stage_environment: Callable[[str], str | None] | None = None,
    ) -> None:
        if not job_path(job):
            raise UsageError("jenkins: the job is empty; give its path, e.g. folder/app")
        self.job = job.strip("/")
        self.name = f"jenkins:{self.job}"
        self._path = job_path(job)
        self._base_url = base_url
        self._credentials = Credentials(token_env=token_env, user_env=user_env, token=token, user=user)
        self._options = client or ClientOptions()
        self._batch = max(batch, 1)
        self._stage_environment = stage_environment  # names a deploy stage's environment (pipeline vocabulary)

    def __repr__(self) -> str:
        return f"JenkinsSource({self.job!r}, base_url={self._base_url!r}, from {self._credentials.names()})"

    def redactor(self) -> Redactor:
        return self._credentials.redactor()

    def pages(self, cursor: str | None) -> Iterator[Page]:
        state = JenkinsCursor.decode(cursor, self.name)
        with RestClient(
            source=self.name, base_url=self._base_url, credentials=self._credentials, options=self._options
        ) as api:
            builds = self._listing(api, state)
            listed = {build.number("number") for build in builds}
            state = JenkinsCursor(last=state.last, open=state.open & listed)  # forget builds Jenkins dropped
            todo = sorted((b for b in builds if state.wants(b.number("number"))), key=lambda b: b.number("number"))
            if not todo:
                yield Page(records=(), cursor=state.encode())
            for start in range(0, len(todo), self._batch):
                batch = todo[start : start + self._batch]
                runs = tuple(self._run(api, build) for build in batch)
                done = {int(run.id) for run in runs}
                building = {int(run.id) for run in runs if run.status is RunStatus.RUNNING}
                state = JenkinsCursor(last=max(state.last, *done), open=(state.open - done) | building)
                yield Page(records=runs, cursor=state.encode())

    def _listing(self, api: RestClient, state: JenkinsCursor) -> list[Obj]:
        """The builds the cursor may still want, newest first, one `{M,N}` range of `allBuilds` at a time."""
        floor = min(state.open, default=state.last)  # this build and every older one is stored and final
        size = max(self._options.page_size, 1)
        builds: dict[int, Obj] = {}
        start = 0
        while True:
            tree = f"allBuilds[{BUILD_FIELDS}]{{{start},{start + size}}}"
            page = api.get(f"{self._path}api/json?tree={tree}").object().children("allBuilds")
            numbers = [build.number("number") for build in page]
            builds |= {number: build for number, build in zip(numbers, page, strict=True) if number not in builds}
            if len(page) < size or any(number <= floor for number in numbers):
                return list(builds.values())
            start += size

    def _run(self, api: RestClient, build: Obj) -> PipelineRun:
        number = build.number("number")
        building = build.flag("building")
        status = RunStatus.RUNNING if building else build.status("result", RESULTS, RunStatus.OTHER)
        started = build.millis("timestamp")
        actions = build.children("actions")
        commit, branch = _revision(actions)
        return PipelineRun(
            source=self.name,
            id=str(number),
            pipeline=self.job,
            status=status,
            created_at=started,
            commit=commit,
            branch=branch,
            event=_event(actions),
            started_at=started,
            finished_at=None if building else started + timedelta(milliseconds=build.number("duration")),
            url=build.opt_text("url") or "",
            jobs=self._stages(api, number),
        )

    def _stages(self, api: RestClient, number: int) -> tuple[JobRun, ...]:
        answer = api.get_optional(f"{self._path}{number}/wfapi/describe")
        if answer is None:
            return ()  # not a Pipeline job, or the Pipeline Stage View plugin is missing
        return tuple(_stage(stage, self._stage_environment) for stage in answer.object().children("stages"))


def _stage(stage: Obj, environment_of: Callable[[str], str | None] | None = None) -> JobRun:
    status = stage.status("status", STAGE_STATUS, RunStatus.OTHER)
    started = stage.millis("startTimeMillis") if stage.number("startTimeMillis") > 0 else None
    finished = None
    if started is not None and status is not RunStatus.RUNNING:
        finished = started + timedelta(milliseconds=stage.number("durationMillis"))
    name = stage.text("name")
    environment = (environment_of(name) if environment_of is not None else None) or ""
    return JobRun(
        id=stage.ident("id"),
        name=name,
        status=status,
        stage=name,
        started_at=started,
        finished_at=finished,
        environment=environment,
    )


def _revision(actions: list[Obj]) -> tuple[str | None, str | None]:
    """The commit and branch of the first git checkout (BuildData's lastBuiltRevision)."""
    for action in actions:
        revision = action.opt_child("lastBuiltRevision")
        if revision is None:
            continue
        branches = revision.children("branch") if revision.get("branch") is not None else []
        branch = branches[0].opt_text("name") if branches else None
        return revision.text("SHA1"), _short_branch(branch)
    return None, None


def _short_branch(branch: str | None) -> str | None:
    for prefix in _BRANCH_PREFIXES:
        if branch is not None and branch.startswith(prefix):
            return branch.removeprefix(prefix)
    return branch


def _event(actions: list[Obj]) -> str:
    for action in actions:
        if action.get("causes") is None:
            continue
        causes = action.children("causes")
        kind = (causes[0].opt_text("_class") or "") if causes else ""
        return next((event for suffix, event in CAUSES if kind.endswith(suffix)), kind.rsplit(".", 1)[-1])
    return ""
