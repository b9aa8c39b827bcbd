"""Roll-up policies: how item levels combine into a subdomain or part level (a registry table)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from devmaturity.errors import ConfigError


def weakest_link(levels: Sequence[int]) -> int:
    """The CAICT reading: a part stands at the level of its weakest item."""
    return min(levels)


def mean_floor(levels: Sequence[int]) -> int:
    """The arithmetic mean of item levels, rounded down."""
    return math.floor(sum(levels) / len(levels))


def lower_median(levels: Sequence[int]) -> int:
    """The lower median: half of the items stand at or above it."""
    ordered = sorted(levels)
    return ordered[(len(ordered) - 1) // 2]


POLICIES: dict[str, Callable[[Sequence[int]], int]] = {
    "weakest_link": weakest_link,
    "mean": mean_floor,
    "median": lower_median,
}


def share_policy(share: float) -> Callable[[Sequence[int]], int]:
    """Level L when at least `share` of the items reach L and none is more than one level below L."""

    def rollup(levels: Sequence[int]) -> int:
        best = min(levels)
        for candidate in range(max(levels), min(levels), -1):
            reaching = sum(1 for lv in levels if lv >= candidate)
            if reaching / len(levels) >= share and min(levels) >= candidate - 1:
                best = candidate
                break
        return best

    return rollup


def resolve_policy(name: str) -> Callable[[Sequence[int]], int]:
    """A policy by name: weakest_link, mean, median, or share:0.8."""
    if name in POLICIES:
        return POLICIES[name]
    if name.startswith("share:"):
        try:
            share = float(name.split(":", 1)[1])
        except ValueError:
            share = -1.0
        if 0.0 < share <= 1.0:
            return share_policy(share)
    options = ", ".join([*POLICIES, "share:<0..1>"])
    raise ConfigError(f"unknown roll-up policy {name!r}; use one of {options}")
