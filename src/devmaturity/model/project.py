"""A project's settings, typed: what is assessed and how (model, window, thresholds, rules, answers,
not-applicable items, sources, report globs). The CLI reads them from devmaturity.toml (config.load_config, then
settings.project_settings); the service will keep the same values per project in the database. Process settings
(database, broker, keys, limits) are settings.Settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceSettings:
    """One [[devmaturity.sources]] table: its kind, what it reads, and the names (never values) of the variables
    holding its credentials."""

    kind: str
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectSettings:
    """Everything devmaturity.toml says about one project; a frozen value (the mappings are read-only)."""

    name: str | None = None
    framework: str = "caict-devops"
    window_days: int = 90
    trunk: str | None = None
    release_tag_pattern: str | None = None
    issue_key_pattern: str | None = None
    rollup: str | None = None
    answers: str | None = None
    manual_test_cases: int | None = None
    thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    not_applicable: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    report_globs: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    test_kinds: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    sources: tuple[SourceSettings, ...] = ()
    sarif_exclude_tools: tuple[str, ...] = ()
    tree_exclude: tuple[str, ...] = ()
    tree_include: tuple[str, ...] = ()
