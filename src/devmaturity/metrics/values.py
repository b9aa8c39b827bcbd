"""Building metric values: unknown with a reason, a ratio of counts, a median with its spread."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from devmaturity.model.metric import MetricValue, Window


def unknown(metric: str, unit: str, window: Window, reason: str) -> MetricValue:
    return MetricValue(metric=metric, value=None, unit=unit, window=window, reason=reason)


def ratio(metric: str, window: Window, part: int, whole: int, empty: str, evidence: Sequence[str] = ()) -> MetricValue:
    """part ÷ whole as a ratio over `whole` samples; unknown (with `empty`) when whole is 0."""
    if whole == 0:
        return unknown(metric, "ratio", window, empty)
    return MetricValue(
        metric=metric, value=part / whole, unit="ratio", window=window, sample_size=whole, evidence=tuple(evidence)
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def spread(values: Sequence[float]) -> tuple[tuple[str, str], ...]:
    return (
        ("median", f"{statistics.median(values):.4g}"),
        ("mean", f"{statistics.fmean(values):.4g}"),
        ("p90", f"{percentile(values, 90):.4g}"),
    )


def median(metric: str, unit: str, window: Window, values: Sequence[float], empty: str) -> MetricValue:
    """The median, with mean and p90 in the details; unknown (with `empty`) when there is no value."""
    if not values:
        return unknown(metric, unit, window, empty)
    return MetricValue(
        metric=metric,
        value=statistics.median(values),
        unit=unit,
        window=window,
        sample_size=len(values),
        details=spread(values),
    )
