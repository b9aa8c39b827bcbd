"""The project page (radars, trends with the next level's thresholds, level table, gaps), the drill-down to an
item's criteria and evidence, and the downloads: the report (PDF, or HTML) and uploaded evidence files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from devmaturity.errors import NotFoundError
from devmaturity.model.text import Lang
from devmaturity.services import pages
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


@router.get("/projects/{project_id}/report.{fmt}")
async def report(
    request: Request, viewer: ViewerDep, project_id: ProjectId, fmt: Annotated[str, Path(pattern="^(pdf|html)$")]
) -> Response:
    rendered = await run_in_threadpool(
        pages.report_document, deps.get_store(request), viewer.actor, project_id, fmt, viewer.lang, viewer.source
    )
    return _attachment(rendered)


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
