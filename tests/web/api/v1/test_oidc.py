"""OIDC sign-in against a local provider started by the test (tests/oidc_provider.py): the code flow with PKCE,
state and nonce; signature, issuer, audience and expiry of the ID token; mapping, provisioning and refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx
import pytest
from sqlalchemy import select

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.config import Config
from devmaturity.services.admin import create_user
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from devmaturity.web.app import create_app
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Misbehave, Provider, running_provider
from tests.web.conftest import PASSWORD, SERVICE_KEY, serving

LOGIN = "/api/v1/auth/oidc/login"
ALICE = "alice@acme.example"

Client = Callable[..., AbstractContextManager[httpx.Client]]


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def client(store: Store, provider: Provider) -> Client:
    """A client of the app with OIDC settings over the provider (extra settings as keyword arguments)."""
    create_user(store, Actor.local("local:test"), org_slug="acme", name=ALICE, password=PASSWORD, role=Role.ADMIN)

    @contextmanager
    def make(**settings: str) -> Iterator[httpx.Client]:
        config = Config(oidc_issuer=provider.url, oidc_client_id=CLIENT_ID, **settings)
        environ = {"DEVMATURITY_OIDC_CLIENT_SECRET": CLIENT_SECRET}
        app = create_app(config, store, environ=environ, secret_key=SERVICE_KEY)
        with serving(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=30) as http:
            yield http

    return make


def sign_in(http: httpx.Client, next_path: str = "/dashboard") -> httpx.Response:
    """Through the provider and back: the callback's answer."""
    start = http.get(LOGIN, params={"next": next_path})
    assert start.status_code == 302, start.text
    at_provider = http.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    return http.get(at_provider.headers["location"])


def refused(response: httpx.Response) -> str:
    assert response.status_code == 401 and response.json()["slug"] == "not-authenticated", response.text
    assert "devmaturity_session" not in response.headers.get("set-cookie", "")
    return str(response.json()["detail"])


class FlowTests:
    def test_a_known_user_signs_in_and_lands_on_next(self, client: Client, provider: Provider, store: Store) -> None:
        with client() as http:
            start = http.get(LOGIN, params={"next": "/dashboard"})
            location = start.headers["location"]
            assert location.startswith(provider.url + "/authorize?")
            for part in (
                "response_type=code",
                f"client_id={CLIENT_ID}",
                "code_challenge_method=S256",
                "nonce=",
                "state=",
            ):
                assert part in location
            cookie = start.headers["set-cookie"].lower()
            assert "httponly" in cookie and "path=/api/v1/auth/oidc" in cookie and "samesite=lax" in cookie
            back = http.get(http.get(location).headers["location"])
            assert back.status_code == 303 and back.headers["location"] == "/dashboard"
            me = http.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["name"] == ALICE and me.json()["csrf_token"]
        with store.engine.connect() as conn:
            kinds = conn.execute(select(t.audit_log.c.kind, t.audit_log.c.details)).all()
            linked = conn.execute(select(t.oidc_identities.c.subject)).scalars().all()
        assert ("sign_in", '{"method": "oidc"}') in [tuple(k) for k in kinds]
        assert linked == [provider.account.sub]

    def test_next_never_leaves_this_server(self, client: Client) -> None:
        with client() as http:
            for bad in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
                assert sign_in(http, bad).headers["location"] == "/"

    def test_a_code_is_exchanged_once_and_the_state_must_match(self, client: Client, provider: Provider) -> None:
        with client() as http:
            start = http.get(LOGIN)
            callback = httpx.URL(http.get(start.headers["location"]).headers["location"])
            forged = callback.copy_set_param("state", "not-the-state")
            assert "state" in refused(http.get(forged))
            pending = http.cookies["devmaturity_oidc"]
            assert http.get(callback).status_code == 303
            assert "did not start here" in refused(http.get(callback))  # the sign-in cookie is spent
            http.cookies.set("devmaturity_oidc", pending, domain="127.0.0.1", path="/api/v1/auth/oidc")
            again = http.get(callback)  # with it put back, the provider still refuses a used code
        assert "did not exchange the code" in refused(again)

    def test_a_callback_without_the_sign_in_cookie_is_refused(self, client: Client) -> None:
        with client() as http:
            start = http.get(LOGIN)
            callback = http.get(start.headers["location"]).headers["location"]
            http.cookies.clear()
            assert "did not start here" in refused(http.get(callback))

    def test_the_provider_saying_no_is_refused(self, client: Client) -> None:
        with client() as http:
            assert "access_denied" in refused(http.get("/api/v1/auth/oidc/callback", params={"error": "access_denied"}))


