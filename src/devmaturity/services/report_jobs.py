"""The report download without rendering on a request: serve the stored rendering when its digest matches, else
queue one render job per document (task devmaturity.render, on the configured job runner) and say how it goes.

The web's download calls `request_document` (a Rendered to send, or a Pending to show as "being prepared"), its
status resource calls `document_state`; the job is `run_render`. The same checks as a download always had guard
every call: the assessment inside the actor's organisations (else not found), the read permission (a refusal
audited). The job renders as the local owner what the request keyed: the cover's name is part of the key.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from devmaturity.auth.policy import Actor
from devmaturity.errors import DevmaturityError, UsageError
from devmaturity.model.documents import DocumentKey, RenderRun
from devmaturity.model.text import Lang
from devmaturity.services import reports
from devmaturity.services.jobs import TRANSIENT, QueuedJob, claimed
from devmaturity.store.db import Store
from devmaturity.store.repos import rendered as repo

RENDER_TASK = "devmaturity.render"
ACTIVE = ("queued", "running")
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pending:
    """The document is being prepared by run `run_id` (queued or running). `job` is the job to hand to the runner
    once this returns; None when an earlier request queued the run already."""

    run_id: int
    status: str
    project: str
    job: QueuedJob | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Asked:
    stored: reports.StoredAssessment
    key: DocumentKey
    digest: str


def _asked(store: Store, actor: Actor, ref: str, fmt: str, lang: Lang, source: str) -> _Asked:
    reports.document_format(fmt)  # a format not installed fails here, before anything is queued
    if fmt not in reports.CACHED_FORMATS:
        raise UsageError(f"format {fmt!r} is not rendered in the background", zh=f"格式 {fmt!r} 不在后台渲染")
    stored = reports.load_assessment(store, actor, ref, lang=lang, source=source)
    key = reports.document_key(stored, actor, fmt, lang)
    return _Asked(stored=stored, key=key, digest=reports.document_digest(stored, key))


def request_document(
    store: Store, actor: Actor, ref: str, fmt: str, *, lang: Lang = "en", source: str = "cli"
) -> reports.Rendered | Pending:
    """The stored rendering of assessment `ref` when it is current; else the render run that prepares it,
    queued now unless one for the same document and digest is queued or running already."""
    asked = _asked(store, actor, ref, fmt, lang, source)
    found = reports.cached_document(store, asked.key, asked.digest)
    if found is not None:
        return reports.rendered_of(asked.stored, found)
    active = _newest_run(store, asked, statuses=ACTIVE)
    if active is not None:
        return Pending(run_id=active.run_id, status=active.status, project=asked.stored.project, job=None)
    return _queue(store, asked)


def _queue(store: Store, asked: _Asked) -> Pending:
    key = asked.key
    inputs = {
        "assessment_id": key.assessment_id,
        "format": key.format,
        "lang": key.lang,
        "assessor": key.assessor,
        "digest": asked.digest,
    }
    run_id = store.queue_run(asked.stored.project_id, repo.RENDER_KIND, inputs)
    job = QueuedJob(task=RENDER_TASK, run_id=run_id, project=asked.stored.project, path="")
    return Pending(run_id=run_id, status="queued", project=asked.stored.project, job=job)


def _newest_run(store: Store, asked: _Asked, *, statuses: tuple[str, ...] | None = None) -> RenderRun | None:
    with store.reading() as conn:
        runs = repo.render_runs(conn, asked.stored.project_id)
    for run in runs:
        if run.key == asked.key and run.digest == asked.digest and (statuses is None or run.status in statuses):
            return run
    return None


def document_state(store: Store, actor: Actor, ref: str, fmt: str, *, lang: Lang = "en", source: str = "cli") -> str:
    """How the document of assessment `ref` goes: ready (stored and current), queued or running, failed (its
    newest render run failed or was interrupted), or missing (nothing prepares it: ask for it again)."""
    asked = _asked(store, actor, ref, fmt, lang, source)
    if reports.is_cached(store, asked.key, asked.digest):
        return "ready"
    newest = _newest_run(store, asked)
    if newest is None or newest.status == "ok":  # ok, yet not stored: the report changed since
        return "missing"
    return newest.status if newest.status in ACTIVE else "failed"


def run_render(database_url: str, run_id: int, *, final: bool = True) -> str:
    """Claim a queued render run and render its document into the store (skipped when the run is done already,
    unknown, or of another kind). It takes no project lock: a render only reads the assessment, and two renders
    of one document write the same bytes. A document current already is not rendered again."""
    with claimed(database_url, run_id, repo.RENDER_KIND, lock=False) as found:
        if found is None:
            return "skipped"
        store, inputs = found
        started = time.monotonic()
        try:
            summary = _render(store, inputs)
        except TRANSIENT as exc:
            if not final:
                store.requeue_run(run_id, exc.one_line())
            else:
                store.finish_run(run_id, "failed", {"error": exc.one_line()}, ())
            raise
        except DevmaturityError as exc:
            store.finish_run(run_id, "failed", {"error": exc.one_line()}, ())
            raise
        except Exception as exc:  # a renderer's own error (a bug): recorded on the run, then raised to be seen
            store.finish_run(run_id, "failed", {"error": f"{type(exc).__name__}: {exc}"}, ())
            raise
        store.finish_run(run_id, "ok", {**summary, "seconds": round(time.monotonic() - started, 3)}, ())
    return "ok"


def _render(store: Store, inputs: dict[str, object]) -> dict[str, object]:
    stored = reports.load_assessment(store, Actor.local("job:render"), str(inputs["assessment_id"]))
    fmt, lang, assessor = (str(inputs[name]) for name in ("format", "lang", "assessor"))
    key = DocumentKey(assessment_id=stored.id, format=fmt, lang=lang, assessor=assessor)
    digest = reports.document_digest(stored, key)  # the report now: it may have changed since the run was queued
    rendered = reports.is_cached(store, key, digest)
    if not rendered:
        document = reports.render_to_cache(store, stored, key, digest)
        logger.info("rendered %s %s of assessment %s: %d bytes", key.format, key.lang, stored.id, len(document.content))
    return {"assessment_id": stored.id, "format": key.format, "lang": key.lang, "digest": digest, "cached": rendered}
