"""The walk over a commit graph that tells which commits a deployment ships first (lead-time attribution).

Pure: the history comes in as a mapping held in memory or as a lookup the caller answers (a store: one query
per level), so the store and the metrics share one walk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

# sha -> (parent shas, commit time in seconds) for the shas asked that are known
Lookup = Callable[[Sequence[str]], Mapping[str, tuple[Sequence[str], float]]]


Shipped = Callable[[Sequence[str]], set[str]]


# sha -> (its parents' shas separated by spaces, commit time in seconds): the history held in memory
Graph = Mapping[str, tuple[str, float]]


def walk_graph(tip: str | None, graph: Graph, done: set[str]) -> tuple[dict[str, float], bool]:
    """The commits a deployment of `tip` ships first: reachable from it and not in `done` (shipped before),
    with their commit times; and whether the walk met a commit the history lacks. Adds them to `done`, so
    walking deployments oldest first visits every commit once: O(commits + deployments) for a history."""
    found: dict[str, float] = {}
    missing = False
    todo = [tip] if tip else []
    while todo:
        sha = todo.pop()
        if sha in done or sha in found:
            continue
        entry = graph.get(sha)
        if entry is None:
            missing = True
            continue
        found[sha] = float(entry[1])
        if entry[0]:
            todo.extend(entry[0].split())
    done.update(found)
    return found, missing


def ship(tip: str | None, lookup: Lookup, shipped: Shipped) -> tuple[dict[str, float], bool]:
    """The same walk as walk_graph for a history that is asked, not held: `lookup` answers the shas of one
    level (a store: one query), `shipped` says which of them were shipped before. Breadth first."""
    found: dict[str, float] = {}
    missing = False
    level = [tip] if tip else []
    while level:
        fresh = list(dict.fromkeys(s for s in level if s not in found))
        done = shipped(fresh) if fresh else set()
        fresh = [s for s in fresh if s not in done]
        if not fresh:
            break
        known = lookup(fresh)
        nxt: list[str] = []
        for sha in fresh:
            entry = known.get(sha)
            if entry is None:
                missing = True
                continue
            found[sha] = entry[1]
            nxt.extend(entry[0])
        level = nxt
    return found, missing
