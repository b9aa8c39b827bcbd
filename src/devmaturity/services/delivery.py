"""Delivery use cases: sync CI/CD and trackers, ingest event files, preview the deployment rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from devmaturity.config import Config
from devmaturity.metrics.delivery import (
    INCIDENT_LINKS,
    PRODUCTION,
    Delivery,
    DeliveryRules,
    deployments_from_runs,
    link_incidents,
)
from devmaturity.model.delivery import Deployment, Incident
from devmaturity.model.frames import IncidentFrame
from devmaturity.model.metric import Window
from devmaturity.store.db import Store
from devmaturity.store.delivery import load_delivery
from devmaturity.store.frames import load_frames, refresh_parts
from devmaturity.store.leads import Progress, quiet, refresh_leads

_RULE_DEFAULTS = DeliveryRules()


def rules_from(config: Config) -> DeliveryRules:
    """The project's deployment, incident and defect rules: configured globs, else the defaults."""
    r = config.rules
    return DeliveryRules(
        environments=r.get("environments", _RULE_DEFAULTS.environments),
        pipelines=r.get("pipelines", ()),
        jobs=r.get("jobs", ()),
        defect_types=r.get("defect_types", _RULE_DEFAULTS.defect_types),
        requirement_types=r.get("requirement_types", _RULE_DEFAULTS.requirement_types),
        production_environments=r.get("production_environments", PRODUCTION),
        incident_severities=r.get("incident_severities", ("*",)),
        incident_link=r.get("incident_link", (_RULE_DEFAULTS.incident_link,))[0],
    )


def delivery_inputs(
    store: Store, project_id: int, config: Config, since: datetime, progress: Progress = quiet
) -> Delivery:
    """The delivery evidence for windows starting at or after `since`, as frames, with the lead-time
    attribution brought up to date first (a no-op when nothing changed)."""
    rules = rules_from(config)
    refresh_leads(store, project_id, rules, progress)
    frames = load_frames(store, project_id, since, rules)
    return Delivery(
        deployments=frames.deployments,
        incidents=frames.incidents,
        work_items=frames.work_items,
        runs=frames.runs,
        releases=frames.releases,
        leads=frames.leads,
        drills=frames.drills,
        rules=rules,
    )


def refresh_derived(store: Store, project_id: int, config: Config) -> str:
    """Bring the lead-time attribution and the packed columns up to date after new delivery evidence, so the
    next assessment does not pay for it; returns one line saying what was done."""
    leads = refresh_leads(store, project_id, rules_from(config))
    parts = refresh_parts(store, project_id)
    if leads.action == "current":
        return f"lead times current; {parts} part(s) packed"
    return (
        f"lead times {leads.action} from deployment #{leads.from_ordinal}: {leads.deployments} deployment(s), "
        f"{leads.commits} commit(s) attributed; {parts} part(s) packed"
    )


def stored_records(store: Store, project_id: int, config: Config, since: datetime) -> Delivery:
    """The delivery evidence as records (for listing them, e.g. the preview), back to `since`."""
    stored = load_delivery(store, project_id, since)
    return Delivery(
        deployments=stored.deployments, runs=stored.runs, incidents=stored.incidents, rules=rules_from(config)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewRow:
    deployment: Deployment
    counted: bool
    why: str


def preview(delivery: Delivery, window: Window) -> list[PreviewRow]:
    """Every deployment in the window and whether the rule counts it as a production deployment, and why
    (from records: see stored_records)."""
    rules = delivery.rules
    rows: list[PreviewRow] = []
    deployments = delivery.deployments if isinstance(delivery.deployments, Sequence) else ()
    runs = delivery.runs if isinstance(delivery.runs, Sequence) else ()
    for dep in deployments:
        if not window.contains(dep.created_at):
            continue
        if rules.is_production(dep):
            rows.append(PreviewRow(deployment=dep, counted=True, why=f"environment {dep.environment!r} is production"))
        else:
            rows.append(
                PreviewRow(
                    deployment=dep,
                    counted=False,
                    why=f"environment {dep.environment!r} matches none of {', '.join(rules.environments)}",
                )
            )
    for dep in deployments_from_runs(runs, rules):
        if window.contains(dep.created_at):
            how = "pipeline" if ":job:" not in dep.id else "job"
            rows.append(PreviewRow(deployment=dep, counted=True, why=f"{how} of {dep.pipeline!r} matches the rule"))
    return sorted(rows, key=lambda r: (r.deployment.created_at, r.deployment.id))


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentLinkRow:
    incident: Incident
    deployment: str  # the production change it is linked to, "" for none
    why: str


def _link_why(incident: Incident, deployment: str, named: bool, rule: str, counted: bool) -> str:
    if not counted:
        return f"severity {incident.severity!r} is not counted by incident_severities"
    if named and deployment:
        return "the incident names it"
    if named and INCIDENT_LINKS[rule].reference:
        return f"names {incident.deployment!r}, which is not a finished production change (not a rollback)"
    if deployment:
        moment = "finished" if INCIDENT_LINKS[rule].moment == "finish" else "started"
        scope = f"service {incident.service!r}" if incident.service else "the project"
        return f"incident_link = {rule}: the latest change of {scope} {moment} before the incident started"
    if INCIDENT_LINKS[rule].moment is None:
        return f"incident_link = {rule}: only an incident's own deployment field links it"
    return f"incident_link = {rule}: no production change before the incident started"


def incident_links(delivery: Delivery, window: Window) -> list[IncidentLinkRow]:
    """Every incident started in the window and the production change it is linked to (which makes that change a
    failed one), and why (from records: see stored_records)."""
    listed = delivery.incidents if isinstance(delivery.incidents, Sequence) else ()
    incidents = [i for i in listed if window.contains(i.started_at)]
    rules = delivery.rules
    rows, named = link_incidents(delivery.prod, IncidentFrame.of(incidents), INCIDENT_LINKS[rules.incident_link])
    out: list[IncidentLinkRow] = []
    for incident, row, by_name in zip(incidents, rows.tolist(), named.tolist(), strict=True):
        counted = rules.counts_incident(incident)
        deployment = str(delivery.prod.ids[row]) if row >= 0 and counted else ""
        why = _link_why(incident, deployment, by_name, rules.incident_link, counted)
        out.append(IncidentLinkRow(incident=incident, deployment=deployment, why=why))
    return sorted(out, key=lambda r: (r.incident.started_at, r.incident.id))
