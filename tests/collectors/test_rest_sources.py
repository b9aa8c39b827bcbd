"""REST collectors against a local fake server: paging, rate limits, retries, resume, incremental sync, errors."""

from __future__ import annotations

import json
import logging
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.collectors.gitee import GiteeSource
from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.gitlab import GitLabSource, api_root
from devmaturity.collectors.http import ClientOptions, Page, Record, Source
from devmaturity.collectors.jenkins import JenkinsSource
from devmaturity.errors import SourceAuthError, SourceError, SourcePayloadError, SourceUnreachableError
from devmaturity.model.delivery import Deployment, PipelineRun, Release, RunStatus, WorkItem
from devmaturity.services.sync import credential_values
from tests.apiserver import ApiServer

DATA = Path(__file__).parents[1] / "data" / "api"
TOKEN = "tok-3f9a-never-print-me-7c21"
NOW = 1_714_900_000.0  # the injected clock: 2024-05-05T09:06:40Z


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer(DATA) as server:
        yield server


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_TOKEN", "GITLAB_TOKEN", "GITEE_TOKEN", "JENKINS_TOKEN"):
        monkeypatch.setenv(name, TOKEN)
    monkeypatch.setenv("JENKINS_USER", "alice")


@pytest.fixture
def slept() -> list[float]:
    return []


def options(slept: list[float], **changes: float) -> ClientOptions:
    settings: dict[str, float] = {"connect_timeout": 1.0, "read_timeout": 2.0, "backoff": 0.5} | changes
    return ClientOptions(**settings, sleep=slept.append, clock=lambda: NOW)  # type: ignore[arg-type]


def key(record: Record) -> str:
    return f"{type(record).__name__}:{record.id}"


def collect(source: Source, cursor: str | None = None) -> tuple[list[Record], str | None]:
    records: list[Record] = []
    for page in source.pages(cursor):
        records += page.records
        cursor = page.cursor
    return records, cursor


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the two sources every behaviour is checked on ---------------------------------------------------------


def github_routes(server: ApiServer) -> None:
    repo = "/repos/acme/shop"
    server.serve(f"{repo}/actions/runs", "github/runs-1.json", "github/runs-2.json")
    for run in (30433642, 30433600, 30433500, 30433700):
        server.serve(f"{repo}/actions/runs/{run}/jobs", f"github/jobs-{run}.json")
    server.serve(f"{repo}/deployments", "github/deployments.json")
    for deployment in (1001, 1000):
        server.serve(f"{repo}/deployments/{deployment}/statuses", f"github/deployment-statuses-{deployment}.json")
    server.serve(f"{repo}/releases", "github/releases.json")
    server.serve(f"{repo}/releases/7002", "github/release-7002.json")
    server.serve(f"{repo}/pulls", "github/pulls.json")
    server.serve(f"{repo}/issues", "github/issues.json")


def github_update(server: ApiServer) -> None:
    server.serve("/repos/acme/shop/actions/runs", "github/runs-new.json")
    server.serve("/repos/acme/shop/pulls", "github/pulls-new.json")
    server.serve("/repos/acme/shop/issues", "github/issues-new.json")


def github_incremental(server: ApiServer) -> None:
    assert server.queries("/repos/acme/shop/actions/runs")[-1]["created"] == ">=2024-05-02T10:00:00Z"
    assert server.queries("/repos/acme/shop/issues")[-1]["since"] == "2024-05-01T10:00:00Z"
    assert server.queries("/repos/acme/shop/pulls")[-1] | {"per_page": "x"} == {
        "state": "all",
        "sort": "updated",
        "direction": "desc",
        "per_page": "x",
    }
    jobs = [path for path in server.paths() if path.endswith("/jobs")]
    assert jobs == ["/repos/acme/shop/actions/runs/30433700/jobs"]  # not the runs stored before


