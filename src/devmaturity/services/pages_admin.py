"""The administration pages' tables (organisations, projects, sources, members, runs, audit log) and their actions,
through the project, member, run and audit use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from devmaturity.auth.policy import Actor, allowed
from devmaturity.auth.roles import ROLE_NAMES, Action, Role
from devmaturity.model.text import Lang
from devmaturity.services import audit_log, members, project_runs, projects, sources
from devmaturity.services.jobs import QueuedJob
from devmaturity.services.pages import (
    every_project,
)
from devmaturity.store.db import Store
from devmaturity.store.repos.accounts import Organisation


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminRow:
    cells: tuple[tuple[str, str | None], ...]
    run_id: int | None = None
    test_href: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminTable:
    rows: tuple[AdminRow, ...]
    org: str | None
    orgs: tuple[tuple[str, str], ...]
    can_manage: bool
    export_href: str | None = None


def _day(stamp: int | None) -> str:
    return "" if stamp is None else datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M")


def admin_table(store: Store, actor: Actor, tab: str, org_slug: str | None, lang: Lang, source: str) -> AdminTable:
    """One administration tab's rows, as far as the actor may see them."""
    orgs = projects.list_orgs(store, actor)
    chosen = next((o for o in orgs if o.slug == org_slug), orgs[0] if orgs else None)
    choices = tuple((o.slug, o.name) for o in orgs)
    manage = chosen is not None and allowed(actor, Action.USER_MANAGE, chosen.id)
    rows: list[AdminRow] = []
    if tab == "orgs":
        rows = [AdminRow(cells=((o.slug, None), (o.name, None), (_role(actor, o.id, lang), None))) for o in orgs]
    elif tab == "projects":
        by_id = {o.id: o for o in orgs}
        for r in every_project(store, actor):
            name = by_id[r.org_id].name if r.org_id in by_id else r.org_slug
            rows.append(
                AdminRow(
                    cells=(
                        (r.title or r.slug, f"/projects/{r.id}"),
                        (name, None),
                        (r.team or "", None),
                        (_day(r.created_at), None),
                    )
                )
            )
    elif tab == "sources":
        for r in every_project(store, actor):
            for s in sources.list_sources(store, actor, r.id):
                secret = ("✔" if s.has_secret else "—", None)
                test = (
                    f"/admin/projects/{r.id}/sources/{s.id}/test"
                    if allowed(actor, Action.SOURCE_MANAGE, s.org_id)
                    else None
                )
                rows.append(
                    AdminRow(
                        cells=((r.title or r.slug, None), (s.name, None), (s.kind.value, None), secret), test_href=test
                    )
                )
    elif tab == "users" and chosen is not None:
        rows = [
            AdminRow(cells=((name, None), (_role_name(role, lang), None), (chosen.name, None)))
            for name, role in _members(store, actor, chosen, source)
        ]
    elif tab == "runs":
        rows = _runs(store, actor)
    elif tab == "audit" and chosen is not None:
        rows = _audit(store, actor, chosen, source)
    return AdminTable(
        rows=tuple(rows),
        org=chosen.slug if chosen else None,
        orgs=choices,
        can_manage=manage,
        export_href=None,
    )


def _role(actor: Actor, org_id: int, lang: Lang) -> str:
    role = actor.roles.get(org_id)
    return _role_name(role, lang) if role else ""


def _role_name(role: Role, lang: Lang) -> str:

    return ROLE_NAMES[role].get(lang)


def _members(store: Store, actor: Actor, org: Organisation, source: str) -> list[tuple[str, Role]]:
    return [
        (m.name, m.role)
        for m in members.list_members(store, actor, org_slug=org.slug, after=None, limit=200, source=source)
    ]


def _runs(store: Store, actor: Actor) -> list[AdminRow]:
    rows = []
    for r in every_project(store, actor):
        if not allowed(actor, Action.RUN_READ, r.org_id):
            continue
        for run in project_runs.list_runs(store, actor, r.id, limit=20).items:
            progress = f"{run.stage} {run.done or 0}" if run.stage else ""
            rows.append(
                AdminRow(
                    cells=(
                        (r.title or r.slug, f"/projects/{r.id}"),
                        (run.kind, None),
                        (run.status, None),
                        (progress, None),
                        (_day(run.started_at), None),
                        (_day(run.finished_at), None),
                    ),
                    run_id=run.id,
                )
            )
    return sorted(rows, key=lambda row: -(row.run_id or 0))[:100]


def _audit(store: Store, actor: Actor, org: Organisation, source: str) -> list[AdminRow]:
    found = audit_log.entries(
        store, actor, org_slug=org.slug, where=audit_log.AuditFilter(), before_seq=None, limit=100, source=source
    )
    return [
        AdminRow(
            cells=(
                (_day(e.at), None),
                (e.actor_name, None),
                (e.kind, None),
                (f"{e.target_type} {e.target_name}", None),
                (e.result, None),
                (e.source, None),
            )
        )
        for e in found
    ]


def create_user(store: Store, actor: Actor, org: str, name: str, password: str, role: Role, source: str) -> None:
    members.add_user(store, actor, org_slug=org, name=name, password=password, role=role, source=source)


def test_source(store: Store, actor: Actor, project_id: int, source_id: int, source: str) -> bool:
    """Try the source's connection (recorded in the audit log); whether it answered."""
    return sources.try_source(store, actor, project_id, source_id, source=source).ok


def queue_assessment(store: Store, actor: Actor, project_id: int, source: str) -> tuple[int, QueuedJob]:
    """Queue an assessment run of the project (a collection first), for the caller to hand to the job runner."""
    queued = project_runs.queue_run(store, actor, project_id, "assess", source=source)
    return queued.run.id, queued.job


def database_url(store: Store) -> str:
    return project_runs.database_url_of(store)
