"""Delivery use cases: sync CI/CD and trackers, ingest event files, preview the deployment rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
from devmaturity.model.text import Text
from devmaturity.services.collected import find_stored
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


_LEAD_ACTION_ZH = {"built": "已建立", "extended": "已延伸", "rebuilt": "已重建"}


def refresh_derived(store: Store, project_id: int, config: Config) -> Text:
    """Bring the lead-time attribution and the packed columns up to date after new delivery evidence, so the
    next assessment does not pay for it; returns one line (zh, en) saying what was done."""
    leads = refresh_leads(store, project_id, rules_from(config))
    parts = refresh_parts(store, project_id)
    if leads.action == "current":
        return Text(zh=f"前置时间已是最新；打包 {parts} 个分区", en=f"lead times current; {parts} part(s) packed")
    action = _LEAD_ACTION_ZH.get(leads.action, leads.action)
    return Text(
        zh=f"前置时间{action}（从部署 #{leads.from_ordinal} 起）：{leads.deployments} 次部署、{leads.commits} 个提交"
        f"已归属；打包 {parts} 个分区",
        en=f"lead times {leads.action} from deployment #{leads.from_ordinal}: {leads.deployments} deployment(s), "
        f"{leads.commits} commit(s) attributed; {parts} part(s) packed",
    )


def stored_records(store: Store, project_id: int, config: Config, since: datetime) -> Delivery:
    """The delivery evidence as records (for listing them, e.g. the preview), back to `since`."""
    stored = load_delivery(store, project_id, since)
    return Delivery(
        deployments=stored.deployments, runs=stored.runs, incidents=stored.incidents, rules=rules_from(config)
    )


def preview_records(store: Store, config: Config, path: Path, since: datetime) -> Delivery | None:
    """The stored delivery records of the project PATH names, back to `since`, for the preview; None when the store
    holds no such project. Reads only: nothing is collected."""
    stored = find_stored(store, config, path)
    return None if stored is None else stored_records(store, stored.project_id, config, since)


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewRow:
    deployment: Deployment
    counted: bool
    why: Text


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
            why = Text(zh=f"环境 {dep.environment!r} 属于生产环境", en=f"environment {dep.environment!r} is production")
            rows.append(PreviewRow(deployment=dep, counted=True, why=why))
        else:
            why = Text(
                zh=f"环境 {dep.environment!r} 不匹配 {'、'.join(rules.environments)} 中的任何一个",
                en=f"environment {dep.environment!r} matches none of {', '.join(rules.environments)}",
            )
            rows.append(PreviewRow(deployment=dep, counted=False, why=why))
    for dep in deployments_from_runs(runs, rules):
        if window.contains(dep.created_at):
            job = ":job:" in dep.id
            why = Text(
                zh=f"{dep.pipeline!r} 的{'作业' if job else '流水线'}匹配规则",
                en=f"{'job' if job else 'pipeline'} of {dep.pipeline!r} matches the rule",
            )
            rows.append(PreviewRow(deployment=dep, counted=True, why=why))
    return sorted(rows, key=lambda r: (r.deployment.created_at, r.deployment.id))


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentLinkRow:
    incident: Incident
    deployment: str  # the production change it is linked to, "" for none
    why: Text


def _link_why(incident: Incident, deployment: str, named: bool, rule: str, counted: bool) -> Text:
    if not counted:
        return Text(
            zh=f"严重级别 {incident.severity!r} 不在 incident_severities 统计范围内",
            en=f"severity {incident.severity!r} is not counted by incident_severities",
        )
    if named and deployment:
        return Text(zh="故障记录指明了该部署", en="the incident names it")
    if named and INCIDENT_LINKS[rule].reference:
        return Text(
            zh=f"指明的 {incident.deployment!r} 不是已完成的生产变更（回滚不算）",
            en=f"names {incident.deployment!r}, which is not a finished production change (not a rollback)",
        )
    if deployment:
        finish = INCIDENT_LINKS[rule].moment == "finish"
        scope = Text(
            zh=f"服务 {incident.service!r}" if incident.service else "本项目",
            en=f"service {incident.service!r}" if incident.service else "the project",
        )
        return Text(
            zh=f"incident_link = {rule}：{scope.zh}在故障开始前{'完成' if finish else '开始'}的最近一次变更",
            en=f"incident_link = {rule}: the latest change of {scope.en} {'finished' if finish else 'started'} "
            "before the incident started",
        )
    if INCIDENT_LINKS[rule].moment is None:
        return Text(
            zh=f"incident_link = {rule}：只有故障自己的部署字段才能关联部署",
            en=f"incident_link = {rule}: only an incident's own deployment field links it",
        )
    return Text(
        zh=f"incident_link = {rule}：故障开始前没有生产变更",
        en=f"incident_link = {rule}: no production change before the incident started",
    )


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