def gitlab_routes(server: ApiServer) -> None:
    project = "/api/v4/projects/acme%2Fshop"
    server.serve(f"{project}/pipelines", "gitlab/pipelines-1.json", "gitlab/pipelines-2.json", paging="gitlab")
    for pipeline in (1201, 1200, 1199, 1202):
        server.serve(f"{project}/pipelines/{pipeline}/jobs", f"gitlab/jobs-{pipeline}.json", paging="gitlab")
    for name in ("deployments", "merge_requests", "issues", "releases"):
        server.serve(f"{project}/{name}", f"gitlab/{name}.json", paging="gitlab")


def gitlab_update(server: ApiServer) -> None:
    project = "/api/v4/projects/acme%2Fshop"
    server.serve(f"{project}/pipelines", "gitlab/pipelines-new.json", paging="gitlab")
    server.serve(f"{project}/merge_requests", "gitlab/merge_requests-new.json", paging="gitlab")


def gitlab_incremental(server: ApiServer) -> None:
    project = "/api/v4/projects/acme%2Fshop"
    marks = {
        "pipelines": "2024-05-02T10:08:12Z",  # 10:08:12.345 rounded down: the filter never loses a record
        "deployments": "2024-05-02T10:12:00Z",
        "merge_requests": "2024-05-01T09:25:00Z",
        "issues": "2024-05-01T10:00:00Z",
    }
    for name, since in marks.items():
        query = server.queries(f"{project}/{name}")[-1]
        assert (query["updated_after"], query["order_by"], query["sort"]) == (since, "updated_at", "desc")
    jobs = [path for path in server.paths() if path.endswith("/jobs")]
    assert jobs == [f"{project}/pipelines/1202/jobs"]


@dataclass(frozen=True)
class Case:
    name: str
    routes: Callable[[ApiServer], None]
    make: Callable[[str, ClientOptions], Source]
    first_path: str  # the first request of a sync
    paged_path: str  # the listing served in two pages
    token_env: str
    expected: frozenset[str]
    update: Callable[[ApiServer], None]
    new: frozenset[str]
    incremental: Callable[[ApiServer], None]


GITHUB = Case(
    name="github:acme/shop",
    routes=github_routes,
    make=lambda url, opts: GitHubSource("acme/shop", base_url=url, client=opts, **credential_values("github", {})),
    first_path="/repos/acme/shop/actions/runs",
    paged_path="/repos/acme/shop/actions/runs",
    token_env="$GITHUB_TOKEN",
    expected=frozenset(
        {
            "PipelineRun:30433642",
            "PipelineRun:30433600",
            "PipelineRun:30433500",
            "Deployment:1001",
            "Deployment:1000",
            "Release:7001",
            "WorkItem:#42",
            "WorkItem:#41",
            "WorkItem:#43",
            "WorkItem:#40",
        }
    ),
    update=github_update,
    new=frozenset({"PipelineRun:30433700", "WorkItem:#44"}),
    incremental=github_incremental,
)
GITLAB = Case(
    name="gitlab:acme/shop",
    routes=gitlab_routes,
    make=lambda url, opts: GitLabSource("acme/shop", base_url=url, client=opts, **credential_values("gitlab", {})),
    first_path="/api/v4/projects/acme%2Fshop/pipelines",
    paged_path="/api/v4/projects/acme%2Fshop/pipelines",
    token_env="$GITLAB_TOKEN",
    expected=frozenset(
        {
            "PipelineRun:1201",
            "PipelineRun:1200",
            "PipelineRun:1199",
            "Deployment:41",
            "WorkItem:!7",
            "WorkItem:#12",
            "WorkItem:#13",
            "WorkItem:#11",
            "Release:v1.2.0",
        }
    ),
    update=gitlab_update,
    new=frozenset({"PipelineRun:1202", "WorkItem:!8"}),
    incremental=gitlab_incremental,
)
CASES = [pytest.param(GITHUB, id="github"), pytest.param(GITLAB, id="gitlab")]


def source_for(case: Case, api: ApiServer, slept: list[float], **changes: float) -> Source:
    case.routes(api)
    return case.make(api.url, options(slept, **changes))


