"""View models of the dashboard built from a stored report (a small report in the documented shape,
docs/report-schema.md `devmaturity.report/2`, written by hand): radars, the prioritised gap list, evidence
classification and links, heatmap cells and paging."""

from __future__ import annotations

from typing import Any

import pytest

from devmaturity.web.dashboard.admin import COLUMNS
from devmaturity.web.dashboard.texts import TEXTS
from devmaturity.web.dashboard.views import (
    evidence_of,
    find_item,
    gaps,
    heatmap,
    item_view,
    page_offsets,
    radar_parts,
    radar_subdomains,
    shown_value,
)


def _text(en: str) -> dict[str, str]:
    return {"zh": f"中文{en}", "en": en}


def _item(item_id: str, level: int, gap: list[dict[str, Any]]) -> dict[str, Any]:
    criterion = {
        "id": f"{item_id}.L{level + 1}.1",
        "kind": "metric",
        "text": _text("coverage"),
        "status": "not_met",
        "decided_by": "metric",
        "reason": _text("30% < 60%"),
        "observed": "30%",
        "evidence": [
            "target/site/jacoco/jacoco.xml",
            "4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
            "https://ci.example/job/7",
        ],
    }
    return {
        "id": item_id,
        "name": _text(item_id),
        "level": level,
        "mark": str(level),
        "counts": {"met": 1, "not_met": 1, "unknown": 0},
        "levels": [{"number": level + 1, "text": _text("next"), "status": "not_met", "criteria": [criterion]}],
        "gap": gap,
    }


def _gap(criterion: str, level: int, status: str) -> dict[str, Any]:
    return {
        "criterion": criterion,
        "level": level,
        "status": status,
        "text": _text(criterion),
        "reason": _text("r"),
        "how_to_decide": _text("how"),
    }


REPORT: dict[str, Any] = {
    "schema": "devmaturity.report/2",
    "framework": {
        "id": "caict-devops",
        "version": "1",
        "name": _text("CAICT"),
        "levels": {str(n): _text(str(n)) for n in range(6)},
    },
    "window": {"start": "2026-09-01T00:00:00+00:00", "end": "2026-11-30T00:00:00+00:00", "days": 90},
    "parts": [
        {
            "id": "CD",
            "key": "cd",
            "name": _text("Continuous delivery"),
            "level": 1,
            "counts": {"met": 3, "not_met": 2, "unknown": 1},
            "subdomains": [
                {
                    "id": "CD.A",
                    "name": _text("Config"),
                    "level": 2,
                    "items": [_item("CD.A.1", 2, [_gap("CD.A.1.L3.1", 3, "unknown")])],
                },
                {
                    "id": "CD.B",
                    "name": _text("Build"),
                    "level": 1,
                    "items": [
                        _item("CD.B.1", 1, [_gap("CD.B.1.L2.2", 2, "unknown"), _gap("CD.B.1.L2.1", 2, "not_met")]),
                    ],
                },
                {"id": "CD.C", "name": _text("Test"), "level": 1, "items": []},
            ],
        },
        {
            "id": "TO",
            "key": "to",
            "name": _text("Operations"),
            "level": 3,
            "counts": {"met": 0, "not_met": 0, "unknown": 0},
            "subdomains": [
                {
                    "id": "TO.A",
                    "name": _text("Monitor"),
                    "level": 3,
                    "items": [_item("TO.A.1", 3, [_gap("TO.A.1.L4.1", 4, "not_met")])],
                }
            ],
        },
        {
            "id": "AD",
            "key": "ad",
            "name": _text("Design"),
            "level": 1,
            "counts": {"met": 0, "not_met": 0, "unknown": 0},
            "subdomains": [],
        },
    ],
    "metrics": [],
}


class RadarTests:
    def test_parts_on_a_fixed_scale_of_the_framework_levels(self) -> None:
        radar = radar_parts(REPORT, "en", "Level")
        assert radar["max"] == 5  # rings 0-5 however low the levels: an all-1 polygon stays readable
        assert [i["name"] for i in radar["indicators"]] == ["CD Continuous delivery", "TO Operations", "AD Design"]
        assert radar["series"] == [{"name": "Level", "values": [1, 3, 1]}]

    def test_subdomains_of_one_part_in_the_page_language(self) -> None:
        radar = radar_subdomains(REPORT, "cd", "zh", "级别")
        assert [i["name"] for i in radar["indicators"]] == ["中文Config", "中文Build", "中文Test"]
        assert radar["series"][0]["values"] == [2, 1, 1]
        assert radar_subdomains(REPORT, "nope", "en", "Level")["indicators"] == []


