"""The dashboard: server-rendered pages (Jinja2 templates, ECharts served from the package) over the services.

`router` holds every page; `mount(app)` adds it and the static files to an app (web/app.py calls it).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from devmaturity.web.dashboard import admin, compare, portfolio, project, signin, static, workbench

router = APIRouter(include_in_schema=False)
for _module in (signin, portfolio, project, workbench, compare, admin):
    router.include_router(_module.router)


def mount(app: FastAPI) -> None:
    """The pages and /static on `app`."""
    app.include_router(router)
    app.include_router(static.router)
