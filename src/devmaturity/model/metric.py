"""Metric vocabulary: time windows, metric specifications and computed metric values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from devmaturity.model.text import Text


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """A half-open time interval [start, end) in UTC-aware datetimes."""

    start: datetime
    end: datetime

    @staticmethod
    def last(days: int, *, now: datetime) -> Window:
        return Window(start=now - timedelta(days=days), end=now)

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400.0

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


class Better(enum.StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class EvidenceKind(enum.StrEnum):
    COMMITS = "commits"
    REFS = "refs"
    TREE = "tree"
    TEST_REPORTS = "test_reports"
    COVERAGE = "coverage"
    SECURITY_FINDINGS = "security_findings"
    PIPELINE_RUNS = "pipeline_runs"
    DEPLOYMENTS = "deployments"
    INCIDENTS = "incidents"
    WORK_ITEMS = "work_items"
    QUALITY_ANALYSES = "quality_analyses"
    PERFORMANCE_TESTS = "performance_tests"


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricSpec:
    id: str
    name: Text
    unit: str
    better: Better
    evidence: EvidenceKind
    description: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricValue:
    """A computed metric; value None means unknown, and `reason` then says why."""

    metric: str
    value: float | None
    unit: str
    window: Window
    sample_size: int = 0
    reason: str = ""
    evidence: tuple[str, ...] = field(default=())
    details: tuple[tuple[str, str], ...] = field(default=())

    @property
    def known(self) -> bool:
        return self.value is not None
