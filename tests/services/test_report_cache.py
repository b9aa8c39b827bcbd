"""The document report rendered once and kept (rendered_reports), on SQLite and PostgreSQL: a second request is
served from the store (same bytes, the first rendering's time on its cover, the row untouched), a changed report
is rendered again, the web's path queues one render job per document and the inline runner fills the cache, and
another organisation's assessment is not found. The printable HTML format stands in for the PDF here (the same
code path, a second instead of a minute); tests/services/test_report_documents.py renders real PDFs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from devmaturity.cli.main import run
from devmaturity.errors import NotFoundError
from devmaturity.jobs.runner import InlineRunner
from devmaturity.services import report_jobs, reports
from devmaturity.services.jobs import close_stores
from devmaturity.services.project_runs import database_url_of
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from tests.services.cast import Cast, make_cast

FIRST = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 5, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def cast(store: Store, store_url: str, tmp_path: Path) -> Iterator[Cast]:
    yield make_cast(store, store_url, tmp_path)
    close_stores()  # the job's store (one per URL and process) before the database goes


def _assessment(cast: Cast) -> str:
    with cast.store.transaction() as conn:
        return str(
            conn.execute(select(t.assessments.c.id).where(t.assessments.c.project_id == cast.project_id)).scalar_one()
        )


def _rows(store: Store) -> list[tuple[int, str, str, str, int]]:
    r = t.rendered_reports.c
    with store.transaction() as conn:
        query = select(r.assessment_id, r.format, r.lang, r.digest, r.created_at).order_by(r.format, r.lang)
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def _change_report(cast: Cast, ref: str) -> None:
    """What a rerun or an answer does to a stored assessment that is not frozen: its report changes."""
    a = t.assessments.c
    with cast.store.transaction() as conn:
        report = json.loads(conn.execute(select(a.report).where(a.id == int(ref))).scalar_one())
        report["parts"][0]["name"] = {"zh": "持续交付（改）", "en": "Continuous delivery (revised)"}
        conn.execute(update(t.assessments).where(a.id == int(ref)).values(report=json.dumps(report)))


class CacheTests:
    def test_the_second_request_is_served_from_the_store_without_rendering(self, cast: Cast) -> None:
        ref = _assessment(cast)
        first = reports.render_stored(cast.store, cast.assessor, ref, "html", lang="en", now=FIRST)
        assert "2026-05-02 08:00:00" in first.content.decode()  # the cover's rendering time
        [(assessment_id, fmt, lang, digest, created_at)] = _rows(cast.store)
        assert (assessment_id, fmt, lang, digest, created_at) == (
            int(ref),
            "html",
            "en",
            first.digest,
            FIRST.timestamp(),
        )
        again = reports.render_stored(cast.store, cast.assessor, ref, "html", lang="en", now=LATER)
        assert again.content == first.content  # rendered at LATER it would say 2026-05-03 09:30:00
        assert "2026-05-03" not in again.content.decode()
        assert _rows(cast.store) == [(int(ref), "html", "en", first.digest, int(FIRST.timestamp()))]
        assert again.filename == first.filename == f"svc-assessment-{ref}-en.html"

    def test_each_language_is_its_own_rendering(self, cast: Cast) -> None:
        ref = _assessment(cast)
        zh = reports.render_stored(cast.store, cast.assessor, ref, "html", lang="zh", now=FIRST)
        en = reports.render_stored(cast.store, cast.assessor, ref, "html", lang="en", now=FIRST)
        assert zh.digest != en.digest and zh.content != en.content
        assert [row[2] for row in _rows(cast.store)] == ["en", "zh"]

    def test_a_changed_report_is_rendered_again_and_replaces_the_stale_one(self, cast: Cast) -> None:
        ref = _assessment(cast)
        first = reports.render_stored(cast.store, cast.assessor, ref, "html", lang="en", now=FIRST)
        _change_report(cast, ref)
        again = reports.render_stored(cast.store, cast.assessor, ref, "html", lang="en", now=LATER)
        assert again.digest != first.digest
        assert "Continuous delivery (revised)" in again.content.decode()
        assert "2026-05-03 09:30:00" in again.content.decode()
        assert _rows(cast.store) == [(int(ref), "html", "en", again.digest, int(LATER.timestamp()))]

    def test_json_is_rendered_each_time_and_never_stored(self, cast: Cast) -> None:
        found = reports.render_stored(cast.store, cast.assessor, _assessment(cast), "json")
        assert found.digest is None and b'"parts"' in found.content
        assert _rows(cast.store) == []


class BackgroundTests:
    def test_the_download_queues_one_render_job_and_the_inline_runner_fills_the_cache(self, cast: Cast) -> None:
        ref = _assessment(cast)
        first = report_jobs.request_document(cast.store, cast.developer, ref, "html", lang="zh")
        assert isinstance(first, report_jobs.Pending) and first.job is not None
        assert (first.status, first.job.task, first.project) == ("queued", "devmaturity.render", "svc")
        assert _rows(cast.store) == []  # nothing rendered on the request
        second = report_jobs.request_document(cast.store, cast.developer, ref, "html", lang="zh")
        assert second == report_jobs.Pending(run_id=first.run_id, status="queued", project="svc", job=None)
        assert report_jobs.document_state(cast.store, cast.developer, ref, "html", lang="zh") == "queued"

        InlineRunner(database_url_of(cast.store)).submit(first.job)

        row = cast.store.run(first.run_id)
        assert row is not None and (row["kind"], row["status"], row["attempts"]) == ("render", "ok", 1)
        summary = json.loads(row["summary"])
        assert (summary["format"], summary["lang"], summary["cached"]) == ("html", "zh", False)
        assert report_jobs.document_state(cast.store, cast.developer, ref, "html", lang="zh") == "ready"
        ready = report_jobs.request_document(cast.store, cast.developer, ref, "html", lang="zh")
        assert isinstance(ready, reports.Rendered) and ready.digest == summary["digest"]
        assert ready.media_type.startswith("text/html") and "DevOps" in ready.content.decode()
        assert report_jobs.run_render(database_url_of(cast.store), first.run_id) == "skipped"  # redelivered: done

    def test_a_report_changed_after_rendering_is_missing_until_asked_again(self, cast: Cast) -> None:
        ref = _assessment(cast)
        reports.render_stored(cast.store, cast.developer, ref, "html", lang="en", now=FIRST)
        assert report_jobs.document_state(cast.store, cast.developer, ref, "html", lang="en") == "ready"
        _change_report(cast, ref)
        assert report_jobs.document_state(cast.store, cast.developer, ref, "html", lang="en") == "missing"
        pending = report_jobs.request_document(cast.store, cast.developer, ref, "html", lang="en")
        assert isinstance(pending, report_jobs.Pending) and pending.job is not None

    def test_a_render_whose_assessment_is_gone_fails_on_its_run(self, cast: Cast) -> None:
        ref = _assessment(cast)
        pending = report_jobs.request_document(cast.store, cast.assessor, ref, "html", lang="en")
        assert isinstance(pending, report_jobs.Pending) and pending.job is not None
        with cast.store.transaction() as conn:
            conn.execute(t.assessment_summaries.delete())
            conn.execute(t.metric_series.delete())
            conn.execute(t.assessments.delete())
        InlineRunner(database_url_of(cast.store)).submit(pending.job)
        row = cast.store.run(pending.run_id)
        assert row is not None and row["status"] == "failed"
        assert f"assessment {ref} not found" in json.loads(row["summary"])["error"]

    def test_another_organisation_finds_no_assessment_and_nothing_is_queued(self, cast: Cast) -> None:
        ref = _assessment(cast)
        with pytest.raises(NotFoundError):
            report_jobs.request_document(cast.store, cast.outsider, ref, "pdf", lang="en")
        with pytest.raises(NotFoundError):
            report_jobs.document_state(cast.store, cast.outsider, ref, "pdf", lang="en")
        with pytest.raises(NotFoundError):
            reports.render_stored(cast.store, cast.outsider, ref, "html")
        assert [r for r in cast.store.runs(cast.project_id) if r["kind"] == "render"] == []


class CliTests:
    def test_devmaturity_report_renders_once_then_writes_the_stored_rendering(
        self, cast: Cast, store_url: str, tmp_path: Path
    ) -> None:
        ref = _assessment(cast)
        args = ["report", ref, "--format", "html", "--lang", "zh", "--db", store_url]
        assert run([*args, "-o", str(tmp_path / "one.html")]) == 0
        [(_, _, lang, digest, _)] = _rows(cast.store)
        with cast.store.transaction() as conn:  # mark the stored rendering, to tell it from a new one
            conn.execute(update(t.rendered_reports).values(created_at=0, content=b"<!doctype html>stored"))
        assert run([*args, "-o", str(tmp_path / "two.html")]) == 0
        assert (tmp_path / "two.html").read_bytes() == b"<!doctype html>stored"
        assert _rows(cast.store) == [(int(ref), "html", lang, digest, 0)]
