"""Webhooks against a real uvicorn server: generic event bodies, GitHub and GitLab deliveries, authentication, bad
input and its status codes, re-delivery, secrets kept out of answers and logs, and metrics from webhook data."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.http import ClientOptions
from devmaturity.config import Config
from devmaturity.model.delivery import Deployment, RunStatus
from devmaturity.services.assess import run_assessment
from devmaturity.services.sync import sync_source
from devmaturity.store.delivery import StoredDelivery, load_delivery
from tests.apiserver import ApiServer
from tests.collectors.test_rest_sources import github_routes
from tests.gitbuild import RepoBuilder
from tests.web.conftest import MAX_BYTES, PROJECT, SECRET, Served

DATA = Path(__file__).parents[1] / "data"
EVENTS = f"/api/v1/projects/{PROJECT}/events"
GITHUB = f"/api/v1/projects/{PROJECT}/webhooks/github"
GITLAB = f"/api/v1/projects/{PROJECT}/webhooks/gitlab"
BEARER = {"Authorization": f"Bearer {SECRET}"}
JSON = {"Content-Type": "application/json"}
NDJSON = {"Content-Type": "application/x-ndjson"}
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def read(relative: str) -> bytes:
    return (DATA / relative).read_bytes()


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_headers(
    body: bytes, event: str = "deployment_status", secret: str = SECRET, delivery: str | None = None
) -> dict[str, str]:
    """GitHub's headers; every call is a new delivery (its own X-GitHub-Delivery) unless `delivery` is given."""
    return {
        **JSON,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or f"72d3162e-{uuid.uuid4().hex[:12]}",
        "X-Hub-Signature-256": signed(body, secret),
    }


def gitlab_headers(token: str = SECRET, event: str = "Deployment Hook") -> dict[str, str]:
    return {**JSON, "X-Gitlab-Event": event, "X-Gitlab-Token": token}


def loaded(served: Served, project: str = PROJECT) -> StoredDelivery:
    return load_delivery(served.store, served.store.project(project, ""), EPOCH)


def count(served: Served, table: str, project: str = PROJECT) -> int:
    return served.store.count_rows(table, served.store.project(project, ""))


def error_of(response: httpx.Response) -> tuple[int, str]:
    """The status and slug of a problem+json answer (RFC 9457, docs/api.md), checking its shape."""
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "slug", "instance"}
    assert body["status"] == response.status_code and body["type"].endswith("#" + body["slug"])
    assert "\n" not in body["detail"]
    return response.status_code, body["slug"]


def deployments(*rows: dict[str, Any]) -> bytes:
    return json.dumps({"deployments": list(rows)}).encode()


GOOD = {"id": "D-1", "environment": "production", "status": "success", "created_at": "2026-11-02T10:00:00+08:00"}


