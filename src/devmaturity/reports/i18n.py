"""Interface strings of the reports in zh and en (model texts carry their own translations)."""

from __future__ import annotations

from typing import Any

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "DevOps 能力成熟度评估", "en": "DevOps capability maturity assessment"},
    "project": {"zh": "项目", "en": "Project"},
    "framework": {"zh": "模型", "en": "Framework"},
    "window": {"zh": "度量窗口", "en": "Window"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "part": {"zh": "能力域", "en": "Part"},
    "subdomain": {"zh": "能力子域", "en": "Subdomain"},
    "item": {"zh": "能力项", "en": "Item"},
    "level": {"zh": "级别", "en": "Level"},
    "mark": {"zh": "评分", "en": "Mark"},
    "met": {"zh": "满足", "en": "met"},
    "not_met": {"zh": "不满足", "en": "not met"},
    "unknown": {"zh": "未知", "en": "unknown"},
    "empty": {"zh": "标准未规定", "en": "empty in standard"},
    "criteria": {"zh": "评估项", "en": "Criteria"},
    "gap": {"zh": "到下一级的差距", "en": "Gap to the next level"},
    "how": {"zh": "如何判定或改进", "en": "How to decide or improve"},
    "evidence": {"zh": "证据", "en": "Evidence"},
    "reason": {"zh": "理由", "en": "Reason"},
    "metrics": {"zh": "度量指标", "en": "Metrics"},
    "facts": {"zh": "事实", "en": "Facts"},
    "value": {"zh": "值", "en": "Value"},
    "policy": {"zh": "汇总规则", "en": "Roll-up policy"},
    "source": {"zh": "来源", "en": "Source"},
    "note": {"zh": "说明", "en": "Note"},
    "not_applicable": {"zh": "不适用", "en": "Not applicable"},
    "calibration": {"zh": "devmaturity 校准（非标准原文）", "en": "devmaturity calibration (not the standard's text)"},
    "radar": {"zh": "各能力子域级别雷达图", "en": "Subdomain levels (radar)"},
    "parts_radar": {"zh": "各能力域级别雷达图", "en": "Part levels (radar)"},
    "capped": {"zh": "上限（更高级别在标准中为空）", "en": "capped (higher level empty in the standard)"},
    "no_gap": {"zh": "已达到最高级别", "en": "top level reached"},
    "unit_unknown": {"zh": "未知", "en": "unknown"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "answered_by": {"zh": "评估人回答：{by}，{at}", "en": "answered by {by} on {at}"},
    "nobody": {"zh": "（未填）", "en": "(not given)"},
    "summary_line": {
        "zh": "{met} 项满足，{not_met} 项不满足，{unknown} 项未知",
        "en": "{met} met, {not_met} not met, {unknown} unknown",
    },
}


def s(key: str, lang: str, **values: Any) -> str:
    text = STRINGS[key]["zh" if lang == "zh" else "en"]
    return text.format(**values) if values else text


def answered_line(crit: dict[str, Any], answers: dict[str, dict[str, Any]], lang: str) -> str:
    """Who answered an assessor-decided criterion, when, and the full evidence list ("" for other criteria)."""
    if crit.get("decided_by") != "assessor":
        return ""
    given = answers.get(crit["id"], {})
    nobody = s("nobody", lang)
    who = s("answered_by", lang, by=given.get("by") or nobody, at=given.get("at") or nobody)
    evidence = "; ".join(crit.get("evidence") or ()) or nobody
    return f"{who} · {s('evidence', lang)}: {evidence}"


def answers_by_criterion(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["criterion"]: a for a in report.get("answers") or ()}


def tx(text: dict[str, str] | str | None, lang: str) -> str:
    """Pick one language of a bilingual text dict from the JSON report (a plain string, from a report written
    before reasons were bilingual, is shown as it is)."""
    if not text:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("en") or ""
