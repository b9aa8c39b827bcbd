"""Reading stored assessments for pages and the API: never collects, never computes a metric.

Lists and charts read the per-assessment summary and the metric series written when the assessment was stored
(services/derived.py); one assessment's levels, criteria and gaps read its stored JSON report once. The portfolio
reads every project's two newest summaries in one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from devmaturity.auth.policy import Actor, allowed
from devmaturity.auth.roles import Action
from devmaturity.errors import NotFoundError, UsageError
from devmaturity.model.workbench import AssessmentRow, SeriesPoint
from devmaturity.services.access import Gate
from devmaturity.services.derived import KEY_METRICS, SERIES_WINDOWS, summarise
from devmaturity.store.db import Store
from devmaturity.store.repos import assessments as repo
from devmaturity.store.repos.accounts import orgs_by_id

STATUSES = ("met", "not_met", "unknown")


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentView:
    """An assessment's row and its summary (rebuilt from the report if it was stored before summaries existed)."""

    row: AssessmentRow
    summary: Mapping[str, Any]
    etag: str


def _etag(row: AssessmentRow) -> str:
    """Stored assessments never change, except that a summary may be added later: both go into the tag."""
    return f'"a{row.id}-{"s" if row.summary is not None else "r"}"'


def _find(gate: Gate, assessment_id: int) -> AssessmentRow:
    with gate.store.transaction() as conn:
        row = repo.by_id(conn, assessment_id, gate.scope(conn))
    if row is None:
        raise NotFoundError(f"assessment {assessment_id} not found", zh=f"未找到评估 {assessment_id}")
    gate.require(Action.ASSESSMENT_READ, row.org_id, ("assessment", row.id, row.project))
    return row


def _view(store: Store, row: AssessmentRow) -> AssessmentView:
    if row.summary is not None:
        return AssessmentView(row=row, summary=row.summary, etag=_etag(row))
    with store.transaction() as conn:
        summary = summarise(repo.report(conn, row.id))
    return AssessmentView(row=row, summary=summary, etag=_etag(row))


def assessment(store: Store, actor: Actor, *, assessment_id: int) -> AssessmentView:
    return _view(store, _find(Gate(store, actor), assessment_id))


def etag_of(store: Store, actor: Actor, *, assessment_id: int) -> str:
    """The assessment's ETag without reading its summary or report (for If-None-Match)."""
    return _etag(_find(Gate(store, actor), assessment_id))


def latest(store: Store, actor: Actor, *, project_id: int) -> AssessmentView | None:
    gate = Gate(store, actor)
    ref = gate.project(project_id, Action.ASSESSMENT_READ)
    with store.transaction() as conn:
        rows = repo.of_project(conn, ref.id, gate.scope(conn), limit=1)
    return _view(store, rows[0]) if rows else None


def of_project(
    store: Store, actor: Actor, *, project_id: int, before: int | None = None, limit: int = 50
) -> list[AssessmentRow]:
    """The project's assessments, newest first, from before the id `before` (the cursor)."""
    gate = Gate(store, actor)
    ref = gate.project(project_id, Action.ASSESSMENT_READ)
    with store.transaction() as conn:
        return repo.of_project(conn, ref.id, gate.scope(conn), before=before, limit=limit)


def _report(store: Store, actor: Actor, assessment_id: int) -> tuple[AssessmentRow, dict[str, Any]]:
    row = _find(Gate(store, actor), assessment_id)
    with store.transaction() as conn:
        return row, repo.report(conn, row.id)


def levels(store: Store, actor: Actor, *, assessment_id: int) -> list[dict[str, Any]]:
    """Levels per part, subdomain and item (with the item's mark and what blocks its next level)."""
    _row, report = _report(store, actor, assessment_id)
    return [
        {
            "key": part["key"],
            "id": part["id"],
            "name": part["name"],
            "level": part["level"],
            "subdomains": [
                {
                    "id": sub["id"],
                    "name": sub["name"],
                    "level": sub["level"],
                    "items": [
                        {
                            "id": item["id"],
                            "name": item["name"],
                            "level": item["level"],
                            "mark": item.get("mark", str(item["level"])),
                            "blocked_by": item.get("blocked_by"),
                            "not_applicable": item.get("not_applicable"),
                        }
                        for item in sub["items"]
                    ],
                }
                for sub in part["subdomains"]
            ],
        }
        for part in report["parts"]
    ]


def _part_matches(part: Mapping[str, Any], wanted: str | None) -> bool:
    return wanted is None or wanted.lower() in (str(part["key"]).lower(), str(part["id"]).lower())