class GenericEventsTests:
    def test_json_deployments_are_stored(self, served: Served) -> None:
        response = served.client.post(
            f"{EVENTS}/deployments", content=read("events/deployments.json"), headers={**BEARER, **JSON}
        )
        assert (response.status_code, response.json()) == (200, {"stored": 7, "problems": []})
        found = loaded(served).deployments
        assert found is not None and len(found) == 7
        first = next(d for d in found if d.id == "D-101")
        assert (first.source, first.environment, first.status) == ("webhook", "production", RunStatus.SUCCESS)
        assert first.commit == "9fceb02d0ae598e95dc970b74767f19372d61af8"

    def test_json_lines_incidents_and_json_work_items(self, served: Served) -> None:
        incidents = served.client.post(
            f"{EVENTS}/incidents", content=read("events/incidents.jsonl"), headers={**BEARER, **NDJSON}
        )
        items = served.client.post(
            f"{EVENTS}/workitems", content=read("events/work-items.jsonl"), headers={**BEARER, **NDJSON}
        )
        assert (incidents.status_code, incidents.json()["stored"]) == (200, 4)
        assert (items.status_code, items.json()["stored"]) == (200, 5)
        stored = loaded(served)
        assert stored.incidents is not None and {i.source for i in stored.incidents} == {"webhook", "pagerduty:shop"}
        assert stored.work_items is not None and {w.id for w in stored.work_items} >= {"STORY-1", "REQ-5"}

    def test_bare_array_and_source_parameter(self, served: Served) -> None:
        response = served.client.post(
            f"{EVENTS}/incidents",
            params={"source": "opsgenie:shop"},
            content=read("events/incidents.json"),
            headers={**BEARER, **JSON},
        )
        assert response.status_code == 200
        stored = loaded(served).incidents
        assert stored is not None and {i.source for i in stored} == {"opsgenie:shop", "pagerduty:shop"}

    def test_signature_instead_of_bearer(self, served: Served) -> None:
        body = deployments(GOOD)
        response = served.client.post(
            f"{EVENTS}/deployments", content=body, headers={**JSON, "X-Hub-Signature-256": signed(body)}
        )
        assert response.json() == {"stored": 1, "problems": []}

    def test_bad_rows_are_listed_and_good_rows_stored(self, served: Served) -> None:
        body = deployments(
            GOOD,
            {**GOOD, "id": "D-2", "status": "half done"},
            {**GOOD, "id": "D-3", "environment": "", "finished_at": "2026-11-02T09:00:00+08:00"},
            {**GOOD, "id": "D-4"},
        )
        response = served.client.post(f"{EVENTS}/deployments", content=body, headers={**BEARER, **JSON})
        assert response.status_code == 207
        assert response.json() == {
            "stored": 2,
            "problems": [
                "item deployments[1], field status: 'half done' is not a status (use success, failure, cancelled or running)",
                "item deployments[2], field environment: required but empty; field finished_at: "
                "'2026-11-02T09:00:00+08:00' is before created_at '2026-11-02T10:00:00+08:00'",
            ],
        }
        stored = loaded(served).deployments
        assert stored is not None and sorted(d.id for d in stored) == ["D-1", "D-4"]

    def test_bad_lines_of_json_lines_are_named_by_line(self, served: Served) -> None:
        response = served.client.post(
            f"{EVENTS}/workitems", content=read("events/work-items-bad.jsonl"), headers={**BEARER, **NDJSON}
        )
        body = response.json()
        assert response.status_code == 207 and body["stored"] > 0
        assert body["problems"] and all(p.startswith("line ") for p in body["problems"])

    def test_no_usable_row_is_422(self, served: Served) -> None:
        response = served.client.post(
            f"{EVENTS}/deployments", content=b'[{"id": "D-9"}, 3]', headers={**BEARER, **JSON}
        )
        assert response.status_code == 422
        assert response.json() == {
            "stored": 0,
            "problems": [
                "item [0], field environment: required but missing; field status: required but missing; "
                "field created_at: required but missing",
                "item [1]: expected an object, got a number",
            ],
        }
        assert count(served, "deployments") == 0

    def test_redelivery_does_not_duplicate(self, served: Served) -> None:
        body = read("events/deployments.json")
        for _ in range(3):
            assert (
                served.client.post(f"{EVENTS}/deployments", content=body, headers={**BEARER, **JSON}).status_code == 200
            )
        assert count(served, "deployments") == 7
        runs = served.store.runs(served.store.project(PROJECT, ""))
        assert [(r["kind"], r["status"]) for r in runs] == [("webhook", "ok")] * 3
        assert json.loads(runs[0]["inputs"])["endpoint"] == "events"
        assert json.loads(runs[0]["summary"]) == {"ignored": False, "problems": 0, "stored": 7}

    def test_empty_array_stores_nothing(self, served: Served) -> None:
        response = served.client.post(f"{EVENTS}/deployments", content=b"[]", headers={**BEARER, **JSON})
        assert (response.status_code, response.json()) == (200, {"stored": 0, "problems": []})


