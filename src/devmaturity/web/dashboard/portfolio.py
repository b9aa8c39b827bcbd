"""The portfolio page: every project the viewer sees, with part levels, DORA cluster and movement; filters,
sorting and paging in the query string (so they work without script and can be bookmarked)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from devmaturity.services import pages
from devmaturity.web import deps
from devmaturity.web.dashboard.cache import cached_page
from devmaturity.web.dashboard.common import PageRoute, ViewerDep
from devmaturity.web.dashboard.views import heatmap, page_offsets, text_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50


@router.get("/portfolio")
async def portfolio(
    request: Request,
    viewer: ViewerDep,
    org: Annotated[str, Query(max_length=100)] = "",
    team: Annotated[str, Query(max_length=200)] = "",
    min_level: Annotated[str, Query(max_length=2)] = "",
    sort: Annotated[str, Query(max_length=60)] = "name",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    query = pages.PortfolioQuery(
        org=org or None,
        team=team or None,
        min_level=int(min_level) if min_level.isdigit() else None,
        sort=sort,
        descending=order == "desc",
        offset=offset,
        limit=PAGE_SIZE,
    )
    store = deps.get_store(request)

    def build() -> dict[str, Any]:
        return {"view": _view(pages.portfolio(store, viewer.actor, query), query, viewer.lang)}

    return await cached_page(request, viewer, "portfolio.html", "portfolio", build)


def _view(found: pages.Portfolio, query: pages.PortfolioQuery, lang: Any) -> dict[str, Any]:
    filters = {"org": query.org or "", "team": query.team or "", "min_level": query.min_level or ""}
    base = "/portfolio?" + urlencode(filters)
    paging = {**filters, "sort": query.sort, "order": "desc" if query.descending else "asc"}
    prev_offset, next_offset = page_offsets(found.total, query.offset, query.limit)
    rows = [
        {
            "id": e.project.id,
            "name": e.project.name,
            "org": e.project.org_name,
            "team": e.project.team,
            "levels": dict(e.levels),
            "dora": e.dora,
            "movement": e.movement,
            "assessed": e.assessed,
        }
        for e in found.entries
    ]
    columns = [(sub_id, text_in(name, lang)) for sub_id, name in found.subdomains]
    return {
        "rows": rows,
        "total": found.total,
        "parts": [{"key": key, "label": key.upper()} for key, _ in found.parts],
        "orgs": [{"slug": slug, "name": name} for slug, name in found.orgs],
        "teams": found.teams,
        "org": query.org,
        "team": query.team,
        "min_level": query.min_level,
        "sort": query.sort,
        "order": "desc" if query.descending else "asc",
        "base": base,
        "movement": found.movement,
        "prev_href": None if prev_offset is None else "/portfolio?" + urlencode({**paging, "offset": prev_offset}),
        "next_href": None if next_offset is None else "/portfolio?" + urlencode({**paging, "offset": next_offset}),
        "heatmap": heatmap([(e.project.name, e.subdomains) for e in found.entries], columns),
    }
