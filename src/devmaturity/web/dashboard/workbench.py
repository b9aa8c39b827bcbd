"""The assessor's workbench: the questions no tool decides, answered with evidence links and files; mark an
answer reviewed; freeze the assessment (then every edit is refused, and the page says so)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from devmaturity.services import pages_workbench as pages
from devmaturity.web import deps
from devmaturity.web.dashboard.common import PageRoute, ViewerDep, flash_of, see_other
from devmaturity.web.dashboard.project import ProjectId
from devmaturity.web.dashboard.render import page
from devmaturity.web.dashboard.views import evidence_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FLASHES = {"answer": "bench.saved", "review": "bench.reviewed_ok", "freeze": "bench.frozen_ok"}
Criterion = Annotated[str, Form(min_length=1, max_length=100)]
Part = Annotated[str, Form(max_length=20)]


@router.get("/projects/{project_id}/workbench")
async def workbench(
    request: Request,
    viewer: ViewerDep,
    project_id: ProjectId,
    part: Annotated[str, Query(max_length=20)] = "",
    levels: Annotated[str, Query(pattern="^(next|all)$")] = "next",
    criterion: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    bench = await run_in_threadpool(pages.workbench_view, deps.get_store(request), viewer.actor, project_id)
    view = {**_view(bench, part, levels == "all"), "open": criterion}
    context = {**viewer.context("portfolio"), "view": view, "flash": flash_of(request, FLASHES)}
    return page(request, "workbench.html", context)


def _view(bench: pages.Workbench, part: str, every_level: bool) -> dict[str, Any]:
    """The questions of one part: by default only those up to each item's next level (and any answered)."""
    shown = [q for q in bench.questions if every_level or q.next_level or q.criterion in bench.answers]
    counts: dict[str, int] = {}
    for question in shown:
        counts[question.part] = counts.get(question.part, 0) + 1
    parts = [{"key": key, "name": name, "count": counts.get(key, 0)} for key, name in bench.parts if counts.get(key)]
    chosen = part if part in counts else (parts[0]["key"] if parts else "")
    questions = []
    for q in shown:
        if q.part != chosen:
            continue
        answer = bench.answers.get(q.criterion)
        questions.append(
            {
                "criterion": q.criterion,
                "item_name": q.item_name,
                "level": q.level,
                "text": q.text,
                "hint": q.hint,
                "answer": None if answer is None else _answer(answer),
            }
        )
    return {
        "project_id": bench.project.id,
        "project": bench.project.name,
        "frozen": bench.frozen,
        "frozen_at": bench.frozen_at or "",
        "frozen_by": bench.frozen_by or "",
        "can_write": bench.can_write,
        "can_review": bench.can_review,
        "can_freeze": bench.can_freeze,
        "can_assess": bench.can_assess,
        "parts": parts,
        "part": chosen,
        "every_level": every_level,
        "questions": questions,
    }


def _answer(answer: pages.AnswerView) -> dict[str, Any]:
    return {
        "status": answer.value or "unknown",
        "note": answer.note,
        "links": [evidence_of(link).href or link for link in answer.links],
        "by": answer.by,
        "at": answer.at,
        "reviewed_by": answer.reviewed_by,
        "reviewed_at": answer.reviewed_at,
        "files": [{"name": f.name, "size": _size(f.size), "href": f"/evidence-files/{f.id}"} for f in answer.files],
    }


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} B"


@router.post("/projects/{project_id}/workbench/answer")
async def answer(
    request: Request,
    viewer: ViewerDep,
    project_id: ProjectId,
    criterion: Criterion,
    value: Annotated[str, Form(pattern="^(met|not_met|not_applicable)$")],
    part: Part = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    links: Annotated[str, Form(max_length=8000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload = None
    if file is not None and file.filename:
        # one byte over the limit is enough for the use case to refuse the file with its size message
        upload = pages.Upload(
            name=file.filename, content=await file.read(deps.get_config(request).evidence_max_bytes + 1)
        )
    given = pages.AnswerInput(
        criterion=criterion,
        value=value,
        note=note.strip(),
        links=tuple(line.strip() for line in links.splitlines() if line.strip()),
        upload=upload,
    )
    limit = deps.get_config(request).evidence_max_bytes
    await run_in_threadpool(
        pages.answer, deps.get_store(request), viewer.actor, project_id, given, viewer.source, limit
    )
    back = f"/projects/{project_id}/workbench?part={quote(part)}&criterion={quote(criterion)}#q-{quote(criterion)}"
    return see_other(back, "answer")


@router.post("/projects/{project_id}/workbench/review")
async def review(
    request: Request, viewer: ViewerDep, project_id: ProjectId, criterion: Criterion, part: Part = ""
) -> Response:
    await run_in_threadpool(pages.review, deps.get_store(request), viewer.actor, project_id, criterion, viewer.source)
    return see_other(f"/projects/{project_id}/workbench?part={quote(part)}#q-{quote(criterion)}", "review")


@router.post("/projects/{project_id}/workbench/freeze")
async def freeze(request: Request, viewer: ViewerDep, project_id: ProjectId, part: Part = "") -> Response:
    await run_in_threadpool(pages.freeze, deps.get_store(request), viewer.actor, project_id, viewer.source)
    return see_other(f"/projects/{project_id}/workbench?part={quote(part)}", "freeze")
