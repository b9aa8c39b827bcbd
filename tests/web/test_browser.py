"""The dashboard in a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded
one) against the app served by uvicorn on a free port, over a store seeded through the services and the CLI
(tests/web/dashboard_seed.py: the enterprise project, assessed twice).

Covered, in the order a user goes: sign in; the portfolio and a project, with the radars and trend charts drawn
(a canvas each, no console error); the drill-down from the level table to a criterion's evidence; switching to
中文 (remembered); downloading the report; last, as the assessor, answering a question with an uploaded file,
freezing the assessment and seeing every edit refused. Screenshots go to the test's output directory
(`screenshots/` under pytest's basetemp), printed at the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devmaturity.config import Config
from devmaturity.store.db import Store
from devmaturity.web.app import create_app
from tests.web.conftest import serving
from tests.web.dashboard_seed import PASSWORD, Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
KEY = "browser-test-service-key-7d2e9f4c1a8b6e3d5f0c"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)"
    ),
]


@dataclass
class Site:
    url: str
    seeded: Seeded
    shots: Path
    browser: Any
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    sync_api = pytest.importorskip("playwright.sync_api")
    root = tmp_path_factory.mktemp("dashboard")
    seeded = seed(root, f"sqlite:///{root / 'devmaturity.db'}")
    store = Store.open(seeded.url)
    app = create_app(Config(database_url=seeded.url), store, secret_key=KEY)
    shots = root / "screenshots"
    shots.mkdir()
    with serving(app) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield Site(url=url, seeded=seeded, shots=shots, browser=browser)
        finally:
            browser.close()
            print(f"\nscreenshots: {shots}")


def _page(site: Site, *, user: str = "alice", width: int = 1366, height: int = 900, lang: str = "en-GB") -> Any:
    """A fresh browser context signed in as `user` through the sign-in form; console errors are collected."""
    context = site.browser.new_context(viewport={"width": width, "height": height}, locale=lang, accept_downloads=True)
    page = context.new_page()
    site.errors.clear()
    page.on("console", lambda msg: site.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: site.errors.append(str(exc)))
    page.goto(f"{site.url}/portfolio")
    assert "/sign-in" in page.url  # nobody signed in: sent to the form, with the way back
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/portfolio$"))
    return page


def _report(site: Site) -> dict[str, Any]:
    out = Path(site.seeded.project.root).parent / "out-2026-11-29" / "report.json"
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return loaded


class BrowserTests:
    def test_sign_in_refuses_a_wrong_password_then_signs_in(self, site: Site) -> None:
        context = site.browser.new_context(locale="en-GB")
        page = context.new_page()
        page.goto(f"{site.url}/projects/{site.seeded.trade_id}")
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text().startswith("Wrong user name or password")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(rf".*/projects/{site.seeded.trade_id}$"))  # back where it was sent from
        assert page.get_by_role("heading", level=1).inner_text() == "Trade service"
        page.screenshot(path=str(site.shots / "01-signed-in-project.png"))
        context.close()

    def test_portfolio_then_project_with_radars_and_trends(self, site: Site) -> None:
        page = _page(site)
        table = page.locator("#portfolio-table")
        assert table.get_by_role("link", name="Trade service").is_visible()
        assert table.get_by_role("link", name="Settlement").is_visible()
        page.wait_for_selector("#heatmap canvas")
        page.screenshot(path=str(site.shots / "02-portfolio.png"), full_page=True)
        page.get_by_label("Team").select_option("Trading")
        page.get_by_role("button", name="Apply").click()
        assert table.get_by_role("link", name="Settlement").count() == 0  # filtered by team
        table.get_by_role("link", name="Trade service").click()
        page.wait_for_selector("#radar-parts canvas")
        page.wait_for_selector("#radar-subdomains canvas")
        trends = page.locator("[data-chart=trend][data-drawn=true] canvas")
        trends.first.wait_for()
        assert trends.count() >= 4
        assert page.locator("#gap-list li").count() > 0
        page.screenshot(path=str(site.shots / "03-project.png"), full_page=True)
        assert site.errors == []

    def test_drill_down_to_a_criterions_evidence(self, site: Site) -> None:
        report = _report(site)
        part, item, criterion = next(
            (p, i, c)
            for p in report["parts"]
            for s in p["subdomains"]
            for i in s["items"]
            for lv in i["levels"]
            for c in lv["criteria"]
            if c["decided_by"] == "metric" and c["evidence"]
        )
        page = _page(site)
        page.goto(f"{site.url}/projects/{site.seeded.trade_id}")
        details = page.locator(f"#part-{part['key']}")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        details.get_by_role("link", name=item["name"]["en"], exact=True).click()
        row = page.locator(f"tr[id='{criterion['id']}']")
        assert row.is_visible()
        first = str(criterion["evidence"][0])
        assert (first[:12] if re.fullmatch(r"[0-9a-f]{40}", first) else first) in row.inner_text()
        assert criterion["reason"]["en"].split()[0] in row.inner_text()
        page.screenshot(path=str(site.shots / "04-item-evidence.png"), full_page=True)
        assert site.errors == []

    def test_switch_to_chinese_is_remembered(self, site: Site) -> None:
        page = _page(site)
        page.get_by_role("link", name="中文").click()
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.get_by_role("heading", level=1).inner_text() == "项目组合"
        page.goto(f"{site.url}/projects/{site.seeded.trade_id}")  # the choice is kept in a cookie
        page.wait_for_selector("#radar-parts canvas")
        assert page.get_by_role("heading", name="级别表").is_visible()
        page.screenshot(path=str(site.shots / "05-project-zh.png"), full_page=True)
        phone = site.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        small = phone.new_page()
        small.goto(f"{site.url}/sign-in")
        assert small.get_by_role("heading", level=1).inner_text() == "登录"  # Accept-Language zh without a cookie
        small.get_by_label("用户名").fill("alice")
        small.get_by_label("密码").fill(PASSWORD)
        small.get_by_role("button", name="登录").click()
        small.goto(f"{site.url}/projects/{site.seeded.trade_id}")
        small.wait_for_selector("#radar-parts canvas")
        small.screenshot(path=str(site.shots / "06-project-phone-zh.png"), full_page=True)
        phone.close()
        assert site.errors == []

    def test_download_the_report(self, site: Site) -> None:
        page = _page(site)
        page.goto(f"{site.url}/projects/{site.seeded.trade_id}")
        with page.expect_download(timeout=300_000) as waiting:  # WeasyPrint takes a minute on a busy 2-core machine
            page.locator("#download-pdf").click()
        download = waiting.value
        saved = site.shots.parent / download.suggested_filename
        download.save_as(str(saved))
        head = saved.read_bytes()[:5]
        if download.suggested_filename.endswith(".pdf"):
            assert head == b"%PDF-"
        else:
            assert head.lower().startswith(b"<!doc")
        assert saved.stat().st_size > 10_000

    def test_assessor_answers_with_a_file_then_freezes_and_editing_is_refused(self, site: Site, tmp_path: Path) -> None:
        page = _page(site, user="bob")
        page.goto(f"{site.url}/projects/{site.seeded.trade_id}/workbench?part=cd")
        question = page.locator("section.question").first
        criterion = question.get_attribute("id")[2:]  # type: ignore[index]
        evidence = tmp_path / "release-checklist.txt"
        evidence.write_text("Release checklist signed off by the change board, 2026-11-20.\n", encoding="utf-8")
        question.locator("summary").click()  # the answer form folds open
        question.get_by_label("met", exact=True).check()
        question.get_by_label("Note").fill("Checked in the change board minutes.")
        question.get_by_label("Evidence file").set_input_files(str(evidence))
        question.get_by_role("button", name="Save the answer").click()
        assert page.get_by_role("status").inner_text() == "The answer was saved."
        answered = page.locator(f"section[id='q-{criterion}']")
        assert answered.get_by_role("link", name="release-checklist.txt").is_visible()
        page.screenshot(path=str(site.shots / "07-workbench-answered.png"), full_page=True)
        assert site.errors == []

        page.get_by_role("button", name="Freeze this assessment").click()  # answers newer than the assessment
        assert "assess again" in page.get_by_role("alert").inner_text()
        seeded = site.seeded
        page.goto(f"{site.url}/projects/{seeded.trade_id}/workbench?part=cd")
        page.get_by_role("button", name="Assess again").click()  # queued; the run history shows its progress
        assert page.get_by_role("status").inner_text().startswith("The assessment is queued")
        run = page.locator(f"tr[data-run='{page.url.split('run=')[1].split('&')[0]}']")
        status = run.locator("[data-live=status]")
        page.wait_for_function(  # runs.js polls /api/v1/runs/{id} until the run is done
            "el => !['queued', 'running'].includes(el.textContent.trim())", arg=status.element_handle(), timeout=120_000
        )
        assert status.inner_text() == "ok"
        page.screenshot(path=str(site.shots / "08-runs.png"), full_page=True)
        page.goto(f"{site.url}/projects/{seeded.trade_id}/workbench?part=cd")
        page.get_by_role("button", name="Freeze this assessment").click()
        banner = page.locator("#frozen-banner")
        assert "frozen" in banner.inner_text() and "bob" in banner.inner_text()
        frozen_question = page.locator(f"section[id='q-{criterion}']")
        frozen_question.locator("summary").click()  # the form is there to read, but every field is disabled
        assert frozen_question.get_by_role("button", name="Save the answer").is_disabled()
        assert frozen_question.get_by_label("Note").is_disabled()
        page.screenshot(path=str(site.shots / "09-workbench-frozen.png"), full_page=True)

        csrf = page.locator("input[name=csrf_token]").first.input_value()
        refused = page.request.post(
            f"{site.url}/projects/{seeded.trade_id}/workbench/answer",
            multipart={"csrf_token": csrf, "criterion": criterion, "value": "not_met", "note": "late edit"},
        )
        assert refused.status == 409
        assert "frozen" in refused.text()
        page.goto(f"{site.url}/projects/{seeded.trade_id}")
        assert page.locator(".state-frozen").inner_text() == "frozen"
        # the only console errors: the browser's note on the refused freeze page (409), nothing from a script
        assert site.errors and all("status of 409" in error for error in site.errors)
