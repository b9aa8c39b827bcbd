"""Assessment vocabulary: verdicts on criteria, item/subdomain/part results, gaps and answers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from devmaturity.model.facts import Fact
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.text import Text


class Status(enum.StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class DecidedBy(enum.StrEnum):
    METRIC = "metric"
    FACT = "fact"
    ASSESSOR = "assessor"
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """An assessor's answer to one criterion, with the evidence that backs it."""

    criterion: str
    value: bool | None
    evidence: tuple[str, ...] = ()
    by: str = ""
    at: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    criterion: str
    status: Status
    decided_by: DecidedBy
    reason: Text  # why, in zh and en
    observed: str = ""
    evidence: tuple[str, ...] = ()
    threshold: float | None = None  # the threshold in force for a metric criterion
    threshold_source: str = ""  # "" for the model's own; else where the override came from


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelResult:
    number: int
    verdicts: tuple[Verdict, ...]
    empty_in_standard: bool = False

    @property
    def status(self) -> Status:
        if any(v.status is Status.NOT_MET for v in self.verdicts):
            return Status.NOT_MET
        if any(v.status is Status.UNKNOWN for v in self.verdicts):
            return Status.UNKNOWN
        return Status.MET


@dataclass(frozen=True, slots=True, kw_only=True)
class GapEntry:
    criterion: str
    level: int
    status: Status
    reason: Text
    how_to_decide: Text  # what to do, in words (ids only in parentheses)


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemResult:
    item: str
    level: int
    levels: tuple[LevelResult, ...]
    partial: bool = False
    capped: bool = False
    blocked_by: Status | None = None
    gap: tuple[GapEntry, ...] = ()
    not_applicable: str | None = None  # why the item does not apply to this project; left out of roll-ups

    @property
    def mark(self) -> str:
        """The CAICT self-assessment mark: "3" reached, "3-" some of level 3 met but not all, "N/A"."""
        if self.not_applicable is not None:
            return "N/A"
        return f"{self.level + 1}-" if self.partial else str(self.level)

    @property
    def decided(self) -> bool:
        """Whether any evidence or answer decided any of its criteria (met or not met)."""
        return any(v.status is not Status.UNKNOWN for level in self.levels for v in level.verdicts)

    def counts(self) -> dict[Status, int]:
        out = dict.fromkeys(Status, 0)
        for level in self.levels:
            for verdict in level.verdicts:
                out[verdict.status] += 1
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SubdomainResult:
    subdomain: str
    level: int
    items: tuple[ItemResult, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PartResult:
    part: str
    key: str
    level: int
    policy: str
    subdomains: tuple[SubdomainResult, ...]

    def items(self) -> tuple[ItemResult, ...]:
        return tuple(item for sub in self.subdomains for item in sub.items)


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    framework: str
    framework_version: str
    window: Window
    now: datetime
    parts: tuple[PartResult, ...]
    metrics: tuple[MetricValue, ...] = ()
    facts: tuple[Fact, ...] = ()
    answers: tuple[Answer, ...] = ()
    project: str = ""

    def part(self, key: str) -> PartResult:
        wanted = key.lower()
        for part in self.parts:
            if wanted in (part.key.lower(), part.part.lower()):
                return part
        raise KeyError(key)
