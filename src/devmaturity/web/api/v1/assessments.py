"""Stored assessments: a project's list (cursor pages), one assessment with its levels (ETag, 304 on
If-None-Match), its criteria and its prioritised gaps, freezing it, and the portfolio with its heatmap
(docs/api-assessments.md). Everything is read from what was stored; nothing is computed on a request."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from devmaturity.services import assessments as svc
from devmaturity.services import workbench
from devmaturity.services.assessments import SortKey
from devmaturity.web.api.v1.answers import CycleRead, cycle_read
from devmaturity.web.api.v1.common import CursorQuery, LimitQuery, Page, decode_cursor, page_of, with_etag
from devmaturity.web.api.v1.metrics import Threshold
from devmaturity.web.api.v1.projects import Id
from devmaturity.web.deps import ActorDep, SourceDep, StoreDep

router = APIRouter(tags=["assessments"])

AssessmentId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the assessment's id")]
Text = dict[str, str]
"""A text in both languages: {"zh": ..., "en": ...}."""


class AssessmentBrief(BaseModel):
    id: int
    project_id: int
    project: str
    framework: str
    framework_version: str
    window_start: int = Field(description="unix seconds, included")
    window_end: int = Field(description="unix seconds, excluded")
    created_at: int | None
    cycle_id: int | None = Field(description="the assessment cycle whose answers it used")
    levels: dict[str, int] = Field(description="part key → level")


class ItemLevel(BaseModel):
    id: str
    name: Text
    level: int
    mark: str = Field(description='"2", or "3-" when some of level 3 is met')
    blocked_by: str | None = Field(description="not_met | unknown: the status of the next level")
    not_applicable: str | None = Field(description="why the item does not apply, when it does not")


class SubdomainLevel(BaseModel):
    id: str
    name: Text
    level: int
    items: list[ItemLevel]


class PartLevel(BaseModel):
    key: str
    id: str
    name: Text
    level: int
    subdomains: list[SubdomainLevel]


class Dora(BaseModel):
    year: str = Field(description="the DORA report year whose clusters were used")
    level: int | None = Field(description="1 Low … 4 Elite; null: no data")
    name: Text | None
    partial: bool = Field(description="some of the DORA metrics were unknown")


class PartRef(BaseModel):
    key: str
    id: str
    name: Text
    level: int


class SubdomainRef(BaseModel):
    id: str
    part: str
    name: Text
    level: int


class KeyMetric(BaseModel):
    value: float | None
    unit: str
    days: int | None


class Summary(BaseModel):
    window: dict[str, Any] | None = Field(description="{start, end, days}")
    parts: list[PartRef]
    subdomains: list[SubdomainRef]
    counts: dict[str, int] = Field(description="criteria met, not_met, unknown")
    metrics: dict[str, KeyMetric] = Field(description="the key metrics over the assessment's window")
    thresholds: dict[str, list[Threshold]] = Field(description="per key metric, those of each item's next level")
    gaps: int = Field(description="open criteria of all levels")
    dora: Dora | None = Field(default=None, description="null for summaries rebuilt before the DORA cluster existed")


class AssessmentRead(AssessmentBrief):
    summary: Summary
    parts: list[PartLevel]


class CriterionRead(BaseModel):
    id: str
    part: str
    item: str
    level: int
    kind: str = Field(description="metric | fact | answer")
    text: Text
    status: str = Field(description="met | not_met | unknown")
    decided_by: str = Field(description="metric | fact | assessor | nothing")
    reason: Text
    observed: str = ""
    evidence: list[str] = Field(description="the files, builds, commits or records it was decided from")
    metric: str | None = None
    op: str | None = None
    value: float | None = None
    fact: str | None = None


class GapRead(BaseModel):
    priority: int = Field(description="1 first")
    part: str
    subdomain: str
    item: str
    item_name: Text
    item_level: int
    criterion: str
    level: int
    status: str
    text: Text
    reason: Text
    how_to_decide: Text


class PortfolioProject(BaseModel):
    project_id: int
    project: str
    org: str | None
    team: str | None
    assessment_id: int | None
    assessed_at: str | None = Field(description="end of the newest assessment's period (ISO-8601)")
    framework: str | None
    parts: dict[str, int]
    level: int | None = Field(description="the lowest part level")
    dora: Dora | None = Field(description="level null: no data")
    movement: dict[str, int] = Field(description="part key → level change since the previous assessment")


class Heatmap(BaseModel):
    subdomains: list[dict[str, Any]] = Field(description="columns: {id, part, name}")
    rows: list[dict[str, Any]] = Field(description="{project_id, project, levels: [level or null per column]}")


class PortfolioRead(BaseModel):
    projects: list[PortfolioProject]
    heatmap: Heatmap


def brief(row: Any) -> AssessmentBrief:
    return AssessmentBrief(
        id=row.id,
        project_id=row.project_id,
        project=row.project,
        framework=row.framework,
        framework_version=row.version,
        window_start=row.window_start,
        window_end=row.window_end,
        created_at=row.created_at,
        cycle_id=row.cycle_id,
        levels=dict(row.levels),
    )


@router.get("/projects/{project_id}/assessments", operation_id="list_assessments", response_model=Page[AssessmentBrief])
def list_assessments(
    project_id: Id, store: StoreDep, actor: ActorDep, cursor: CursorQuery = None, limit: LimitQuery = 50
) -> Page[AssessmentBrief]:
    position = decode_cursor(cursor)
    before = int(position[0]) if position and isinstance(position[0], int) else None
    rows = svc.of_project(store, actor, project_id=project_id, before=before, limit=limit + 1)
    page = page_of(rows, limit, lambda r: (r.id,))
    return Page[AssessmentBrief](items=[brief(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/assessments/{assessment_id}", operation_id="get_assessment", response_model=AssessmentRead)
def get_assessment(assessment_id: AssessmentId, request: Request, store: StoreDep, actor: ActorDep) -> Response:
    """The assessment with its levels; answered 304 when If-None-Match carries its ETag."""
    view = svc.assessment(store, actor, assessment_id=assessment_id)
    parts = svc.levels(store, actor, assessment_id=assessment_id)
    body = AssessmentRead(
        **brief(view.row).model_dump(),
        summary=Summary.model_validate(dict(view.summary)),
        parts=[PartLevel(**p) for p in parts],
    )
    return with_etag(request, body)


@router.get("/assessments/{assessment_id}/criteria", operation_id="list_criteria", response_model=list[CriterionRead])
def list_criteria(
    assessment_id: AssessmentId,
    store: StoreDep,
    actor: ActorDep,
    part: str | None = Query(default=None, max_length=50, description="part key or id, e.g. cd"),
    status: Literal["met", "not_met", "unknown"] | None = None,
    item: str | None = Query(default=None, max_length=100),
) -> list[CriterionRead]:
    found = svc.criteria(store, actor, assessment_id=assessment_id, part=part, status=status, item=item)
    return [CriterionRead(**c) for c in found]


@router.get("/assessments/{assessment_id}/gaps", operation_id="list_gaps", response_model=list[GapRead])
def list_gaps(
    assessment_id: AssessmentId,
    store: StoreDep,
    actor: ActorDep,
    part: str | None = Query(default=None, max_length=50),
) -> list[GapRead]:
    return [GapRead(**g) for g in svc.gaps(store, actor, assessment_id=assessment_id, part=part)]


@router.post("/assessments/{assessment_id}/freeze", operation_id="freeze_assessment", response_model=CycleRead)
def freeze_assessment(assessment_id: AssessmentId, store: StoreDep, actor: ActorDep, source: SourceDep) -> CycleRead:
    """Freeze (approve) the assessment: its cycle's answers and files become final."""
    return cycle_read(workbench.freeze(store, actor, assessment_id=assessment_id, source=source))


@router.get("/portfolio", operation_id="get_portfolio", response_model=PortfolioRead)
def get_portfolio(
    store: StoreDep,
    actor: ActorDep,
    org: str | None = Query(default=None, max_length=100),
    team: str | None = Query(default=None, max_length=100),
    level: int | None = Query(default=None, ge=0, le=5, description="the lowest part level"),
    framework: str | None = Query(default=None, max_length=100),
    sort: SortKey = SortKey.NAME,
    order: Literal["asc", "desc"] = "asc",
) -> PortfolioRead:
    entries = svc.portfolio(
        store, actor, org=org, team=team, level=level, framework=framework, sort=sort, descending=order == "desc"
    )
    projects = [PortfolioProject(**{k: getattr(e, k) for k in PortfolioProject.model_fields}) for e in entries]
    return PortfolioRead(projects=projects, heatmap=Heatmap(**svc.heatmap_of(entries)))