class TokenCheckTests:
    @pytest.mark.parametrize(
        ("misbehave", "named"),
        [
            (Misbehave(issuer="https://evil.example"), "iss"),
            (Misbehave(audience="someone-else"), "aud"),
            (Misbehave(nonce="replayed-nonce"), "nonce"),
            (Misbehave(expired=True), "exp"),
            (Misbehave(foreign_key=True), "signature"),
        ],
        ids=["issuer", "audience", "nonce", "expired", "signature"],
    )
    def test_a_bad_id_token_is_refused(
        self, client: Client, provider: Provider, misbehave: Misbehave, named: str
    ) -> None:
        provider.misbehave = misbehave
        with client() as http:
            detail = refused(sign_in(http))
            assert http.get("/api/v1/auth/me").status_code == 401
        assert named in detail


class MappingTests:
    def test_an_unknown_account_is_refused_with_a_clear_message(self, client: Client, provider: Provider) -> None:
        provider.account.email = "carol@acme.example"
        with client() as http:
            detail = refused(sign_in(http))
        assert detail == (
            "OIDC sign-in refused: carol@acme.example is not a devmaturity user: ask an administrator to create or "
            "map it (oidc_users)"
        )

    def test_an_unverified_email_does_not_match_the_user_of_that_name(self, client: Client, provider: Provider) -> None:
        provider.account.email_verified = False
        with client() as http:
            assert "is not a devmaturity user" in refused(sign_in(http))

    def test_a_domain_outside_the_allowed_ones_is_refused(self, client: Client) -> None:
        with client(oidc_allowed_domains="other.example") as http:
            refused(sign_in(http))

    def test_a_mapped_subject_signs_in_as_its_user(self, client: Client, provider: Provider, store: Store) -> None:
        create_user(store, Actor.local("local:test"), org_slug="acme", name="bob", password=PASSWORD, role=Role.TESTER)
        provider.account.email = None
        with client(oidc_users=f"{provider.account.sub}=bob") as http:
            assert sign_in(http).status_code == 303
            assert http.get("/api/v1/auth/me").json()["name"] == "bob"
        with client() as http:  # linked now: no mapping needed
            assert sign_in(http).status_code == 303
            assert http.get("/api/v1/auth/me").json()["name"] == "bob"

    def test_provisioning_creates_a_user_with_the_configured_role(self, client: Client, provider: Provider) -> None:
        provider.account.email = "dora@acme.example"
        with client(oidc_provision="acme:developer", oidc_allowed_domains="acme.example") as http:
            assert sign_in(http).status_code == 303
            me = http.get("/api/v1/auth/me").json()
        assert me["name"] == "dora@acme.example"
        assert me["memberships"] == [{"org": "acme", "org_name": "acme", "role": "developer"}]

    def test_provisioning_still_refuses_other_domains(self, client: Client, provider: Provider) -> None:
        provider.account.email = "eve@evil.example"
        with client(oidc_provision="acme:developer", oidc_allowed_domains="acme.example") as http:
            assert "allowed domain" in refused(sign_in(http))


def test_without_oidc_settings_the_endpoints_are_404(api_client: object) -> None:
    from tests.web.conftest import ApiClient

    assert isinstance(api_client, ApiClient)
    response = api_client.client.get(LOGIN)
    assert response.status_code == 404 and response.json()["detail"] == "OIDC sign-in is not configured on this server"
