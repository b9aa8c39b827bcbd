"""A service project's REST sources are synced with their stored credentials handed to the collector as values:
the fake GitHub API (tests/apiserver.py) sees the decrypted token although no environment variable holds it; a
source whose credentials cannot be decrypted fails alone, recorded, and the token never reaches a run row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from devmaturity.auth.policy import Actor
from devmaturity.services import projects as svc
from devmaturity.services import sources as sources_svc
from devmaturity.services.project_sync import sync_project_sources
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from tests.apiserver import ApiServer
from tests.collectors.test_rest_sources import DATA, TOKEN, github_routes

OWNER = Actor.local("local:test")
KEY = "k" * 40


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer(DATA) as server:
        github_routes(server)
        yield server


def test_stored_credentials_reach_the_collector_as_values(
    store: Store, api: ApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("token", "not-this-one")  # the handed values are never looked up in the environment
    shop = (
        svc.create_project(store, OWNER, org_slug="acme", slug="shop")
        if svc.create_org(store, OWNER, slug="acme")
        else None
    )
    assert shop is not None
    sources_svc.create_source(
        store,
        OWNER,
        shop.id,
        kind="github",
        name="gh",
        settings={"repo": "acme/shop", "base_url": api.url},
        credentials={"token": TOKEN},
        secret_keys=(KEY,),
    )
    [outcome] = sync_project_sources(store, shop.id, secret_keys=(KEY,))
    assert outcome.ok and outcome.records > 0, outcome
    sent = {r.headers.get("authorization") for r in api.requests}
    assert sent == {f"Bearer {TOKEN}"}
    [failed] = sync_project_sources(store, shop.id, secret_keys=("x" * 40,))  # a key that does not open it
    assert not failed.ok and "cannot be decrypted" in (failed.error or "")
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.runs.c.kind, t.runs.c.status, t.runs.c.summary).order_by(t.runs.c.id)).all()
    assert [(r.kind, r.status) for r in rows] == [("sync", "ok"), ("sync", "failed")]
    assert not [r for r in rows if TOKEN in (r.summary or "")]