@pytest.mark.parametrize("case", CASES)
def test_every_page_is_collected(case: Case, api: ApiServer, slept: list[float]) -> None:
    records, cursor = collect(source_for(case, api, slept))
    assert Counter(map(key, records)) == Counter(case.expected)  # all of them, each once
    assert [query.get("page", "1") for query in api.queries(case.paged_path)] == ["1", "2"]
    assert json.loads(cursor or "{}").get("stream") is None  # the sync ran to its end
    assert slept == []


@pytest.mark.parametrize("case", CASES)
def test_rate_limit_retry_after_is_honoured(case: Case, api: ApiServer, slept: list[float]) -> None:
    api.fail(case.first_path, 429, headers={"Retry-After": "1"})
    records, _ = collect(source_for(case, api, slept))
    assert slept == [1.0]
    assert set(map(key, records)) == case.expected
    assert len(api.queries(case.first_path)) == 3  # the 429, then pages 1 and 2


def test_github_primary_rate_limit_waits_for_the_reset(api: ApiServer, slept: list[float]) -> None:
    reset = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 30)}
    api.fail(GITHUB.first_path, 403, headers=reset, body={"message": "API rate limit exceeded"})
    records, _ = collect(source_for(GITHUB, api, slept))
    assert slept == [31.0]  # until the reset, plus a second for clock skew
    assert set(map(key, records)) == GITHUB.expected


def test_github_secondary_rate_limit_uses_retry_after(api: ApiServer, slept: list[float]) -> None:
    api.fail(GITHUB.first_path, 403, headers={"Retry-After": "60"}, body={"message": "secondary rate limit"})
    collect(source_for(GITHUB, api, slept))
    assert slept == [60.0]


@pytest.mark.parametrize("case", CASES)
def test_a_wait_beyond_the_cap_is_an_error(case: Case, api: ApiServer, slept: list[float]) -> None:
    api.fail(case.first_path, 429, headers={"Retry-After": "3600"})
    with pytest.raises(SourceUnreachableError) as caught:
        collect(source_for(case, api, slept, max_wait=900.0))
    assert caught.value.message.startswith(f"{case.name}: rate limited")
    assert "3600 s, more than the 900 s cap" in caught.value.message
    assert slept == []


@pytest.mark.parametrize("case", CASES)
def test_server_error_then_success(case: Case, api: ApiServer, slept: list[float]) -> None:
    api.fail(case.first_path, 500)
    api.fail(case.first_path, 502)
    records, _ = collect(source_for(case, api, slept))
    assert slept == [0.5, 1.0]  # exponential backoff
    assert set(map(key, records)) == case.expected


@pytest.mark.parametrize("case", CASES)
def test_a_slow_answer_times_out_and_is_retried(case: Case, api: ApiServer, slept: list[float]) -> None:
    api.slow(case.first_path, 1.0)
    records, _ = collect(source_for(case, api, slept, read_timeout=0.2))
    assert slept == [0.5]
    assert set(map(key, records)) == case.expected


@pytest.mark.parametrize("case", CASES)
def test_server_errors_beyond_the_attempts_are_unreachable(case: Case, api: ApiServer, slept: list[float]) -> None:
    api.fail(case.first_path, 503, times=4)
    with pytest.raises(SourceUnreachableError) as caught:
        collect(source_for(case, api, slept))
    assert caught.value.message.startswith(f"{case.name}: no usable answer from http://127.0.0.1:")
    assert "after 4 attempts (last: HTTP 503)" in caught.value.message
    assert slept == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("case", CASES)
def test_interrupted_sync_resumes_without_duplicates(case: Case, api: ApiServer, slept: list[float]) -> None:
    source = source_for(case, api, slept)
    page_count = sum(1 for _ in source.pages(None))
    assert page_count >= 5
    for crash_after in range(1, page_count):
        stored: list[Record] = []
        pages = source.pages(None)
        page: Page | None = None
        for _ in range(crash_after):
            page = next(pages)
            stored += page.records
        del pages  # the process dies; the store kept these pages and the last cursor
        assert page is not None
        rest, _ = collect(case.make(api.url, options(slept)), page.cursor)
        assert Counter(map(key, stored + rest)) == Counter(case.expected), f"crash after page {crash_after}"


