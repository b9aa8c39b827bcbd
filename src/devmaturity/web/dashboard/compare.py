"""The compare page: two projects or two periods side by side with the case-study sentence, beside the
published securities case figures and the DORA clusters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from devmaturity.model.text import Lang
from devmaturity.services import pages_compare as pages
from devmaturity.web import deps
from devmaturity.web.dashboard.common import PageRoute, ViewerDep
from devmaturity.web.dashboard.render import page
from devmaturity.web.dashboard.views import shown_value, text_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Id = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/compare")
async def compare(
    request: Request,
    viewer: ViewerDep,
    left: Id = None,
    right: Id = None,
    left_assessment: Annotated[str, Query(max_length=12)] = "",
    right_assessment: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    ask = pages.CompareQuery(
        left=left,
        right=right,
        left_assessment=int(left_assessment) if left_assessment.isdigit() else None,
        right_assessment=int(right_assessment) if right_assessment.isdigit() else None,
    )
    found = await run_in_threadpool(pages.compare, deps.get_store(request), viewer.actor, ask, viewer.lang)
    return page(request, "compare.html", {**viewer.context("compare"), "view": _view(found, viewer.lang)})


def _side(side: pages.CompareSide | None) -> dict[str, Any]:
    if side is None:
        return {"project": None, "assessment": None, "assessments": []}
    return {
        "project": side.project.id,
        "assessment": side.chosen,
        "assessments": [{"id": a.id, "label": a.label} for a in side.assessments],
    }


def _view(found: pages.Comparison, lang: Lang) -> dict[str, Any]:
    result = None
    left, right = found.left, found.right
    if left is not None and right is not None and left.report is not None and right.report is not None:
        right_parts = {p["key"]: p for p in right.report["parts"]}
        levels = [
            {
                "key": p["key"],
                "name": p["name"],
                "left": p["level"],
                "right": right_parts.get(p["key"], {}).get("level"),
            }
            for p in left.report["parts"]
        ]
        result = {
            "sentence": found.sentence,
            "left_label": left.label,
            "right_label": right.label,
            "levels": levels,
            "metrics": [
                {
                    "name": m.name,
                    "left": shown_value(m.left, m.unit, lang),
                    "right": shown_value(m.right, m.unit, lang),
                    "change": "—" if m.change is None else f"{m.change * 100:+.0f} %".replace("-", "−"),
                }
                for m in found.metrics
            ],
            "radar": {
                "max": 5,
                "indicators": [{"name": f"{row['key'].upper()} {text_in(row['name'], lang)}"} for row in levels],
                "series": [
                    {"name": left.label, "values": [row["left"] for row in levels]},
                    {"name": right.label, "values": [row["right"] or 0 for row in levels]},
                ],
            },
        }
    return {
        "projects": [{"id": p.id, "name": p.name} for p in found.projects],
        "chosen": {"left": _side(found.left), "right": _side(found.right)},
        "result": result,
        "cases": [
            {
                "firm": c.firm,
                "project": c.project,
                "metric": c.metric_name,
                "before": c.before or "—",
                "after": c.after or "—",
                "yours": shown_value(c.yours, c.unit, lang) if c.unit else "—",
            }
            for c in found.cases
        ],
        "cases_source": found.cases_source,
        "dora": {
            "clusters": list(found.dora.clusters),
            "rows": [
                {"name": r.name, "cells": list(r.cells), "yours": shown_value(r.yours, r.unit, lang)}
                for r in found.dora.rows
            ],
        },
    }
