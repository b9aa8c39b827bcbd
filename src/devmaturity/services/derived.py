"""Derived data stored with an assessment so pages never compute: a summary digest of the report (part and
subdomain levels, the key metrics and their next-level thresholds, the DORA cluster) and the key metrics' series.

Written when an assessment is stored (services/assess.py) and by the "refresh derived data" use case, which
rebuilds the summaries of assessments stored before they existed (from their stored reports).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from devmaturity.assess.engine import Evidence, assess
from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.frameworks.loader import load_framework
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.framework import CriterionKind
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.metric_catalogue import metric_spec
from devmaturity.model.workbench import SeriesPoint
from devmaturity.services.access import Gate
from devmaturity.store.db import Store
from devmaturity.store.repos import assessments as repo

KEY_METRICS = (
    "unit_test_line_coverage",
    "automated_test_ratio",
    "automation_success_rate",
    "pipeline_duration_p50",
    "requirement_delivery_cycle",
    "deployment_frequency",
    "change_failure_rate",
    "failed_deployment_recovery_time",
)
"""The metrics the project page charts (issue 11): coverage, automated-test ratio, automation success, pipeline
duration, delivery cycle, deployment frequency, change failure rate, recovery time."""

SERIES_WINDOWS = 12
"""Points per series: windows of the assessment's length, back to back, ending at the assessment's end."""

DORA_FRAMEWORK = "dora"
DORA_DAYS = 90
"""The window of the DORA figures when the model names none: the rolling 90 days the CLI assesses by default."""
DORA_METRICS = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "failed_deployment_recovery_time",
)

Measure = Callable[[str, int], MetricValue]
"""(metric id, window days) → the value over that many days up to the assessment's end."""


def summarise(report: Mapping[str, Any]) -> dict[str, Any]:
    """The digest of a report that list and chart pages read: levels per part and subdomain, counts, the key
    metrics over the assessment's window and the thresholds of each item's next level that use them."""
    days = int(report.get("window", {}).get("days") or 0)
    parts, subdomains = [], []
    for part in report.get("parts", []):
        parts.append({"key": part["key"], "id": part["id"], "name": part["name"], "level": part["level"]})
        for sub in part.get("subdomains", []):
            subdomains.append({"id": sub["id"], "part": part["key"], "name": sub["name"], "level": sub["level"]})
    return {
        "window": report.get("window"),
        "parts": parts,
        "subdomains": subdomains,
        "counts": _counts(report),
        "metrics": _key_values(report.get("metrics", []), days),
        "thresholds": next_level_thresholds(report),
        "gaps": sum(len(item.get("gap", [])) for item in _items(report)),
    }


