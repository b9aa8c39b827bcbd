"""The records of stored assessments and of the assessor's workbench as the store hands them out: an assessment's
row with its summary, a metric series point, an assessment cycle, an answer (one entry of its history) and an
evidence file (without its bytes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Cycle:
    id: int
    org_id: int
    project_id: int
    period_start: int
    period_end: int
    status: str
    created_at: int
    created_by: str
    frozen_at: int | None
    frozen_by: str | None
    assessment_id: int | None

    @property
    def frozen(self) -> bool:
        return self.status != "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerRow:
    id: int
    cycle_id: int
    subject: str
    value: str | None
    note: str
    owner: str
    links: tuple[str, ...]
    change: str
    draft: bool
    answered_at: int
    answered_by: str
    reviewed_at: int | None
    reviewed_by: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRow:
    id: int
    cycle_id: int
    subject: str
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: int
    uploaded_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentRow:
    id: int
    project_id: int
    project: str
    org_id: int | None
    run_id: int
    framework: str
    version: str
    window_start: int
    window_end: int
    created_at: int | None
    cycle_id: int | None
    levels: Mapping[str, int]
    summary: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesPoint:
    metric: str
    days: int
    window_end: int
    value: float | None
    unit: str
    sample_size: int
    assessment_id: int
