"""The JSON report: the one structured form of an assessment every other format renders (docs/report-schema.md)."""

from __future__ import annotations

import json as _json
from typing import Any

from devmaturity.model.assessment import Assessment, ItemResult, Status
from devmaturity.model.facts import FACT_IDS, fact_spec
from devmaturity.model.framework import Criterion, Framework, Item
from devmaturity.model.metric import MetricValue
from devmaturity.model.metric_catalogue import METRIC_IDS, metric_spec
from devmaturity.model.metric_reasons import reason_text
from devmaturity.model.text import Text

SCHEMA = "devmaturity.report/2"


NO_DATA = {"zh": "无数据", "en": "no data"}  # level 0: nothing was decided, or nothing applies


def _t(text: Text | None) -> dict[str, str] | None:
    return None if text is None else {"zh": text.zh, "en": text.en}


def _criterion(criterion: Criterion, verdict: Any) -> dict[str, Any]:
    return {
        "id": criterion.id,
        "kind": criterion.kind.value,
        "text": _t(criterion.text),
        "metric": criterion.metric,
        "op": criterion.op.value if criterion.op else None,
        "value": criterion.value,
        "threshold": verdict.threshold,
        "threshold_source": verdict.threshold_source or None,
        "window_days": criterion.window_days,
        "fact": criterion.fact,
        "expected": criterion.expected if criterion.fact else None,
        "any_of": list(criterion.alternatives),
        "evidence_hint": _t(criterion.evidence_hint),
        "calibration": _t(criterion.calibration),
        "status": verdict.status.value,
        "decided_by": verdict.decided_by.value,
        "reason": _t(verdict.reason),
        "observed": verdict.observed,
        "evidence": list(verdict.evidence),
    }


def _item(item: Item, result: ItemResult) -> dict[str, Any]:
    texts = {c.id: c for c in item.criteria()}
    counts = result.counts()
    return {
        "id": item.id,
        "name": _t(item.name),
        "capability": item.capability,
        "capability_name": _t(item.capability_name),
        "source": item.source.value,
        "note": _t(item.note),
        "level": result.level,
        "mark": result.mark,
        "not_applicable": result.not_applicable,
        "partial": result.partial,
        "capped": result.capped,
        "blocked_by": result.blocked_by.value if result.blocked_by else None,
        "counts": {s.value: counts[s] for s in Status},
        "levels": [
            {
                "number": lr.number,
                "text": _t(item.level(lr.number).text),
                "empty_in_standard": lr.empty_in_standard,
                "status": "empty" if lr.empty_in_standard else lr.status.value,
                "criteria": [_criterion(item.level(lr.number).criteria[i], v) for i, v in enumerate(lr.verdicts)],
            }
            for lr in result.levels
        ],
        "gap": [
            {
                "criterion": g.criterion,
                "level": g.level,
                "status": g.status.value,
                "text": _t(texts[g.criterion].text),
                "reason": _t(g.reason),
                "how_to_decide": _t(g.how_to_decide),
            }
            for g in result.gap
        ],
    }


def _metric(value: MetricValue) -> dict[str, Any]:
    spec = metric_spec(value.metric) if value.metric in METRIC_IDS else None
    return {
        "id": value.metric,
        "name": _t(spec.name) if spec else None,
        "unit": value.unit,
        "value": value.value,
        "window": {
            "start": value.window.start.isoformat(),
            "end": value.window.end.isoformat(),
            "days": round(value.window.days),
        },
        "sample_size": value.sample_size,
        "reason": _t(reason_text(value.reason)),
        "evidence": list(value.evidence),
        "details": dict(value.details),
    }


def report_dict(assessment: Assessment, framework: Framework) -> dict[str, Any]:
    """The whole assessment as plain data, both languages included."""
    parts = []
    for part_result in assessment.parts:
        part = framework.part(part_result.key)
        items = {i.id: i for i in part.items()}
        subs = {s.id: s for s in part.subdomains}
        totals = dict.fromkeys((s.value for s in Status), 0)
        sub_dicts = []
        for sub_result in part_result.subdomains:
            item_dicts = [_item(items[r.item], r) for r in sub_result.items]
            for entry in item_dicts:
                for key, count in entry["counts"].items():
                    totals[key] += count
            sub_dicts.append(
                {
                    "id": sub_result.subdomain,
                    "name": _t(subs[sub_result.subdomain].name),
                    "level": sub_result.level,
                    "items": item_dicts,
                }
            )
        parts.append(
            {
                "id": part.id,
                "key": part.key,
                "number": part.number,
                "reference": part.reference,
                "name": _t(part.name),
                "level": part_result.level,
                "level_name": _t(framework.level_names.get(part_result.level)) or NO_DATA,
                "policy": part_result.policy,
                "counts": totals,
                "subdomains": sub_dicts,
            }
        )
    metrics = sorted(
        {(m.metric, round(m.window.days)): m for m in assessment.metrics}.values(),
        key=lambda m: (m.metric, m.window.days),
    )
    return {
        "schema": SCHEMA,
        "generated_at": assessment.now.isoformat(),
        "project": assessment.project,
        "framework": {
            "id": framework.id,
            "version": framework.version,
            "name": _t(framework.name),
            "levels": {"0": NO_DATA, **{str(n): _t(t) for n, t in framework.level_names.items()}},
        },
        "window": {
            "start": assessment.window.start.isoformat(),
            "end": assessment.window.end.isoformat(),
            "days": round(assessment.window.days),
        },
        "parts": parts,
        "metrics": [_metric(m) for m in metrics],
        "facts": [
            {
                "id": f.id,
                "name": _t(fact_spec(f.id).name) if f.id in FACT_IDS else None,
                "value": f.value,
                "detail": f.detail,
                "evidence": list(f.evidence),
            }
            for f in sorted(assessment.facts, key=lambda f: f.id)
        ],
        "answers": [
            {
                "criterion": a.criterion,
                "answer": a.value,
                "evidence": list(a.evidence),
                "by": a.by,
                "at": a.at,
                "note": a.note,
            }
            for a in assessment.answers
        ],
    }


def render_json(report: dict[str, Any], lang: str = "en") -> str:
    """JSON carries both languages, so `lang` changes nothing; it keeps every renderer's signature alike."""
    del lang
    return _json.dumps(report, ensure_ascii=False, indent=2) + "\n"
