"""The organisations, projects, sources and runs endpoints over HTTP on SQLite and PostgreSQL: typed answers,
write-only credentials, an audit entry for every change, cursor pages, clear 4xx problems, and a collection queued
by the API that runs in the background and is followed to its end."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from devmaturity.store import tables as t
from devmaturity.store.repos import audit as audit_repo
from tests.gitbuild import RepoBuilder
from tests.web.conftest import ApiClient

TOKEN_VALUE = "glpat-never-show-me-0123456789"


def _auth(api: ApiClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token_for('alice')}"}


def _kinds(api: ApiClient) -> list[str]:
    with api.store.engine.connect() as conn:
        org_id = conn.execute(select(t.organisations.c.id).where(t.organisations.c.slug == "acme")).scalar_one()
        return [e.kind for e in audit_repo.entries(conn, frozenset({org_id}))]


class ProjectAndSourceTests:
    def test_crud_with_write_only_credentials_and_an_audit_entry_per_change(self, api_client: ApiClient) -> None:
        api, auth = api_client, _auth(api_client)
        before = len(_kinds(api))
        made = api.client.post("/api/v1/projects", json={"org": "acme", "slug": "shop", "team": "pay"}, headers=auth)
        assert made.status_code == 201, made.text
        project = made.json()
        assert project["key"] == "acme/shop" and project["team"] == "pay" and project["settings"] == {}
        pid = project["id"]
        patched = api.client.patch(f"/api/v1/projects/{pid}", json={"settings": {"window": "30d"}}, headers=auth)
        assert patched.json()["settings"] == {"window": "30d"} and patched.json()["team"] == "pay"  # unset: kept
        body = {
            "kind": "gitlab",
            "name": "gl",
            "settings": {"project": "acme/shop"},
            "credentials": {"token": TOKEN_VALUE},
        }
        source = api.client.post(f"/api/v1/projects/{pid}/sources", json=body, headers=auth)
        assert source.status_code == 201 and source.json()["has_secret"] is True
        sid = source.json()["id"]
        renamed = api.client.patch(f"/api/v1/projects/{pid}/sources/{sid}", json={"name": "gitlab"}, headers=auth)
        assert renamed.json()["name"] == "gitlab" and renamed.json()["has_secret"] is True  # credentials kept
        listed = api.client.get(f"/api/v1/projects/{pid}/sources", headers=auth)
        cleared = api.client.patch(f"/api/v1/projects/{pid}/sources/{sid}", json={"credentials": None}, headers=auth)
        assert cleared.json()["has_secret"] is False
        for response in (source, renamed, listed, cleared):
            assert TOKEN_VALUE not in response.text
        assert api.client.delete(f"/api/v1/projects/{pid}/sources/{sid}", headers=auth).status_code == 204
        assert api.client.delete(f"/api/v1/projects/{pid}", headers=auth).status_code == 204
        assert api.client.get(f"/api/v1/projects/{pid}", headers=auth).status_code == 404
        assert _kinds(api)[before:] == [
            "project_created",
            "project_updated",
            "source_created",
            "source_updated",
            "source_updated",
            "source_deleted",
            "project_deleted",
        ]

    def test_bad_input_is_a_clear_4xx_problem(self, api_client: ApiClient) -> None:
        api, auth = api_client, _auth(api_client)
        bad = api.client.post(
            "/api/v1/projects", json={"org": "acme", "slug": "x", "settings": {"window": "later"}}, headers=auth
        )
        assert bad.status_code == 400 and bad.json()["slug"] == "bad-payload" and "window" in bad.json()["detail"]
        pid = api.client.post("/api/v1/projects", json={"org": "acme", "slug": "x"}, headers=auth).json()["id"]
        kind = api.client.post(
            f"/api/v1/projects/{pid}/sources", json={"kind": "svn", "name": "s", "settings": {}}, headers=auth
        )
        assert kind.status_code == 422 and kind.json()["slug"] == "validation"
        env = {"kind": "github", "name": "g", "settings": {"repo": "a/b", "token_env": "GH"}}
        named = api.client.post(f"/api/v1/projects/{pid}/sources", json=env, headers=auth)
        assert named.status_code == 400 and "credentials go in `credentials`" in named.json()["detail"]
        again = api.client.post("/api/v1/projects", json={"org": "acme", "slug": "x"}, headers=auth)
        assert again.status_code == 409 and again.json()["slug"] == "conflict"
        assert api.client.get("/api/v1/projects?cursor=zz", headers=auth).status_code == 400

    def test_projects_come_in_pages(self, api_client: ApiClient) -> None:
        api, auth = api_client, _auth(api_client)
        for n in range(3):
            api.client.post("/api/v1/projects", json={"org": "acme", "slug": f"p{n}"}, headers=auth)
        first = api.client.get("/api/v1/projects?limit=2", headers=auth).json()
        second = api.client.get(f"/api/v1/projects?limit=2&cursor={first['next_cursor']}", headers=auth).json()
        assert [p["slug"] for p in first["items"] + second["items"]] == ["p0", "p1", "p2"]
        assert second["next_cursor"] is None


class RunTests:
    def test_a_collection_queued_by_the_api_runs_in_the_background(
        self, api_client: ApiClient, repo: RepoBuilder
    ) -> None:
        repo.commit("one", {"a.txt": "1"}, "2024-01-02T10:00:00+00:00")
        repo.commit("two", {"a.txt": "2"}, "2024-01-03T10:00:00+00:00")
        api, auth = api_client, _auth(api_client)
        pid = api.client.post("/api/v1/projects", json={"org": "acme", "slug": "shop"}, headers=auth).json()["id"]
        no_git = api.client.post(f"/api/v1/projects/{pid}/collect", headers=auth)
        assert no_git.status_code == 400 and "no git source" in no_git.json()["detail"]
        git = {"kind": "git", "name": "git", "settings": {"path": str(repo.path)}}
        sid = api.client.post(f"/api/v1/projects/{pid}/sources", json=git, headers=auth).json()["id"]
        tried = api.client.post(f"/api/v1/projects/{pid}/sources/{sid}/test", headers=auth).json()
        assert tried["ok"] is True and "git repository" in tried["message"]
        queued = api.client.post(f"/api/v1/projects/{pid}/collect", headers=auth)
        assert queued.status_code == 202 and queued.json()["status"] == "queued"
        run = _until_done(api, queued.json()["id"], auth)
        assert run["status"] == "ok" and run["summary"]["total_commits"] == 2
        history = api.client.get(f"/api/v1/projects/{pid}/runs", headers=auth).json()
        assert run["id"] in [r["id"] for r in history["items"]]
        assert "run_started" in _kinds(api)


def _until_done(api: ApiClient, run_id: int, auth: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        run: dict[str, Any] = api.client.get(f"/api/v1/runs/{run_id}", headers=auth).json()
        if run["status"] in ("ok", "failed") or time.monotonic() > deadline:
            return run
        time.sleep(0.2)
