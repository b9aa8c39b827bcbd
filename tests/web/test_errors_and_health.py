"""problem+json for every error (in the request's language), /health and /ready."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from devmaturity import errors
from devmaturity.config import Config
from devmaturity.services.platform import open_store
from devmaturity.web.errors import ERROR_STATUS, HTTP_ZH, TITLES, status_of
from tests.web.conftest import ApiClient, make_app, serving


def _slugs() -> set[str]:
    return {
        cls.slug for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.DevmaturityError)
    }


def test_every_error_slug_has_an_english_and_a_chinese_title() -> None:
    assert _slugs() - set(TITLES) == set()
    assert _slugs() - set(errors.ZH) == set()
    assert set(TITLES) - _slugs() == set(HTTP_ZH)


def test_the_status_table_puts_subclasses_before_their_bases() -> None:
    for index, (kind, _) in enumerate(ERROR_STATUS):
        for later, _status in ERROR_STATUS[index + 1 :]:
            assert not issubclass(later, kind) or later is kind, (kind, later)
    assert status_of(errors.DuplicateDelivery("x")) == 409
    assert status_of(errors.RateLimited("x", retry_after=3)) == 429
    assert status_of(errors.SchemaOutdated("x")) == 503
    assert status_of(errors.GateFailed("x")) == 500


class ProblemTests:
    def test_an_unknown_path_is_a_404_problem(self, api_client: ApiClient) -> None:
        response = api_client.client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body == {
            "type": "https://devmaturity.dev/errors#not-found",
            "title": "Not found",
            "status": 404,
            "detail": "Not Found",
            "slug": "not-found",
            "instance": "/api/v1/nothing-here",
        }

    def test_a_wrong_method_is_a_405_problem(self, api_client: ApiClient) -> None:
        response = api_client.client.get("/api/v1/auth/login")
        assert response.status_code == 405 and response.json()["slug"] == "method-not-allowed"

    def test_zh_is_chosen_by_accept_language(self, api_client: ApiClient) -> None:
        for header in ("zh-CN,zh;q=0.9,en;q=0.8", "zh", "en;q=0.5, zh-TW;q=0.8"):
            response = api_client.client.get("/api/v1/auth/me", headers={"Accept-Language": header})
            body = response.json()
            assert (body["title"], body["detail"]) == (errors.ZH["not-authenticated"], "请先登录或提供 API 令牌"), (
                header
            )
        english = api_client.client.get("/api/v1/auth/me", headers={"Accept-Language": "en-GB, zh;q=0.5"})
        assert english.json()["detail"] == "sign in or present an API token"

    def test_a_zh_problem_without_a_zh_message_uses_the_slug_headline(self, api_client: ApiClient) -> None:
        response = api_client.client.post(
            "/api/v1/auth/login", json={"name": "nobody", "password": "x"}, headers={"Accept-Language": "zh-CN"}
        )
        assert response.json()["detail"] == errors.ZH["not-authenticated"]

    def test_a_validation_error_is_a_problem_naming_the_field(self, api_client: ApiClient) -> None:
        response = api_client.client.post(
            "/api/v1/auth/login", json={"name": "", "password": "x"}
        )  # the login body is validated by hand: bad-payload
        assert response.status_code == 400 and response.json()["slug"] == "bad-payload"

    def test_a_nul_in_the_url_is_a_400_problem_before_any_database(self, api_client: ApiClient) -> None:
        for url in ("/api/v1/orgs/acme%00/members", "/api/v1/orgs/acme/audit?kind=a%00b"):
            response = api_client.client.get(url)
            assert response.status_code == 400 and response.json()["slug"] == "bad-request", url

    def test_control_characters_in_names_are_refused_by_the_schema(self, api_client: ApiClient) -> None:
        token = api_client.token_for("alice")
        headers = {"Authorization": f"Bearer {token}"}
        body = {"name": "bad\u0000name", "password": "long enough password"}
        response = api_client.client.post("/api/v1/orgs/acme/members", json=body, headers=headers)
        assert response.status_code == 422 and response.json()["slug"] == "validation"
        login = api_client.client.post("/api/v1/auth/login", json={"name": "a\u0000", "password": "x"})
        assert login.status_code == 400


class HealthTests:
    def test_health_touches_no_database(self, api_client: ApiClient) -> None:
        api_client.store.engine.dispose()
        response = api_client.client.get("/health")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    def test_ready_when_the_schema_is_at_head(self, api_client: ApiClient) -> None:
        response = api_client.client.get("/ready")
        assert response.status_code == 200 and response.json()["status"] == "ready"

    def test_not_ready_when_the_schema_is_behind(self, api_client: ApiClient) -> None:
        with api_client.store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0013'"))
        response = api_client.client.get("/ready", headers={"Accept-Language": "en"})
        assert response.status_code == 503
        assert response.json()["slug"] == "schema-outdated" and "0013" in response.json()["detail"]


def test_not_ready_when_the_database_does_not_answer(tmp_path: Path) -> None:
    """The store's engine pointed at a PostgreSQL port nobody listens on: /ready is 503, /health still 200."""
    store = open_store(f"sqlite:///{tmp_path}/store.db")
    app = make_app(store, Config())
    store.engine.dispose()
    store.engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with serving(app, lifespan="on") as url:
        response = httpx.get(url + "/ready")
        alive = httpx.get(url + "/health")
    assert response.status_code == 503 and response.json()["slug"] == "store-unavailable"
    assert alive.status_code == 200


def test_the_openapi_document_names_every_operation(api_client: ApiClient) -> None:
    document = api_client.client.get("/api/v1/openapi.json").json()
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {
        "auth_login",
        "auth_logout",
        "auth_me",
        "auth_oidc_login",
        "auth_oidc_callback",
        "members_list",
        "members_create",
        "members_set_role",
        "members_remove",
        "tokens_create",
        "tokens_list",
        "tokens_revoke",
        "audit_list",
        "audit_export",
        "audit_verify",
        "health",
        "ready",
    } <= operations
    login = document["paths"]["/api/v1/auth/login"]["post"]
    assert set(login["requestBody"]["content"]) == {"application/json", "application/x-www-form-urlencoded"}