@pytest.mark.parametrize("case", CASES)
def test_second_sync_fetches_only_what_changed(case: Case, api: ApiServer, slept: list[float]) -> None:
    _, cursor = collect(source_for(case, api, slept))
    case.update(api)
    api.requests.clear()
    records, _ = collect(case.make(api.url, options(slept)), cursor)
    assert set(map(key, records)) == case.new
    assert len(records) == len(case.new)
    case.incremental(api)


@pytest.mark.parametrize("case", CASES)
def test_bad_token_is_an_auth_error(case: Case, api: ApiServer, slept: list[float]) -> None:
    api.fail(case.first_path, 401, body={"message": "Bad credentials"})
    with pytest.raises(SourceAuthError) as caught:
        collect(source_for(case, api, slept))
    message = caught.value.message
    assert message == f"{case.name}: bad or expired token from {case.token_env} (HTTP 401 from {case.first_path})"
    assert TOKEN not in str(caught.value)
    assert "\n" not in caught.value.one_line()
    assert slept == []  # a refused token is not retried


@pytest.mark.parametrize("case", CASES)
def test_missing_token_says_which_variable_to_set(
    case: Case, api: ApiServer, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(case.token_env.lstrip("$"))
    api.fail(case.first_path, 401)
    with pytest.raises(SourceAuthError, match=rf"^{case.name}: the server wants a token; set \{case.token_env} "):
        collect(source_for(case, api, slept))
    assert not any("authorization" in r.headers or "private-token" in r.headers for r in api.requests)


@pytest.mark.parametrize("case", CASES)
def test_unreachable_server(case: Case, slept: list[float]) -> None:
    source = case.make(f"http://127.0.0.1:{closed_port()}", options(slept))
    with pytest.raises(SourceUnreachableError) as caught:
        collect(source)
    assert caught.value.message.startswith(f"{case.name}: no usable answer from http://127.0.0.1:")
    assert "ConnectError" in caught.value.message
    assert slept == [0.5, 1.0, 2.0]


MALFORMED = [
    pytest.param(GITHUB, b'{"total_count": 1, "workflow_runs": [', "the answer is not JSON", id="github-truncated"),
    pytest.param(
        GITHUB, b'{"total_count": 0}', "runs: workflow_runs: expected an array, got nothing", id="github-no-list"
    ),
    pytest.param(
        GITHUB,
        b'{"workflow_runs": [{"id": 1, "status": "completed", "conclusion": "success", "created_at": "yesterday"}]}',
        "workflow_runs[0].created_at: expected an ISO 8601 timestamp, got 'yesterday'",
        id="github-bad-time",
    ),
    pytest.param(
        GITHUB,
        b'{"workflow_runs": [{"id": true, "created_at": "2024-05-02T10:00:00Z"}]}',
        "workflow_runs[0].id: expected an id, got True",
        id="github-bad-id",
    ),
    pytest.param(GITLAB, b"<html>Sign in</html>", "the answer is not JSON (text/html", id="gitlab-html"),
    pytest.param(GITLAB, b'{"message": "hi"}', "<root>: expected an array, got {'message': 'hi'}", id="gitlab-object"),
    pytest.param(
        GITLAB,
        b'[{"id": 5, "status": 7, "updated_at": "2024-05-02T10:00:00Z", "created_at": "2024-05-02T10:00:00Z"}]',
        "[0].status: expected a status string, got 7",  # an unknown string is "other" (test_unknown_statuses)
        id="gitlab-bad-status",
    ),
]


@pytest.mark.parametrize(("case", "body", "expected"), MALFORMED)
def test_malformed_payload_names_the_field(
    case: Case, body: bytes, expected: str, api: ApiServer, slept: list[float]
) -> None:
    source = source_for(case, api, slept)
    content_type = "text/html" if body.startswith(b"<") else "application/json"
    api.serve_body(case.first_path, body, headers={"Content-Type": content_type})
    with pytest.raises(SourcePayloadError) as caught:
        collect(source)
    assert caught.value.message.startswith(f"{case.name}: {case.first_path}: ")
    assert expected in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("case", CASES)
def test_token_never_logged_nor_kept(
    case: Case, api: ApiServer, slept: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.fail(case.first_path, 500)
    api.fail(case.first_path, 429, headers={"Retry-After": "2"})
    source = source_for(case, api, slept)
    cursors = [page.cursor for page in source.pages(None)]
    assert any("retry 1" in r.getMessage() for r in caplog.records)  # the retry was logged, by source and path
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in cursor for cursor in cursors)
    assert TOKEN not in repr(source)
    sent = {r.headers.get("authorization") or r.headers.get("private-token") for r in api.requests}
    assert sent == {f"Bearer {TOKEN}"} if case is GITHUB else {TOKEN}


# --- GitHub and GitLab specifics -------------------------------------------------------------------------


def by_key(records: list[Record]) -> dict[str, Record]:
    return {key(record): record for record in records}


def test_github_records(api: ApiServer, slept: list[float]) -> None:
    records, cursor = collect(source_for(GITHUB, api, slept))
    found = by_key(records)
    run = found["PipelineRun:30433642"]
    assert isinstance(run, PipelineRun)
    assert (run.pipeline, run.status, run.branch, run.event) == ("CI", RunStatus.SUCCESS, "main", "push")
    assert run.commit == "9f6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b"
    assert run.duration_seconds == 395.0
    assert [(job.name, job.status) for job in run.jobs] == [("build", RunStatus.SUCCESS), ("test", RunStatus.SUCCESS)]
    assert found["PipelineRun:30433500"].status is RunStatus.CANCELLED  # type: ignore[union-attr]
    production = found["Deployment:1001"]
    assert isinstance(production, Deployment)
    assert (production.environment, production.status) == ("production", RunStatus.SUCCESS)
    assert production.finished_at == datetime(2024, 5, 2, 10, 9, tzinfo=UTC)  # the success status, not in_progress
    assert found["Deployment:1000"].status is RunStatus.FAILURE  # type: ignore[union-attr]
    release = found["Release:7001"]
    assert isinstance(release, Release)
    assert (release.tag, release.name, release.created_at) == (
        "v1.2.0",
        "Shop 1.2.0",
        datetime(2024, 5, 2, 10, 10, tzinfo=UTC),
    )
    assert "Release:7002" not in found  # a draft is not a release yet...
    assert json.loads(cursor or "")["marks"]["releases"]["open"] == ["7002"]  # ...it is watched until published
    pull = found["WorkItem:#42"]
    assert isinstance(pull, WorkItem)
    assert (pull.type, pull.resolved_at, pull.labels) == (
        "pull_request",
        datetime(2024, 5, 1, 9, 5, tzinfo=UTC),
        ("feature",),
    )
    assert [found[k].type for k in ("WorkItem:#43", "WorkItem:#40")] == ["bug", "issue"]  # type: ignore[union-attr]
    headers = api.requests[0].headers
    assert (headers["accept"], headers["x-github-api-version"]) == ("application/vnd.github+json", "2022-11-28")


def test_github_unfinished_run_is_fetched_again_until_it_ends(api: ApiServer, slept: list[float]) -> None:
    github_routes(api)
    api.serve("/repos/acme/shop/actions/runs", "github/run-running.json")
    api.serve("/repos/acme/shop/actions/runs/30433800/jobs", "github/jobs-30433800.json")
    source = GitHubSource("acme/shop", base_url=api.url, client=options(slept), **credential_values("github", {}))
    records, cursor = collect(source)
    assert by_key(records)["PipelineRun:30433800"].status is RunStatus.RUNNING  # type: ignore[union-attr]
    api.serve("/repos/acme/shop/actions/runs", "github/runs-empty.json")
    api.serve("/repos/acme/shop/actions/runs/30433800", "github/run-30433800-completed.json")
    records, cursor = collect(source, cursor)
    finished = by_key(records)["PipelineRun:30433800"]
    assert isinstance(finished, PipelineRun)
    assert (finished.status, finished.finished_at) == (RunStatus.SUCCESS, datetime(2024, 5, 4, 8, 9, tzinfo=UTC))
    api.requests.clear()
    records, _ = collect(source, cursor)
    assert records == []  # finished: no longer fetched by id
    assert "/repos/acme/shop/actions/runs/30433800" not in api.paths()


def test_github_refuses_a_next_link_to_another_host(api: ApiServer, slept: list[float]) -> None:
    source = source_for(GITHUB, api, slept)
    link = '<http://attacker.example/repos/acme/shop/actions/runs?page=2>; rel="next"'
    body = (DATA / "github/runs-1.json").read_bytes()
    api.serve_body(GITHUB.first_path, body, headers={"Content-Type": "application/json", "Link": link})
    with pytest.raises(SourcePayloadError, match=r"^github:acme/shop: refusing to follow http://attacker\.example"):
        collect(source)


def test_a_garbled_cursor_is_a_source_error(api: ApiServer, slept: list[float]) -> None:
    with pytest.raises(SourceError, match=r"^github:acme/shop: cannot resume from the stored cursor"):
        collect(source_for(GITHUB, api, slept), "{not json")


def test_gitlab_records(api: ApiServer, slept: list[float]) -> None:
    records, _ = collect(source_for(GITLAB, api, slept))
    found = by_key(records)
    run = found["PipelineRun:1201"]
    assert isinstance(run, PipelineRun)
    assert (run.pipeline, run.status, run.branch, run.event) == (".gitlab-ci.yml", RunStatus.SUCCESS, "main", "push")
    assert [(job.stage, job.name, job.status) for job in run.jobs] == [
        ("build", "compile", RunStatus.SUCCESS),
        ("test", "unit", RunStatus.SUCCESS),
    ]
    assert run.duration_seconds == 470.0  # first job start to last job end
    failed = found["PipelineRun:1200"]
    assert isinstance(failed, PipelineRun)
    assert [job.status for job in failed.jobs] == [RunStatus.FAILURE, RunStatus.SKIPPED]  # a manual job never ran
    assert found["PipelineRun:1199"].pipeline == "Nightly"  # type: ignore[union-attr]
    deployment = found["Deployment:41"]
    assert isinstance(deployment, Deployment)
    assert (deployment.environment, deployment.status, deployment.pipeline) == ("production", RunStatus.SUCCESS, "1201")
    assert deployment.finished_at == datetime(2024, 5, 2, 10, 11, 58, tzinfo=UTC)
    assert [found[k].type for k in ("WorkItem:!7", "WorkItem:#12", "WorkItem:#13", "WorkItem:#11")] == [  # type: ignore[union-attr]
        "pull_request",
        "bug",
        "incident",
        "issue",
    ]
    wish = found["WorkItem:#11"]  # milestone as its iteration, weight as its estimate; no epic (a Free edition)
    assert isinstance(wish, WorkItem)
    assert (wish.iteration, wish.estimate, wish.parent) == ("Sprint 7", 3.0, "")
    assert (wish.iteration_start, wish.iteration_end) == (
        datetime(2024, 4, 22, tzinfo=UTC),
        datetime(2024, 5, 3, tzinfo=UTC),
    )
    bug = found["WorkItem:#12"]
    assert isinstance(bug, WorkItem) and (bug.iteration, bug.estimate) == ("", None)  # no milestone, no weight
    release = found["Release:v1.2.0"]
    assert isinstance(release, Release)
    assert release.commit == "9f6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b"
    assert {r.headers["private-token"] for r in api.requests} == {TOKEN}


def test_gitlab_follows_x_next_page_without_link(api: ApiServer, slept: list[float]) -> None:
    gitlab_routes(api)
    project = "/api/v4/projects/acme%2Fshop"
    first = (DATA / "gitlab/pipelines-1.json").read_bytes()
    api.serve_body(f"{project}/pipelines", first, headers={"Content-Type": "application/json", "X-Next-Page": "2"})
    source = GitLabSource("acme/shop", base_url=api.url, client=options(slept), **credential_values("gitlab", {}))
    pages = source.pages(None)
    next(pages)
    api.serve(f"{project}/pipelines", "gitlab/pipelines-1.json", "gitlab/pipelines-2.json", paging="none")
    records = [record for page in pages for record in page.records]
    assert "PipelineRun:1199" in set(map(key, records))
    assert [q.get("page") for q in api.queries(f"{project}/pipelines")] == [None, "2"]


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("https://gitlab.com", "https://gitlab.com/api/v4"),
        ("https://git.example.com/gitlab/", "https://git.example.com/gitlab/api/v4"),
        ("https://git.example.com/api/v4", "https://git.example.com/api/v4"),
    ],
)
def test_gitlab_api_root_of_self_managed_servers(base_url: str, root: str) -> None:
    assert api_root(base_url) == root


