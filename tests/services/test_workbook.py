"""The self-assessment workbook: layout, evidence codes, reading a filled sheet back, bad cells, hostile files.

Workbooks are made by the real producer (`write_workbook`) and filled with openpyxl, as an assessor's Excel would.
The report they start from is the tiny model's assessment of tests/history.py at 2024-03-01 over 28 days (the same
run as tests/data/gold/tiny-report.en.md): T.A.ONE level 1, T.A.TWO level 2 ("3-"), T.B.ONE level 1, and exactly
four criteria unknown, all of them questions: T.A.ONE.L3.2, T.B.ONE.L2.1, T.B.ONE.L3.1, T.B.ONE.L4.1.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from devmaturity.config import Config
from devmaturity.errors import AnswersFileError
from devmaturity.frameworks.loader import load_framework
from devmaturity.model.assessment import Answer
from devmaturity.model.framework import Criterion, CriterionKind, Framework, Item, Level, Part, Source, Subdomain
from devmaturity.model.text import Text
from devmaturity.services import workbook as wb
from devmaturity.services.answers import next_level_criteria
from devmaturity.services.assess import run_assessment
from devmaturity.store.db import Store
from tests.history import build_history

TINY = str(Path(__file__).parents[1] / "data" / "models" / "tiny")
NOW = datetime(2024, 3, 1, tzinfo=UTC)
HEADERS_ZH = [
    "能力项编号",
    "能力项",
    "级别",
    "评估项编号",
    "评估要求",
    "自评级别",
    "证据编号",
    "证明材料",
    "devmaturity 判定",
    "判定理由",
    "回答",
    "回答人",
    "日期",
    "备注",
]


@pytest.fixture(scope="module")
def tiny() -> Framework:
    return load_framework(TINY)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("tiny")
    build_history(root / "payments")
    store = Store.open(f"sqlite:///{root / 'tiny.db'}")
    config = Config(framework=TINY, window=28, project="payments")
    return run_assessment(root / "payments", config, store=store, now=NOW).report


@pytest.fixture
def sheet_file(tmp_path: Path, tiny: Framework, report: dict[str, Any]) -> Path:
    path = tmp_path / "self-assessment.xlsx"
    path.write_bytes(wb.write_workbook(tiny, lang="zh", report=report))
    return path


def test_evidence_codes_follow_the_caict_scheme() -> None:
    """Part, subdomain, item, level, position; the capability group (third of four segments) is left out."""
    codes = wb.evidence_codes(load_framework("caict-devops"))
    assert codes["CD.DRM.DRM.DS.L3.1"] == "CD-DRM-DS-3-1"
    assert codes["CD.CM.VC.VCS.L2.2"] == "CD-CM-VCS-2-2"
    assert codes["ADM.VDM.RA.L2.1"] == "ADM-VDM-RA-2-1"  # three segments: nothing to leave out
    assert len(set(codes.values())) == len(codes)


def test_codes_that_would_collide_keep_every_segment() -> None:
    """X.S.A.I and X.S.B.I both shorten to X-S-I: both keep their capability group instead."""

    def item(iid: str) -> Item:
        ask = Criterion(id=f"{iid}.L1.1", kind=CriterionKind.ANSWER, text=Text(zh="问", en="ask"))
        return Item(
            id=iid,
            name=Text(zh=iid, en=iid),
            source=Source.DEVMATURITY,
            levels=(Level(number=1, text=Text(zh="一", en="one"), criteria=(ask,)),),
        )

    sub = Subdomain(id="X.S", name=Text(zh="子", en="sub"), items=(item("X.S.A.I"), item("X.S.B.I"), item("X.S.C.J")))
    part = Part(id="P1", key="x", name=Text(zh="部", en="part"), subdomains=(sub,))
    fw = Framework(id="x", version="1", name=Text(zh="x", en="x"), level_names={}, parts=(part,))
    assert wb.evidence_codes(fw) == {
        "X.S.A.I.L1.1": "X-S-A-I-1-1",
        "X.S.B.I.L1.1": "X-S-B-I-1-1",
        "X.S.C.J.L1.1": "X-S-J-1-1",
    }


def test_caict_workbook_has_a_sheet_per_part_and_a_row_per_question() -> None:
    """Without a report the rows are exactly the model's answer criteria of the part."""
    fw = load_framework("caict-devops")
    book = openpyxl.load_workbook(io.BytesIO(wb.write_workbook(fw, lang="zh", parts=["cd"])))
    assert book.sheetnames == ["说明", "CD 持续交付"]
    cover = book["说明"]
    assert (cover["B3"].value, cover["B4"].value) == ("caict-devops", "2021.2")
    sheet = book["CD 持续交付"]
    questions = [c.id for c in fw.part("cd").items() for c in c.criteria() if c.kind is CriterionKind.ANSWER]
    assert [r[3] for r in sheet.iter_rows(min_row=2, values_only=True)] == questions
    en = openpyxl.load_workbook(io.BytesIO(wb.write_workbook(fw, lang="en", parts=["srm"])))
    assert en.sheetnames == ["Instructions", "SRM Security and risk managemen"]  # Excel's 31 characters


