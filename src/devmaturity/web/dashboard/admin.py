"""Administration pages: organisations, projects, sources (with a connection test), users and roles, run
history with live progress, and the audit log. Each tab is one table; the services decide who sees what."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from devmaturity.auth.roles import ROLE_NAMES, Role
from devmaturity.config import Config
from devmaturity.jobs.runner import make_runner
from devmaturity.model.text import Lang
from devmaturity.services import pages_admin as pages
from devmaturity.services.jobs import QueuedJob
from devmaturity.web import deps
from devmaturity.web.dashboard.common import PageRoute, ViewerDep, flash_of, see_other
from devmaturity.web.dashboard.render import page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TABS = ("orgs", "projects", "sources", "users", "runs", "audit")
FLASHES = {
    "user": "admin.done",
    "test-ok": "admin.test_ok",
    "test-failed": "admin.test_failed",
    "queued": "admin.queued",
}
# the columns of each tab (text keys) and which of them the run poller refreshes
COLUMNS: dict[str, tuple[str, ...]] = {
    "orgs": ("admin.slug", "admin.name", "admin.role"),
    "projects": ("admin.name", "portfolio.org", "admin.team", "admin.created"),
    "sources": ("admin.project", "admin.name", "admin.kind", "admin.has_secret"),
    "users": ("admin.name", "admin.role", "portfolio.org"),
    "runs": ("admin.project", "admin.run_kind", "admin.status", "admin.progress", "admin.started", "admin.finished"),
    "audit": ("admin.at", "admin.actor", "admin.action", "admin.target", "admin.result", "admin.source_addr"),
}
LIVE = {"runs": {2: "status", 3: "progress"}}


@router.get("/admin")
def admin_home() -> RedirectResponse:
    return RedirectResponse("/admin/projects", status_code=303)


@router.get("/admin/{tab}")
async def admin_tab(
    request: Request,
    viewer: ViewerDep,
    tab: Annotated[str, Path(pattern="^(orgs|projects|sources|users|runs|audit)$")],
    org: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    found = await run_in_threadpool(
        pages.admin_table, deps.get_store(request), viewer.actor, tab, org or None, viewer.lang, viewer.source
    )
    context = {
        **viewer.context("admin"),
        "tab": tab,
        "view": _view(found, tab, viewer.lang),
        "flash": flash_of(request, FLASHES),
        "flash_kind": "error" if request.query_params.get("done") == "test-failed" else "ok",
    }
    return page(request, "admin.html", context)


def _view(found: pages.AdminTable, tab: str, lang: Lang) -> dict[str, Any]:
    rows = []
    for row in found.rows:
        cells = [{"text": text, "href": href} for text, href in row.cells]
        rows.append({"cells": cells, "run_id": row.run_id, "test_href": row.test_href})
    return {
        "columns": COLUMNS[tab],
        "rows": rows,
        "live_columns": LIVE.get(tab, {}),
        "row_actions": tab == "sources",
        "org": found.org,
        "org_choices": [{"slug": slug, "name": name} for slug, name in found.orgs],
        "can_manage": found.can_manage,
        "roles": [{"value": role.value, "label": ROLE_NAMES[role].get(lang)} for role in Role],
        "export_href": found.export_href,
    }


@router.post("/admin/users")
async def create_user(
    request: Request,
    viewer: ViewerDep,
    org: Annotated[str, Form(min_length=1, max_length=100)],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(min_length=1, max_length=1000)],
    role: Annotated[Role, Form()],
) -> Response:
    await run_in_threadpool(
        pages.create_user, deps.get_store(request), viewer.actor, org, name, password, role, viewer.source
    )
    return see_other(f"/admin/users?org={org}", "user")


Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/admin/projects/{project_id}/sources/{source_id}/test")
async def test_source(request: Request, viewer: ViewerDep, project_id: Id, source_id: Id) -> Response:
    store = deps.get_store(request)
    works = await run_in_threadpool(pages.test_source, store, viewer.actor, project_id, source_id, viewer.source)
    return see_other("/admin/sources", "test-ok" if works else "test-failed")


@router.post("/projects/{project_id}/assess")
async def assess(request: Request, viewer: ViewerDep, project_id: Id, background: BackgroundTasks) -> Response:
    """Queue an assessment of the project (after this answer, on the configured job runner) and show the runs."""
    store = deps.get_store(request)
    run_id, job = await run_in_threadpool(pages.queue_assessment, store, viewer.actor, project_id, viewer.source)
    background.add_task(_submit, deps.get_config(request), pages.database_url(store), job)
    return see_other(f"/admin/runs?run={run_id}", "queued")


def _submit(config: Config, database_url: str, job: QueuedJob) -> None:
    runner = Config(database_url=database_url, broker_url=config.broker_url, job_time_limit=config.job_time_limit)
    make_runner(runner).submit(job)
