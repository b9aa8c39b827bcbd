"""The assessment, workbench and metrics endpoints over HTTP on SQLite and PostgreSQL: cursor pages, ETag and 304,
criteria and gaps, the assessor's flow (cycle, answer, upload, download as an attachment, review, freeze, every
edit refused afterwards with problem+json in zh and en), metrics and series, the portfolio, and tenancy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.config import Config
from devmaturity.services import projects as psvc
from devmaturity.services.assess import run_assessment
from tests.services.cast import small_repo
from tests.web.conftest import ApiClient, api_with

OWNER = Actor.local("local:test")
AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
QUESTION = "CD.CM.VC.VCS.L3.2"
PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Site:
    api: ApiClient
    project_id: int
    repo: Path
    key: str
    admin: dict[str, str]
    assessor: dict[str, str]
    developer: dict[str, str]
    outsider: dict[str, str]

    def assess(self, as_of: datetime = AS_OF) -> int:
        config = Config(project=self.key, window=30)
        result = run_assessment(self.repo, config, store=self.api.store, now=as_of, as_of=as_of)
        return result.run_id


def _bearer(api: ApiClient, name: str, role: Role, org: str = "acme") -> dict[str, str]:
    api.add_user(name, role, org=org)
    return {"Authorization": f"Bearer {api.token_for(name)}"}


@pytest.fixture
def site(api_client: ApiClient, tmp_path: Path) -> Iterator[Site]:
    api = api_client
    project = psvc.create_project(api.store, OWNER, org_slug="acme", slug="svc")
    repo = small_repo(tmp_path / "svc")
    built = Site(
        api=api,
        project_id=project.id,
        repo=repo,
        key=project.key,
        admin={"Authorization": f"Bearer {api.token_for('alice')}"},
        assessor=_bearer(api, "ann", Role.ASSESSOR),
        developer=_bearer(api, "dev", Role.DEVELOPER),
        outsider=_bearer(api, "otto", Role.ADMIN, org="other"),
    )
    built.assess()
    yield built
    shutil.rmtree(repo, ignore_errors=True)


def _get(site: Site, path: str, who: dict[str, str], **kwargs: Any) -> Any:
    return site.api.client.get(f"/api/v1{path}", headers=who, **kwargs)


def _latest(site: Site) -> dict[str, Any]:
    page = _get(site, f"/projects/{site.project_id}/assessments", site.developer).json()
    item: dict[str, Any] = page["items"][0]
    return item


class AssessmentEndpointTests:
    def test_pages_newest_first_with_a_cursor(self, site: Site) -> None:
        site.assess(AS_OF + timedelta(days=1))
        site.assess(AS_OF + timedelta(days=2))
        first = _get(site, f"/projects/{site.project_id}/assessments", site.developer, params={"limit": 2}).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest = _get(
            site,
            f"/projects/{site.project_id}/assessments",
            site.developer,
            params={"limit": 2, "cursor": first["next_cursor"]},
        ).json()
        ids = [a["id"] for a in first["items"] + rest["items"]]
        assert len(ids) == 3 and ids == sorted(ids, reverse=True) and rest["next_cursor"] is None

    def test_an_assessment_carries_an_etag_and_answers_304(self, site: Site) -> None:
        aid = _latest(site)["id"]
        response = _get(site, f"/assessments/{aid}", site.developer)
        assert response.status_code == 200
        body = response.json()
        assert {p["key"]: p["level"] for p in body["parts"]} == body["levels"]
        assert body["summary"]["dora"]["year"] and "metrics" in body["summary"]
        again = _get(site, f"/assessments/{aid}", {**site.developer, "If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""

    def test_criteria_filter_and_gaps(self, site: Site) -> None:
        aid = _latest(site)["id"]
        unknown = _get(site, f"/assessments/{aid}/criteria", site.developer, params={"status": "unknown"}).json()
        assert unknown and {c["status"] for c in unknown} == {"unknown"}
        bad = _get(site, f"/assessments/{aid}/criteria", site.developer, params={"status": "maybe"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        gaps = _get(site, f"/assessments/{aid}/gaps", site.developer).json()
        assert [g["priority"] for g in gaps] == list(range(1, len(gaps) + 1))

    def test_outsiders_get_404_and_anonymous_401(self, site: Site) -> None:
        aid = _latest(site)["id"]
        for path in (f"/assessments/{aid}", f"/assessments/{aid}/gaps", f"/projects/{site.project_id}/series"):
            assert _get(site, path, site.outsider).json()["slug"] == "not-found"
            assert _get(site, path, {}).status_code == 401


class WorkbenchEndpointTests:
    def _cycle(self, site: Site) -> int:
        made = site.api.client.post(
            f"/api/v1/projects/{site.project_id}/cycles",
            json={"start": "2026-04-01", "end": "2026-04-30"},
            headers=site.assessor,
        )
        assert made.status_code == 201, made.text
        assert made.json()["period_end"] - made.json()["period_start"] == 30 * 86400
        cycle_id: int = made.json()["id"]
        return cycle_id

    def test_the_assessors_flow_and_the_freeze(self, site: Site) -> None:
        client, cycle = site.api.client, self._cycle(site)
        html = b"<html><body onload=alert(1)>rules</body></html>"
        upload = client.post(
            f"/api/v1/cycles/{cycle}/answers/{QUESTION}/files",
            files={"file": ("rules.html", html, "application/pdf")},
            headers=site.assessor,
        )
        assert upload.status_code == 201, upload.text
        assert upload.json()["media_type"] == "text/plain"  # sniffed, not the claimed application/pdf
        put = client.put(
            f"/api/v1/cycles/{cycle}/answers/{QUESTION}",
            json={"value": "met", "owner": "Wang Wu", "links": ["https://wiki.example.com/rules"]},
            headers=site.assessor,
        )
        assert put.status_code == 200 and put.json()["answered_by"] == "ann"
        listed = _get(site, f"/cycles/{cycle}/answers", site.developer).json()
        [answer] = listed["answers"]
        assert (answer["value"], [f["name"] for f in answer["files"]]) == ("met", ["rules.html"])
        download = _get(site, f"/files/{answer['files'][0]['id']}", site.developer)
        assert download.content == html
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-type"].startswith("text/plain")
        review = client.post(f"/api/v1/cycles/{cycle}/answers/{QUESTION}/review", headers=site.admin)
        assert review.json()["reviewed_by"] == "alice"
        site.assess()
        aid = _latest(site)["id"]
        denied = client.post(f"/api/v1/assessments/{aid}/freeze", headers=site.developer)
        assert denied.status_code == 403 and denied.json()["slug"] == "permission-denied"
        frozen = client.post(f"/api/v1/assessments/{aid}/freeze", headers=site.assessor)
        assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
        refused = client.put(
            f"/api/v1/cycles/{cycle}/answers/{QUESTION}",
            json={"value": "not_met", "note": "changed my mind"},
            headers={**site.assessor, "Accept-Language": "zh"},
        )
        assert refused.status_code == 409
        problem = refused.json()
        assert problem["slug"] == "assessment-frozen" and "冻结" in problem["detail"]
        history = _get(site, f"/cycles/{cycle}/answers/{QUESTION}/history", site.developer).json()
        assert [(h["change"], h["value"]) for h in history] == [("answer", "met"), ("review", "met")]
        audit = client.get("/api/v1/orgs/acme/audit", params={"limit": 200}, headers=site.admin)
        kinds = [e["kind"] for e in audit.json()["items"]]
        for kind in ("cycle_opened", "evidence_uploaded", "answer_written", "answer_reviewed", "assessment_frozen"):
            assert kind in kinds

    def test_a_developer_reads_but_cannot_answer(self, site: Site) -> None:
        cycle = self._cycle(site)
        put = site.api.client.put(
            f"/api/v1/cycles/{cycle}/answers/{QUESTION}", json={"value": "met", "note": "x"}, headers=site.developer
        )
        assert put.status_code == 403 and put.json()["slug"] == "permission-denied"
        assert _get(site, f"/cycles/{cycle}/answers", site.outsider).status_code == 404

    def test_a_file_over_evidence_max_bytes_is_413(self, site: Site) -> None:
        cycle = self._cycle(site)
        with api_with(site.api.store, Config(evidence_max_bytes=8)) as small:
            too_big = small.post(
                f"/api/v1/cycles/{cycle}/answers/{QUESTION}/files",
                files={"file": ("r.pdf", PDF, "application/pdf")},
                headers=site.assessor,
            )
        assert too_big.status_code == 413 and too_big.json()["slug"] == "payload-too-large"
        assert _get(site, f"/cycles/{cycle}/answers", site.assessor).json()["unanswered_files"] == []


class MetricsEndpointTests:
    def test_metrics_series_and_portfolio(self, site: Site) -> None:
        metrics = _get(site, f"/projects/{site.project_id}/metrics", site.developer).json()
        assert metrics["assessment_id"] == _latest(site)["id"]
        assert set(metrics["metrics"]) >= {"unit_test_line_coverage", "deployment_frequency"}
        series = _get(
            site, f"/projects/{site.project_id}/series", site.developer, params={"metric": "deployment_frequency"}
        ).json()
        points = series["deployment_frequency"]["points"]
        assert len(points) == 12 and points[-1]["window_end"] == int(AS_OF.timestamp())
        bad = _get(site, f"/projects/{site.project_id}/series", site.developer, params={"metric": "nope"})
        assert bad.status_code == 400 and bad.json()["slug"] == "usage"
        portfolio = _get(site, "/portfolio", site.developer).json()
        assert [p["project"] for p in portfolio["projects"]] == [site.key]
        assert portfolio["heatmap"]["rows"][0]["project_id"] == site.project_id
        assert _get(site, "/portfolio", site.outsider).json()["projects"] == []
