"""The dashboard's pages over HTTP, on SQLite and PostgreSQL (the api_client fixture: the app under uvicorn):
who is sent to the sign-in page, what another organisation sees (404), what a reading role may not do (403), the
CSRF rule on forms, the language switch (no open redirect) and the headers every page and static file carries.

A small real repository (tests/gitbuild.py) is assessed through the CLI into the store as project acme/svc."""

from __future__ import annotations

import re
import time

import httpx

from devmaturity.services.jobs import close_stores
from tests.web.conftest import PASSWORD, ApiClient


def _sign_in(client: httpx.Client, name: str) -> None:
    answer = client.post("/sign-in", data={"name": name, "password": PASSWORD, "next": "/portfolio"})
    assert answer.status_code == 303 and answer.headers["location"] == "/portfolio", answer.text


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


class PageAccessTests:
    def test_nobody_signed_in_is_sent_to_the_sign_in_page_and_back(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, _ = site
        answer = api.client.get(f"/projects/{svc}/workbench?part=cd")
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/sign-in?next=%2Fprojects%2F{svc}%2Fworkbench%3Fpart%3Dcd"
        form = api.client.get(answer.headers["location"])
        assert f'name="next" value="/projects/{svc}/workbench?part=cd"' in form.text

    def test_a_wrong_password_is_refused_on_the_form(self, site: tuple[ApiClient, int, int]) -> None:
        api, _, _ = site
        answer = api.client.post("/sign-in", data={"name": "dave", "password": "not it"})
        assert answer.status_code == 401
        assert "Wrong user name or password" in answer.text
        assert "devmaturity_session" not in answer.cookies

    def test_another_organisations_project_does_not_exist(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, theirs = site
        _sign_in(api.client, "olga")
        for path in (f"/projects/{svc}", f"/projects/{svc}/workbench", f"/projects/{svc}/items/CD.BCI.CI.IF"):
            answer = api.client.get(path)
            assert answer.status_code == 404, path
            assert answer.headers["content-type"].startswith("text/html")
        portfolio = api.client.get("/portfolio").text
        assert "Theirs" in portfolio and "Payments" not in portfolio
        assert api.client.get(f"/projects/{theirs}").status_code == 200

    def test_a_developer_reads_but_may_not_answer(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, _ = site
        _sign_in(api.client, "dave")
        page = api.client.get(f"/projects/{svc}/workbench?part=cd")
        assert page.status_code == 200
        assert "Your role may only read." in page.text
        assert "<fieldset disabled>" in page.text
        assert "Freeze this assessment" not in page.text
        criterion = re.search(r'name="criterion" value="([^"]+)"', page.text)
        assert criterion is not None
        refused = api.client.post(
            f"/projects/{svc}/workbench/answer",
            data={"csrf_token": _csrf(page.text), "criterion": criterion.group(1), "value": "met", "note": "n"},
        )
        assert refused.status_code == 403
        assert "Only assessors and administrators may answer assessment questions." in refused.text

    def test_a_form_without_the_sessions_csrf_token_is_refused(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, _ = site
        _sign_in(api.client, "alice")
        page = api.client.get(f"/projects/{svc}/workbench?part=cd")
        criterion = re.search(r'name="criterion" value="([^"]+)"', page.text)
        assert criterion is not None
        data = {"criterion": criterion.group(1), "value": "met", "note": "checked"}
        refused = api.client.post(f"/projects/{svc}/workbench/answer", data={**data, "csrf_token": "forged"})
        assert refused.status_code == 403
        saved = api.client.post(f"/projects/{svc}/workbench/answer", data={**data, "csrf_token": _csrf(page.text)})
        assert saved.status_code == 303 and "done=answer" in saved.headers["location"]
        again = api.client.get(saved.headers["location"])
        assert "The answer was saved." in again.text and "Answered by alice" in again.text


class PageFrameTests:
    def test_language_is_remembered_and_never_an_open_redirect(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, _ = site
        _sign_in(api.client, "alice")
        switched = api.client.get("/lang/zh", params={"next": "https://evil.example/"})
        assert switched.status_code == 303 and switched.headers["location"] == "/portfolio"
        page = api.client.get(f"/projects/{svc}")
        assert '<html lang="zh-CN">' in page.text and "级别表" in page.text
        assert page.headers["content-language"] == "zh-CN"

    def test_pages_carry_the_security_headers(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, _ = site
        _sign_in(api.client, "alice")
        page = api.client.get(f"/projects/{svc}")
        assert "script-src 'self';" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text and " on" + "click=" not in page.text  # no inline script or handler
        for name in ("echarts.min.js", "charts.js", "dashboard.css"):
            url = re.search(rf"/static/{re.escape(name)}\?v=[0-9a-f]{{12}}", page.text)
            assert url is not None, name
            served = api.client.get(url.group(0))
            assert served.status_code == 200 and "immutable" in served.headers["cache-control"]
        assert api.client.get("/static/echarts.min.js?v=old").headers["cache-control"] == "no-cache"
        assert api.client.get("/static/..%2Fsigned.py").status_code == 404


def _wait_until_ready(client: httpx.Client, url: str, timeout: float = 120) -> list[str]:
    """The states the status resource says until ready (the inline runner renders after the 202 was sent)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not seen or seen[-1] != "ready":
        assert time.monotonic() < deadline, seen
        answer = client.get(url)
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
        seen.append(answer.json()["state"])
        assert seen[-1] in ("queued", "running", "ready"), seen
        time.sleep(0.2)
    return seen


class ReportDownloadTests:
    def test_the_report_is_prepared_in_the_background_then_served_from_the_store(
        self, site: tuple[ApiClient, int, int]
    ) -> None:
        api, svc, _ = site
        _sign_in(api.client, "dave")  # a reading role may download the report
        project = api.client.get(f"/projects/{svc}").text
        href = re.search(r'id="download-pdf" href="([^"]+)"', project)
        assert href is not None and href.group(1) in (f"/projects/{svc}/report.pdf", f"/projects/{svc}/report.html")
        url = f"/projects/{svc}/report.html"
        pending = api.client.get(url)
        assert pending.status_code == 202
        assert "The report is being prepared" in pending.text
        assert f'data-status-url="{url}/status"' in pending.text and "/static/report.js?v=" in pending.text
        assert pending.headers["cache-control"] == "no-store"
        assert _wait_until_ready(api.client, f"{url}/status")[-1] == "ready"
        served = api.client.get(url)
        assert served.status_code == 200
        assert re.fullmatch(
            r'attachment; filename="acme_svc-assessment-\d+-en\.html"', served.headers["content-disposition"]
        )
        assert served.text.lower().startswith("<!doctype html")
        etag = served.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
        assert api.client.get(url).content == served.content  # the same stored rendering
        unchanged = api.client.get(url, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        runs = [r for r in api.store.runs(svc) if r["kind"] == "render"]
        assert [r["status"] for r in runs] == ["ok"]  # one render, however many requests
        close_stores()

    def test_the_page_and_its_status_speak_chinese(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, _ = site
        _sign_in(api.client, "alice")
        api.client.get("/lang/zh", params={"next": "/portfolio"})
        pending = api.client.get(f"/projects/{svc}/report.html")
        assert pending.status_code == 202 and "报告生成中" in pending.text and "排队中" in pending.text
        _wait_until_ready(api.client, f"/projects/{svc}/report.html/status")
        assert api.client.get(f"/projects/{svc}/report.html").headers["content-disposition"].endswith('-zh.html"')
        close_stores()

    def test_another_organisation_neither_downloads_nor_queues(self, site: tuple[ApiClient, int, int]) -> None:
        api, svc, _ = site
        _sign_in(api.client, "olga")
        for path in (f"/projects/{svc}/report.pdf", f"/projects/{svc}/report.html/status"):
            assert api.client.get(path).status_code == 404, path
        assert [r for r in api.store.runs(svc) if r["kind"] == "render"] == []
