"""Framework browsing helpers shared by the CLI and the web: part selection with clear errors, summaries."""

from __future__ import annotations

from devmaturity.collectors.registry import KINDS, KindSpec
from devmaturity.errors import UsageError
from devmaturity.model.framework import CriterionKind, Framework, Part


def select_parts(framework: Framework, keys: list[str] | None) -> list[Part]:
    """The parts named by `keys` (all when empty); an unknown key is a usage error listing the known ones."""
    if not keys:
        return list(framework.parts)
    chosen: list[Part] = []
    for key in keys:
        try:
            chosen.append(framework.part(key))
        except KeyError:
            known = ", ".join(p.key for p in framework.parts)
            raise UsageError(
                f"unknown part {key!r} in {framework.id}; parts: {known}",
                zh=f"{framework.id} 中没有能力域 {key!r}；可选：{'、'.join(p.key for p in framework.parts)}",
            ) from None
    return chosen


def framework_summary(framework: Framework) -> str:
    criteria = framework.criteria()
    by_kind = {k: sum(1 for c in criteria if c.kind is k) for k in CriterionKind}
    kinds = ", ".join(f"{n} {k.value}" for k, n in by_kind.items())
    return (
        f"{framework.id} {framework.version}: {len(framework.parts)} parts, {len(framework.items())} items, "
        f"{len(criteria)} criteria ({kinds})"
    )


def computed_metrics() -> list[str]:
    """The ids of the catalogue's metrics that have a compute function (metrics/registry.py), in catalogue order."""
    from devmaturity.metrics.registry import implemented  # the compute functions bring NumPy: only when asked

    return implemented()


def evidence_kinds() -> tuple[KindSpec, ...]:
    """The evidence kinds ingest and discovery know (collectors/registry.py), in table order."""
    return KINDS
