"""Jira and ZenTao against the local fake server: paging, login, rate limits, retries, resume, incremental sync."""

from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from devmaturity.collectors.http import ClientOptions, Record, Source
from devmaturity.collectors.jira import FIELDS, JiraSource, environment_of
from devmaturity.collectors.zentao import ZenTaoSource, api_root
from devmaturity.errors import SourceAuthError
from devmaturity.model.delivery import Release, WorkItem
from devmaturity.services.sync import credential_values
from tests.apiserver import ApiServer, Route
from tests.collectors.test_rest_sources import by_key, collect, key

DATA = Path(__file__).parents[1] / "data" / "api"
SECRET = "jira-tok-8d2e-never-print-me-41aa"
PASSWORD = "zt-pass-77c3-never-print-me"
SESSION = json.loads((DATA / "zentao/tokens.json").read_text())["token"]
NOW = 1_714_900_000.0
ZT = "/zentao/api.php/v1"


class TrackerServer(ApiServer):
    """The fake server plus what the trackers need: POST (ZenTao's login, its bodies kept in `posted`) and
    Jira's paging by `startAt`/`maxResults` (Server) or by `nextPageToken` (Cloud; the files use "page-<n>")."""

    def __init__(self, data: Path) -> None:
        super().__init__(data)
        self.posted: list[tuple[str, dict[str, Any]]] = []
        self._http.RequestHandlerClass = _with_post(self._http.RequestHandlerClass, self)

    def _page(self, route: Route, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if "startAt" in query:
            query = {**query, "page": str(int(query["startAt"]) // int(query["maxResults"]) + 1)}
        elif "nextPageToken" in query:
            query = {**query, "page": query["nextPageToken"].removeprefix("page-")}
        return super()._page(route, path, query)


def _with_post(base: type[BaseHTTPRequestHandler], server: TrackerServer) -> type[BaseHTTPRequestHandler]:
    class Handler(base):  # type: ignore[valid-type,misc]
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            server.posted.append((self.path, json.loads(body or b"{}")))
            self.do_GET()  # answered like a GET of the same path

    return Handler


@pytest.fixture
def api() -> Iterator[TrackerServer]:
    with TrackerServer(DATA) as server:
        yield server


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_USER", "alice@example.com")
    monkeypatch.setenv("JIRA_TOKEN", SECRET)
    monkeypatch.setenv("ZENTAO_ACCOUNT", "alice")
    monkeypatch.setenv("ZENTAO_PASSWORD", PASSWORD)


@pytest.fixture
def slept() -> list[float]:
    return []


def options(slept: list[float], **changes: float) -> ClientOptions:
    settings: dict[str, float] = {"connect_timeout": 1.0, "read_timeout": 2.0, "backoff": 0.5} | changes
    return ClientOptions(**settings, page_size=2, sleep=slept.append, clock=lambda: NOW)  # type: ignore[arg-type]


# --- the two sources ----------------------------------------------------------------------------------------

JQL_SINCE = 'project = SHOP AND (updated >= "2024/05/02 18:05" OR fixVersion in (10002)) ORDER BY updated DESC'


def jira_routes(server: ApiServer) -> None:
    server.serve("/rest/api/2/search", "jira/search-1.json", "jira/search-2.json", paging="none")
    server.serve("/rest/api/2/project/SHOP/versions", "jira/versions.json", paging="none")
    server.serve("/rest/api/2/myself", "jira/myself.json", paging="none")


def jira_update(server: ApiServer) -> None:
    server.serve("/rest/api/2/search", "jira/search-new-1.json", "jira/search-new-2.json", paging="none")
    server.serve("/rest/api/2/project/SHOP/versions", "jira/versions-new.json", paging="none")


def jira_incremental(server: ApiServer) -> None:
    queries = server.queries("/rest/api/2/search")
    # the mark is SHOP-3's update, 10:05:30Z, in the user's zone (Asia/Shanghai) to the minute; version 1.2 was
    # released since, and releasing does not touch its issues' `updated`
    assert [(q["jql"], q["startAt"], q["maxResults"], q["fields"]) for q in queries] == [
        (JQL_SINCE, "0", "2", FIELDS),
        (JQL_SINCE, "2", "2", FIELDS),
    ]


def zentao_routes(server: ApiServer) -> None:
    server.serve_body(f"{ZT}/tokens", (DATA / "zentao/tokens.json").read_bytes(), status=201)
    server.serve(f"{ZT}/products/1/stories", "zentao/stories-1.json", "zentao/stories-2.json", paging="none")
    server.serve(f"{ZT}/products/1/bugs", "zentao/bugs-1.json", "zentao/bugs-2.json", paging="none")
    server.serve(f"{ZT}/products/1/releases", "zentao/releases.json", paging="none")


def zentao_update(server: ApiServer) -> None:
    server.serve(f"{ZT}/products/1/stories", "zentao/stories-new-1.json", "zentao/stories-new-2.json", paging="none")
    server.serve(f"{ZT}/products/1/releases", "zentao/releases-new.json", paging="none")


def zentao_incremental(server: ApiServer) -> None:
    # no changed-since filter in API v1: the whole list again, kept only when changed since the mark
    assert server.queries(f"{ZT}/products/1/stories") == [
        {"status": "allstory", "order": "id_desc", "page": "1", "limit": "2"},
        {"status": "allstory", "order": "id_desc", "page": "2", "limit": "2"},
    ]
    assert server.queries(f"{ZT}/products/1/releases")[-1] == {"status": "all"}


@dataclass(frozen=True)
class Case:
    name: str
    routes: Callable[[ApiServer], None]
    make: Callable[[str, ClientOptions], Source]
    first_path: str  # the first listing a sync asks for
    secret_names: str
    expected: frozenset[str]
    update: Callable[[ApiServer], None]
    new: frozenset[str]
    incremental: Callable[[ApiServer], None]


JIRA = Case(
    name="jira:SHOP",
    routes=jira_routes,
    make=lambda url, opts: JiraSource("SHOP", base_url=url, client=opts, **credential_values("jira", {})),
    first_path="/rest/api/2/search",
    secret_names="$JIRA_USER/$JIRA_TOKEN",
    expected=frozenset({"WorkItem:SHOP-3", "WorkItem:SHOP-2", "WorkItem:SHOP-1", "Release:10000", "Release:10001"}),
    update=jira_update,
    new=frozenset({"WorkItem:SHOP-4", "WorkItem:SHOP-2", "Release:10002"}),  # SHOP-2: its version shipped
    incremental=jira_incremental,
)
ZENTAO = Case(
    name="zentao:1",
    routes=zentao_routes,
    make=lambda url, opts: ZenTaoSource("1", base_url=f"{url}/zentao", client=opts, **credential_values("zentao", {})),
    first_path=f"{ZT}/products/1/stories",
    secret_names="$ZENTAO_ACCOUNT/$ZENTAO_PASSWORD",
    expected=frozenset(
        {
            "WorkItem:story-3",
            "WorkItem:story-2",
            "WorkItem:story-1",
            "WorkItem:bug-8",
            "WorkItem:bug-7",
            "WorkItem:bug-6",
            "Release:2",
            "Release:1",
        }
    ),
    update=zentao_update,
    new=frozenset({"WorkItem:story-4", "WorkItem:story-3", "Release:3"}),  # story 3: its release shipped
    incremental=zentao_incremental,
)
CASES = [pytest.param(JIRA, id="jira"), pytest.param(ZENTAO, id="zentao")]


def source_for(case: Case, api: ApiServer, slept: list[float], **changes: float) -> Source:
    case.routes(api)
    return case.make(api.url, options(slept, **changes))


@pytest.mark.parametrize("case", CASES)
def test_every_page_is_collected(case: Case, api: TrackerServer, slept: list[float]) -> None:
    records, cursor = collect(source_for(case, api, slept))
    assert Counter(map(key, records)) == Counter(case.expected)  # all of them, each once
    assert len(api.queries(case.first_path)) == 2  # two pages
    assert json.loads(cursor or "{}").get("stream") is None  # the sync ran to its end
    assert slept == []


@pytest.mark.parametrize("case", CASES)
def test_rate_limit_retry_after_is_honoured(case: Case, api: TrackerServer, slept: list[float]) -> None:
    api.fail(case.first_path, 429, headers={"Retry-After": "7"})
    records, _ = collect(source_for(case, api, slept))
    assert slept == [7.0]
    assert set(map(key, records)) == case.expected
    assert len(api.queries(case.first_path)) == 3  # the 429, then pages 1 and 2


@pytest.mark.parametrize("case", CASES)
def test_server_error_then_success(case: Case, api: TrackerServer, slept: list[float]) -> None:
    api.fail(case.first_path, 500)
    records, _ = collect(source_for(case, api, slept))
    assert slept == [0.5]
    assert set(map(key, records)) == case.expected


@pytest.mark.parametrize("case", CASES)
def test_interrupted_sync_resumes_without_duplicates(case: Case, api: TrackerServer, slept: list[float]) -> None:
    source = source_for(case, api, slept)
    page_count = sum(1 for _ in source.pages(None))
    assert page_count >= 3
    for crash_after in range(1, page_count):
        stored: list[Record] = []
        pages = source.pages(None)
        cursor = None
        for _ in range(crash_after):
            page = next(pages)
            stored += page.records
            cursor = page.cursor
        pages.close()  # the process dies; the store kept these pages and the last cursor
        rest, _ = collect(case.make(api.url, options(slept)), cursor)
        assert Counter(map(key, stored + rest)) == Counter(case.expected), f"crash after page {crash_after}"


@pytest.mark.parametrize("case", CASES)
def test_second_sync_fetches_only_what_changed(case: Case, api: TrackerServer, slept: list[float]) -> None:
    _, cursor = collect(source_for(case, api, slept))
    case.update(api)
    api.requests.clear()
    records, cursor = collect(case.make(api.url, options(slept)), cursor)
    assert Counter(map(key, records)) == Counter(case.new)
    case.incremental(api)
    records, _ = collect(case.make(api.url, options(slept)), cursor)
    assert records == []  # nothing changed since


@pytest.mark.parametrize("case", CASES)
def test_secrets_never_logged_nor_kept(
    case: Case, api: TrackerServer, slept: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.fail(case.first_path, 500)
    source = source_for(case, api, slept)
    cursors = [page.cursor for page in source.pages(None)]
    assert any("retry 1" in r.getMessage() for r in caplog.records)
    for secret in (SECRET, PASSWORD, SESSION):
        assert secret not in caplog.text
        assert all(secret not in cursor for cursor in cursors)
        assert secret not in repr(source)


# --- credentials ----------------------------------------------------------------------------------------------


def test_jira_sends_basic_auth_and_names_both_variables_on_401(api: TrackerServer, slept: list[float]) -> None:
    records, _ = collect(source_for(JIRA, api, slept))
    assert records
    basic = base64.b64encode(f"alice@example.com:{SECRET}".encode()).decode()
    assert {r.headers["authorization"] for r in api.requests} == {f"Basic {basic}"}
    api.fail(JIRA.first_path, 401, body={"errorMessages": [], "errors": {}})
    with pytest.raises(SourceAuthError) as caught:
        collect(JIRA.make(api.url, options(slept)))
    assert caught.value.message == (
        "jira:SHOP: bad or expired token from $JIRA_USER/$JIRA_TOKEN (HTTP 401 from /rest/api/2/search)"
    )
    assert SECRET not in str(caught.value)
    assert slept == []  # refused credentials are not retried


def test_zentao_logs_in_once_and_sends_the_session_token(api: TrackerServer, slept: list[float]) -> None:
    collect(source_for(ZENTAO, api, slept))
    assert api.posted == [(f"{ZT}/tokens", {"account": "alice", "password": PASSWORD})]
    gets = [r for r in api.requests if r.path != f"{ZT}/tokens"]
    assert {r.headers.get("token") for r in gets} == {SESSION}
    assert not any("authorization" in r.headers for r in api.requests)


def test_zentao_refused_login_names_the_variables(api: TrackerServer, slept: list[float]) -> None:
    source = source_for(ZENTAO, api, slept)
    api.fail(f"{ZT}/tokens", 401, body={"error": "登录失败，请检查您的用户名或密码是否填写正确。"})
    with pytest.raises(SourceAuthError) as caught:
        collect(source)
    assert caught.value.message == (
        f"zentao:1: ZenTao refused the account from $ZENTAO_ACCOUNT/$ZENTAO_PASSWORD (HTTP 401 from {ZT}/tokens)"
    )
    assert PASSWORD not in str(caught.value)
    assert slept == []


def test_zentao_expired_session_is_an_auth_error(api: TrackerServer, slept: list[float]) -> None:
    source = source_for(ZENTAO, api, slept)
    api.fail(ZENTAO.first_path, 401, body={"error": "Unauthorized"})
    with pytest.raises(SourceAuthError) as caught:
        collect(source)
    assert caught.value.message == (
        f"zentao:1: bad or expired token from $ZENTAO_ACCOUNT/$ZENTAO_PASSWORD (HTTP 401 from {ZENTAO.first_path})"
    )
    assert SESSION not in str(caught.value)


def test_zentao_without_a_password_asks_for_it(
    api: TrackerServer, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZENTAO_PASSWORD")
    with pytest.raises(SourceAuthError, match=r"^zentao:1: ZenTao wants an account; set \$ZENTAO_ACCOUNT/\$ZENTAO_"):
        collect(source_for(ZENTAO, api, slept))
    assert api.requests == []


# --- records --------------------------------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_jira_records(api: TrackerServer, slept: list[float]) -> None:
    found = by_key(collect(source_for(JIRA, api, slept))[0])
    bug = found["WorkItem:SHOP-3"]
    assert bug == WorkItem(
        source="jira:SHOP",
        id="SHOP-3",
        type="bug",
        title="Checkout fails for coupons over 100%",
        created_at=at("2024-05-01T09:30:00Z"),  # 17:30+08:00
        resolved_at=at("2024-05-02T10:05:30Z"),
        released_at=at("2024-05-02T00:00:00Z"),  # version 1.1's releaseDate
        release="1.1",
        severity="High",
        environment="production",  # "生产环境，Chrome 124"
        labels=("checkout",),
    )
    story = found["WorkItem:SHOP-2"]
    assert isinstance(story, WorkItem)
    assert (story.type, story.release, story.released_at, story.environment) == ("story", "1.2", None, "")
    older = found["WorkItem:SHOP-1"]
    assert isinstance(older, WorkItem)
    # fix versions 1.1 and 1.0: it shipped in the earlier; the label beats the free text "Production"
    assert (older.release, older.released_at, older.environment) == ("1.0", at("2024-04-25T00:00:00Z"), "staging")
    assert found["Release:10001"] == Release(
        source="jira:SHOP", id="10001", name="1.1", created_at=at("2024-05-02T00:00:00Z")
    )
    assert "Release:10002" not in found  # planned for 2024-05-06, not released


def test_zentao_records(api: TrackerServer, slept: list[float]) -> None:
    found = by_key(collect(source_for(ZENTAO, api, slept))[0])
    assert found["WorkItem:story-2"] == WorkItem(
        source="zentao:1",
        id="story-2",
        type="story",
        title="购物车合并",
        created_at=at("2024-04-25T01:00:00Z"),
        resolved_at=at("2024-05-01T08:00:00Z"),
        released_at=at("2024-05-02T00:00:00Z"),  # Shop 1.1 lists it under `stories`
        release="Shop 1.1",
    )
    duplicate = found["WorkItem:story-1"]
    assert isinstance(duplicate, WorkItem)
    assert (duplicate.resolved_at, duplicate.release) == (None, "")  # closed as a duplicate: not delivered
    assert found["WorkItem:bug-8"] == WorkItem(
        source="zentao:1",
        id="bug-8",
        type="bug",
        title="生产环境下单超时",
        created_at=at("2024-05-03T01:00:00Z"),
        severity="1",
        environment="production",  # opened against build 5, the build of the shipped Shop 1.1
    )
    fixed = found["WorkItem:bug-7"]
    assert isinstance(fixed, WorkItem)
    assert (fixed.environment, fixed.resolved_at, fixed.release, fixed.labels) == (
        "test",  # opened against trunk
        at("2024-04-30T07:00:00Z"),
        "Shop 1.1",
        ("cart",),
    )
    assert found["WorkItem:bug-6"].environment == "production"  # type: ignore[union-attr]  # keyword env:production
    assert found["Release:2"] == Release(source="zentao:1", id="2", name="Shop 1.1", created_at=at("2024-05-02T00:00Z"))
    assert "Release:3" not in found  # status "wait"


def test_zentao_second_sync_records_the_new_release(api: TrackerServer, slept: list[float]) -> None:
    _, cursor = collect(source_for(ZENTAO, api, slept))
    zentao_update(api)
    found = by_key(collect(ZENTAO.make(api.url, options(slept)), cursor)[0])
    story = found["WorkItem:story-3"]
    assert isinstance(story, WorkItem)
    assert (story.release, story.released_at) == ("Shop 1.2", at("2024-05-06T00:00:00Z"))


def test_jira_second_sync_records_the_new_release(api: TrackerServer, slept: list[float]) -> None:
    _, cursor = collect(source_for(JIRA, api, slept))
    jira_update(api)
    found = by_key(collect(JIRA.make(api.url, options(slept)), cursor)[0])
    story = found["WorkItem:SHOP-2"]
    assert isinstance(story, WorkItem)
    assert (story.release, story.released_at) == ("1.2", at("2024-05-06T00:00:00Z"))


# --- Jira Cloud and the JQL time -------------------------------------------------------------------------------


def test_jira_cloud_pages_by_token_with_a_bearer_token(
    api: TrackerServer, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JIRA_USER")  # a personal access token alone
    api.serve("/rest/api/2/search/jql", "jira/search-jql-1.json", "jira/search-jql-2.json", paging="none")
    api.serve("/rest/api/2/project/SHOP/versions", "jira/versions.json", paging="none")
    records, _ = collect(
        JiraSource("SHOP", base_url=api.url, cloud=True, client=options(slept), **credential_values("jira", {}))
    )
    assert set(map(key, records)) == JIRA.expected
    tokens = [q.get("nextPageToken") for q in api.queries("/rest/api/2/search/jql")]
    assert tokens == [None, "page-2"]
    assert {r.headers["authorization"] for r in api.requests} == {f"Bearer {SECRET}"}


def test_jira_cloud_is_guessed_from_the_host() -> None:
    source = JiraSource("shop", base_url="https://acme.atlassian.net", **credential_values("jira", {}))
    assert source.name == "jira:SHOP"
    assert source.search_url("project = SHOP", 50).startswith("rest/api/2/search/jql?")
    assert "startAt" in JiraSource(
        "SHOP", base_url="https://jira.example.com", **credential_values("jira", {})
    ).search_url("x", 50)


def test_jira_without_the_users_zone_starts_14_hours_early(api: TrackerServer, slept: list[float]) -> None:
    _, cursor = collect(source_for(JIRA, api, slept))
    api.serve_body("/rest/api/2/myself", b'{"name": "alice"}')
    api.requests.clear()
    collect(JIRA.make(api.url, options(slept)), cursor)
    jql = api.queries("/rest/api/2/search")[0]["jql"]
    assert jql == 'project = SHOP AND updated >= "2024/05/01 20:05" ORDER BY updated DESC'  # 10:05Z less 14 h


@pytest.mark.parametrize(
    ("labels", "text", "expected"),
    [
        ((), "Production, Chrome 124", "production"),
        ((), "生产环境", "production"),
        ((), "预生产环境", "staging"),
        ((), "pre-prod cluster", "staging"),
        ((), "QA box", "test"),
        ((), "Firefox on Windows", ""),
        ((), None, ""),
        (("env:prod",), "staging", "production"),
        (("Environment=UAT",), None, "test"),
        (("env:eu-west",), None, "eu-west"),
    ],
)
def test_environment_of(labels: tuple[str, ...], text: str | None, expected: str) -> None:
    assert environment_of(labels, text) == expected


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("https://zentao.example.com", "https://zentao.example.com/api.php/v1"),
        ("https://example.com/zentao/", "https://example.com/zentao/api.php/v1"),
        ("https://example.com/zentao/api.php/v1", "https://example.com/zentao/api.php/v1"),
    ],
)
def test_zentao_api_root(base_url: str, root: str) -> None:
    assert api_root(base_url) == root