class GapTests:
    def test_what_holds_a_part_first_then_lower_items_then_not_met_before_unknown(self) -> None:
        order = [g.criterion for g in gaps(REPORT)]
        # CD is at 1: CD.B.1 (level 1) holds it, its not-met criterion first; TO.A.1 holds TO at 3; CD.A.1 is above its part
        assert order == ["CD.B.1.L2.1", "CD.B.1.L2.2", "TO.A.1.L4.1", "CD.A.1.L3.1"]

    def test_limited(self) -> None:
        assert len(gaps(REPORT, limit=2)) == 2


class EvidenceTests:
    @pytest.mark.parametrize(
        ("ref", "decided_by", "kind", "href"),
        [
            ("https://ci.example/job/trade/41/", "assessor", "link", "https://ci.example/job/trade/41/"),
            ("4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", "metric", "commit", None),
            ("jenkins:trade-service#41", "metric", "build", None),
            ("target/surefire-reports/TEST-OrderTest.xml", "metric", "file", None),
            ("Jenkinsfile", "fact", "file", None),
            ("DEP-2026-11-26-prod", "metric", "record", None),
            ("v1.4.11", "metric", "record", None),
            ("minutes of the 2026-10 drill", "assessor", "record", None),
        ],
    )
    def test_kinds(self, ref: str, decided_by: str, kind: str, href: str | None) -> None:
        found = evidence_of(ref, None, decided_by)
        assert (found.kind, found.href) == (kind, href)

    def test_commits_and_files_link_to_the_repositorys_web_pages(self) -> None:
        web = {
            "commit": "https://github.com/acme/trade/commit/{sha}",
            "file": "https://github.com/acme/trade/blob/HEAD/{path}",
        }
        sha = "4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
        assert evidence_of(sha, None, "metric", web).href == f"https://github.com/acme/trade/commit/{sha}"
        assert evidence_of("ci/Jenkins file.groovy", None, "fact", web).href == (
            "https://github.com/acme/trade/blob/HEAD/ci/Jenkins%20file.groovy"
        )
        assert evidence_of("../etc/passwd", None, "fact", web).href is None  # never a path out of the repository
        assert evidence_of(sha, None, "metric").href is None  # no repository web page known

    def test_an_uploaded_file_links_to_its_download(self) -> None:
        found = evidence_of("runbook.pdf (sha256 5e7c8b17c807)", {"runbook.pdf": "/evidence-files/7"}, "assessor")
        assert (found.kind, found.href) == ("upload", "/evidence-files/7")

    def test_item_drill_down_classifies_every_criterion(self) -> None:
        item = find_item(REPORT, "CD.B.1")
        assert item is not None
        view = item_view(item)
        kinds = [e.kind for e in view["levels"][0]["criteria"][0]["evidence"]]
        assert kinds == ["file", "commit", "link"]
        assert find_item(REPORT, "CD.Z.9") is None


class TableTests:
    def test_heatmap_cells_only_for_known_levels(self) -> None:
        data = heatmap([("a", {"S1": 1, "S2": 3}), ("b", {"S2": 2})], [("S1", "one"), ("S2", "two")])
        assert data["x"] == ["one", "two"] and data["y"] == ["a", "b"]
        assert data["cells"] == [[0, 0, 1], [1, 0, 3], [1, 1, 2]]

    @pytest.mark.parametrize(
        ("total", "offset", "expected"),
        [(120, 0, (None, 50)), (120, 50, (0, 100)), (120, 100, (50, None)), (10, 0, (None, None))],
    )
    def test_pages(self, total: int, offset: int, expected: tuple[int | None, int | None]) -> None:
        assert page_offsets(total, offset, 50) == expected

    @pytest.mark.parametrize(
        ("value", "unit", "lang", "shown"),
        [
            (0.755, "ratio", "en", "75.5 %"),
            (5.7, "days", "zh", "5.7 天"),
            (None, "hours", "en", "—"),
            (0.2, "deployments/day", "en", "0.2 deployments/day"),
        ],
    )
    def test_values(self, value: float | None, unit: str, lang: str, shown: str) -> None:
        assert shown_value(value, unit, lang) == shown  # type: ignore[arg-type]

    def test_admin_columns_have_texts(self) -> None:
        assert all(key in TEXTS for columns in COLUMNS.values() for key in columns)