def test_gitlab_under_a_relative_url_root_and_by_numeric_id(api: ApiServer, slept: list[float]) -> None:
    api.serve("/gitlab/api/v4/projects/8/pipelines", "gitlab/pipelines-2.json", paging="gitlab")
    api.serve("/gitlab/api/v4/projects/8/pipelines/1199/jobs", "gitlab/jobs-1199.json", paging="gitlab")
    for name in ("deployments", "merge_requests", "issues", "releases"):
        api.serve(f"/gitlab/api/v4/projects/8/{name}", f"gitlab/{name}.json", paging="gitlab")
    source = GitLabSource(8, base_url=f"{api.url}/gitlab", client=options(slept), **credential_values("gitlab", {}))
    records, _ = collect(source)
    assert "PipelineRun:1199" in set(map(key, records))
    assert source.name == "gitlab:8"


# --- Jenkins and Gitee ----------------------------------------------------------------------------------


JOB = "/job/shop/job/app"


def jenkins_source(api: ApiServer, slept: list[float]) -> JenkinsSource:
    api.serve(f"{JOB}/api/json", "jenkins/builds.json", paging="none")
    for build in (12, 13):
        api.serve(f"{JOB}/{build}/wfapi/describe", f"jenkins/wfapi-{build}.json", paging="none")
    return JenkinsSource("shop/app", base_url=api.url, client=options(slept), **credential_values("jenkins", {}))


