"""The compare page: two assessments side by side with the case-study sentence, the published securities cases
(bundled reference data) and the DORA cluster bands."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from devmaturity.auth.policy import Actor
from devmaturity.model.text import Lang, Text
from devmaturity.services.derived import KEY_METRICS
from devmaturity.services.pages import (
    AssessmentInfo,
    ProjectRef,
    assessment_label,
    assessments_of,
    every_project,
    latest_of,
    readable_orgs,
    ref_of,
    stored_report,
)
from devmaturity.store.db import Store


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareQuery:
    left: int | None = None
    right: int | None = None
    left_assessment: int | None = None
    right_assessment: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareSide:
    project: ProjectRef
    chosen: int | None
    assessments: tuple[AssessmentInfo, ...]
    report: Mapping[str, Any] | None
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricPair:
    metric: str
    name: Mapping[str, str]
    unit: str
    left: float | None
    right: float | None

    @property
    def change(self) -> float | None:
        if self.left is None or self.right is None or self.left == 0:
            return None
        return (self.right - self.left) / abs(self.left)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRow:
    firm: str
    project: str | None
    metric: str
    metric_name: Mapping[str, str]
    before: str | None
    after: str | None
    unit: str | None
    yours: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DoraRow:
    metric: str
    name: Mapping[str, str]
    cells: tuple[Mapping[str, str], ...]
    unit: str
    yours: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DoraTable:
    year: str
    clusters: tuple[str, ...]
    rows: tuple[DoraRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    projects: tuple[ProjectRef, ...]
    left: CompareSide | None
    right: CompareSide | None
    metrics: tuple[MetricPair, ...]
    sentence: str
    cases: tuple[CaseRow, ...]
    cases_source: str
    dora: DoraTable


def _side(store: Store, actor: Actor, project_id: int, assessment_id: int | None) -> CompareSide:
    ref, row = latest_of(store, actor, project_id, assessment_id)
    report = stored_report(store, row) if row is not None else None
    label = f"{ref.name} {assessment_label(row)}" if row else ref.name
    return CompareSide(
        project=ref,
        chosen=assessment_id,
        assessments=tuple(assessments_of(store, actor, project_id)),
        report=report,
        label=label,
    )


def _values(report: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if not report:
        return {}
    days = report.get("window", {}).get("days")
    found: dict[str, Mapping[str, Any]] = {}
    for m in report.get("metrics", []):
        if m["id"] not in found or m["window"]["days"] == days:
            found[m["id"]] = m
    return found


def compare(store: Store, actor: Actor, ask: CompareQuery, lang: Lang) -> Comparison:
    """Two assessments side by side (two projects, or two periods of one), the case-study sentence over the key
    metrics, the project's figures beside the published securities cases, and the DORA cluster bands."""
    refs = tuple(
        sorted((ref_of(r, readable_orgs(store, actor)) for r in every_project(store, actor)), key=lambda p: p.name)
    )
    left_id = ask.left or (refs[0].id if refs else None)
    right_id = ask.right or left_id
    left = _side(store, actor, left_id, ask.left_assessment) if left_id is not None else None
    right_assessment = ask.right_assessment
    if right_id == left_id and right_assessment is None and ask.left_assessment is None and left is not None:
        # one project, nothing chosen: its previous assessment against its newest (two periods)
        older = left.assessments[1].id if len(left.assessments) > 1 else None
        left = _side(store, actor, left.project.id, older) if older else left
    right = _side(store, actor, right_id, right_assessment) if right_id is not None else None
    before, after = _values(left.report if left else None), _values(right.report if right else None)
    pairs = tuple(
        MetricPair(
            metric=m,
            name=(after.get(m) or before.get(m) or {}).get("name") or {"zh": m, "en": m},
            unit=str((after.get(m) or before.get(m) or {}).get("unit", "")),
            left=(before.get(m) or {}).get("value"),
            right=(after.get(m) or {}).get("value"),
        )
        for m in KEY_METRICS
    )
    return Comparison(
        projects=refs,
        left=left,
        right=right,
        metrics=pairs,
        sentence=case_sentence(pairs, lang),
        cases=tuple(_cases(after)),
        cases_source=str(case_studies().get("source", "")),
        dora=dora_table(after),
    )


def _shown(value: float, unit: str, lang: Lang) -> str:
    if unit == "ratio":
        return f"{value * 100:.0f} %"
    units = {"days": ("天", "days"), "hours": ("小时", "hours"), "minutes": ("分钟", "minutes")}
    zh, en = units.get(unit, (unit, unit))
    return f"{value:.2g} {zh if lang == 'zh' else en}".strip()


