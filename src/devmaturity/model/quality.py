"""Code-quality and performance-test evidence: SonarQube analyses and JMeter test runs, as the metrics see them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class GateStatus(enum.StrEnum):
    """A SonarQube quality gate's verdict on one analysis; NONE: no gate was computed (none assigned, or unknown)."""

    OK = "OK"
    WARN = "WARN"  # SonarQube before 7.6 only
    ERROR = "ERROR"
    NONE = "NONE"


# SonarQube metric key -> QualityAnalysis field: one table, read by the collector and the store alike
MEASURES: dict[str, str] = {
    "coverage": "coverage",
    "line_coverage": "line_coverage",
    "duplicated_lines_density": "duplicated_lines_density",
    "complexity": "complexity",
    "cognitive_complexity": "cognitive_complexity",
    "sqale_index": "sqale_index",
    "sqale_debt_ratio": "sqale_debt_ratio",
    "bugs": "bugs",
    "vulnerabilities": "vulnerabilities",
    "code_smells": "code_smells",
    "security_hotspots": "security_hotspots",
    "ncloc": "ncloc",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityAnalysis:
    """One SonarQube analysis of a project with its quality gate status and measures as SonarQube reports them
    (percentages 0-100, technical debt in minutes); a measure the server did not give is None, never 0."""

    source: str  # "sonarqube:<project key>"
    id: str  # the analysis key
    project: str
    analysed_at: datetime
    revision: str | None = None  # the commit analysed, when the scanner knew it
    version: str = ""  # the project version the scanner gave
    gate: GateStatus = GateStatus.NONE
    coverage: float | None = None
    line_coverage: float | None = None
    duplicated_lines_density: float | None = None
    complexity: float | None = None
    cognitive_complexity: float | None = None
    sqale_index: float | None = None
    sqale_debt_ratio: float | None = None
    bugs: float | None = None
    vulnerabilities: float | None = None
    code_smells: float | None = None
    security_hotspots: float | None = None
    ncloc: float | None = None

    def measure(self, key: str) -> float | None:
        """A measure by its SonarQube metric key."""
        value: float | None = getattr(self, MEASURES[key])
        return value


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelSummary:
    """The samples of one sampler label (a request name) in a performance test run."""

    label: str
    samples: int
    errors: int
    p95_ms: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PerformanceSummary:
    """Totals of one performance test run (a JMeter JTL file); percentiles are nearest-rank over elapsed times."""

    format: str  # "jtl-csv" | "jtl-xml"
    samples: int
    errors: int
    started_at: datetime  # the first sample's start
    ended_at: datetime  # the last sample's end (start + elapsed)
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    labels: tuple[LabelSummary, ...] = ()
    other_labels: int = 0  # labels beyond the kept ones, folded out of `labels`

    @property
    def error_rate(self) -> float:
        return self.errors / self.samples if self.samples else 0.0

    @property
    def throughput(self) -> float | None:
        """Samples per second between the first start and the last end (JMeter's own definition); None when the
        run lasted no measurable time."""
        seconds = (self.ended_at - self.started_at).total_seconds()
        return self.samples / seconds if seconds > 0 else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PerformanceRun:
    """One ingested performance test report as the metrics see it."""

    report: int
    observed_at: datetime
    commit: str | None
    summary: PerformanceSummary