def criteria(
    store: Store,
    actor: Actor,
    *,
    assessment_id: int,
    part: str | None = None,
    status: str | None = None,
    item: str | None = None,
) -> list[dict[str, Any]]:
    """Every criterion with its status, reason and evidence, filterable by part, status and item."""
    if status is not None and status not in STATUSES:
        raise UsageError(f"status must be one of {', '.join(STATUSES)}", zh=f"status 只能是 {'、'.join(STATUSES)}")
    _row, report = _report(store, actor, assessment_id)
    out = []
    for p in report["parts"]:
        if not _part_matches(p, part):
            continue
        for sub in p["subdomains"]:
            for it in sub["items"]:
                if item is not None and it["id"] != item:
                    continue
                for level in it.get("levels", []):
                    for c in level["criteria"]:
                        if status is None or c["status"] == status:
                            out.append({**c, "part": p["key"], "item": it["id"], "level": level["number"]})
    return out


def gaps(store: Store, actor: Actor, *, assessment_id: int, part: str | None = None) -> list[dict[str, Any]]:
    """What stands between each item and its next level, as one prioritised to-do list: items on the lowest level
    first (under the weakest-link roll-up they hold their part down), then those closest to their next level
    (fewest open criteria), settling unknowns (evidence or an answer) before changing what was found not met."""
    _row, report = _report(store, actor, assessment_id)
    todo: list[dict[str, Any]] = []
    for p in report["parts"]:
        if not _part_matches(p, part):
            continue
        for sub in p["subdomains"]:
            for it in sub["items"]:
                if it.get("not_applicable"):
                    continue
                nxt = [g for g in it.get("gap", []) if g["level"] == it["level"] + 1]
                for g in nxt:
                    todo.append(
                        {
                            **g,
                            "part": p["key"],
                            "subdomain": sub["id"],
                            "item": it["id"],
                            "item_name": it["name"],
                            "item_level": it["level"],
                            "open_at_level": len(nxt),
                        }
                    )
    todo.sort(key=lambda g: (g["item_level"], g["open_at_level"], g["status"] != "unknown", g["item"], g["criterion"]))
    return [{**g, "priority": rank} for rank, g in enumerate(todo, start=1)]


# --- metrics and series ---


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    metric: str
    unit: str
    days: int
    points: tuple[SeriesPoint, ...]
    thresholds: tuple[Mapping[str, Any], ...]


def metrics(store: Store, actor: Actor, *, project_id: int) -> dict[str, Any]:
    """The key metrics of the project's newest assessment, with the next level's thresholds of each."""
    view = latest(store, actor, project_id=project_id)
    if view is None:
        return {"assessment_id": None, "window": None, "metrics": {}}
    values = view.summary.get("metrics", {})
    thresholds = view.summary.get("thresholds", {})
    return {
        "assessment_id": view.row.id,
        "window": view.summary.get("window"),
        "metrics": {
            m: {**values.get(m, {"value": None, "unit": "", "days": None}), "thresholds": thresholds.get(m, [])}
            for m in KEY_METRICS
        },
    }


def series(store: Store, actor: Actor, *, project_id: int, metrics: Sequence[str] | None = None) -> dict[str, Series]:
    """Each metric's stored series at the newest assessment's window length, up to its end, with that
    assessment's next-level thresholds (for the chart's lines)."""
    wanted = list(metrics) if metrics else list(KEY_METRICS)
    unknown = [m for m in wanted if m not in KEY_METRICS]
    if unknown:
        raise UsageError(
            f"no series is kept for {', '.join(unknown)}; series exist for {', '.join(KEY_METRICS)}",
            zh=f"没有保存 {'、'.join(unknown)} 的序列；有序列的指标：{'、'.join(KEY_METRICS)}",
        )
    view = latest(store, actor, project_id=project_id)
    if view is None:
        return {m: Series(metric=m, unit="", days=0, points=(), thresholds=()) for m in wanted}
    days = max(1, round((view.row.window_end - view.row.window_start) / 86400))
    with store.transaction() as conn:
        found = repo.series(
            conn, view.row.project_id, metrics=wanted, days=days, until=view.row.window_end, limit=SERIES_WINDOWS
        )
    thresholds = view.summary.get("thresholds", {})
    return {
        m: Series(
            metric=m,
            unit=found[m][-1].unit if found[m] else "",
            days=days,
            points=tuple(found[m]),
            thresholds=tuple(thresholds.get(m, [])),
        )
        for m in wanted
    }


# --- the portfolio ---


class SortKey(StrEnum):
    NAME = "name"
    LEVEL = "level"
    MOVEMENT = "movement"
    DORA = "dora"
    ASSESSED = "assessed"


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioEntry:
    project_id: int
    project: str
    org: str | None
    team: str | None
    assessment_id: int | None
    assessed_at: str | None
    framework: str | None
    parts: Mapping[str, int]
    level: int | None  # the lowest part level (nothing is stronger than its weakest part)
    dora: Mapping[str, Any] | None
    movement: Mapping[str, int]  # part key → level change since the previous assessment
    subdomains: Mapping[str, int]
    columns: tuple[Mapping[str, Any], ...]  # the subdomains' ids, parts and names, for the heatmap


