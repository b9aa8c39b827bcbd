"""Webhooks refuse replays (a delivery id is stored once), never roll a finished deployment back to an older
state, and record refused deliveries (bad signatures) in the audit log of the webhook's organisation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.config import Config, WebhookSpec
from devmaturity.model.delivery import RunStatus
from devmaturity.services.admin import create_user
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from devmaturity.web.app import create_app
from tests.web.conftest import PASSWORD, SECRET, SECRET_ENV, serving
from tests.web.test_webhooks import EVENTS, GITHUB, GITLAB, JSON, gitlab_headers, read, signed


@pytest.fixture
def client(store: Store) -> Iterator[httpx.Client]:
    """The webhook of project "shop", whose refusals go to organisation "acme"'s audit log."""
    create_user(store, Actor.local("local:test"), org_slug="acme", name="alice", password=PASSWORD, role=Role.ADMIN)
    config = Config(webhooks=(WebhookSpec(project="shop", secret_env=SECRET_ENV, org="acme"),))
    app = create_app(config, store, environ={SECRET_ENV: SECRET})
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


def github(body: bytes, delivery: str) -> dict[str, str]:
    return {
        **JSON,
        "X-GitHub-Event": "deployment_status",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signed(body),
    }


def status_payload(state: str, at: str) -> bytes:
    payload = json.loads(read("webhooks/github-deployment-status.json"))
    payload["deployment_status"].update(state=state, created_at=at, updated_at=at)
    return json.dumps(payload).encode()


def deployment_rows(store: Store) -> list[tuple[str, int | None]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.deployments.c.status, t.deployments.c.finished_at))]


def run_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return len(conn.execute(select(t.runs.c.id).where(t.runs.c.kind == "webhook")).all())


class ReplayTests:
    def test_a_replayed_github_delivery_is_refused_without_writing(self, client: httpx.Client, store: Store) -> None:
        body = status_payload("success", "2024-05-02T10:09:00Z")
        first = client.post(GITHUB, content=body, headers=github(body, "d-1"))
        assert first.status_code == 200
        runs = run_count(store)
        again = client.post(GITHUB, content=body, headers=github(body, "d-1"))
        assert again.status_code == 409 and again.json()["slug"] == "duplicate-delivery"
        assert run_count(store) == runs and len(deployment_rows(store)) == 1

    def test_the_same_id_on_another_endpoint_or_kind_is_another_delivery(self, client: httpx.Client) -> None:
        body = read("events/deployments.json")
        headers = {**JSON, "Authorization": f"Bearer {SECRET}", "X-Delivery-Id": "batch-7"}
        assert client.post(f"{EVENTS}/deployments", content=body, headers=headers).status_code == 200
        replay = client.post(f"{EVENTS}/deployments", content=body, headers=headers)
        assert replay.status_code == 409
        other_source = client.post(f"{EVENTS}/deployments?source=jenkins", content=body, headers=headers)
        assert other_source.status_code == 200

    def test_a_gitlab_event_uuid_is_remembered(self, client: httpx.Client) -> None:
        body = read("webhooks/gitlab-deployment.json")
        headers = {**gitlab_headers(), "X-Gitlab-Event-UUID": "4d4bf8cf-0001"}
        assert client.post(GITLAB, content=body, headers=headers).status_code == 200
        assert client.post(GITLAB, content=body, headers=headers).status_code == 409

    def test_a_delivery_refused_for_its_credentials_is_not_remembered(self, client: httpx.Client) -> None:
        body = status_payload("success", "2024-05-02T10:09:00Z")
        forged = {**github(body, "d-2"), "X-Hub-Signature-256": "sha256=" + "00" * 32}
        assert client.post(GITHUB, content=body, headers=forged).status_code == 401
        assert client.post(GITHUB, content=body, headers=github(body, "d-2")).status_code == 200


class OrderTests:
    def test_an_older_running_status_does_not_roll_back_a_success(self, client: httpx.Client, store: Store) -> None:
        done = status_payload("success", "2024-05-02T10:09:00Z")
        late = status_payload("in_progress", "2024-05-02T10:08:00Z")
        assert client.post(GITHUB, content=done, headers=github(done, "d-10")).status_code == 200
        assert client.post(GITHUB, content=late, headers=github(late, "d-11")).status_code == 200
        finished = int(datetime(2024, 5, 2, 10, 9, tzinfo=UTC).timestamp())
        assert deployment_rows(store) == [(RunStatus.SUCCESS.value, finished)]

    def test_a_newer_state_still_replaces_an_older_one(self, client: httpx.Client, store: Store) -> None:
        running = status_payload("in_progress", "2024-05-02T10:08:00Z")
        failed = status_payload("failure", "2024-05-02T10:12:00Z")
        assert client.post(GITHUB, content=running, headers=github(running, "d-20")).status_code == 200
        assert deployment_rows(store)[0][0] == RunStatus.RUNNING.value
        assert client.post(GITHUB, content=failed, headers=github(failed, "d-21")).status_code == 200
        finished = int(datetime(2024, 5, 2, 10, 12, tzinfo=UTC).timestamp())
        assert deployment_rows(store) == [(RunStatus.FAILURE.value, finished)]

    def test_gitlab_running_after_success_keeps_the_success(self, client: httpx.Client, store: Store) -> None:
        done = read("webhooks/gitlab-deployment.json")
        payload = json.loads(done)
        payload.update(status="running", status_changed_at="2024-05-02 12:05:00 +0200")
        older = json.dumps(payload).encode()
        assert client.post(GITLAB, content=done, headers=gitlab_headers()).status_code == 200
        assert client.post(GITLAB, content=older, headers=gitlab_headers()).status_code == 200
        assert [row[0] for row in deployment_rows(store)] == [RunStatus.SUCCESS.value]


def test_a_bad_signature_is_refused_and_recorded_in_the_audit_log(client: httpx.Client, store: Store) -> None:
    body = status_payload("success", "2024-05-02T10:09:00Z")
    forged = {**github(body, "d-30"), "X-Hub-Signature-256": signed(body, "not-the-secret")}
    response = client.post(GITHUB, content=body, headers=forged)
    assert response.status_code == 401 and response.json()["slug"] == "unauthorized"
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.audit_log).where(t.audit_log.c.kind == "webhook_refused")).all()
    (row,) = rows
    assert (row.org_slug, row.actor_name, row.result, row.source) == ("acme", "webhook:shop", "denied", "127.0.0.1")
    assert (row.target_type, row.target_name) == ("webhook", "shop")
    assert json.loads(row.details) == {"delivery": "d-30", "reason": "X-Hub-Signature-256 does not match"}
    assert SECRET not in " ".join(str(value) for value in row)
    assert deployment_rows(store) == []
