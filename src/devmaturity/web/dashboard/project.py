"""The project page (radars, trends with the next level's thresholds, level table, gaps), the drill-down to an
item's criteria and evidence, and the downloads: the report (PDF, or HTML) and uploaded evidence files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from devmaturity.config import Config
from devmaturity.errors import NotFoundError
from devmaturity.jobs.runner import make_runner
from devmaturity.model.text import Lang
from devmaturity.services import pages
from devmaturity.services.jobs import QueuedJob
from devmaturity.services.project_runs import database_url_of
from devmaturity.web import deps
from devmaturity.web.dashboard.cache import cached_page
from devmaturity.web.dashboard.common import PageRoute, ViewerDep
from devmaturity.web.dashboard.render import page
from devmaturity.web.dashboard.texts import t
from devmaturity.web.dashboard.views import find_item, gaps, item_view, radar_parts, radar_subdomains, text_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ProjectId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/projects/{project_id}")
async def project(
    request: Request,
    viewer: ViewerDep,
    project_id: ProjectId,
    part: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    store = deps.get_store(request)

    def build() -> dict[str, Any]:
        return {"view": _view(pages.project_page(store, viewer.actor, project_id), part, viewer.lang)}

    return await cached_page(request, viewer, "project.html", "portfolio", build)


def _view(found: pages.ProjectPage, part: str, lang: Lang) -> dict[str, Any]:
    ref = found.project
    view: dict[str, Any] = {"id": ref.id, "name": ref.name, "org": ref.org_name, "team": ref.team, "assessment": None}
    report = found.report
    if report is None or found.assessment_id is None:
        return view
    parts = report.get("parts", [])
    keys = [p["key"] for p in parts]
    chosen = part if part in keys else ("cd" if "cd" in keys else (keys[0] if keys else ""))
    levels_label = t("level", lang)
    window = report.get("window", {})
    view.update(
        assessment={
            "id": found.assessment_id,
            "period": f"{str(window.get('start', ''))[:10]} – {str(window.get('end', ''))[:10]}",
            "framework": f"{text_in(report['framework'].get('name'), lang)} {report['framework'].get('version', '')}",
            "frozen": found.frozen,
        },
        radar_parts=radar_parts(report, lang, levels_label),
        radar_subdomains=radar_subdomains(report, chosen, lang, levels_label),
        subdomain_part=chosen,
        part_choices=[{"key": p["key"], "name": p["name"]} for p in parts],
        trends=[_trend(s, lang) for s in found.series],
        gaps=gaps(report),
        parts=parts,
        pdf_href=f"/projects/{ref.id}/report.{'pdf' if found.pdf_ready else 'html'}",
        pdf_ready=found.pdf_ready,
        pack_href=f"/projects/{ref.id}/evidence-pack.zip" if found.pack_ready else None,
    )
    return view


def _trend(series: pages.Series, lang: Lang) -> dict[str, Any]:
    threshold = None
    if series.threshold is not None:
        threshold = {
            "value": series.threshold.value,
            "level": series.threshold.level,
            "label": t("project.threshold", lang, n=series.threshold.level),
        }
    return {
        "metric": series.metric,
        "name": series.name,
        "title": text_in(series.name, lang),
        "unit": series.unit,
        "points": [[at, value] for at, value in series.points],
        "threshold": threshold,
    }


@router.get("/projects/{project_id}/items/{item_id}")
async def item(
    request: Request, viewer: ViewerDep, project_id: ProjectId, item_id: Annotated[str, Path(max_length=100)]
) -> Response:
    found = await run_in_threadpool(pages.project_page, deps.get_store(request), viewer.actor, project_id)
    entry = find_item(found.report, item_id) if found.report is not None else None
    if entry is None:
        raise NotFoundError(
            f"item {item_id!r} not found in the project's assessment", zh=f"该项目的评估中没有能力项 {item_id!r}"
        )
    view = {"project_id": project_id, "project": found.project.name, "item": item_view(entry, found.uploads, found.web)}
    return page(request, "item.html", {**viewer.context("portfolio"), "view": view})


Fmt = Annotated[str, Path(pattern="^(pdf|html)$")]


@router.get("/projects/{project_id}/report.{fmt}")
async def report(
    request: Request, viewer: ViewerDep, project_id: ProjectId, fmt: Fmt, background: BackgroundTasks
) -> Response:
    """The report when it is rendered already (an attachment, its digest as ETag); else 202 with a page that
    says it is being prepared and follows its status until the download can start. Never renders here."""
    store = deps.get_store(request)
    found = await run_in_threadpool(
        pages.report_document, store, viewer.actor, project_id, fmt, viewer.lang, viewer.source
    )
    if isinstance(found, pages.ReportDocument):
        return _report_attachment(found, request.headers.get("if-none-match"))
    if found.job is not None:
        background.add_task(_submit, deps.get_config(request), database_url_of(store), found.job)
    base = f"/projects/{project_id}/report.{fmt}"
    view = {
        "project_id": project_id,
        "project": found.project,
        "state": found.status,
        "download_url": base,
        "status_url": f"{base}/status",
    }
    return page(request, "report_pending.html", {**viewer.context("portfolio"), "view": view}, status=202)


@router.get("/projects/{project_id}/report.{fmt}/status")
async def report_status(request: Request, viewer: ViewerDep, project_id: ProjectId, fmt: Fmt) -> Response:
    """{"state": ready | queued | running | failed | missing}, which the "being prepared" page polls."""
    state = await run_in_threadpool(
        pages.report_state, deps.get_store(request), viewer.actor, project_id, fmt, viewer.lang, viewer.source
    )
    return JSONResponse({"state": state}, headers={"Cache-Control": "no-store"})


def _submit(config: Config, database_url: str, job: QueuedJob) -> None:
    runner = Config(database_url=database_url, broker_url=config.broker_url, job_time_limit=config.job_time_limit)
    make_runner(runner).submit(job)


def _report_attachment(document: pages.ReportDocument, if_none_match: str | None) -> Response:
    """The rendered report, or 304 when the browser holds this very rendering (same digest) already."""
    etag = f'"{document.digest}"'
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "private, no-cache"})
    response = _attachment(document)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"  # kept by the browser, checked against the ETag
    return response


@router.get("/projects/{project_id}/evidence-pack.zip")
async def evidence_pack(request: Request, viewer: ViewerDep, project_id: ProjectId) -> Response:
    key = deps.web_context(request).key
    packed = await run_in_threadpool(
        pages.evidence_pack, deps.get_store(request), viewer.actor, project_id, key, viewer.lang
    )
    return _attachment(packed)


@router.get("/evidence-files/{file_id}")
async def evidence_file(request: Request, viewer: ViewerDep, file_id: ProjectId) -> Response:
    found = await run_in_threadpool(pages.evidence_file, deps.get_store(request), viewer.actor, file_id)
    return _attachment(found)


def _attachment(document: pages.Document) -> Response:
    """A download, never shown inline: an uploaded file is not trusted to be what it claims."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in document.name) or "download"
    headers = {
        "Content-Disposition": f'attachment; filename="{safe}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "no-store",
    }
    return Response(document.content, media_type=document.media_type, headers=headers)
