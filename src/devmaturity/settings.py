"""Process settings: what one running devmaturity needs whatever project it works on (the database and its
connection pool, the job broker, the language, limits, lockout, job time limit, the secret keys) and the environment
it hands to child processes. Project settings (sources, thresholds, windows, answers, not-applicable items) are
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
    db_pool_size: int
    db_max_overflow: int
    # the web service: uploads, server limits, sign-in limits, sessions, OIDC
    evidence_max_bytes: int
    server_header_timeout: int
    server_body_timeout: int
    server_keep_alive: int
    server_max_connections: int
    server_max_header_bytes: int
    login_window_minutes: int
    login_max_per_address: int
    login_max_per_name: int
    session_idle_minutes: int
    session_max_hours: int
    session_cookie_secure: str
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_scopes: str
    oidc_redirect_url: str | None
    oidc_allowed_domains: str | None
    oidc_users: str | None
    oidc_provision: str | None

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
            db_pool_size=config.db_pool_size,
            db_max_overflow=config.db_max_overflow,
            evidence_max_bytes=config.evidence_max_bytes,
            server_header_timeout=config.server_header_timeout,
            server_body_timeout=config.server_body_timeout,
            server_keep_alive=config.server_keep_alive,
            server_max_connections=config.server_max_connections,
            server_max_header_bytes=config.server_max_header_bytes,
            login_window_minutes=config.login_window_minutes,
            login_max_per_address=config.login_max_per_address,
            login_max_per_name=config.login_max_per_name,
            session_idle_minutes=config.session_idle_minutes,
            session_max_hours=config.session_max_hours,
            session_cookie_secure=config.session_cookie_secure,
            oidc_issuer=config.oidc_issuer,
            oidc_client_id=config.oidc_client_id,
            oidc_scopes=config.oidc_scopes,
            oidc_redirect_url=config.oidc_redirect_url,
            oidc_allowed_domains=config.oidc_allowed_domains,
            oidc_users=config.oidc_users,
            oidc_provision=config.oidc_provision,
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
