"""Users and memberships, API tokens and the audit log over the API: the cast of org A's admin, assessor and
developer and org B's admin as the outsider; anonymous 401, outsider 404, role without the action 403."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select, text

from devmaturity.auth.roles import Role
from devmaturity.store import tables as t
from tests.web.conftest import ADMIN, ORG, PASSWORD, ApiClient

MEMBERS = f"/api/v1/orgs/{ORG}/members"
AUDIT = f"/api/v1/orgs/{ORG}/audit"
TOKENS = "/api/v1/tokens"


@pytest.fixture
def cast(api_client: ApiClient) -> dict[str, dict[str, str]]:
    """Bearer headers of org A's admin, assessor and developer, and org B's admin."""
    api_client.add_user("ann", Role.ASSESSOR)
    api_client.add_user("dev", Role.DEVELOPER)
    api_client.add_user("bert", Role.ADMIN, org="other")
    return {name: {"Authorization": f"Bearer {api_client.token_for(name)}"} for name in (ADMIN, "ann", "dev", "bert")}


def slug(response: httpx.Response) -> str:
    return str(response.json()["slug"])


class MembersTests:
    def test_members_are_listed_by_name_page_by_page(self, api_client: ApiClient, cast: dict) -> None:
        first = api_client.client.get(MEMBERS, params={"limit": 2}, headers=cast["dev"])
        assert first.status_code == 200
        assert [m["name"] for m in first.json()["items"]] == [ADMIN, "ann"]
        second = api_client.client.get(
            MEMBERS, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=cast["dev"]
        )
        assert [m["name"] for m in second.json()["items"]] == ["dev"] and second.json()["next_cursor"] is None
        assert {m["role"] for m in first.json()["items"] + second.json()["items"]} == {"admin", "assessor", "developer"}

    def test_anonymous_outsider_and_bad_cursor(self, api_client: ApiClient, cast: dict) -> None:
        assert api_client.client.get(MEMBERS).status_code == 401
        outsider = api_client.client.get(MEMBERS, headers=cast["bert"])
        assert outsider.status_code == 404 and slug(outsider) == "not-found"
        nowhere = api_client.client.get("/api/v1/orgs/no-such-org/members", headers=cast[ADMIN])
        assert nowhere.status_code == 404 and nowhere.json()["detail"] == outsider.json()["detail"].replace(
            ORG, "no-such-org"
        )
        bad = api_client.client.get(MEMBERS, params={"cursor": "!!"}, headers=cast["dev"])
        assert bad.status_code == 400 and slug(bad) == "usage"
        too_many = api_client.client.get(MEMBERS, params={"limit": 201}, headers=cast["dev"])
        assert too_many.status_code == 422 and slug(too_many) == "validation"

    def test_an_admin_creates_a_user_others_may_not(self, api_client: ApiClient, cast: dict) -> None:
        body = {"name": "nina", "password": "a long enough pass", "role": "tester"}
        refused = api_client.client.post(MEMBERS, json=body, headers=cast["ann"])
        assert refused.status_code == 403 and slug(refused) == "permission-denied"
        assert refused.json()["detail"] == "Only administrators may manage users and roles."
        assert api_client.client.post(MEMBERS, json=body, headers=cast["bert"]).status_code == 404
        created = api_client.client.post(MEMBERS, json=body, headers=cast[ADMIN])
        assert created.status_code == 201 and created.json()["name"] == "nina" and created.json()["role"] == "tester"
        again = api_client.client.post(MEMBERS, json=body, headers=cast[ADMIN])
        assert again.status_code == 409 and slug(again) == "conflict"
        weak = api_client.client.post(MEMBERS, json={**body, "name": "olga", "password": "short"}, headers=cast[ADMIN])
        assert weak.status_code == 422 and slug(weak) == "password-policy"
        assert (
            api_client.client.post(
                "/api/v1/auth/login", json={"name": "nina", "password": body["password"]}
            ).status_code
            == 200
        )

    def test_a_denied_request_is_recorded(self, api_client: ApiClient, cast: dict) -> None:
        api_client.client.delete(f"{MEMBERS}/dev", headers=cast["ann"])
        with api_client.store.engine.connect() as conn:
            row = conn.execute(
                select(t.audit_log.c.kind, t.audit_log.c.actor_name, t.audit_log.c.result, t.audit_log.c.source)
                .order_by(t.audit_log.c.id.desc())
                .limit(1)
            ).one()
        assert tuple(row) == ("permission_denied", "ann", "denied", "127.0.0.1")

    def test_set_role_and_remove_keep_an_admin(self, api_client: ApiClient, cast: dict) -> None:
        changed = api_client.client.put(f"{MEMBERS}/dev", json={"role": "architect"}, headers=cast[ADMIN])
        assert changed.json() == {"name": "dev", "role": "architect", "previous_role": "developer"}
        last = api_client.client.put(f"{MEMBERS}/{ADMIN}", json={"role": "tester"}, headers=cast[ADMIN])
        assert last.status_code == 409 and slug(last) == "conflict"
        assert api_client.client.delete(f"{MEMBERS}/{ADMIN}", headers=cast[ADMIN]).status_code == 409
        assert api_client.client.delete(f"{MEMBERS}/dev", headers=cast[ADMIN]).status_code == 204
        assert api_client.client.delete(f"{MEMBERS}/dev", headers=cast[ADMIN]).status_code == 404
        assert api_client.client.get(MEMBERS, headers=cast["dev"]).status_code == 404  # no longer in it

    def test_a_session_change_needs_the_csrf_token(self, api_client: ApiClient) -> None:
        api_client.add_user("dev", Role.DEVELOPER)
        csrf = api_client.login()
        refused = api_client.client.put(f"{MEMBERS}/dev", json={"role": "tester"})
        assert refused.status_code == 403 and slug(refused) == "csrf-failed"
        done = api_client.client.put(f"{MEMBERS}/dev", json={"role": "tester"}, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200


class TokenTests:
    def test_a_token_is_shown_once_and_listed_without_its_secret(self, api_client: ApiClient) -> None:
        csrf = api_client.login()
        created = api_client.client.post(TOKENS, json={"org": ORG}, headers={"X-CSRF-Token": csrf})
        assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
        token = created.json()["token"]
        assert token.startswith("dm_") and created.json()["org"] == ORG
        listed = api_client.client.get(TOKENS)
        assert token not in listed.text
        (item,) = listed.json()["items"]
        assert set(item) == {"id", "org", "created_at", "last_used_at", "revoked_at"} and item["org"] == ORG
        me = httpx.get(f"{api_client.client.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["token_org"] == ORG
        revoked = api_client.client.delete(f"{TOKENS}/{item['id']}", headers={"X-CSRF-Token": csrf})
        assert revoked.status_code == 204
        again = httpx.get(f"{api_client.client.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 401

    def test_a_reader_may_not_create_tokens_and_nobody_revokes_another_s(
        self, api_client: ApiClient, cast: dict
    ) -> None:
        refused = api_client.client.post(TOKENS, json={}, headers=cast["dev"])
        assert refused.status_code == 403
        for_other = api_client.client.post(TOKENS, json={"user": "dev"}, headers=cast["ann"])
        assert for_other.status_code == 403  # someone else's token needs user.manage
        ann_tokens = api_client.client.get(TOKENS, headers=cast["ann"]).json()["items"]
        assert api_client.client.delete(f"{TOKENS}/{ann_tokens[0]['id']}", headers=cast["bert"]).status_code == 404


class AuditTests:
    def test_admins_read_the_log_filtered_and_paged(self, api_client: ApiClient, cast: dict) -> None:
        for _ in range(3):
            api_client.client.post("/api/v1/auth/login", json={"name": "dev", "password": "wrong password!"})
        failed = api_client.client.get(AUDIT, params={"kind": "sign_in_failed", "limit": 2}, headers=cast[ADMIN])
        assert failed.status_code == 200
        page1 = failed.json()
        assert [e["kind"] for e in page1["items"]] == ["sign_in_failed"] * 2 and page1["next_cursor"]
        assert page1["items"][0]["seq"] > page1["items"][1]["seq"]  # newest first
        assert page1["items"][0]["source"] == "127.0.0.1" and page1["items"][0]["actor"] == "dev"
        page2 = api_client.client.get(
            AUDIT, params={"kind": "sign_in_failed", "limit": 2, "cursor": page1["next_cursor"]}, headers=cast[ADMIN]
        ).json()
        assert len(page2["items"]) == 1 and page2["next_cursor"] is None
        by_result = api_client.client.get(AUDIT, params={"result": "failed", "user": "dev"}, headers=cast[ADMIN])
        assert len(by_result.json()["items"]) == 3
        future = api_client.client.get(AUDIT, params={"since": 4_000_000_000}, headers=cast[ADMIN])
        assert future.json()["items"] == []

    def test_only_admins_read_it_and_outsiders_find_nothing(self, api_client: ApiClient, cast: dict) -> None:
        assert api_client.client.get(AUDIT, headers=cast["ann"]).status_code == 403
        assert api_client.client.get(AUDIT, headers=cast["bert"]).status_code == 404
        assert api_client.client.get(AUDIT).status_code == 401

    def test_export_is_recorded_and_verify_finds_a_changed_entry(self, api_client: ApiClient, cast: dict) -> None:
        exported = api_client.client.get(f"{AUDIT}/export", params={"format": "jsonl"}, headers=cast[ADMIN])
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/x-ndjson")
        rows = [json.loads(line) for line in exported.text.splitlines()]
        assert rows and all(row["org_slug"] == ORG for row in rows)
        csv = api_client.client.get(f"{AUDIT}/export", params={"format": "csv"}, headers=cast[ADMIN])
        assert csv.text.startswith("org_slug,seq,at,kind")
        intact = api_client.client.post(f"{AUDIT}/verify", headers=cast[ADMIN])
        assert intact.status_code == 200 and intact.json()["intact"] is True
        with api_client.store.engine.begin() as conn:
            conn.execute(
                text("UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 2 AND org_slug = :o"), {"o": ORG}
            )
        broken = api_client.client.post(f"{AUDIT}/verify", headers={**cast[ADMIN], "Accept-Language": "zh"})
        assert broken.json()["intact"] is False and broken.json()["broken_at"] == 2
        assert broken.json()["reason"] == "条目内容在写入后被修改（哈希不符）"
        kinds = [e["kind"] for e in api_client.client.get(AUDIT, headers=cast[ADMIN]).json()["items"]]
        assert kinds[:3] == ["audit_verified", "audit_verified", "export"]


def test_every_mutating_endpoint_leaves_an_audit_entry(api_client: ApiClient) -> None:
    csrf = api_client.login()
    headers = {"X-CSRF-Token": csrf}

    def count() -> int:
        with api_client.store.engine.connect() as conn:
            return len(conn.execute(select(t.audit_log.c.id)).all())

    calls = [
        ("POST", MEMBERS, {"name": "nina", "password": PASSWORD, "role": "tester"}),
        ("PUT", f"{MEMBERS}/nina", {"role": "architect"}),
        ("DELETE", f"{MEMBERS}/nina", None),
        ("POST", TOKENS, {}),
        ("POST", f"{AUDIT}/verify", None),
    ]
    for method, url, body in calls:
        before = count()
        response = api_client.client.request(method, url, json=body, headers=headers)
        assert response.status_code < 300, (url, response.text)
        assert count() > before, url
    token_id = api_client.client.get(TOKENS).json()["items"][0]["id"]
    before = count()
    assert api_client.client.delete(f"{TOKENS}/{token_id}", headers=headers).status_code == 204
    assert count() > before