def case_sentence(pairs: Sequence[MetricPair], lang: Lang) -> str:
    """'unit-test line coverage 30 % → 75 %; requirement delivery cycle 19 days → 5.7 days, −70 %': each key
    metric known on both sides, ratios as percentages, others with the relative change."""
    parts = []
    for p in pairs:
        if p.left is None or p.right is None:
            continue
        name = p.name.get(lang) or p.metric
        text = f"{name} {_shown(p.left, p.unit, lang)} → {_shown(p.right, p.unit, lang)}"
        if p.unit != "ratio" and p.change is not None:
            text += f", {p.change * 100:+.0f} %".replace("-", "−")
        parts.append(text)
    return ("；" if lang == "zh" else "; ").join(parts)


# --- reference data: the published securities cases and the DORA clusters ---

CASE_METRICS: Mapping[str, tuple[str, str]] = {
    # the case file's figure → (devmaturity metric id, its unit as the case states it)
    "unit_test_coverage": ("unit_test_line_coverage", "ratio"),
    "automated_test_ratio": ("automated_test_ratio", "ratio"),
    "automation_success_rate": ("automation_success_rate", "ratio"),
    "pipeline_duration_minutes": ("pipeline_duration_p50", "minutes"),
    "delivery_cycle_days": ("requirement_delivery_cycle", "days"),
    "production_defect_escape_rate": ("production_defect_escape_rate", "ratio"),
}
CASE_NAMES: Mapping[str, Text] = {
    "unit_test_coverage": Text(zh="单元测试覆盖率", en="Unit-test coverage"),
    "automated_test_ratio": Text(zh="自动化测试占比", en="Automated-test ratio"),
    "automation_success_rate": Text(zh="自动化执行成功率", en="Automation success rate"),
    "pipeline_duration_minutes": Text(zh="流水线时长（分钟）", en="Pipeline duration (minutes)"),
    "delivery_cycle_days": Text(zh="需求交付周期（天）", en="Delivery cycle (days)"),
    "automated_test_coverage": Text(zh="自动化测试覆盖率", en="Automated-test coverage"),
    "continuous_delivery_cadence": Text(zh="持续交付节奏", en="Continuous delivery cadence"),
    "release_frequency": Text(zh="发布频率", en="Release frequency"),
    "production_defect_escape_rate": Text(zh="生产缺陷逃逸率", en="Production defect escape rate"),
}


@functools.cache
def case_studies() -> Mapping[str, Any]:
    """The published results of CAICT assessments in Chinese securities firms (bundled reference data)."""
    text = resources.files("devmaturity.frameworks").joinpath("reference/case-studies.yaml").read_text("utf-8")
    loaded: Mapping[str, Any] = yaml.safe_load(text)
    return loaded


def _figure(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value <= 1:
        return f"{value * 100:.0f} %"
    return str(value)


def _cases(yours: Mapping[str, Mapping[str, Any]]) -> list[CaseRow]:
    rows = []
    for firm in case_studies().get("firms", []):
        groups = [(None, firm.get("metrics") or {})]
        groups += [(p.get("name"), p.get("metrics") or {}) for p in firm.get("projects", [])]
        for project_name, metrics in groups:
            for key, figures in metrics.items():
                metric, unit = CASE_METRICS.get(key, ("", ""))
                mine = yours.get(metric, {}).get("value") if metric else None
                name = CASE_NAMES.get(key, Text.same(key))
                rows.append(
                    CaseRow(
                        firm=str(firm["firm"]),
                        project=project_name,
                        metric=key,
                        metric_name={"zh": name.zh, "en": name.en},
                        before=_figure(figures.get("before")),
                        after=_figure(figures.get("after")),
                        unit=unit or None,
                        yours=mine,
                    )
                )
    return rows


DORA_METRICS = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "failed_deployment_recovery_time",
)


def dora_table(yours: Mapping[str, Mapping[str, Any]]) -> DoraTable:
    """The newest DORA report year's cluster bands (the `dora` model's level texts), one row per key metric."""
    from devmaturity.frameworks.loader import load_framework

    framework = load_framework("dora")
    part = framework.parts[0]
    rows = []
    for item in part.items():
        metrics = {c.metric for c in item.criteria() if c.metric}
        metric = next((m for m in DORA_METRICS if m in metrics), None)
        if metric is None:
            continue
        cells = tuple(
            {"zh": level.text.zh, "en": level.text.en} for level in sorted(item.levels, key=lambda lv: -lv.number)
        )
        unit = str(yours.get(metric, {}).get("unit", ""))
        rows.append(
            DoraRow(
                metric=metric,
                name={"zh": item.name.zh, "en": item.name.en},
                cells=cells,
                unit=unit,
                yours=yours.get(metric, {}).get("value"),
            )
        )
    return DoraTable(year=part.key, clusters=("elite", "high", "medium", "low"), rows=tuple(rows))
