"""Service projects and their sources as data: source kinds with their settings and credential fields, and the
records the projects service hands to the CLI and the web (no credential value ever sits in one)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

LOCAL_ORG = "local"
"""The organisation the CLI's projects (bound to a local folder) belong to; created on first use."""

SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
"""Organisation and project slugs: lower case letters, digits, dot, dash and underscore, up to 100 characters."""


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot be an organisation or project slug, or None when it can."""
    if SLUG.fullmatch(slug) is None:
        return f"{slug!r} is not a slug: use 1-100 lower-case letters, digits, '.', '-' or '_', starting alphanumeric"
    return None


class SourceKind(StrEnum):
    """Where evidence comes from; the REST kinds take the same keys as devmaturity.toml's [[sources]] tables."""

    GIT = "git"
    GITHUB = "github"
    GITLAB = "gitlab"
    GITEE = "gitee"
    JENKINS = "jenkins"
    SONARQUBE = "sonarqube"
    JIRA = "jira"
    ZENTAO = "zentao"
    REPORTS = "reports"
    EVENTS = "events"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceSpec:
    """What a kind of source takes: required and optional settings (text, or lists of globs for `globs`), and the
    credential fields kept encrypted (the values the toml names by `<field>_env`)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()


_REPORT_GLOBS = ("junit", "coverage", "sarif", "performance")

SOURCE_SPECS: Mapping[SourceKind, SourceSpec] = MappingProxyType(
    {
        SourceKind.GIT: SourceSpec(required=("path",), optional=("trunk",)),
        SourceKind.GITHUB: SourceSpec(required=("repo",), optional=("base_url",), credentials=("token",)),
        SourceKind.GITLAB: SourceSpec(required=("project",), optional=("base_url",), credentials=("token",)),
        SourceKind.GITEE: SourceSpec(required=("repo",), optional=("base_url",), credentials=("token",)),
        SourceKind.JENKINS: SourceSpec(required=("job", "base_url"), credentials=("user", "token")),
        SourceKind.SONARQUBE: SourceSpec(required=("project_key", "base_url"), credentials=("token",)),
        SourceKind.JIRA: SourceSpec(required=("project", "base_url"), credentials=("user", "token")),
        SourceKind.ZENTAO: SourceSpec(required=("product", "base_url"), credentials=("account", "password")),
        SourceKind.REPORTS: SourceSpec(required=("path",), globs=_REPORT_GLOBS),
        SourceKind.EVENTS: SourceSpec(required=("path",)),
    }
)
"""The one table of source kinds. A toml source's `token_env`, `user_env`, `account_env`, `password_env` name the
environment variables whose values become the credential fields `token`, `user`, `account`, `password`."""

SettingValue = str | tuple[str, ...]


def settings_problems(kind: SourceKind, settings: Mapping[str, object]) -> list[str]:
    """Everything wrong with a source's settings for its kind (empty when they are fine)."""
    spec = SOURCE_SPECS[kind]
    problems = [f"`{key}` is required" for key in spec.required if key not in settings]
    known = {*spec.required, *spec.optional, *spec.globs}
    problems += [
        f"unknown setting `{key}`; {kind.value} takes {', '.join(sorted(known))}"
        + (" (credentials go in `credentials`, never in settings)" if key.endswith("_env") or "token" in key else "")
        for key in sorted(set(settings) - known)
    ]
    for key, value in settings.items():
        if key in spec.globs:
            if not isinstance(value, list | tuple) or not all(isinstance(g, str) and g.strip() for g in value):
                problems.append(f"`{key}` must be a list of glob patterns")
        elif key in known and (not isinstance(value, str) or not value.strip()):
            problems.append(f"`{key}` must be a non-empty string")
    return problems


def credential_problems(kind: SourceKind, credentials: Mapping[str, object]) -> list[str]:
    """Everything wrong with credential values given for a kind (fields it does not take, empty values)."""
    fields = SOURCE_SPECS[kind].credentials
    problems = [
        f"{kind.value} takes no credential `{key}`" + (f"; it takes {', '.join(fields)}" if fields else "")
        for key in sorted(set(credentials) - set(fields))
    ]
    problems += [
        f"credential `{key}` must be a non-empty string"
        for key, value in credentials.items()
        if key in fields and (not isinstance(value, str) or not value.strip())
    ]
    return problems


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRecord:
    """A project as the service shows it; `key` is its store-wide name (the slug in `local`, else org/slug)."""

    id: int
    org_id: int
    org_slug: str
    slug: str
    key: str
    title: str
    team: str | None
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    created_at: int
    updated_at: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRecord:
    """A source as the service shows it: its settings, and only whether it holds credentials."""

    id: int
    org_id: int
    project_id: int
    kind: SourceKind
    name: str
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    has_secret: bool
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """One collection or assessment run of a project, with its progress while it runs."""

    id: int
    project_id: int
    kind: str
    status: str
    stage: str | None
    done: int | None
    attempts: int
    started_at: int
    finished_at: int | None
    summary: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    problems: int = 0