class BadRequestTests:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (b'{"deployments": [', "not valid JSON: Expecting value at line 1, column 18"),
            (b"", "empty request body (0 bytes)"),
            (b"\n \n", "no content: the request body holds only blank lines"),
            (
                b'{"incidents": []}',
                'expected an array of deployments or an object {"deployments": [...]}; got an object with the keys: incidents',
            ),
            (
                '[{"id": "支付"}]'.encode("gbk"),
                "line 1: not utf-8 text (byte 0xb8); save it as UTF-8 (Excel: 'CSV UTF-8'), e.g. iconv -f GBK -t UTF-8",
            ),
        ],
    )
    def test_unusable_body_is_400(self, served: Served, body: bytes, expected: str) -> None:
        response = served.client.post(f"{EVENTS}/deployments", content=body, headers={**BEARER, **JSON})
        assert error_of(response) == (400, "bad-payload")
        assert response.json()["detail"] == expected
        runs = served.store.runs(served.store.project(PROJECT, ""))
        assert [r["status"] for r in runs] == ["failed"]  # an authenticated delivery is a run, even a refused one

    @pytest.mark.parametrize("content_type", ["text/plain", "", "application/json; charset=latin-1", "text/csv"])
    def test_unread_content_type_is_415(self, served: Served, content_type: str) -> None:
        headers = {**BEARER, "Content-Type": content_type} if content_type else BEARER
        response = served.client.post(f"{EVENTS}/deployments", content=deployments(GOOD), headers=headers)
        assert error_of(response) == (415, "unsupported-media-type")

    def test_charset_utf8_is_fine(self, served: Served) -> None:
        headers = {**BEARER, "Content-Type": "application/json; charset=UTF-8"}
        assert (
            served.client.post(f"{EVENTS}/deployments", content=deployments(GOOD), headers=headers).status_code == 200
        )

    def test_unknown_kind_unknown_project_and_route_are_404(self, served: Served) -> None:
        for path in (f"{EVENTS}/releases", "/api/v1/projects/other/events/deployments", "/api/v1/nothing"):
            response = served.client.post(path, content=deployments(GOOD), headers={**BEARER, **JSON})
            assert error_of(response) == (404, "not-found")
        assert error_of(served.client.get(f"{EVENTS}/deployments")) == (405, "method-not-allowed")

    def test_body_over_the_limit_is_413_before_it_is_read(self, served: Served) -> None:
        big = b"[" + b" " * MAX_BYTES + b"]"
        response = served.client.post(f"{EVENTS}/deployments", content=big, headers={**BEARER, **JSON})
        assert error_of(response) == (413, "payload-too-large")
        assert response.json()["detail"] == f"the body is {len(big):,} bytes, over the limit of {MAX_BYTES:,} bytes"
        assert served.store.runs(served.store.project(PROJECT, "")) == []

    def test_streamed_body_over_the_limit_is_413(self, served: Served) -> None:
        def chunks() -> Iterator[bytes]:
            yield b"["
            for _ in range(2 * MAX_BYTES // 4096):
                yield b" " * 4096
            yield b"]"

        response = served.client.post(f"{EVENTS}/deployments", content=chunks(), headers={**BEARER, **JSON})
        assert error_of(response) == (413, "payload-too-large")
        assert "Content-Length" not in response.request.headers  # sent chunked: the limit is checked while reading

    def test_source_parameter_must_be_sensible(self, served: Served) -> None:
        response = served.client.post(
            f"{EVENTS}/deployments", params={"source": " "}, content=deployments(GOOD), headers={**BEARER, **JSON}
        )
        assert error_of(response) == (400, "bad-request")


class ConcurrencyAndFailureTests:
    def test_concurrent_deliveries_are_all_stored(self, served: Served) -> None:
        """A burst, as GitHub sends when many deployments finish together: each its own transaction and run."""

        def post(n: int) -> int:
            body = deployments({**GOOD, "id": f"D-{n}"}, {**GOOD, "id": f"D-{n}b"})
            with httpx.Client(base_url=served.url, timeout=30) as client:
                return client.post(f"{EVENTS}/deployments", content=body, headers={**BEARER, **JSON}).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(post, range(16))) == [200] * 16
        assert count(served, "deployments") == 32
        assert len(served.store.runs(served.store.project(PROJECT, ""))) == 16

    def test_a_store_failure_is_503_and_writes_nothing(self, served: Served) -> None:
        project_id = served.store.project(PROJECT, "")
        with served.store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE deployments RENAME TO deployments_away"))
        response = served.client.post(
            f"{EVENTS}/deployments", content=deployments(GOOD, {**GOOD, "id": "D-2"}), headers={**BEARER, **JSON}
        )
        assert error_of(response) == (503, "store")
        with served.store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE deployments_away RENAME TO deployments"))
        assert count(served, "deployments") == 0
        [run] = served.store.runs(project_id)
        assert run["status"] == "failed" and json.loads(run["summary"])["error"].startswith(
            "error[store]: store write failed"
        )


