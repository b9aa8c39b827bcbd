"""REST sources against surprising servers: status values nobody listed, and a Jenkins job's long history.

Payloads are the files of tests/data/api (see its README) with one field changed in the test, said where.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.gitlab import GitLabSource
from devmaturity.collectors.http import ClientOptions, Source
from devmaturity.collectors.jenkins import JenkinsSource
from devmaturity.model.delivery import RunStatus
from devmaturity.services.sync import credential_values, sync_source
from devmaturity.store.db import Store
from devmaturity.store.delivery import cursor_of
from tests.apiserver import ApiServer, Route
from tests.collectors.test_rest_sources import DATA, JOB, TOKEN, collect, github_routes, gitlab_routes

QUICK = ClientOptions(sleep=lambda _s: None, backoff=0.01)


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_TOKEN", "GITLAB_TOKEN", "JENKINS_TOKEN"):
        monkeypatch.setenv(name, TOKEN)
    monkeypatch.setenv("JENKINS_USER", "alice")


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer(DATA) as server:
        yield server


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.engine.dispose()


def _changed(name: str, change: Any) -> bytes:
    data = json.loads((DATA / name).read_bytes())
    change(data)
    return json.dumps(data).encode()


def _runs_of(store: Store, project: int, table: str) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT ext_id, status FROM {table} WHERE project_id = ? ORDER BY ext_id", (project,)
        )
        return [(str(row[0]), str(row[1])) for row in rows]


def _upper(data: dict[str, Any]) -> None:
    for run in data["workflow_runs"]:
        run["conclusion"] = run["conclusion"].upper()  # "success" -> "SUCCESS", "failure" -> "FAILURE"


def _blocked(data: list[dict[str, Any]]) -> None:
    for deployment in data:
        deployment["status"] = "blocked_by_x"


def _weird(data: dict[str, Any]) -> None:
    for build in data["allBuilds"]:
        if build["number"] in (11, 12):
            build["result"] = "WEIRD"


def test_github_conclusions_in_upper_case_are_known(api: ApiServer, sqlite: Store) -> None:
    """SUCCESS and FAILURE in capitals map like success and failure; nothing is reported."""
    github_routes(api)
    api.serve_body("/repos/acme/shop/actions/runs", _changed("github/runs-1.json", _upper))
    project = sqlite.project("shop", "")
    result = sync_source(
        sqlite, project, GitHubSource("acme/shop", base_url=api.url, client=QUICK, **credential_values("github", {}))
    )
    assert _runs_of(sqlite, project, "pipeline_runs") == [("30433600", "failure"), ("30433642", "success")]
    assert result.problems == ()


def test_gitlab_unknown_deployment_status_is_other_and_reported_once(api: ApiServer, sqlite: Store) -> None:
    """Deployment 41's status "blocked_by_x" is stored as other; the sync completes (the pipelines, merge
    requests, issues and releases after it are stored too) and reports the value once."""
    gitlab_routes(api)
    api.serve_body("/api/v4/projects/acme%2Fshop/deployments", _changed("gitlab/deployments.json", _blocked))
    project = sqlite.project("shop", "")
    result = sync_source(
        sqlite, project, GitLabSource("acme/shop", base_url=api.url, client=QUICK, **credential_values("gitlab", {}))
    )
    assert _runs_of(sqlite, project, "deployments") == [("41", "other")]
    assert sqlite.count_rows("releases", project) > 0  # the stream after deployments ran
    assert [p.message for p in result.problems] == ["status: unknown status 'blocked_by_x', stored as \"other\""]
    assert result.problems[0].source == "gitlab:acme/shop"
    stored = json.loads(sqlite.runs(project)[-1]["problems"])
    assert stored == [{"source": "gitlab:acme/shop", "message": result.problems[0].message}]


def test_jenkins_unknown_result_is_other_and_reported_once(api: ApiServer, sqlite: Store) -> None:
    """Builds 11 and 12 both say WEIRD: both stored as other, one problem naming `allBuilds.result`."""
    api.serve_body(f"{JOB}/api/json", _changed("jenkins/builds.json", _weird))
    project = sqlite.project("shop", "")
    result = sync_source(
        sqlite, project, JenkinsSource("shop/app", base_url=api.url, client=QUICK, **credential_values("jenkins", {}))
    )
    assert _runs_of(sqlite, project, "pipeline_runs") == [("11", "other"), ("12", "other"), ("13", "running")]
    assert [p.message for p in result.problems] == ["allBuilds.result: unknown status 'WEIRD', stored as \"other\""]


# --- Jenkins: the whole history in ranges ---------------------------------------------------------------


class JenkinsHistory(ApiServer):
    """Answers `tree=allBuilds[...]{M,N}` with builds M..N-1 of `numbers` (newest first), as Jenkins does."""

    numbers: list[int]

    def _page(self, route: Route, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path != f"{JOB}/api/json":
            return super()._page(route, path, query)
        found = re.search(r"\{(\d+),(\d+)\}$", query["tree"])
        assert found is not None, query["tree"]
        chosen = self.numbers[int(found[1]) : int(found[2])]
        builds = [_build(number) for number in chosen]
        body = {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob", "allBuilds": builds}
        return 200, {"Content-Type": "application/json;charset=utf-8"}, json.dumps(body).encode()


def _build(number: int) -> dict[str, Any]:
    """A finished build in the shape of tests/data/api/jenkins/builds.json (actions the tree selects nothing
    from are empty objects)."""
    return {
        "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
        "actions": [{}],
        "building": False,
        "duration": 60_000,
        "number": number,
        "result": "SUCCESS",
        "timestamp": 1_714_600_000_000 + number * 3_600_000,
        "url": f"http://jenkins/job/shop/job/app/{number}/",
    }


@pytest.fixture
def history() -> Iterator[JenkinsHistory]:
    with JenkinsHistory(DATA) as server:
        server.numbers = list(range(250, 0, -1))
        server.serve_body(f"{JOB}/api/json", b"{}")  # the route exists; _page answers it
        yield server


def _ranges(server: ApiServer) -> list[str]:
    return [re.sub(r".*(\{.*\})$", r"\1", q["tree"]) for q in server.queries(f"{JOB}/api/json")]


def test_jenkins_reads_the_whole_history_in_pages_then_only_newer_builds(history: JenkinsHistory) -> None:
    """250 builds at 100 a request: {0,100}, {100,200}, {200,300} (50, fewer than asked: the end); all 250
    stored oldest first, cursor last=250. Five new builds later, the second sync asks {0,100} only (it holds
    250, the cursor) and reads builds 251..255 alone."""
    options = ClientOptions(sleep=lambda _s: None, page_size=100)
    source: Source = JenkinsSource(
        "shop/app", base_url=history.url, client=options, batch=50, **credential_values("jenkins", {})
    )
    records, cursor = collect(source)
    assert _ranges(history) == ["{0,100}", "{100,200}", "{200,300}"]
    assert [int(r.id) for r in records] == list(range(1, 251))
    assert json.loads(cursor or "") == {"format": 1, "last": 250, "open": []}
    history.requests.clear()
    history.numbers = list(range(255, 0, -1))
    records, cursor = collect(source, cursor)
    assert _ranges(history) == ["{0,100}"]
    assert [int(r.id) for r in records] == [251, 252, 253, 254, 255]
    described = sorted(p for p in history.paths() if p.endswith("/wfapi/describe"))
    assert described == [f"{JOB}/{n}/wfapi/describe" for n in (251, 252, 253, 254, 255)]
    assert all(r.status is RunStatus.SUCCESS for r in records)  # type: ignore[union-attr]


def test_jenkins_history_sync_resumes_through_the_store(history: JenkinsHistory, sqlite: Store) -> None:
    """Through the sync service: 250 rows, the stored cursor holds last=250, a second sync adds nothing."""
    project = sqlite.project("shop", "")
    source = JenkinsSource("shop/app", base_url=history.url, client=QUICK, **credential_values("jenkins", {}))
    assert sync_source(sqlite, project, source).records == 250
    assert json.loads(cursor_of(sqlite, project, "jenkins:shop/app") or "")["last"] == 250
    assert sync_source(sqlite, project, source).records == 0
    assert sqlite.count_rows("pipeline_runs", project) == 250
