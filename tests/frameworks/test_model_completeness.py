"""The bundled models are complete: every CD item of the standard, five levels, both languages, known ids."""

from __future__ import annotations

import re

import pytest

from devmaturity.frameworks.loader import bundled_frameworks, load_framework
from devmaturity.model.facts import FACT_IDS
from devmaturity.model.framework import CriterionKind, Framework, Source
from devmaturity.model.metric_catalogue import METRIC_IDS
from devmaturity.model.text import Text

# the 49 items of Part 3 (reference/caict-model.md §2.2)
CD_ITEMS = """
CD.CM.VC.VCS CD.CM.VC.BM CD.CM.VC.AM CD.CM.VC.SSOT CD.CM.CM.CP CD.CM.CM.CT CD.CM.CM.CR
CD.BCI.BP.BM CD.BCI.BP.BE CD.BCI.BP.BP CD.BCI.BP.BR CD.BCI.CI.IS CD.BCI.CI.IF CD.BCI.CI.IM CD.BCI.CI.FP
CD.TM.TH.HM CD.TM.TH.HS CD.TM.TH.TO CD.TM.CQ.QR CD.TM.CQ.TM CD.TM.CQ.CM
CD.TM.AT.ADES CD.TM.AT.ADEV CD.TM.AT.AE CD.TM.AT.AA
CD.DRM.DRM.DM CD.DRM.DRM.DP CD.DRM.DRM.DS CD.DRM.DRM.DQ CD.DRM.DP.CM CD.DRM.DP.PP CD.DRM.DP.PV
CD.EM.EM.ET CD.EM.EM.EB CD.EM.EM.EDCM
CD.DM.TDM.DS CD.DM.TDM.DC CD.DM.TDM.DID CD.DM.DCM.CP CD.DM.DCM.CR CD.DM.DCM.DM
CD.MF.MI.MID CD.MF.MI.MIM CD.MF.MI.MDM CD.MF.MI.MIU CD.MF.MDI.CGM CD.MF.MDI.MDU CD.MF.MDI.SC CD.MF.MDI.MFI
""".split()


@pytest.fixture(scope="module")
def caict() -> Framework:
    return load_framework("caict-devops")


def _texts(fw: Framework) -> list[tuple[str, Text]]:
    out: list[tuple[str, Text]] = [(fw.id, fw.name), *((f"level {n}", t) for n, t in fw.level_names.items())]
    for part in fw.parts:
        out.append((part.id, part.name))
        for sub in part.subdomains:
            out.append((sub.id, sub.name))
            for item in sub.items:
                out.append((item.id, item.name))
                if item.note:
                    out.append((item.id, item.note))
                for level in item.levels:
                    out.append((f"{item.id} L{level.number}", level.text))
                    for c in level.criteria:
                        out.append((c.id, c.text))
                        if c.evidence_hint:
                            out.append((c.id, c.evidence_hint))
    return out


def test_cd_has_all_49_items_in_seven_subdomains(caict: Framework) -> None:
    cd = caict.part("cd")
    assert [s.id for s in cd.subdomains] == ["CD.CM", "CD.BCI", "CD.TM", "CD.DRM", "CD.EM", "CD.DM", "CD.MF"]
    assert sorted(i.id for i in cd.items()) == sorted(CD_ITEMS)
    assert len(CD_ITEMS) == 49
    assert all(i.source is Source.STANDARD for i in cd.items())


def test_every_item_has_five_levels_each_decidable_or_marked_empty(caict: Framework) -> None:
    for item in caict.items():
        assert [lv.number for lv in item.levels] == [1, 2, 3, 4, 5], item.id
        for level in item.levels[1:]:
            assert level.criteria or level.empty_in_standard, f"{item.id} L{level.number}"


def test_all_five_parts_are_present(caict: Framework) -> None:
    assert [p.key for p in caict.parts] == ["adm", "cd", "to", "ad", "srm"]
    assert len(caict.part("to").items()) == 15
    assert len(caict.part("adm").items()) == 6
    assert len(caict.part("srm").subdomains) == 17
    assert {i.source for p in ("adm", "to", "ad", "srm") for i in caict.part(p).items()} <= {
        Source.DEVMATURITY,
        Source.STANDARD,
    }


@pytest.mark.parametrize("fid", sorted(bundled_frameworks()))
def test_every_text_has_chinese_and_english(fid: str) -> None:
    fw = load_framework(fid)
    for where, text in _texts(fw):
        assert text.zh.strip() and text.en.strip(), where
    han = re.compile(r"[\u4e00-\u9fff]")
    named = [(w, t) for w, t in _texts(fw) if w.count(".") >= 1 and " L" not in w]
    assert sum(1 for _, t in named if han.search(t.zh)) >= 0.9 * len(named)


@pytest.mark.parametrize("fid", sorted(bundled_frameworks()))
def test_every_metric_and_fact_id_is_in_the_registries(fid: str) -> None:
    fw = load_framework(fid)
    for c in fw.criteria():
        if c.kind is CriterionKind.METRIC:
            assert c.metric in METRIC_IDS, c.id
        elif c.kind is CriterionKind.FACT:
            assert c.fact in FACT_IDS, c.id


def test_cd_decides_automatically_where_evidence_can(caict: Framework) -> None:
    kinds = [c.kind for c in caict.part("cd").items() for c in c.criteria()]
    assert kinds.count(CriterionKind.METRIC) >= 15
    assert kinds.count(CriterionKind.FACT) >= 30


def test_dora_has_report_years_and_four_levels() -> None:
    dora = load_framework("dora")
    assert {p.key for p in dora.parts} == {"2021", "2022", "2023", "2024"}
    assert sorted(dora.level_names) == [1, 2, 3, 4]
    metrics = {c.metric for c in dora.criteria() if c.kind is CriterionKind.METRIC}
    assert {"deployment_frequency", "lead_time_for_changes", "change_failure_rate"} <= metrics
    for part in dora.parts:
        assert part.reference and part.key in part.reference
