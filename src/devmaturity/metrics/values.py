"""Building metric values: unknown with a reason, a ratio of counts, a median with its spread.

Samples may be lists or NumPy arrays; medians and percentiles use NumPy, so a million lead times cost
milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from devmaturity.model.metric import MetricValue, Window

Samples = Sequence[float] | npt.NDArray[Any]


def unknown(metric: str, unit: str, window: Window, reason: str) -> MetricValue:
    return MetricValue(metric=metric, value=None, unit=unit, window=window, reason=reason)


def ratio(metric: str, window: Window, part: int, whole: int, empty: str, evidence: Sequence[str] = ()) -> MetricValue:
    """part ÷ whole as a ratio over `whole` samples; unknown (with `empty`) when whole is 0."""
    if whole == 0:
        return unknown(metric, "ratio", window, empty)
    return MetricValue(
        metric=metric, value=part / whole, unit="ratio", window=window, sample_size=whole, evidence=tuple(evidence)
    )


def _array(values: Samples) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def percentile(values: Samples, q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    data = _array(values)
    rank = max(1, math.ceil(q / 100.0 * len(data)))
    return float(np.partition(data, rank - 1)[rank - 1])


def spread(values: Samples) -> tuple[tuple[str, str], ...]:
    data = _array(values)
    return (
        ("median", f"{float(np.median(data)):.4g}"),
        ("mean", f"{float(np.mean(data)):.4g}"),
        ("p90", f"{percentile(data, 90):.4g}"),
    )


def median(metric: str, unit: str, window: Window, values: Samples, empty: str) -> MetricValue:
    """The median, with mean and p90 in the details; unknown (with `empty`) when there is no value."""
    data = _array(values)
    if not len(data):
        return unknown(metric, unit, window, empty)
    return MetricValue(
        metric=metric,
        value=float(np.median(data)),
        unit=unit,
        window=window,
        sample_size=len(data),
        details=spread(data),
    )
