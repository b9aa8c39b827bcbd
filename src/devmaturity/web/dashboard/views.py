"""View models of the dashboard's pages, built from what the services return (the stored JSON report,
docs/report-schema.md, and stored series): shaping for display only, nothing measured or assessed here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from devmaturity.model.text import Lang

Report = Mapping[str, Any]

# the key metrics of issue 11, in the order the project page draws them (metric ids of metrics/catalogue.py)
KEY_METRICS: tuple[str, ...] = (
    "unit_test_line_coverage",
    "automated_test_ratio",
    "automation_success_rate",
    "pipeline_duration_p50",
    "requirement_delivery_cycle",
    "deployment_frequency",
    "change_failure_rate",
    "failed_deployment_recovery_time",
)
STATUS_ORDER = {"not_met": 0, "unknown": 1}
MAX_GAPS = 25

_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_URL = re.compile(r"^https?://", re.IGNORECASE)
_BUILD = re.compile(r"(^#\d+$)|(\bbuild\b)|(\bjenkins\b)|(/job/)", re.IGNORECASE)
_FILE = re.compile(r"(/)|(\.[A-Za-z0-9]{1,6}$)")


def text_in(value: Mapping[str, str] | str | None, lang: Lang) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value.get(lang) or value.get("en") or "")


def max_level(report: Report) -> int:
    levels = [int(key) for key in report.get("framework", {}).get("levels", {}) if str(key).isdigit()]
    return max(levels) if levels else 5


def radar_scale(levels: Iterable[int], top: int) -> int:
    """The radar's outer ring: two levels above the highest shown, at least 3, at most the framework's top, so
    an all-level-1 project is a readable polygon on labelled rings rather than a dot at the centre."""
    return max(3, min(top, max(levels, default=0) + 2))


def radar_parts(report: Report, lang: Lang, label: str) -> dict[str, Any]:
    parts = report.get("parts", [])
    return {
        "max": radar_scale((p["level"] for p in parts), max_level(report)),
        "indicators": [{"name": f"{p['key'].upper()} {text_in(p['name'], lang)}"} for p in parts],
        "series": [{"name": label, "values": [p["level"] for p in parts]}],
    }


def radar_subdomains(report: Report, part_key: str, lang: Lang, label: str) -> dict[str, Any]:
    """The subdomains of one part (a radar of all 38 CAICT subdomains is unreadable)."""
    part = next((p for p in report.get("parts", []) if p["key"] == part_key), None)
    subs = part["subdomains"] if part else []
    return {
        "max": radar_scale((s["level"] for s in subs), max_level(report)),
        "indicators": [{"name": text_in(s["name"], lang)} for s in subs],
        "series": [{"name": label, "values": [s["level"] for s in subs]}],
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    item: str
    item_name: Mapping[str, str]
    criterion: str
    level: int
    status: str
    text: Mapping[str, str]
    how: Mapping[str, str]
    priority: tuple[int, int, int, str]


def gaps(report: Report, limit: int = MAX_GAPS) -> list[Gap]:
    """The gap to the next level as a to-do list: first what holds a part at its level (items at the part's
    level), lower items before higher, "not met" (work to do) before "unknown" (evidence to bring)."""
    found: list[Gap] = []
    for part in report.get("parts", []):
        for sub in part["subdomains"]:
            for item in sub["items"]:
                holding = 0 if item["level"] <= part["level"] else 1
                for entry in item.get("gap", []):
                    status = entry.get("status", "unknown")
                    found.append(
                        Gap(
                            item=item["id"],
                            item_name=item["name"],
                            criterion=entry["criterion"],
                            level=int(entry["level"]),
                            status=status,
                            text=entry.get("text") or {},
                            how=entry.get("how_to_decide") or {},
                            priority=(holding, item["level"], STATUS_ORDER.get(status, 2), entry["criterion"]),
                        )
                    )
    return sorted(found, key=lambda gap: gap.priority)[:limit]


def find_item(report: Report, item_id: str) -> Mapping[str, Any] | None:
    for part in report.get("parts", []):
        for sub in part["subdomains"]:
            for item in sub["items"]:
                if item["id"] == item_id:
                    return dict(item)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    kind: str  # file | build | commit | record | link | upload
    label: str
    href: str | None = None
    external: bool = False


def evidence_of(
    ref: str, files: Mapping[str, str] | None = None, decided_by: str = "metric", web: Mapping[str, str] | None = None
) -> Evidence:
    """What an evidence reference is, for its label and link: an uploaded file (linked to its download), a URL
    (linked), a commit, a build, a file of the repository (a fact's evidence is the files it was read from), or
    another stored record (a deployment, incident or work item id)."""
    if files:
        # an answer cites its uploaded file as "name (sha256 1a2b3c…)"
        name = ref.split(" (sha256 ", 1)[0]
        if name in files:
            return Evidence(kind="upload", label=ref, href=files[name])
    if _URL.match(ref):
        return Evidence(kind="link", label=ref, href=ref, external=True)
    web = web or {}
    if _SHA.match(ref):
        commit = web.get("commit")
        return Evidence(kind="commit", label=ref[:12], href=commit.format(sha=quote(ref)) if commit else None)
    if decided_by != "fact" and _BUILD.search(ref):
        return Evidence(kind="build", label=ref)
    if decided_by == "fact" or (decided_by != "assessor" and "/" in ref and _FILE.search(ref)):
        blob = web.get("file")
        linkable = blob and not ref.startswith("/") and ".." not in ref
        return Evidence(kind="file", label=ref, href=blob.format(path=quote(ref)) if linkable and blob else None)
    return Evidence(kind="record", label=ref)


def item_view(
    item: Mapping[str, Any], files: Mapping[str, str] | None = None, web: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The item with each criterion's evidence classified and linked."""
    levels = []
    for level in item["levels"]:
        criteria = [
            {
                **c,
                "evidence": [
                    evidence_of(str(e), files, c.get("decided_by", "metric"), web) for e in c.get("evidence", [])
                ],
            }
            for c in level["criteria"]
        ]
        levels.append({**level, "criteria": criteria})
    return {**item, "levels": levels, "note": item.get("note")}


def part_summaries(report: Report) -> list[dict[str, Any]]:
    return [dict(p) for p in report.get("parts", [])]


def metric_values(report: Report) -> dict[str, Mapping[str, Any]]:
    return {m["id"]: m for m in report.get("metrics", [])}


def shown_value(value: float | None, unit: str, lang: Lang) -> str:
    """A metric value for a table cell: ratios as percentages, others with their unit."""
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    units = {
        "days": ("天", "d"),
        "hours": ("小时", "h"),
        "minutes": ("分钟", "min"),
        "deployments/day": ("次/天", "deployments/day"),
    }
    zh, en = units.get(unit, (unit, unit))
    return f"{value:.4g} {zh if lang == 'zh' else en}".strip()


def page_offsets(total: int, offset: int, limit: int) -> tuple[int | None, int | None]:
    """The previous and next page offsets, None at either end."""
    prev_offset = max(0, offset - limit) if offset > 0 else None
    next_offset = offset + limit if offset + limit < total else None
    return prev_offset, next_offset


def heatmap(rows: Sequence[tuple[str, Mapping[str, int]]], columns: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """ECharts heatmap data: projects down, subdomains across, one cell per known level."""
    cols = list(columns)
    cells = [
        [x, y, levels[key]] for y, (_, levels) in enumerate(rows) for x, (key, _) in enumerate(cols) if key in levels
    ]
    return {"x": [label for _, label in cols], "y": [name for name, _ in rows], "cells": cells, "rows": len(rows)}