def test_tiny_workbook_layout(sheet_file: Path) -> None:
    """One row per unknown or question criterion (the four listed above), the claimed level on an item's first row,
    devmaturity's verdict and reason, a yes/no drop-down on column K, the header frozen."""
    book = openpyxl.load_workbook(sheet_file)
    assert book.sheetnames == ["说明", "T 测试部分"]
    sheet = book["T 测试部分"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS_ZH
    assert [(r[0], r[2], r[3], r[5], r[6], r[8]) for r in rows[1:]] == [
        ("T.A.ONE", 3, "T.A.ONE.L3.2", "1", "T-A-ONE-3-2", "未知"),
        ("T.B.ONE", 2, "T.B.ONE.L2.1", "1", "T-B-ONE-2-1", "未知"),
        ("T.B.ONE", 3, "T.B.ONE.L3.1", None, "T-B-ONE-3-1", "未知"),
        ("T.B.ONE", 4, "T.B.ONE.L4.1", None, "T-B-ONE-4-1", "未知"),
    ]
    assert rows[1][9] == "未知：尚无评估人回答"  # the zh workbook gives the reason in zh
    assert rows[1][4] == "有主干开发规范吗？\n证明材料示例: 规范文档"
    assert sheet.freeze_panes == "A2"
    (choice,) = sheet.data_validations.dataValidation
    assert choice.formula1 == '"是,否"' and str(choice.sqref) == "K2:K5"
    assert sheet["E2"].alignment.wrap_text and sheet.column_dimensions["E"].width == 60


def test_next_level_rows_only(tiny: Framework, report: dict[str, Any]) -> None:
    """Of the four, only T.B.ONE.L2.1 is at an item's next level (T.A.ONE.L3.2 is two levels up; T.A.ONE.L2.1 and
    T.A.TWO.L3.1 are next-level facts that are not met, not unknown)."""
    only = next_level_criteria(report, tiny)
    assert only == {"T.B.ONE.L2.1"}
    book = openpyxl.load_workbook(io.BytesIO(wb.write_workbook(tiny, lang="en", report=report, only=only)))
    assert [r[3] for r in book["T Test part"].iter_rows(min_row=2, values_only=True)] == ["T.B.ONE.L2.1"]


def test_next_level_takes_unknown_facts(tiny: Framework, report: dict[str, Any]) -> None:
    """Were T.A.TWO.L3.1 (a fact of T.A.TWO's next level) unknown instead of not met, an assessor could answer it."""
    changed = {**report, "parts": [dict(p) for p in report["parts"]]}
    item = next(i for s in changed["parts"][0]["subdomains"] for i in s["items"] if i["id"] == "T.A.TWO")
    item["gap"] = [{**item["gap"][0], "status": "unknown"}]
    assert next_level_criteria(changed, tiny) == {"T.A.TWO.L3.1", "T.B.ONE.L2.1"}


def _fill(path: Path, cells: dict[str, object], sheet: str = "T 测试部分") -> None:
    book = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        book[sheet][ref] = value
    book.save(path)


def test_filled_workbook_reads_back(sheet_file: Path, tiny: Framework) -> None:
    """Row 2 yes with two materials (a newline and a semicolon separate them), an Excel date; row 3 否 with an ISO
    date; rows 4 and 5 unanswered, so left out."""
    _fill(
        sheet_file,
        {
            "K2": "是",
            "H2": "https://wiki.example/trunk\ndocs/trunk.md; 评审记录.pdf",
            "L2": "王五",
            "M2": datetime(2026, 11, 20),
            "N2": "现场确认",
            "K3": "否",
            "H3": "https://wiki.example/owner",
            "L3": "Li",
            "M3": "2026-11-21",
            "H4": "materials without an answer are not an answer",
        },
    )
    assert wb.read_workbook(sheet_file, tiny) == {
        "T.A.ONE.L3.2": Answer(
            criterion="T.A.ONE.L3.2",
            value=True,
            evidence=("https://wiki.example/trunk", "docs/trunk.md", "评审记录.pdf"),
            by="王五",
            at="2026-11-20",
            note="现场确认",
        ),
        "T.B.ONE.L2.1": Answer(
            criterion="T.B.ONE.L2.1", value=False, evidence=("https://wiki.example/owner",), by="Li", at="2026-11-21"
        ),
    }


ANSWERED = {"K2": "是", "H2": "https://wiki.example/x", "L2": "王五", "M2": date(2026, 11, 20)}
PLACE = 'sheet "T 测试部分", row'
BAD_CELLS = [
    ({"K3": "maybe"}, f"{PLACE} 3, column K (回答): use 是 or 否 (yes or no), or leave it empty (got 'maybe')"),
    ({"K3": 1}, f"{PLACE} 3, column K (回答): use 是 or 否 (yes or no), or leave it empty (got 1)"),
    (
        {"D2": "T.X.ONE.L2.1"},
        f"{PLACE} 2, column D (评估项编号): unknown criterion id 'T.X.ONE.L2.1' for this framework",
    ),
    ({"D3": None}, f"{PLACE} 3, column D (评估项编号): unknown criterion id '' for this framework"),
    (
        {**ANSWERED, "M2": "20/11/2026"},
        f"{PLACE} 2, column M (日期): not a date: use an Excel date or YYYY-MM-DD (got '20/11/2026')",
    ),
    ({**ANSWERED, "M2": 46000}, f"{PLACE} 2, column M (日期): not a date: use an Excel date or YYYY-MM-DD (got 46000)"),
    ({**ANSWERED, "H2": " ; \n"}, f"{PLACE} 2, column H (证明材料): an answer needs evidence: a link or a file name"),
    (
        {"G3": "T-B-ONE-9-9"},
        f"{PLACE} 3, column G (证据编号): evidence code 'T-B-ONE-9-9' is not T.B.ONE.L2.1's (T-B-ONE-2-1)",
    ),
    ({"E1": "Requirement"}, f"{PLACE} 1, column E (评估要求): header changed: expected '评估要求' (got 'Requirement')"),
    ({"N1": None}, f"{PLACE} 1, column N (备注): header changed: expected '备注' (got None)"),
    (
        {**ANSWERED, "D3": "T.A.ONE.L3.2", "G3": None, "K3": "否", "H3": "x.pdf"},
        f'{PLACE} 3, column D (评估项编号): T.A.ONE.L3.2 is answered twice (also sheet "T 测试部分", row 2)',
    ),
]


@pytest.mark.parametrize(("cells", "message"), BAD_CELLS)
def test_bad_cells_name_sheet_row_and_column(
    sheet_file: Path, tiny: Framework, cells: dict[str, object], message: str
) -> None:
    _fill(sheet_file, cells)
    with pytest.raises(AnswersFileError) as caught:
        wb.read_workbook(sheet_file, tiny)
    assert str(caught.value) == f"{sheet_file}: {message}"
    assert "\n" not in caught.value.one_line()


def test_workbook_of_another_model_version_is_refused(sheet_file: Path, tiny: Framework) -> None:
    _fill(sheet_file, {"B4": "0.9"}, sheet="说明")
    with pytest.raises(AnswersFileError, match=r'sheet "说明", row 3: workbook made for tiny 0.9, not tiny 1.0'):
        wb.read_workbook(sheet_file, tiny)


def test_zip_bomb_is_refused_from_the_directory(
    tmp_path: Path, tiny: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2 MB of zeros compress to a few kB; with the limit at 1 MB the zip directory alone refuses the file, and
    openpyxl is never asked to open it."""
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    assert bomb.stat().st_size < 20_000
    monkeypatch.setattr(wb, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    monkeypatch.setattr(wb, "load_workbook", _must_not_open)
    with pytest.raises(AnswersFileError, match=r"unpacks to 2,097,152 bytes, over the limit of 1,048,576 .*zip bomb"):
        wb.read_workbook(bomb, tiny)


def _must_not_open(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("openpyxl must not open a refused file")


def test_oversized_file_is_refused(sheet_file: Path, tiny: Framework, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wb, "MAX_WORKBOOK_BYTES", 1000)
    monkeypatch.setattr(wb, "load_workbook", _must_not_open)
    with pytest.raises(AnswersFileError, match=r"over the limit of 1,000$"):
        wb.read_workbook(sheet_file, tiny)


def test_entity_declarations_are_refused(sheet_file: Path, tiny: Framework, tmp_path: Path) -> None:
    """The same workbook with an entity declaration (the start of a billion laughs) in front of xl/workbook.xml."""
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(sheet_file) as src, zipfile.ZipFile(hostile, "w") as dst:
        for member in src.infolist():
            data = src.read(member)
            if member.filename == "xl/workbook.xml":
                assert not data.startswith(b"<?xml")  # openpyxl writes no declaration: the DOCTYPE may lead
                data = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaa">]>' + data
            dst.writestr(member, data)
    with pytest.raises(AnswersFileError, match=r"unsafe workbook: declares XML entities"):
        wb.read_workbook(hostile, tiny)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"item,answer\n", r"not an Excel workbook \(.xlsx is a zip file\)"),
        (None, r"the first sheet must be the cover"),
    ],
)
def test_files_that_are_not_our_workbook(tmp_path: Path, tiny: Framework, content: bytes | None, message: str) -> None:
    path = tmp_path / "other.xlsx"
    if content is None:
        openpyxl.Workbook().save(path)  # a real workbook, but not a self-assessment sheet
    else:
        path.write_bytes(content)
    with pytest.raises(AnswersFileError, match=message):
        wb.read_workbook(path, tiny)
