"""Property-based testing of the API with schemathesis: requests generated from the app's own OpenAPI document,
signed in with an admin's bearer token, on SQLite and PostgreSQL, over an organisation holding a project with a
source and a run. The check is that no answer is a server error (5xx); every refusal must be a 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from devmaturity.auth.policy import Actor
from devmaturity.services import projects as svc
from devmaturity.services import sources as sources_svc
from tests.web.conftest import ApiClient

OWNER = Actor.local("local:test")
EXAMPLES = 12  # per operation; the whole run stays under a minute per store
SKIPPED = ("/webhooks/", "/events/", "/auth/login")  # signed by a webhook secret or a password: their own tests


@pytest.fixture
def admin_headers(api_client: ApiClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_client.token_for('alice')}"}


@pytest.fixture
def api_schema(api_client: ApiClient, tmp_path: Any) -> Iterator[Any]:
    project = svc.create_project(api_client.store, OWNER, org_slug="acme", slug="shop")
    sources_svc.create_source(
        api_client.store, OWNER, project.id, kind="events", name="ev", settings={"path": str(tmp_path)}
    )
    api_client.store.queue_run(project.id, "collect", {"project_id": project.id, "project": "acme/shop", "path": "."})
    base = str(api_client.client.base_url)
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    yield schema.exclude(path_regex="|".join(SKIPPED))


def test_no_server_errors(api_schema: Any, admin_headers: dict[str, str]) -> None:
    """Each operation in turn, with hypothesis drawing its cases from the operation's strategy (schemathesis's
    Python API: pytest-plugin independent)."""
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15  # the resources really are in the document

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers=admin_headers, checks=[not_a_server_error])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:500]}")
    assert failures == []
