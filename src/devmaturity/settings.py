"""Process settings: what one running devmaturity needs whatever project it works on (the database, the job
broker, the language, limits, lockout, job time limit, the secret keys) and the environment it hands to child
processes. Project settings (sources, thresholds, windows, answers, not-applicable items) are
model/project.py's ProjectSettings. Both are read through config.load_config; this module and services are the
only readers of the environment's credentials (collectors receive values)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from devmaturity.config import Config, secret_keys
from devmaturity.model.project import ProjectSettings, SourceSettings

__all__ = ["Settings", "child_environment", "environment_value", "project_settings", "secret_keys"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The process settings of a Config (the same layering: defaults, devmaturity.toml, DEVMATURITY_*, flags)."""

    database_url: str
    broker_url: str | None
    lang: str
    webhook_max_bytes: int
    lockout_failures: int
    lockout_minutes: int
    job_time_limit: int

    @staticmethod
    def of(config: Config) -> Settings:
        return Settings(
            database_url=config.database_url,
            broker_url=config.broker_url,
            lang=config.lang,
            webhook_max_bytes=config.webhook_max_bytes,
            lockout_failures=config.lockout_failures,
            lockout_minutes=config.lockout_minutes,
            job_time_limit=config.job_time_limit,
        )


def environment_value(name: str, env: Mapping[str, str] | None = None) -> str:
    """The value of one environment variable ("" when unset): how services turn a source's `token_env` into the
    credential value its collector receives."""
    if not name:
        return ""
    return (os.environ if env is None else env).get(name, "")


def child_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """This process's environment (PATH, HOME) with `overrides`, for a child process such as git."""
    return {**os.environ, **overrides}


def project_settings(config: Config) -> ProjectSettings:
    """The project settings of a Config, typed and frozen (the CLI's devmaturity.toml)."""
    return ProjectSettings(
        name=config.project,
        framework=config.framework,
        window_days=config.window,
        trunk=config.trunk,
        release_tag_pattern=config.release_tag_pattern,
        issue_key_pattern=config.issue_key_pattern,
        rollup=config.rollup,
        answers=config.answers,
        manual_test_cases=config.manual_test_cases,
        thresholds=MappingProxyType(dict(config.thresholds)),
        not_applicable=MappingProxyType(dict(config.not_applicable)),
        report_globs=MappingProxyType(dict(config.report_globs)),
        test_kinds=MappingProxyType(dict(config.test_kinds)),
        rules=MappingProxyType(dict(config.rules)),
        sources=tuple(_source(spec) for spec in config.sources),
        sarif_exclude_tools=config.sarif_exclude_tools,
        tree_exclude=config.tree.exclude,
        tree_include=config.tree.include,
    )


def _source(spec: Mapping[str, str]) -> SourceSettings:
    options = {key: value for key, value in spec.items() if key != "kind"}
    return SourceSettings(kind=spec.get("kind", ""), options=MappingProxyType(options))