def test_jenkins_builds_with_stages(api: ApiServer, slept: list[float]) -> None:
    records, cursor = collect(jenkins_source(api, slept))
    assert [record.id for record in records] == ["11", "12", "13"]  # oldest first
    found = by_key(records)
    build = found["PipelineRun:12"]
    assert isinstance(build, PipelineRun)
    assert (build.status, build.branch, build.event) == (RunStatus.SUCCESS, "main", "scm")
    assert build.commit == "9f6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b"
    assert build.created_at == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    assert build.duration_seconds == 400.0
    assert [(job.stage, job.status) for job in build.jobs] == [
        ("Build", RunStatus.SUCCESS),
        ("Test", RunStatus.SUCCESS),
        ("Deploy", RunStatus.SUCCESS),
    ]
    assert found["PipelineRun:11"].jobs == ()  # type: ignore[union-attr]  # wfapi 404: no stages
    assert (found["PipelineRun:11"].status, found["PipelineRun:11"].event) == (RunStatus.FAILURE, "schedule")  # type: ignore[union-attr]
    running = found["PipelineRun:13"]
    assert isinstance(running, PipelineRun)
    assert (running.status, running.finished_at, running.event) == (RunStatus.RUNNING, None, "manual")
    assert json.loads(cursor or "") == {"format": 1, "last": 13, "open": [13]}
    query = api.queries(f"{JOB}/api/json")[0]
    assert query["tree"].startswith("allBuilds[number,result,building,timestamp,duration,url,actions[")
    assert query["tree"].endswith("]{0,100}")  # the first range of the whole history
    assert api.requests[0].headers["authorization"].startswith("Basic ")


