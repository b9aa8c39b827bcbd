"""Sign-in into a session cookie, the session's CSRF token, sign-out, /me, and bearer API tokens."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from devmaturity.auth.roles import Role
from devmaturity.config import Config
from devmaturity.services import sessions
from devmaturity.services.admin import Lockout
from devmaturity.store import tables as t
from tests.web.conftest import ADMIN, ORG, PASSWORD, SERVICE_KEY, ApiClient, api_with, make_app, serving

LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def problem_slug(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    return str(body["slug"])


class LoginTests:
    def test_a_good_password_sets_a_hardened_cookie_and_returns_the_csrf_token(self, api_client: ApiClient) -> None:
        response = api_client.client.post(LOGIN, json={"name": ADMIN, "password": PASSWORD})
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == ADMIN and body["memberships"] == [{"org": ORG, "org_name": ORG, "role": "admin"}]
        assert len(body["csrf_token"]) >= 40
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("devmaturity_session=")
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path", "samesite", "max-age"} <= attributes
        assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
        assert "secure" not in attributes  # plain http in the test client

    def test_the_cookie_is_secure_over_https_or_when_forced(self, api_client: ApiClient) -> None:
        # behind a TLS-terminating proxy on this host (uvicorn trusts X-Forwarded-Proto from 127.0.0.1)
        https = api_client.client.post(
            LOGIN, json={"name": ADMIN, "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
        )
        assert "; secure" in https.headers["set-cookie"].lower()
        forced = make_app(api_client.store, Config(session_cookie_secure="always"))
        with serving(forced, lifespan="on") as url:
            response = httpx.post(url + LOGIN, json={"name": ADMIN, "password": PASSWORD})
        assert "; secure" in response.headers["set-cookie"].lower()

    def test_a_form_sign_in_works_like_json(self, api_client: ApiClient) -> None:
        response = api_client.client.post(LOGIN, data={"name": ADMIN, "password": PASSWORD})
        assert response.status_code == 200 and response.json()["name"] == ADMIN

    @pytest.mark.parametrize(
        ("name", "password"), [(ADMIN, "wrong password here"), ("nobody", PASSWORD)], ids=["wrong", "unknown"]
    )
    def test_a_wrong_password_or_name_is_401_with_one_message(
        self, api_client: ApiClient, name: str, password: str
    ) -> None:
        response = api_client.client.post(LOGIN, json={"name": name, "password": password})
        assert response.status_code == 401 and problem_slug(response) == "not-authenticated"
        assert "set-cookie" not in response.headers
        assert response.json()["detail"] == "wrong user name or password, or sign-in locked for a while"

    def test_a_body_that_is_not_a_sign_in_is_400(self, api_client: ApiClient) -> None:
        response = api_client.client.post(LOGIN, content=b"{not json", headers={"content-type": "application/json"})
        assert response.status_code == 400 and problem_slug(response) == "bad-payload"

    def test_a_sign_in_posted_from_another_site_is_refused(self, api_client: ApiClient) -> None:
        for header in (
            {"Origin": "https://evil.example"},
            {"Referer": "https://evil.example/page"},
            {"Origin": "null"},
        ):
            response = api_client.client.post(LOGIN, json={"name": ADMIN, "password": PASSWORD}, headers=header)
            assert response.status_code == 403 and problem_slug(response) == "csrf-failed", header
            assert "set-cookie" not in response.headers

    def test_a_sign_in_from_this_server_s_own_page_is_accepted(self, api_client: ApiClient) -> None:
        response = api_client.client.post(
            LOGIN, json={"name": ADMIN, "password": PASSWORD}, headers={"Origin": str(api_client.client.base_url)}
        )
        assert response.status_code == 200

    def test_the_store_keeps_only_digests_of_the_session_and_csrf_token(self, api_client: ApiClient) -> None:
        response = api_client.client.post(LOGIN, json={"name": ADMIN, "password": PASSWORD})
        session_id = response.cookies["devmaturity_session"]
        csrf = response.json()["csrf_token"]
        with api_client.store.engine.connect() as conn:
            rows = [tuple(map(str, row)) for row in conn.execute(select(t.sessions))]
        assert len(rows) == 1
        flat = " ".join(" ".join(row) for row in rows)
        assert session_id not in flat and csrf not in flat
        assert sessions.session_digest(session_id, SERVICE_KEY) in flat


class SessionTests:
    def test_me_with_the_cookie(self, api_client: ApiClient) -> None:
        csrf = api_client.login()
        response = api_client.client.get(ME)
        assert response.status_code == 200
        assert response.json()["csrf_token"] == csrf and response.json()["token_org"] is None

    def test_me_without_credentials_is_401_problem(self, api_client: ApiClient) -> None:
        response = api_client.client.get(ME)
        assert response.status_code == 401 and problem_slug(response) == "not-authenticated"
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_a_forged_cookie_is_401(self, api_client: ApiClient) -> None:
        api_client.client.cookies.set("devmaturity_session", "forged-session-id")
        assert api_client.client.get(ME).status_code == 401

    def test_an_unsafe_request_without_the_csrf_token_is_refused(self, api_client: ApiClient) -> None:
        api_client.login()
        response = api_client.client.post(LOGOUT)
        assert response.status_code == 403 and problem_slug(response) == "csrf-failed"
        wrong = api_client.client.post(LOGOUT, headers={"X-CSRF-Token": "x" * 43})
        assert wrong.status_code == 403
        assert api_client.client.get(ME).status_code == 200  # still signed in

    def test_the_csrf_token_in_a_form_field_is_accepted(self, api_client: ApiClient) -> None:
        csrf = api_client.login()
        response = api_client.client.post(LOGOUT, data={"csrf_token": csrf})
        assert response.status_code == 204

    def test_logout_ends_the_session_for_good(self, api_client: ApiClient) -> None:
        csrf = api_client.login()
        old = api_client.client.cookies["devmaturity_session"]
        response = api_client.client.post(LOGOUT, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 204 and 'devmaturity_session=""' in response.headers["set-cookie"]
        api_client.client.cookies.set("devmaturity_session", old)  # replaying the old cookie
        assert api_client.client.get(ME).status_code == 401

    def test_idle_and_absolute_expiry(self, api_client: ApiClient) -> None:
        policy = sessions.SessionPolicy(idle_minutes=10, max_hours=1)
        store = api_client.store
        ticket = sessions.sign_in(
            store,
            ADMIN,
            PASSWORD,
            lockout=Lockout(),
            policy=policy,
            secret_key=SERVICE_KEY,
            source="test",
            now=1_000_000,
        )
        resolve = sessions.resolve
        assert (
            resolve(store, ticket.session_id, policy=policy, secret_key=SERVICE_KEY, now=1_000_000 + 599).actor.name
            == ADMIN
        )
        # used at +599 s: idle counts from the last use, so +599 + 599 is still alive; then 10 idle minutes end it
        assert (
            resolve(store, ticket.session_id, policy=policy, secret_key=SERVICE_KEY, now=1_001_198).actor.name == ADMIN
        )
        with pytest.raises(Exception, match="no valid session"):
            resolve(store, ticket.session_id, policy=policy, secret_key=SERVICE_KEY, now=1_001_198 + 600)
        ticket = sessions.sign_in(
            store,
            ADMIN,
            PASSWORD,
            lockout=Lockout(),
            policy=policy,
            secret_key=SERVICE_KEY,
            source="test",
            now=2_000_000,
        )
        for step in range(1, 6):  # used every 9 minutes: never idle, but the hour is the end
            resolve(store, ticket.session_id, policy=policy, secret_key=SERVICE_KEY, now=2_000_000 + step * 540)
        with pytest.raises(Exception, match="no valid session"):
            resolve(store, ticket.session_id, policy=policy, secret_key=SERVICE_KEY, now=2_000_000 + 3600)

    def test_sign_in_and_out_are_in_the_audit_log(self, api_client: ApiClient) -> None:
        csrf = api_client.login()
        api_client.client.post(LOGOUT, headers={"X-CSRF-Token": csrf})
        with api_client.store.engine.connect() as conn:
            rows = conn.execute(select(t.audit_log.c.kind, t.audit_log.c.source, t.audit_log.c.actor_name)).all()
        kinds = [(row.kind, row.source, row.actor_name) for row in rows]
        assert ("sign_in", "127.0.0.1", ADMIN) in kinds and ("sign_out", "127.0.0.1", ADMIN) in kinds


class BearerTests:
    def test_an_api_token_authenticates_without_csrf(self, api_client: ApiClient) -> None:
        api_client.add_user("bob", Role.ASSESSOR)
        token = api_client.token_for("bob", ORG)
        response = api_client.client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.json() == {
            "user_id": response.json()["user_id"],
            "name": "bob",
            "memberships": [{"org": ORG, "org_name": ORG, "role": "assessor"}],
            "token_org": ORG,
            "csrf_token": None,
        }

    @pytest.mark.parametrize("header", ["Bearer dm_notavalidtokenatallxxxxxxxx", "Basic YWxpY2U6cHc=", "Bearer"])
    def test_a_bad_authorization_header_is_401(self, api_client: ApiClient, header: str) -> None:
        response = api_client.client.get(ME, headers={"Authorization": header})
        assert response.status_code == 401 and problem_slug(response) == "not-authenticated"

    def test_a_bad_token_is_not_rescued_by_a_good_cookie(self, api_client: ApiClient) -> None:
        api_client.login()
        response = api_client.client.get(ME, headers={"Authorization": "Bearer dm_" + "x" * 43})
        assert response.status_code == 401


def test_the_csrf_field_helper_renders_an_escaped_hidden_input(api_client: ApiClient) -> None:
    from starlette.requests import Request

    from devmaturity.web.deps import csrf_field, csrf_token

    csrf = api_client.login()
    cookie = api_client.client.cookies["devmaturity_session"]
    scope = {
        "type": "http",
        "headers": [(b"cookie", f"devmaturity_session={cookie}".encode())],
        "app": api_client.app,
    }
    request = Request(scope)
    assert csrf_token(request) == csrf
    assert re.fullmatch(r'<input type="hidden" name="csrf_token" value="[A-Za-z0-9_-]+">', csrf_field(request))


def audit_kinds(api_client: ApiClient) -> list[tuple[str, str, str]]:
    with api_client.store.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log.c.kind, t.audit_log.c.result, t.audit_log.c.details).order_by(t.audit_log.c.id)
        ).all()
    return [(row.kind, row.result, row.details) for row in rows]


class LimitTests:
    def test_lockout_after_repeated_wrong_passwords(self, api_client: ApiClient) -> None:
        with api_with(api_client.store, Config(lockout_failures=3, login_max_per_name=50)) as client:
            for _ in range(3):
                assert client.post(LOGIN, json={"name": ADMIN, "password": "wrong password!"}).status_code == 401
            locked = client.post(LOGIN, json={"name": ADMIN, "password": PASSWORD})
        assert locked.status_code == 401 and "set-cookie" not in locked.headers
        kinds = audit_kinds(api_client)
        assert [k for k, _, _ in kinds].count("sign_in_failed") == 4
        assert ("locked_out", "denied", '{"failures": 3, "minutes": 15}') in kinds
        assert kinds[-1][0] == "sign_in_failed" and '"locked"' in kinds[-1][2]

    def test_too_many_failures_for_a_name_is_429_with_retry_after(self, api_client: ApiClient) -> None:
        config = Config(login_max_per_name=3, login_window_minutes=10, lockout_failures=100)
        with api_with(api_client.store, config) as client:
            for _ in range(3):
                assert client.post(LOGIN, json={"name": ADMIN, "password": "wrong password!"}).status_code == 401
            limited = client.post(LOGIN, json={"name": ADMIN, "password": PASSWORD})
            other = client.post(LOGIN, json={"name": "nobody", "password": "wrong password!"})
        assert limited.status_code == 429 and limited.json()["slug"] == "rate-limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 600
        assert "set-cookie" not in limited.headers
        assert other.status_code == 401  # another name is still counted on its own
        assert audit_kinds(api_client)[-1][:2] == ("sign_in_rate_limited", "denied")

    def test_too_many_failures_from_one_address_is_429_whatever_the_name(self, api_client: ApiClient) -> None:
        config = Config(login_max_per_address=4, login_max_per_name=100)
        with api_with(api_client.store, config) as client:
            for number in range(4):
                response = client.post(LOGIN, json={"name": f"guess{number}", "password": "wrong password!"})
                assert response.status_code == 401
            limited = client.post(LOGIN, json={"name": ADMIN, "password": PASSWORD})
        assert limited.status_code == 429 and "retry-after" in limited.headers

    def test_the_rate_limit_keys_are_digests_not_names_or_addresses(self, api_client: ApiClient) -> None:
        api_client.client.post(LOGIN, json={"name": "someone-typed-a-password-here", "password": "wrong password!"})
        with api_client.store.engine.connect() as conn:
            keys = [row.key for row in conn.execute(select(t.login_attempts.c.key))]
        assert len(keys) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)


def test_a_request_records_the_sessions_use_at_most_once_a_minute(api_client: ApiClient) -> None:
    """The web layer reads the session on its event loop and leaves the write that records its use to a worker
    thread: a session last used two minutes ago is moved to now by the next request, one used just now is not."""
    from sqlalchemy import text

    api_client.login()

    def last_seen() -> int:
        with api_client.store.engine.connect() as conn:
            return int(conn.execute(text("SELECT last_seen_at FROM sessions")).scalar_one())

    with api_client.store.engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET last_seen_at = last_seen_at - 120"))
    stale = last_seen()
    assert api_client.client.get("/api/v1/auth/me").status_code == 200
    touched = last_seen()
    assert touched >= stale + 120
    assert api_client.client.get("/api/v1/auth/me").status_code == 200
    assert last_seen() == touched