def _summary(store: Store, row: AssessmentRow | None) -> Mapping[str, Any] | None:
    if row is None:
        return None
    return row.summary if row.summary is not None else _view(store, row).summary


def _levels(summary: Mapping[str, Any] | None, key: str) -> dict[str, int]:
    if summary is None:
        return {}
    id_key = "key" if key == "parts" else "id"
    return {str(x[id_key]): int(x["level"]) for x in summary.get(key, [])}


def _stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _entry(store: Store, found: repo.PortfolioRow, orgs: Mapping[int, str]) -> PortfolioEntry:
    now = _summary(store, found.latest)
    parts = _levels(now, "parts")
    earlier = {str(k): int(v) for k, v in found.previous.levels.items()} if found.previous else {}
    latest = found.latest
    return PortfolioEntry(
        project_id=found.project_id,
        project=found.project,
        org=orgs.get(found.org_id) if found.org_id is not None else None,
        team=found.team,
        assessment_id=latest.id if latest else None,
        assessed_at=_stamp(latest.window_end) if latest else None,
        framework=latest.framework if latest else None,
        parts=parts,
        level=min(parts.values()) if parts else None,
        dora=now.get("dora") if now else None,
        movement={k: v - earlier[k] for k, v in parts.items() if k in earlier},
        subdomains=_levels(now, "subdomains"),
        columns=tuple({"id": x["id"], "part": x["part"], "name": x["name"]} for x in (now or {}).get("subdomains", [])),
    )


def _sort_key(key: SortKey) -> Any:
    def by(entry: PortfolioEntry) -> tuple[Any, ...]:
        if key is SortKey.LEVEL:
            return (entry.level is None, entry.level or 0, entry.project)
        if key is SortKey.MOVEMENT:
            return (-sum(entry.movement.values()), entry.project)
        if key is SortKey.DORA:
            dora = (entry.dora or {}).get("level")
            return (dora is None, -(dora or 0), entry.project)
        if key is SortKey.ASSESSED:
            return (entry.assessed_at is None, entry.assessed_at or "", entry.project)
        return (entry.project,)

    return by


def portfolio(
    store: Store,
    actor: Actor,
    *,
    org: str | None = None,
    team: str | None = None,
    level: int | None = None,
    framework: str | None = None,
    sort: SortKey = SortKey.NAME,
    descending: bool = False,
) -> list[PortfolioEntry]:
    """Every project of the actor's organisations with its part levels, DORA cluster and movement since its
    previous assessment, filtered by organisation slug, team and (lowest part) level, and sorted."""
    gate = Gate(store, actor)
    with store.transaction() as conn:
        scope = gate.scope(conn)
        orgs = {o.id: o.slug for o in orgs_by_id(conn, scope)}
        if org is not None:
            wanted = [i for i, slug in orgs.items() if slug == org]
            if not wanted:
                raise NotFoundError(f"organisation {org!r} not found", zh=f"未找到组织 {org!r}")
            scope = frozenset(wanted)
        rows = repo.portfolio(conn, scope, framework=framework)
    readable = {i for i in orgs if allowed(actor, Action.ASSESSMENT_READ, i)}
    entries = [_entry(store, r, orgs) for r in rows if r.org_id is None or r.org_id in readable]
    if team is not None:
        entries = [e for e in entries if e.team == team]
    if level is not None:
        entries = [e for e in entries if e.level == level]
    return sorted(entries, key=_sort_key(sort), reverse=descending)


def heatmap(store: Store, actor: Actor, **filters: Any) -> dict[str, Any]:
    """The heatmap of the portfolio `portfolio(**filters)` gives."""
    return heatmap_of(portfolio(store, actor, **filters))


def heatmap_of(portfolio_entries: Sequence[PortfolioEntry]) -> dict[str, Any]:
    """Subdomain levels across the portfolio's projects: the subdomains (ids, parts and names, in model order) as
    columns, one row per assessed project (null where a project's assessment has no such subdomain)."""
    entries = [e for e in portfolio_entries if e.assessment_id is not None]
    names: dict[str, Mapping[str, Any]] = {}
    for e in entries:
        for sub in e.columns:
            names.setdefault(sub["id"], sub)
    columns = list(names.values())
    return {
        "subdomains": columns,
        "rows": [
            {"project_id": e.project_id, "project": e.project, "levels": [e.subdomains.get(c["id"]) for c in columns]}
            for e in entries
        ],
    }
