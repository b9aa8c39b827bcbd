"""A project's key metrics and their series, as stored with its newest assessment, with the thresholds of each
item's next level for the charts (docs/api-assessments.md). Nothing is computed on a request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from devmaturity.services import assessments as svc
from devmaturity.services.derived import KEY_METRICS
from devmaturity.web.api.v1.projects import Id
from devmaturity.web.deps import ActorDep, StoreDep

router = APIRouter(tags=["metrics"])
MetricQuery = Annotated[
    list[str] | None, Query(max_length=len(KEY_METRICS), description="a key metric id, repeatable; all if absent")
]


class Threshold(BaseModel):
    item: str
    criterion: str
    level: int = Field(description="the item's next level, which this threshold belongs to")
    op: str
    value: float


class MetricRead(BaseModel):
    value: float | None = Field(description="null: unknown (no evidence in the window)")
    unit: str
    days: int | None
    thresholds: list[Threshold]


class ProjectMetrics(BaseModel):
    assessment_id: int | None = Field(description="the newest assessment; null when there is none")
    window: dict[str, Any] | None
    metrics: dict[str, MetricRead]


class Point(BaseModel):
    window_end: int = Field(description="unix seconds; the window is the `days` before it")
    value: float | None
    sample_size: int
    assessment_id: int = Field(description="the assessment whose run computed it")


class SeriesRead(BaseModel):
    metric: str
    unit: str
    days: int = Field(description="window length of every point")
    points: list[Point] = Field(description="oldest first")
    thresholds: list[Threshold]


@router.get("/projects/{project_id}/metrics", operation_id="project_metrics", response_model=ProjectMetrics)
def project_metrics(project_id: Id, store: StoreDep, actor: ActorDep) -> ProjectMetrics:
    return ProjectMetrics(**svc.metrics(store, actor, project_id=project_id))


@router.get("/projects/{project_id}/series", operation_id="project_series", response_model=dict[str, SeriesRead])
def project_series(
    project_id: Id,
    store: StoreDep,
    actor: ActorDep,
    metric: MetricQuery = None,
) -> dict[str, SeriesRead]:
    found = svc.series(store, actor, project_id=project_id, metrics=metric)
    return {
        m: SeriesRead(
            metric=s.metric,
            unit=s.unit,
            days=s.days,
            points=[
                Point(window_end=p.window_end, value=p.value, sample_size=p.sample_size, assessment_id=p.assessment_id)
                for p in s.points
            ],
            thresholds=[Threshold(**t) for t in s.thresholds],
        )
        for m, s in found.items()
    }
