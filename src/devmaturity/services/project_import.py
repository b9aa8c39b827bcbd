"""`devmaturity project import`: move a CLI project (its devmaturity.toml) into an organisation of the service.

The project's settings (thresholds — the calibrations —, not-applicable items, rules, report globs, the answers
file reference, windows...) are stored with the project; its folder becomes a `git` source and each [[sources]]
table a source of its kind, the credential VALUES of the variables it names (`token_env`, ...) encrypted. Running
it again updates the same project and sources by their names: nothing is ever duplicated.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devmaturity.auth.policy import Actor
from devmaturity.errors import ConfigError
from devmaturity.model.projects import (
    SOURCE_SPECS,
    ProjectRecord,
    SourceKind,
    credential_problems,
    settings_problems,
    slug_problem,
)
from devmaturity.services import projects as svc
from devmaturity.services import sources
from devmaturity.store.db import Store

CREDENTIAL_ENVS = {"token_env": "token", "user_env": "user", "account_env": "account", "password_env": "password"}
"""A toml source's variable-name keys and the credential field each one's value becomes."""
NOT_A_PROJECTS = ("database_url", "broker_url", "webhook_max_bytes", "lockout_failures", "lockout_minutes")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    project: ProjectRecord
    created: bool
    sources_created: tuple[str, ...] = ()
    sources_updated: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", path=str(path), zh=f"{path}：TOML 格式无效") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}", path=str(path), zh=f"{path}：无法读取") from None
    section = doc.get("devmaturity", doc)
    if not isinstance(section, dict):
        raise ConfigError(
            f"{path}: [devmaturity] must be a table", path=str(path), zh=f"{path}：[devmaturity] 必须是表"
        )
    return section


def _slug(path: Path, section: Mapping[str, Any], given: str | None) -> str:
    slug = given or str(section.get("project") or path.resolve().parent.name).lower()
    problem = slug_problem(slug)
    if problem:
        raise ConfigError(
            f"{path}: project {problem}; give one with --slug",
            path=str(path),
            zh=f"{path}：项目短名无效，请用 --slug 指定",
        )
    return slug


def _settings(path: Path, section: Mapping[str, Any]) -> dict[str, Any]:
    settings = {k: v for k, v in section.items() if k in svc.PROJECT_KEYS}
    if isinstance(settings.get("answers"), str):  # a reference that must still resolve from the service
        settings["answers"] = str((path.resolve().parent / settings["answers"]).resolve())
    svc.check_project_settings(settings, origin=str(path), error=ConfigError)
    return settings


@dataclass(frozen=True, slots=True, kw_only=True)
class _Planned:
    kind: SourceKind
    name: str
    settings: dict[str, Any]
    credentials: dict[str, str]


def _planned_sources(
    path: Path, section: Mapping[str, Any], env: Mapping[str, str], notes: list[str]
) -> list[_Planned]:
    root = path.resolve().parent
    git_settings: dict[str, Any] = {"path": str(root)}
    if isinstance(section.get("trunk"), str):
        git_settings["trunk"] = section["trunk"]
    planned = [_Planned(kind=SourceKind.GIT, name="git", settings=git_settings, credentials={})]
    raw = section.get("sources", [])
    if not isinstance(raw, list):
        raise ConfigError(
            f"{path}: [[sources]] must be an array of tables", path=str(path), zh=f"{path}：[[sources]] 必须是表数组"
        )
    for index, entry in enumerate(raw):
        where = f"{path}: [[sources]][{index}]"
        if not isinstance(entry, dict) or entry.get("kind") not in {k.value for k in SourceKind}:
            raise ConfigError(
                f"{where}: `kind` must be one of {', '.join(k.value for k in SourceKind)}", path=str(path)
            )
        kind = SourceKind(entry["kind"])
        settings = {k: v for k, v in entry.items() if k != "kind" and k not in CREDENTIAL_ENVS}
        credentials: dict[str, str] = {}
        for env_key, field_name in CREDENTIAL_ENVS.items():
            if env_key not in entry:
                continue
            value = env.get(str(entry[env_key]), "").strip()
            if value:
                credentials[field_name] = value
            else:
                notes.append(
                    f"{where}: ${entry[env_key]} is not set here: the source is imported without its {field_name}"
                )
        problems = settings_problems(kind, settings) + credential_problems(kind, credentials)
        if problems:
            raise ConfigError(f"{where}: " + "; ".join(problems), path=str(path), zh=f"{where}：设置无效")
        key = SOURCE_SPECS[kind].required[0]
        planned.append(
            _Planned(kind=kind, name=f"{kind.value}:{settings[key]}", settings=settings, credentials=credentials)
        )
    return planned


def import_project(
    store: Store,
    actor: Actor,
    path: Path,
    *,
    org_slug: str,
    slug: str | None = None,
    env: Mapping[str, str],
    secret_keys: Sequence[str] = (),
    source: str = "cli",
    now: int | None = None,
) -> ImportResult:
    """Create or update the project `slug` (the toml's `project`, else its folder's name) of the organisation from
    the file, and its sources by name; every change is an audit entry like any other."""
    section = _read(path)
    notes: list[str] = []
    project_slug = _slug(path, section, slug)
    settings = _settings(path, section)
    planned = _planned_sources(path, section, env, notes)
    ignored = sorted(k for k in section if k in NOT_A_PROJECTS or k == "webhooks")
    if ignored:
        notes.append(f"not a project's settings, left out: {', '.join(ignored)}")
    org = svc.get_org(store, actor, org_slug)
    existing = svc.find_project(store, actor, org.slug, project_slug)
    if existing is None:
        project = svc.create_project(
            store, actor, org_slug=org.slug, slug=project_slug, settings=settings, source=source, now=now
        )
    else:
        project = svc.update_project(store, actor, existing.id, settings=settings, source=source, now=now)
    by_name = {s.name: s for s in sources.list_sources(store, actor, project.id)}
    created: list[str] = []
    updated: list[str] = []
    for plan in planned:
        current = by_name.get(plan.name)
        if current is None:
            sources.create_source(
                store,
                actor,
                project.id,
                kind=plan.kind.value,
                name=plan.name,
                settings=plan.settings,
                credentials=plan.credentials or None,
                secret_keys=secret_keys,
                source=source,
                now=now,
            )
            created.append(plan.name)
            continue
        if current.kind is not plan.kind:
            raise ConfigError(
                f"{path}: source {plan.name!r} is a {current.kind.value} source in the service, not {plan.kind.value}"
            )
        sources.update_source(
            store,
            actor,
            project.id,
            current.id,
            settings=plan.settings,
            secret_keys=secret_keys,
            source=source,
            now=now,
            credentials=plan.credentials or svc.KEEP,
        )
        updated.append(plan.name)
    kept = sorted(set(by_name) - {p.name for p in planned})
    if kept:
        notes.append(f"kept, not in the file: {', '.join(kept)}")
    return ImportResult(
        project=project,
        created=existing is None,
        sources_created=tuple(created),
        sources_updated=tuple(updated),
        notes=tuple(notes),
    )
