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
    # the document report (reports/document.py)
    "doc_title": {"zh": "DevOps 能力成熟度评估报告", "en": "DevOps Capability Maturity Assessment Report"},
    "period": {"zh": "评估周期", "en": "Assessment period"},
    "days": {"zh": "{days} 天", "en": "{days} days"},
    "version": {"zh": "版本", "en": "version"},
    "assessor": {"zh": "评估人", "en": "Assessor"},
    "assessment_id": {"zh": "评估编号", "en": "Assessment"},
    "assessed_at": {"zh": "评估日期", "en": "Assessed on"},
    "rendered_at": {"zh": "报告生成时间", "en": "Report rendered"},
    "evidence_digest": {"zh": "证据摘要", "en": "Evidence digest"},
    "digest_note": {
        "zh": "对附录中 {count} 份证据材料及全部评估人回答计算的 SHA-256（算法见 docs/reports.md）",
        "en": "SHA-256 over the {count} evidence materials of the appendix and every assessor answer "
        "(computed as docs/reports.md describes)",
    },
    "summary": {"zh": "执行摘要", "en": "Executive summary"},
    "part_levels": {"zh": "各能力域级别", "en": "Part levels"},
    "sub_levels": {"zh": "各能力子域级别", "en": "Subdomain levels"},
    "strengths": {"zh": "优势", "en": "Strengths"},
    "no_strengths": {"zh": "尚无已判定的能力子域", "en": "No subdomain has been decided yet"},
    "met_of": {"zh": "{met}/{total} 项评估项满足", "en": "{met} of {total} criteria met"},
    "next_steps": {"zh": "最有价值的三项改进", "en": "The three most valuable next steps"},
    "holds_back": {
        "zh": "阻碍 {count} 个能力项达到下一级（{levels}）",
        "en": "holds {count} item(s) back from the next level ({levels})",
    },
    "no_steps": {"zh": "所有能力域均已达到最高级别", "en": "Every part is at the top level"},
    "notices": {"zh": "提示", "en": "Notices"},
    "score": {"zh": "得分", "en": "Score"},
    "advice": {"zh": "改进建议", "en": "Improvement advice"},
    "no_evidence": {"zh": "无证据（未知）", "en": "no evidence (unknown)"},
    "more_codes": {"zh": "另有 {count} 份，见附录", "en": "{count} more in the appendix"},
    "more_in_roadmap": {"zh": "另有 {count} 条，见路线图", "en": "{count} more in the roadmap"},
    "roadmap": {"zh": "到下一级的路线图", "en": "Roadmap to the next level"},
    "missing": {"zh": "尚缺什么", "en": "What is missing"},
    "nothing_missing": {"zh": "没有能力项低于下一级", "en": "No item is below the next level"},
    "appendix": {"zh": "附录：证据材料", "en": "Appendix: evidence"},
    "appendix_note": {
        "zh": "材料编号沿用信通院证据清单的编码方式：能力子域-能力项组-能力项-L级别-序号"
        "（序号为该级别中评估项的顺序）。"
        "每条列出前 3 个引用；证据包中有全部引用及其记录。",
        "en": "Codes follow CAICT's evidence-list scheme: subdomain-group-item-L<level>-<n>, n being the "
        "requirement's position in that level. Each row lists its first 3 references; the evidence pack holds "
        "them all with their records.",
    },
    "code": {"zh": "编号", "en": "Code"},
    "requirement": {"zh": "要求", "en": "Requirement"},
    "status": {"zh": "结论", "en": "Status"},
    "more_refs": {"zh": "等，另有 {count} 个", "en": "and {count} more"},
    "answer_only": {"zh": "评估人回答，未附材料", "en": "assessor's answer, no document attached"},
    "by_metric": {"zh": "由度量判定", "en": "by metric"},
    "by_fact": {"zh": "由事实判定", "en": "by fact"},
    "by_assessor": {"zh": "由评估人判定", "en": "by assessor"},
    "by_nothing": {"zh": "未判定", "en": "undecided"},
    "pack_title": {"zh": "证据包", "en": "Evidence pack"},
    "pack_verify": {
        "zh": "manifest.json 列出每个文件的大小和 SHA-256，并由服务密钥签名（manifest.sig）；"
        "用 devmaturity export verify 核验本证据包。",
        "en": "manifest.json lists every file's size and SHA-256 and is signed with the service's key "
        "(manifest.sig); check this pack with devmaturity export verify.",
    },
    "pack_reports": {"zh": "报告", "en": "Reports"},
    "pack_items": {"zh": "按能力项和证据编号索引", "en": "By item and evidence code"},
    "pack_records": {"zh": "引用的记录", "en": "Cited records"},
    "pack_answers": {"zh": "评估人回答", "en": "Assessor answers"},
    "page_of_a": {"zh": "第 ", "en": "Page "},
    "page_of_b": {"zh": " 页，共 ", "en": " of "},
    "page_of_c": {"zh": " 页", "en": ""},
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
