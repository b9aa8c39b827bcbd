"""Maps each catalogued metric id to the pure function that computes it from the evidence at hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devmaturity.metrics import git
from devmaturity.metrics.catalogue import METRICS, metric_spec
from devmaturity.model.metric import MetricValue, Window


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    """The evidence available to metrics in one assessment; None means that source was not collected."""

    history: git.GitHistory | None = None


Compute = Callable[[Inputs, Window], MetricValue]


def _from_history(fn: Callable[[git.GitHistory, Window], MetricValue]) -> Compute:
    def compute(inputs: Inputs, window: Window) -> MetricValue:
        if inputs.history is None:
            spec = metric_spec(fn.__name__)
            return MetricValue(
                metric=spec.id, value=None, unit=spec.unit, window=window, reason="no git history collected"
            )
        return fn(inputs.history, window)

    return compute


COMPUTE: dict[str, Compute] = {
    "commit_frequency": _from_history(git.commit_frequency),
    "integration_frequency": _from_history(git.integration_frequency),
    "branch_lifetime": _from_history(git.branch_lifetime),
    "release_frequency": _from_history(git.release_frequency),
    "reviewed_change_share": _from_history(git.reviewed_change_share),
    "active_developers": _from_history(git.active_developers),
}


def compute(metric_id: str, inputs: Inputs, window: Window) -> MetricValue:
    """One metric over one window; metrics whose evidence this version cannot collect yet are unknown."""
    spec = metric_spec(metric_id)
    fn = COMPUTE.get(metric_id)
    if fn is None:
        return MetricValue(
            metric=metric_id,
            value=None,
            unit=spec.unit,
            window=window,
            reason=f"no {spec.evidence.value.replace('_', ' ')} evidence collected for this project",
        )
    return fn(inputs, window)


def implemented() -> list[str]:
    return [spec.id for spec in METRICS if spec.id in COMPUTE]
