"""Which evidence counts as delivery: production environments, the pipelines or jobs that deploy, defect and
requirement types, counted incident severities and how incidents link to changes (docs/deployments.md).

The rule is vocabulary, not a metric: the store applies it to keep the lead-time attribution, the metrics apply
it to compute, so it lives in the model and both import it from here.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from devmaturity.model.delivery import Deployment, Incident, JobRun, PipelineRun
from devmaturity.model.frames import DeploymentFrame, Flags, RunFrame, Texts, codes, floats, seconds, texts

PRODUCTION = ("production", "prod", "prod-*", "prod_*", "prd", "live", "生产*")
DEFECT_TYPES = ("bug", "defect", "缺陷", "incident-bug")
REQUIREMENT_TYPES = ("story", "requirement", "feature", "user story", "需求", "epic")


def _matches(value: str, globs: Iterable[str]) -> bool:
    low = value.lower()
    return any(fnmatch.fnmatchcase(low, g.lower()) for g in globs)


def matching(values: Texts, globs: Sequence[str]) -> Flags:
    """Which values match one of the globs (case-insensitive); each distinct value is matched once."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.bool_)
    hits = {v for v in set(values.tolist()) if _matches(str(v), globs)}
    found: Any = np.frompyfunc(hits.__contains__, 1, 1)(values)
    picked: Flags = np.asarray(found, dtype=np.bool_)
    return picked


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkRule:
    """How incidents are tied to the production change that caused them (docs/metrics.md): by the incident's own
    `deployment` field (`reference`), and for the others by time (`moment`): the latest change of the same
    service whose finish ("finish", DevLake) or start ("start", Middleware) is at or before the incident's start."""

    reference: bool
    moment: str | None


INCIDENT_LINKS: dict[str, LinkRule] = {
    "devlake": LinkRule(reference=True, moment="finish"),
    "middleware": LinkRule(reference=True, moment="start"),
    "reference": LinkRule(reference=True, moment=None),
    "none": LinkRule(reference=False, moment=None),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRules:
    """Which evidence counts: production environments, pipelines or jobs that deploy, defect and requirement
    types, and the incident severities that count as outages (docs/deployments.md)."""

    environments: tuple[str, ...] = PRODUCTION
    pipelines: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    defect_types: tuple[str, ...] = DEFECT_TYPES
    requirement_types: tuple[str, ...] = REQUIREMENT_TYPES
    production_environments: tuple[str, ...] = PRODUCTION
    incident_severities: tuple[str, ...] = ("*",)
    incident_link: str = "devlake"  # a key of INCIDENT_LINKS

    def is_production(self, deployment: Deployment) -> bool:
        return _matches(deployment.environment, self.environments)

    def counts_incident(self, incident: Incident) -> bool:
        return _matches(incident.severity or "", self.incident_severities)

    def deployment_key(self) -> str:
        """What decides which deployments count (the lead-time attribution is rebuilt when it changes)."""
        return repr((sorted(g.lower() for g in self.environments), sorted(self.pipelines), sorted(self.jobs)))


def _picks(
    pipelines: Texts, jobs: Sequence[Sequence[JobRun]] | None, rules: DeliveryRules
) -> tuple[Flags, list[tuple[int, JobRun]]]:
    """The rule's decision, made once for records and for columns: the runs of a named pipeline (deployments as
    a whole), and the named jobs of the other runs, in run order. Jobs are looked at only when given."""
    whole = matching(pipelines, rules.pipelines) if rules.pipelines else np.zeros(len(pipelines), dtype=np.bool_)
    named: list[tuple[int, JobRun]] = []
    if rules.jobs and jobs is not None:
        named = [(k, j) for k in map(int, np.flatnonzero(~whole)) for j in jobs[k] if _matches(j.name, rules.jobs)]
    return whole, named


def _deployment_id(run_id: str, job_id: str | None = None) -> str:
    return f"run:{run_id}" if job_id is None else f"run:{run_id}:job:{job_id}"


def deployments_from_runs(runs: Sequence[PipelineRun], rules: DeliveryRules) -> list[Deployment]:
    """Pipeline runs (or jobs) named by the rule become production deployments."""
    whole, named = _picks(texts(r.pipeline for r in runs), [r.jobs for r in runs], rules)
    picked: list[tuple[int, JobRun | None]] = [(int(k), None) for k in np.flatnonzero(whole)]
    out: list[Deployment] = []
    for k, job in sorted([*picked, *named], key=lambda pick: pick[0]):
        run = runs[k]
        out.append(
            Deployment(
                source=run.source,
                id=_deployment_id(run.id, None if job is None else job.id),
                environment="production",
                status=run.status if job is None else job.status,
                created_at=run.created_at if job is None else job.started_at or run.created_at,
                finished_at=run.finished_at if job is None else job.finished_at,
                commit=run.commit,
                pipeline=run.pipeline,
                url=run.url,
            )
        )
    return out


def _run_deployments(runs: RunFrame, rules: DeliveryRules) -> DeploymentFrame:
    """The same as deployments_from_runs, on columns."""
    whole, named = _picks(runs.pipeline, runs.jobs, rules)
    rows = np.flatnonzero(whole)
    at = np.array([k for k, _ in named], dtype=np.int64)
    shas = runs.commits if runs.commits is not None else texts("" for _ in range(len(runs)))
    jobs = [j for _, j in named]
    return DeploymentFrame(
        ids=texts(
            [
                *(_deployment_id(str(runs.ids[k])) for k in rows),
                *(_deployment_id(str(runs.ids[k]), j.id) for k, j in named),
            ]
        ),
        environments=texts("production" for _ in range(len(rows) + len(named))),
        created=np.concatenate(
            [runs.created[rows], floats(seconds(j.started_at) if j.started_at else runs.created[k] for k, j in named)]
        ),
        finished=np.concatenate([runs.finished[rows], floats(seconds(j.finished_at) for j in jobs)]),
        status=np.concatenate([runs.status[rows], codes(j.status.value for j in jobs)]),
        rollback=np.zeros(len(rows) + len(named), dtype=np.bool_),
        linked=np.zeros(len(rows) + len(named), dtype=np.bool_),
        services=np.concatenate([runs.pipeline[rows], runs.pipeline[at]]),
        commits=np.concatenate([shas[rows], shas[at]]),
    )


def production(deployments: DeploymentFrame | None, runs: RunFrame | None, rules: DeliveryRules) -> DeploymentFrame:
    """Production deployments by the rule: the deployments of a production environment and, with a pipelines or
    jobs rule, the runs or jobs it names; oldest first, ties by id."""
    parts = [] if deployments is None else [deployments.take(matching(deployments.environments, rules.environments))]
    if runs is not None and (rules.pipelines or rules.jobs):
        parts.append(_run_deployments(runs, rules))
    found = DeploymentFrame.concat(parts) if parts else DeploymentFrame.of([])
    if len(parts) > 1 or not bool(np.all(np.diff(found.created) > 0)):  # not already in (start, id) order
        found = found.take(np.lexsort((found.ids.astype(str), found.created)))
    return found
