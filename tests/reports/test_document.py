"""The document report's pure parts: evidence codes in the CAICT scheme, the next steps and strengths it picks, CSS
and HTML escaping of names, and the format registry. The report dicts here are hand-made in the shape of
docs/report-schema.md (only the keys these functions read); the whole document is rendered from a real
assessment in tests/services/test_report_documents.py."""

from __future__ import annotations

from typing import Any

import click

from devmaturity.cli.assess import assess
from devmaturity.reports.document import css_string, next_steps, render_document, strengths
from devmaturity.reports.evidence import evidence_digest, item_code, material_code, materials
from devmaturity.reports.registry import DOCUMENT_FORMATS, FORMATS

LEVELS = {str(n): {"zh": f"{n}级", "en": f"L{n}"} for n in range(6)}


def _crit(cid: str, status: str, *, metric: str | None = None, evidence: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "id": cid,
        "text": {"zh": cid, "en": cid},
        "metric": metric,
        "fact": None,
        "status": status,
        "decided_by": "metric" if evidence else "nothing",
        "evidence": list(evidence),
    }


def _item(iid: str, level: int, gap: list[tuple[str, str | None]], met: int = 1) -> dict[str, Any]:
    criteria = [_crit(f"{iid}.L{level + 1}.{i + 1}", "unknown", metric=m) for i, (_, m) in enumerate(gap)]
    return {
        "id": iid,
        "name": {"zh": f"能力项{iid}", "en": f"item {iid}"},
        "level": level,
        "mark": str(level),
        "not_applicable": None,
        "counts": {"met": met, "not_met": 0, "unknown": len(gap)},
        "levels": [
            {"number": 1, "criteria": [_crit(f"{iid}.L1.1", "met", evidence=("abc", "D-1"))]},
            {"number": level + 1, "criteria": criteria},
        ],
        "gap": [
            {
                "criterion": f"{iid}.L{level + 1}.{i + 1}",
                "level": level + 1,
                "status": "unknown",
                "text": {"zh": text, "en": text},
                "how_to_decide": {"zh": f"做{text}", "en": f"do {text}"},
            }
            for i, (text, _) in enumerate(gap)
        ],
    }


def _report(project: str = "demo") -> dict[str, Any]:
    a = _item("CD.CM.VC.A", 1, [("coverage", "unit_test_line_coverage"), ("review", None)])
    b = _item("CD.CM.VC.B", 1, [("coverage", "unit_test_line_coverage")], met=3)
    c = _item("CD.TM.TH.C", 1, [("x", None), ("y", None), ("z", None)])
    return {
        "project": project,
        "generated_at": "2026-11-30T00:00:00+00:00",
        "framework": {
            "id": "caict-devops",
            "version": "2021.1",
            "name": {"zh": "模型", "en": "model"},
            "levels": LEVELS,
        },
        "window": {"start": "2026-09-01T00:00:00+00:00", "end": "2026-11-30T00:00:00+00:00", "days": 90},
        "parts": [
            {
                "key": "cd",
                "name": {"zh": "持续交付", "en": "Continuous delivery"},
                "level": 1,
                "policy": "weakest_link",
                "counts": {"met": 5, "not_met": 0, "unknown": 6},
                "subdomains": [
                    {"id": "CD.CM", "name": {"zh": "配置管理", "en": "CM"}, "level": 1, "items": [a, b]},
                    {"id": "CD.TM", "name": {"zh": "测试管理", "en": "TM"}, "level": 1, "items": [c]},
                ],
            }
        ],
        "answers": [],
        "notices": [],
    }


def test_codes_follow_the_caict_evidence_list_scheme() -> None:
    assert item_code("caict-devops", "CD.CM.VC.VCS") == "CM-VC-VCS"
    assert material_code("caict-devops", "CD.CM.VC.VCS", 3, 4) == "CM-VC-VCS-L3-4"
    assert item_code("dora", "DORA.DF") == "DORA-DF"  # other models keep the part
    found = materials(_report())
    assert [m.code for m in found] == ["CM-VC-A-L1-1", "CM-VC-B-L1-1", "TM-TH-C-L1-1"]  # only criteria with evidence
    assert found[0].refs == ("abc", "D-1")


def test_the_digest_changes_with_the_evidence() -> None:
    report = _report()
    before = evidence_digest(report)
    assert before == evidence_digest(_report())
    report["parts"][0]["subdomains"][0]["items"][0]["levels"][0]["criteria"][0]["evidence"] = ["abd", "D-1"]
    assert evidence_digest(report) != before


def test_next_steps_rank_what_holds_most_items_back_first() -> None:
    steps = next_steps(_report(), "en")
    assert [s.key for s in steps] == ["unit_test_line_coverage", "CD.CM.VC.A.L2.2", "CD.TM.TH.C.L2.1"]
    assert steps[0].items == ["CD.CM.VC.A", "CD.CM.VC.B"] and steps[0].levels == "CD 2"
    assert steps[0].how == "do coverage"


def test_strengths_prefer_the_higher_share_of_criteria_met_at_the_same_level() -> None:
    picked = strengths(_report())
    assert [row["sub"]["id"] for row in picked] == ["CD.CM", "CD.TM"]


def test_names_are_escaped_in_css_and_html() -> None:
    hostile = 'a"b\\c</style><script>alert(1)</script>'
    shown = css_string(hostile)
    assert '"' not in shown and "<" not in shown and "\\22 " in shown
    html = render_document(_report(hostile), "zh")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "能力项CD.CM.VC.A" in html and "CM-VC-A-L1-1" in html


def test_the_registry_is_the_one_list_of_formats() -> None:
    for fmt in FORMATS.values():
        assert callable(fmt.renderer()) or not fmt.available()
    choice = next(p for p in assess.params if p.name == "formats").type
    assert isinstance(choice, click.Choice) and list(choice.choices) == list(FORMATS)
    assert set(DOCUMENT_FORMATS.values()) <= set(FORMATS)
