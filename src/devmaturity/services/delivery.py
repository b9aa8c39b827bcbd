"""Delivery use cases: sync CI/CD and trackers, ingest event files, preview the deployment rule."""

from __future__ import annotations

from dataclasses import dataclass

from devmaturity.config import Config
from devmaturity.metrics.delivery import PRODUCTION, Delivery, DeliveryRules, deployments_from_runs
from devmaturity.model.delivery import Deployment
from devmaturity.model.evidence import Commit
from devmaturity.model.metric import Window
from devmaturity.store.delivery import StoredDelivery

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
    )


def delivery_inputs(stored: StoredDelivery, commits: dict[str, Commit], config: Config) -> Delivery:
    return Delivery(
        deployments=stored.deployments,
        incidents=stored.incidents,
        work_items=stored.work_items,
        runs=stored.runs,
        releases=stored.releases,
        commits=commits,
        rules=rules_from(config),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewRow:
    deployment: Deployment
    counted: bool
    why: str


def preview(delivery: Delivery, window: Window) -> list[PreviewRow]:
    """Every deployment in the window and whether the rule counts it as a production deployment, and why."""
    rules = delivery.rules
    rows: list[PreviewRow] = []
    for dep in delivery.deployments or ():
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
    for dep in deployments_from_runs(delivery.runs or (), rules):
        if window.contains(dep.created_at):
            how = "pipeline" if ":job:" not in dep.id else "job"
            rows.append(PreviewRow(deployment=dep, counted=True, why=f"{how} of {dep.pipeline!r} matches the rule"))
    return sorted(rows, key=lambda r: (r.deployment.created_at, r.deployment.id))