class AuthenticationTests:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Bearer wrong-secret"},
            {"Authorization": f"Basic {SECRET}"},
            {"Authorization": f"Bearer {SECRET}x"},
            {"X-Hub-Signature-256": "sha256=" + "0" * 64},
            {"X-Gitlab-Token": SECRET},  # GitLab's header is not one the generic endpoint reads
        ],
    )
    def test_generic_endpoint_refuses_missing_or_wrong_credentials(
        self, served: Served, headers: dict[str, str]
    ) -> None:
        response = served.client.post(f"{EVENTS}/deployments", content=deployments(GOOD), headers={**JSON, **headers})
        assert error_of(response) == (401, "unauthorized")
        assert SECRET not in response.text
        assert count(served, "deployments") == 0 and served.store.runs(served.store.project(PROJECT, "")) == []

    def test_a_right_and_a_wrong_credential_together_are_refused(self, served: Served) -> None:
        body = deployments(GOOD)
        headers = {**BEARER, **JSON, "X-Hub-Signature-256": signed(body, "not-the-secret")}
        assert error_of(served.client.post(f"{EVENTS}/deployments", content=body, headers=headers)) == (
            401,
            "unauthorized",
        )

    def test_signature_must_cover_the_exact_body(self, served: Served) -> None:
        body = deployments(GOOD)
        headers = {**JSON, "X-Hub-Signature-256": signed(body + b" ")}
        assert error_of(served.client.post(f"{EVENTS}/deployments", content=body, headers=headers)) == (
            401,
            "unauthorized",
        )