def _items(report: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for part in report.get("parts", []):
        for sub in part.get("subdomains", []):
            yield from sub.get("items", [])


def _counts(report: Mapping[str, Any]) -> dict[str, int]:
    total = {"met": 0, "not_met": 0, "unknown": 0}
    for part in report.get("parts", []):
        for key in total:
            total[key] += int(part.get("counts", {}).get(key, 0))
    return total


def _key_values(metrics: Iterable[Mapping[str, Any]], days: int) -> dict[str, dict[str, Any]]:
    """Each key metric once: over the assessment's own window length when the report has it, else its first."""
    out: dict[str, dict[str, Any]] = {}
    for m in metrics:
        if m["id"] not in KEY_METRICS:
            continue
        if m["id"] not in out or m["window"]["days"] == days:
            out[m["id"]] = {"value": m["value"], "unit": m["unit"], "days": m["window"]["days"]}
    return out


def next_level_thresholds(report: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per key metric, the thresholds (op and value in force) of the criteria at each item's next level."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in _items(report):
        if item.get("not_applicable"):
            continue
        nxt = int(item["level"]) + 1
        for level in item.get("levels", []):
            if level["number"] != nxt:
                continue
            for c in level["criteria"]:
                if c.get("metric") in KEY_METRICS and c.get("value") is not None:
                    out.setdefault(c["metric"], []).append(
                        {"item": item["id"], "criterion": c["id"], "level": nxt, "op": c["op"], "value": c["value"]}
                    )
    return out


def dora_cluster(measure: Measure, now: datetime) -> dict[str, Any]:
    """The DORA performance cluster of the newest report year in the `dora` model: its part level when its
    metrics are known; "no data" (level null) when none of the four key DORA metrics is known."""
    framework = load_framework(DORA_FRAMEWORK)
    part = framework.parts[0]
    keys = {
        (c.metric, c.window_days or DORA_DAYS)
        for item in part.items()
        for c in item.criteria()
        if c.kind is CriterionKind.METRIC and c.metric is not None
    }
    values = {key: measure(*key) for key in keys}
    known = {key[0] for key, v in values.items() if v.known}
    if not known & set(DORA_METRICS):
        return {"year": part.key, "level": None, "name": None, "partial": False}
    window = Window.last(DORA_DAYS, now=now)
    result = assess(framework, Evidence(metrics=values), window=window, now=now, parts=[part.key])
    level = result.parts[0].level
    name = framework.level_names.get(level)
    return {
        "year": part.key,
        "level": level,
        "name": {"zh": name.zh, "en": name.en} if name else None,
        "partial": not set(DORA_METRICS) <= known,
    }


def series_points(measure_window: Callable[[str, Window], MetricValue], end: datetime, days: int) -> list[Any]:
    """SERIES_WINDOWS back-to-back windows of `days` ending at `end`, for every key metric."""
    points = []
    for k in range(SERIES_WINDOWS):
        stop = end - timedelta(days=days * k)
        window = Window(start=stop - timedelta(days=days), end=stop)
        for metric in KEY_METRICS:
            value = measure_window(metric, window)
            points.append((metric, int(stop.timestamp()), value))
    return points


def series_span(days: int) -> timedelta:
    """How far before the assessment's end the series reaches: what the assessment must load evidence for."""
    return timedelta(days=days * SERIES_WINDOWS)


def record(
    store: Store,
    *,
    assessment_id: int,
    project_id: int,
    report: Mapping[str, Any],
    inputs: Inputs,
    window: Window,
    cycle_id: int | None,
    now: int | None = None,
) -> None:
    """Compute and store the summary and the series of a just-stored assessment, in one transaction."""
    days = max(1, round(window.days))

    def measure(metric: str, length: int) -> MetricValue:
        return compute(metric, inputs, Window.last(length, now=window.end))

    summary = {**summarise(report), "dora": dora_cluster(measure, window.end)}
    raw = series_points(lambda m, w: compute(m, inputs, w), window.end, days)
    points = [
        SeriesPoint(
            metric=m,
            days=days,
            window_end=stop,
            value=v.value,
            unit=v.unit,
            sample_size=v.sample_size,
            assessment_id=assessment_id,
        )
        for m, stop, v in raw
    ]
    with store.transaction() as conn:
        org_id = Gate.project_org(conn, project_id)
        repo.set_derived(
            conn,
            assessment_id,
            summary=summary,
            created_at=int(time.time()) if now is None else now,
            cycle_id=cycle_id,
        )
        repo.upsert_series(conn, org_id=org_id, project_id=project_id, points=points)


def _from_report(report: Mapping[str, Any]) -> Measure:
    """Metric values as the stored report gives them (for summaries rebuilt after the fact)."""
    found = {(m["id"], int(m["window"]["days"])): m for m in report.get("metrics", [])}
    end = datetime.fromisoformat(report["window"]["end"])

    def measure(metric: str, days: int) -> MetricValue:
        m = found.get((metric, days))
        unit = metric_spec(metric).unit
        return MetricValue(
            metric=metric,
            value=m["value"] if m else None,
            unit=unit,
            window=Window.last(days, now=end),
            sample_size=int(m["sample_size"]) if m else 0,
            reason="" if m and m["value"] is not None else "not in the stored report",
        )

    return measure


def refresh(store: Store, actor: Actor, *, project_id: int, source: str = "cli", now: int | None = None) -> int:
    """Rebuild the summaries of the project's assessments that have none (stored before derived data existed);
    the number rebuilt. Series need the evidence and are written by the next assessment."""
    gate = Gate(store, actor, source=source, now=now)
    ref = gate.project(project_id, Action.RUN_START)
    with store.transaction() as conn:
        missing = repo.missing_summaries(conn, [ref.id])
        for assessment_id in missing:
            report = repo.report(conn, assessment_id)
            end = datetime.fromisoformat(report["window"]["end"])
            summary = {**summarise(report), "dora": dora_cluster(_from_report(report), end)}
            repo.set_derived(conn, assessment_id, summary=summary, created_at=None, cycle_id=None)
        if ref.org_id is not None:
            gate.audit(conn).add(
                EventKind.DERIVED_REFRESHED,
                ref.org_id,
                ("project", ref.id, ref.name),
                action=Action.RUN_START,
                details={"rebuilt": len(missing)},
            )
    return len(missing)


def queue_refresh(store: Store, actor: Actor, *, project_id: int, source: str = "cli", now: int | None = None) -> int:
    """Queue the "refresh derived data" job of the project (task devmaturity.refresh); the queued run's id."""
    gate = Gate(store, actor, source=source, now=now)
    ref = gate.project(project_id, Action.RUN_START)
    run_id = store.queue_run(ref.id, "refresh", {"project_id": ref.id})
    if ref.org_id is not None:
        with store.transaction() as conn:
            gate.audit(conn).add(
                EventKind.RUN_STARTED,
                ref.org_id,
                ("run", run_id, ref.name),
                action=Action.RUN_START,
                details={"kind": "refresh"},
            )
    return run_id
