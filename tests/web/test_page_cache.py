"""Cached pages (services/page_cache.py, web/dashboard/cache.py) on SQLite and PostgreSQL: a change written by
another process (another engine, plain SQL, no service of ours) shows on the next request, since the database's
triggers raise the organisation's counter the cache is keyed by; viewers with the same roles share a rendered page
but each sees their own name and CSRF token; misses that arrive together build once."""

from __future__ import annotations

import re
import threading

import httpx
from sqlalchemy import create_engine, text

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.services import page_cache, projects
from devmaturity.store.db import Store
from tests.web.conftest import PASSWORD, ApiClient
from tests.web.test_dashboard_pages import _csrf, _sign_in


def _other_process_writes(store: Store, statement: str, **values: object) -> None:
    """A write by someone else: its own engine and connection, plain SQL."""
    engine = create_engine(store.engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), values)
    finally:
        engine.dispose()


def test_a_change_written_elsewhere_shows_on_the_next_request(site: tuple[ApiClient, int, int]) -> None:
    api, svc, _ = site
    _sign_in(api.client, "alice")
    assert "Payments" in api.client.get("/portfolio").text
    assert "Payments" in api.client.get(f"/projects/{svc}").text
    assert api.client.get("/portfolio").text.count("Payments") >= 1  # served from the cache: still right
    _other_process_writes(api.store, "UPDATE projects SET title = :t WHERE id = :i", t="Settlement", i=svc)
    portfolio, project = api.client.get("/portfolio").text, api.client.get(f"/projects/{svc}").text
    assert "Settlement" in portfolio and "Payments" not in portfolio
    assert "Settlement" in project and "Payments" not in project
    elsewhere = Store.open(api.store.engine.url.render_as_string(hide_password=False))
    try:
        projects.create_project(elsewhere, Actor.local("local:test"), org_slug="acme", slug="ledger", title="Ledger")
    finally:
        elsewhere.engine.dispose()
    assert "Ledger" in api.client.get("/portfolio").text


def test_viewers_share_a_rendered_page_but_see_their_own_name_and_token(site: tuple[ApiClient, int, int]) -> None:
    api, svc, _ = site
    api.add_user("erin", Role.ADMIN)  # alice's roles exactly: the same cached page
    pages = {}
    with httpx.Client(base_url=str(api.client.base_url), timeout=30) as other:
        for name, client in (("alice", api.client), ("erin", other)):
            _sign_in(client, name)
            pages[name] = client.get(f"/projects/{svc}").text
    assert _csrf(pages["alice"]) != _csrf(pages["erin"])
    for name, other_name in (("alice", "erin"), ("erin", "alice")):
        assert re.search(rf"<strong>{name}</strong>", pages[name])
        assert f"<strong>{other_name}</strong>" not in pages[name]
    # apart from the name and the token, the two pages are the same rendering
    strip = lambda page, name: page.replace(_csrf(page), "TOKEN").replace(f"<strong>{name}</strong>", "NAME")  # noqa: E731
    assert strip(pages["alice"], "alice") == strip(pages["erin"], "erin")


def test_a_name_with_markup_is_escaped_where_it_is_put_in(site: tuple[ApiClient, int, int]) -> None:
    api, svc, _ = site
    api.add_user("<b>mallory</b>", Role.ADMIN)
    with httpx.Client(base_url=str(api.client.base_url), timeout=30) as client:
        signed = client.post("/sign-in", data={"name": "<b>mallory</b>", "password": PASSWORD})
        assert signed.status_code == 303
        page = client.get(f"/projects/{svc}").text
    assert "&lt;b&gt;mallory&lt;/b&gt;" in page and "<b>mallory</b>" not in page


def test_misses_that_arrive_together_build_once(store: Store) -> None:
    owner = Actor.local("local:test")
    from devmaturity.services import admin

    admin.create_user(store, owner, org_slug="acme", name="alice", password=PASSWORD, role=Role.ADMIN)
    builds: list[int] = []
    gate = threading.Barrier(8)

    def build() -> str:
        builds.append(1)
        return "page"

    def request() -> None:
        gate.wait()
        assert page_cache.cached(store, "k", page_cache.stamp(store, owner), build) == "page"

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    projects.create_project(store, owner, org_slug="acme", slug="svc")
    page_cache.cached(store, "k", page_cache.stamp(store, owner), build)
    assert len(builds) == 2  # the organisation changed: built again


def test_without_counters_nothing_is_kept(store: Store) -> None:
    built = [page_cache.cached(store, "k", None, object) for _ in range(2)]
    assert built[0] is not built[1]


def test_kept_pages_stay_within_the_budget_oldest_used_going_first() -> None:
    lru = page_cache.Lru(budget=10)
    lru.put("a", "aaaa")
    lru.put("b", "bbbb")
    assert lru.get("a") == "aaaa"  # used: b is now the oldest
    lru.put("c", "cccc")
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == ("aaaa", None, "cccc")
    lru.put("big", "x" * 50)  # larger than the budget alone: kept, everything else goes
    assert len(lru) == 1 and lru.get("big") is not None