class GitHubTests:
    def test_ping_is_answered(self, served: Served) -> None:
        body = read("webhooks/github-ping.json")
        response = served.client.post(GITHUB, content=body, headers=github_headers(body, "ping"))
        assert (response.status_code, response.json()) == (200, {"stored": 0, "problems": []})

    def test_deployment_status_with_a_correct_signature_is_stored(self, served: Served) -> None:
        body = read("webhooks/github-deployment-status.json")
        headers = github_headers(body)
        response = served.client.post(GITHUB, content=body, headers=headers)
        assert (response.status_code, response.json()) == (200, {"stored": 1, "problems": []})
        [deployment] = loaded(served).deployments or []
        assert deployment == Deployment(
            source="github:acme/shop",
            id="1001",
            environment="production",
            status=RunStatus.SUCCESS,
            created_at=datetime(2024, 5, 2, 10, 7, tzinfo=UTC),
            commit="9f6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b",
            finished_at=datetime(2024, 5, 2, 10, 9, tzinfo=UTC),
            url="https://github.com/acme/shop/actions/runs/30433642/job/83520003",
        )
        run = served.store.runs(served.store.project(PROJECT, ""))[0]
        assert json.loads(run["inputs"]) == {
            "bytes": len(body),
            "delivery": headers["X-GitHub-Delivery"],
            "endpoint": "github",
            "event": "deployment_status",
        }

    @pytest.mark.parametrize("signature", ["sha256=" + "ab" * 32, "sha1=abc", "", "wrong"])
    def test_deployment_status_with_a_wrong_signature_is_refused(self, served: Served, signature: str) -> None:
        body = read("webhooks/github-deployment-status.json")
        headers = {**github_headers(body), "X-Hub-Signature-256": signature}
        assert error_of(served.client.post(GITHUB, content=body, headers=headers)) == (401, "unauthorized")
        assert count(served, "deployments") == 0

    def test_bearer_is_not_read_for_github(self, served: Served) -> None:
        body = read("webhooks/github-deployment-status.json")
        headers = {**JSON, **BEARER, "X-GitHub-Event": "deployment_status"}
        assert error_of(served.client.post(GITHUB, content=body, headers=headers)) == (401, "unauthorized")

    def test_webhook_and_sync_write_the_same_row(self, served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
        body = read("webhooks/github-deployment-status.json")
        served.client.post(GITHUB, content=body, headers=github_headers(body))
        [from_webhook] = loaded(served).deployments or []
        monkeypatch.setenv("GITHUB_TOKEN", "tok-for-the-fake-api")
        with ApiServer(DATA / "api") as api:
            github_routes(api)
            source = GitHubSource("acme/shop", base_url=api.url, client=ClientOptions(sleep=lambda _: None))
            sync_source(served.store, served.store.project(PROJECT, ""), source)
        after = {d.id: d for d in loaded(served).deployments or []}
        assert sorted(after) == ["1000", "1001"] and after["1001"] == from_webhook

    def test_inactive_and_other_events_are_accepted_but_not_stored(self, served: Served) -> None:
        payload = json.loads(read("webhooks/github-deployment-status.json"))
        payload["deployment_status"]["state"] = "inactive"
        body = json.dumps(payload).encode()
        inactive = served.client.post(GITHUB, content=body, headers=github_headers(body))
        push = served.client.post(GITHUB, content=b"{}", headers=github_headers(b"{}", "push"))
        assert inactive.status_code == push.status_code == 202
        assert inactive.json()["stored"] == 0 and "inactive" in inactive.json()["problems"][0]
        assert push.json() == {
            "stored": 0,
            "problems": ["X-GitHub-Event 'push' is not read; subscribe to deployment statuses only"],
        }
        assert count(served, "deployments") == 0

    def test_payload_without_a_documented_field_is_400(self, served: Served) -> None:
        payload = json.loads(read("webhooks/github-deployment-status.json"))
        del payload["deployment"]["created_at"]
        body = json.dumps(payload).encode()
        response = served.client.post(GITHUB, content=body, headers=github_headers(body))
        assert error_of(response) == (400, "bad-payload")
        assert response.json()["detail"] == (
            "github deployment_status: deployment.created_at: expected an ISO 8601 timestamp, got nothing"
        )

    def test_form_encoded_webhook_is_415(self, served: Served) -> None:
        body = b"payload=%7B%7D"
        headers = {**github_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
        response = served.client.post(GITHUB, content=body, headers=headers)
        assert error_of(response) == (415, "unsupported-media-type")
        assert "application/json" in response.json()["detail"]


class GitLabTests:
    def test_deployment_hook_with_the_right_token_is_stored(self, served: Served) -> None:
        response = served.client.post(GITLAB, content=read("webhooks/gitlab-deployment.json"), headers=gitlab_headers())
        assert (response.status_code, response.json()) == (200, {"stored": 1, "problems": []})
        [deployment] = loaded(served).deployments or []
        finished = datetime(2024, 5, 2, 10, 11, 58, tzinfo=UTC)
        assert deployment == Deployment(
            source="gitlab:acme/shop",
            id="41",
            environment="production",
            status=RunStatus.SUCCESS,
            created_at=finished,
            commit="9f6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b",
            finished_at=finished,
            url="https://gitlab.example.com/acme/shop/-/jobs/9301",
        )

    @pytest.mark.parametrize("token", ["wrong", f"{SECRET} extra", ""])
    def test_deployment_hook_with_a_wrong_token_is_refused(self, served: Served, token: str) -> None:
        response = served.client.post(
            GITLAB, content=read("webhooks/gitlab-deployment.json"), headers=gitlab_headers(token)
        )
        assert error_of(response) == (401, "unauthorized")
        assert count(served, "deployments") == 0

    def test_running_then_success_is_one_row(self, served: Served) -> None:
        payload = json.loads(read("webhooks/gitlab-deployment.json"))
        running = {**payload, "status": "running", "status_changed_at": "2024-05-02 10:08:20 UTC"}
        served.client.post(GITLAB, content=json.dumps(running).encode(), headers=gitlab_headers())
        [first] = loaded(served).deployments or []
        assert (first.status, first.finished_at, first.created_at) == (
            RunStatus.RUNNING,
            None,
            datetime(2024, 5, 2, 10, 8, 20, tzinfo=UTC),
        )
        served.client.post(GITLAB, content=read("webhooks/gitlab-deployment.json"), headers=gitlab_headers())
        [final] = loaded(served).deployments or []
        assert (final.id, final.status) == ("41", RunStatus.SUCCESS) and count(served, "deployments") == 1

    def test_short_sha_when_the_commit_url_is_missing(self, served: Served) -> None:
        payload = {**json.loads(read("webhooks/gitlab-deployment.json")), "commit_url": None, "deployable_url": None}
        served.client.post(GITLAB, content=json.dumps(payload).encode(), headers=gitlab_headers())
        [deployment] = loaded(served).deployments or []
        assert (deployment.commit, deployment.url) == ("9f6b1c2d", "")

    def test_other_hooks_are_accepted_but_not_stored(self, served: Served) -> None:
        response = served.client.post(
            GITLAB, content=b'{"object_kind": "push"}', headers=gitlab_headers(event="Push Hook")
        )
        assert (response.status_code, response.json()["stored"]) == (202, 0)

    def test_unknown_status_is_400(self, served: Served) -> None:
        payload = {**json.loads(read("webhooks/gitlab-deployment.json")), "status": "exploded"}
        response = served.client.post(GITLAB, content=json.dumps(payload).encode(), headers=gitlab_headers())
        assert error_of(response) == (400, "bad-payload")
        assert response.json()["detail"].startswith("gitlab Deployment Hook: status: expected one of blocked, canceled")


class SecretTests:
    def test_the_secret_never_appears_in_answers_logs_or_runs(
        self, served: Served, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        body = read("webhooks/github-deployment-status.json")
        answers = [
            served.client.post(f"{EVENTS}/deployments", content=deployments(GOOD), headers={**BEARER, **JSON}),
            served.client.post(f"{EVENTS}/deployments", content=b"{", headers={**BEARER, **JSON}),
            served.client.post(
                f"{EVENTS}/deployments", content=b"[]", headers={**JSON, "Authorization": f"Bearer {SECRET}-guess"}
            ),
            served.client.post(
                f"{EVENTS}/deployments", content=b"[]", headers={**BEARER, "Content-Type": "text/plain"}
            ),
            served.client.post(GITHUB, content=body, headers=github_headers(body)),
            served.client.post(GITHUB, content=body, headers=github_headers(body, secret=SECRET + "x")),
            served.client.post(GITLAB, content=read("webhooks/gitlab-deployment.json"), headers=gitlab_headers()),
            served.client.post(
                GITLAB, content=read("webhooks/gitlab-deployment.json"), headers=gitlab_headers(SECRET[:-1])
            ),
        ]
        assert [a.status_code for a in answers] == [200, 400, 401, 415, 200, 401, 200, 401]
        assert all(SECRET[:-1] not in answer.text for answer in answers)
        messages = [record.getMessage() for record in caplog.records]
        assert any("refused with 401" in m for m in messages) and any("uvicorn" in r.name for r in caplog.records)
        assert all(SECRET[:-1] not in m for m in messages)
        runs = served.store.runs(served.store.project(PROJECT, ""))
        assert all(SECRET[:-1] not in json.dumps(run, default=str) for run in runs)


class AssessmentTests:
    def test_deployment_frequency_from_webhook_deliveries(self, served: Served, tmp_path: Path) -> None:
        """Two deployments of the repository's own commits, one posted as JSON, one as JSON Lines."""
        repo = RepoBuilder(tmp_path / "svc")
        c1 = repo.commit("one", {"a": "1"}, "2026-11-01T10:00:00+00:00")
        c2 = repo.commit("two", {"a": "2"}, "2026-11-02T08:00:00+00:00")
        path = "/api/v1/projects/svc/events/deployments"
        first = {
            "id": "1",
            "environment": "production",
            "status": "success",
            "created_at": "2026-11-01T12:00:00Z",
            "commit": c1,
        }
        second = {**first, "id": "2", "created_at": "2026-11-02T10:00:00Z", "commit": c2}
        assert (
            served.client.post(path, content=json.dumps([first]).encode(), headers={**BEARER, **JSON}).status_code
            == 200
        )
        assert (
            served.client.post(path, content=json.dumps(second).encode(), headers={**BEARER, **NDJSON}).status_code
            == 200
        )
        result = run_assessment(
            repo.path,
            Config(framework="dora", window=30),
            store=served.store,
            now=datetime(2026, 11, 20, tzinfo=UTC),
            parts=["2024"],
        )
        metrics = {(m.metric, round(m.window.days)): m for m in result.assessment.metrics}
        assert metrics[("deployment_frequency", 30)].value == 2 / 30
        assert metrics[("lead_time_for_changes", 30)].value == 2.0