def test_jenkins_second_sync_reads_new_and_unfinished_builds(api: ApiServer, slept: list[float]) -> None:
    source = jenkins_source(api, slept)
    _, cursor = collect(source)
    api.serve(f"{JOB}/api/json", "jenkins/builds-new.json", paging="none")
    api.serve(f"{JOB}/13/wfapi/describe", "jenkins/wfapi-13-done.json", paging="none")
    api.serve(f"{JOB}/14/wfapi/describe", "jenkins/wfapi-14.json", paging="none")
    api.requests.clear()
    records, cursor = collect(source, cursor)
    assert [(record.id, record.status) for record in records] == [  # type: ignore[union-attr]
        ("13", RunStatus.FAILURE),  # UNSTABLE: tests failed
        ("14", RunStatus.SUCCESS),
    ]
    assert [p for p in api.paths() if p.endswith("/describe")] == [
        f"{JOB}/13/wfapi/describe",
        f"{JOB}/14/wfapi/describe",
    ]
    assert json.loads(cursor or "") == {"format": 1, "last": 14, "open": []}


def test_jenkins_bad_credentials_name_both_variables(api: ApiServer, slept: list[float]) -> None:
    source = jenkins_source(api, slept)
    api.fail(f"{JOB}/api/json", 401)
    with pytest.raises(SourceAuthError) as caught:
        collect(source)
    assert caught.value.message == (
        f"jenkins:shop/app: bad or expired token from $JENKINS_USER/$JENKINS_TOKEN (HTTP 401 from {JOB}/api/json)"
    )


