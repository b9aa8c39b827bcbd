"""The vocabulary of a maturity model: framework, parts, subdomains, items, levels and criteria."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from devmaturity.model.text import Text


class CriterionKind(enum.StrEnum):
    METRIC = "metric"
    FACT = "fact"
    ANSWER = "answer"


class Op(enum.StrEnum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "=="

    def holds(self, left: float, right: float) -> bool:
        if self is Op.GE:
            return left >= right
        if self is Op.GT:
            return left > right
        if self is Op.LE:
            return left <= right
        if self is Op.LT:
            return left < right
        return left == right


class Source(enum.StrEnum):
    """Where an item's level criteria come from."""

    STANDARD = "standard"
    DEVMATURITY = "devmaturity"
    REPORT = "report"


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One requirement of one level of one item; exactly one of metric, fact or answer."""

    id: str
    kind: CriterionKind
    text: Text
    metric: str | None = None
    op: Op | None = None
    value: float | None = None
    window_days: int | None = None
    fact: str | None = None
    expected: bool = True
    alternatives: tuple[str, ...] = ()  # other facts that show the same practice: any one of them meets it
    missing_unknown: bool = False  # a convention that is only one way of showing the practice: absent is unknown
    evidence_hint: Text | None = None
    calibration: Text | None = None  # the threshold is devmaturity's calibration, not the standard's text: why

    @property
    def facts(self) -> tuple[str, ...]:
        """The fact and its alternatives, in the order the model file lists them."""
        return (self.fact, *self.alternatives) if self.fact else ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Level:
    number: int
    text: Text
    criteria: tuple[Criterion, ...] = ()
    empty_in_standard: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    id: str
    name: Text
    source: Source
    levels: tuple[Level, ...]
    capability: str | None = None
    capability_name: Text | None = None
    note: Text | None = None

    def level(self, number: int) -> Level:
        for level in self.levels:
            if level.number == number:
                return level
        raise KeyError(number)

    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for level in self.levels for c in level.criteria)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subdomain:
    id: str
    name: Text
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    id: str
    key: str
    name: Text
    subdomains: tuple[Subdomain, ...]
    number: int | None = None
    reference: str | None = None

    def items(self) -> tuple[Item, ...]:
        return tuple(item for sub in self.subdomains for item in sub.items)


@dataclass(frozen=True, slots=True, kw_only=True)
class Framework:
    id: str
    version: str
    name: Text
    level_names: dict[int, Text]
    parts: tuple[Part, ...]
    rollup: str = "weakest_link"
    description: Text | None = None
    files: tuple[str, ...] = field(default=())

    def part(self, key: str) -> Part:
        wanted = key.lower()
        for part in self.parts:
            if wanted in (part.key.lower(), part.id.lower()):
                return part
        raise KeyError(key)

    def items(self) -> tuple[Item, ...]:
        return tuple(item for part in self.parts for item in part.items())

    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for item in self.items() for c in item.criteria())
