"""The one table of evidence kinds: each kind's names, discovery patterns, readers and record type.

Ingest, discovery, the CLI, the configuration check and the web API read this table; a new kind of report or event
file is one row here, one reader module and one store writer. Readers are named "module:function" and imported only
when a file of that kind is read, so listing kinds costs no import of lxml or the readers.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devmaturity.model.text import Text


class Family(enum.StrEnum):
    """Reports are files a tool writes once and are stored once by content; events are rows upserted by id."""

    REPORT = "report"
    EVENT = "event"


@dataclass(frozen=True, slots=True, kw_only=True)
class KindSpec:
    """One kind of evidence file."""

    key: str
    family: Family
    name: Text
    record: str  # the model record type the reader yields, for docs and the API
    reader: str  # "module:function"
    formats: tuple[str, ...]  # what the reader understands, named for messages and docs
    patterns: tuple[str, ...] = ()  # discovery globs under a working tree, matched on the relative path
    aliases: tuple[str, ...] = ()

    def load_reader(self) -> Callable[..., Any]:
        module, _, function = self.reader.partition(":")
        reader: Callable[..., Any] = getattr(importlib.import_module(module), function)
        return reader


KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        key="junit",
        aliases=("tests",),
        family=Family.REPORT,
        name=Text(zh="测试结果报告", en="test result report"),
        record="TestSuiteResult",
        reader="devmaturity.collectors.testreports:read_tests",
        formats=("JUnit XML", "TRX", "NUnit 2/3", "xUnit.net v2"),
        patterns=(
            "**/junit*.xml",
            "**/*junit*.xml",
            "**/TEST-*.xml",
            "**/test-results/**/*.xml",
            "**/test-reports/*.xml",
            "**/surefire-reports/*.xml",
            "**/failsafe-reports/*.xml",
            "**/*-results.xml",
            "**/report.junit.xml",
            "**/*.trx",
            "**/TestResult.xml",
            "**/*nunit*.xml",
            "**/*xunit*.xml",
        ),
    ),
    KindSpec(
        key="coverage",
        family=Family.REPORT,
        name=Text(zh="覆盖率报告", en="coverage report"),
        record="CoverageSnapshot",
        reader="devmaturity.collectors.coverage_merge:read_any",
        formats=("Cobertura", "JaCoCo", "lcov", "coverage.py JSON", "Go cover profile", "Clover"),
        patterns=(
            "**/coverage.xml",
            "**/cobertura*.xml",
            "**/jacoco*.xml",
            "**/jacocoTestReport.xml",
            "**/lcov.info",
            "**/*.lcov",
            "**/coverage.json",
            "**/coverage-final.json.lcov",
            "**/coverage.out",
            "**/cover.out",
            "**/*.coverprofile",
            "**/clover.xml",
        ),
    ),
    KindSpec(
        key="sarif",
        family=Family.REPORT,
        name=Text(zh="安全扫描报告（SARIF）", en="security scan report (SARIF)"),
        record="SecurityFinding",
        reader="devmaturity.collectors.sarif:read_sarif",
        formats=("SARIF 2.1.0",),
        patterns=("**/*.sarif", "**/*.sarif.json"),
    ),
    KindSpec(
        key="performance",
        aliases=("jmeter",),
        family=Family.REPORT,
        name=Text(zh="性能测试结果（JMeter）", en="performance test results (JMeter)"),
        record="PerformanceSummary",
        reader="devmaturity.collectors.jtl:read_jtl",
        formats=("JMeter JTL CSV", "JMeter JTL XML"),
        patterns=("**/*.jtl",),
    ),
    KindSpec(
        key="deployments",
        family=Family.EVENT,
        name=Text(zh="部署记录", en="deployment events"),
        record="Deployment",
        reader="devmaturity.collectors.events:read_deployments",
        formats=("CSV", "JSON", "JSON Lines"),
    ),
    KindSpec(
        key="incidents",
        family=Family.EVENT,
        name=Text(zh="故障记录", en="incident events"),
        record="Incident",
        reader="devmaturity.collectors.events:read_incidents",
        formats=("CSV", "JSON", "JSON Lines"),
    ),
    KindSpec(
        key="workitems",
        family=Family.EVENT,
        name=Text(zh="工作项（需求、缺陷）", en="work items (requirements, defects)"),
        record="WorkItem",
        reader="devmaturity.collectors.events:read_work_items",
        formats=("CSV", "JSON", "JSON Lines"),
    ),
)

_BY_NAME: dict[str, KindSpec] = {name: spec for spec in KINDS for name in (spec.key, *spec.aliases)}


class UnknownKind(LookupError):
    """A kind name that is not in the table; the message lists the known ones."""


def kind(name: str) -> KindSpec:
    """The spec of a kind by its key or an alias."""
    spec = _BY_NAME.get(name.strip().lower())
    if spec is None:
        raise UnknownKind(f"unknown evidence kind {name!r}; use one of {', '.join(names())}")
    return spec


def names(family: Family | None = None) -> tuple[str, ...]:
    """Every kind's key (not the aliases), in table order; only one family's when given."""
    return tuple(spec.key for spec in KINDS if family is None or spec.family is family)


def choices() -> tuple[str, ...]:
    """Keys and aliases: what a user may type after --kind."""
    return tuple(_BY_NAME)


def reports() -> tuple[KindSpec, ...]:
    """The report kinds, the ones discovery looks for under a working tree."""
    return tuple(spec for spec in KINDS if spec.family is Family.REPORT)