def gitee_source(api: ApiServer, slept: list[float]) -> GiteeSource:
    repo = "/api/v5/repos/acme/shop"
    api.serve(f"{repo}/pulls", "gitee/pulls-1.json", "gitee/pulls-2.json", paging="gitee")
    api.serve(f"{repo}/issues", "gitee/issues.json", paging="gitee")
    api.serve(f"{repo}/releases", "gitee/releases.json", paging="gitee")
    return GiteeSource(
        "acme/shop", base_url=f"{api.url}/api/v5", client=options(slept), **credential_values("gitee", {})
    )


def test_gitee_pull_requests_issues_and_releases(api: ApiServer, slept: list[float]) -> None:
    records, cursor = collect(gitee_source(api, slept))
    found = by_key(records)
    assert set(found) == {
        "WorkItem:!5",
        "WorkItem:!4",
        "WorkItem:!3",
        "WorkItem:#I9ABCD",
        "WorkItem:#I9ABCE",
        "Release:410001",
    }
    merged = found["WorkItem:!5"]
    assert isinstance(merged, WorkItem)
    assert merged.resolved_at == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)  # +08:00 read as UTC
    assert [found[k].type for k in ("WorkItem:#I9ABCD", "WorkItem:#I9ABCE")] == ["bug", "issue"]  # type: ignore[union-attr]
    assert [q["page"] for q in api.queries("/api/v5/repos/acme/shop/pulls")] == ["1", "2"]  # by total_page
    assert {r.query["access_token"] for r in api.requests} == {TOKEN}
    assert "authorization" not in api.requests[0].headers
    assert TOKEN not in (cursor or "")


def test_gitee_token_in_the_query_is_redacted_from_logs(
    api: ApiServer, slept: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = gitee_source(api, slept)
    api.fail("/api/v5/repos/acme/shop/pulls", 500)
    collect(source)
    assert "access_token=***" in caplog.text  # httpx logs each URL; the filter masks the token
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(source)
