"""The CAICT self-assessment workbook (自评表): written and read with openpyxl; docs/answers.md describes it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from devmaturity.collectors.xmlsafe import UnsafeXml, check_prolog
from devmaturity.config import Config
from devmaturity.errors import AnswersFileError
from devmaturity.model.assessment import Answer
from devmaturity.model.framework import Criterion, CriterionKind, Framework, Item, Part
from devmaturity.model.text import Lang
from devmaturity.reports.i18n import tx
from devmaturity.services.answers import read_report, report_answers, report_items
from devmaturity.services.assess import run_assessment

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # sum of the zip members' sizes: a zip bomb stops here, before opening
MAX_MEMBERS = 2000
MAX_ROWS = 20_000  # per sheet; the whole CAICT model has fewer than 800 criteria
PROLOG_BYTES = 64 * 1024
SHEET_NAME_MAX = 31  # Excel's limit
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    key: str
    zh: str
    en: str
    width: int

    def header(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


COLUMNS: tuple[Column, ...] = (
    Column(key="item", zh="能力项编号", en="Item id", width=16),
    Column(key="item_name", zh="能力项", en="Item", width=22),
    Column(key="level", zh="级别", en="Level", width=7),
    Column(key="criterion", zh="评估项编号", en="Criterion id", width=22),
    Column(key="text", zh="评估要求", en="Requirement", width=60),
    Column(key="claimed", zh="自评级别", en="Level claimed", width=10),
    Column(key="code", zh="证据编号", en="Evidence code", width=18),
    Column(key="materials", zh="证明材料", en="Materials (links, files)", width=40),
    Column(key="verdict", zh="devmaturity 判定", en="devmaturity verdict", width=14),
    Column(key="reason", zh="判定理由", en="Reason", width=48),
    Column(key="answer", zh="回答", en="Answer", width=9),
    Column(key="by", zh="回答人", en="Owner", width=14),
    Column(key="at", zh="日期", en="Date", width=12),
    Column(key="note", zh="备注", en="Note", width=30),
)
_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}
COVER = {"zh": "说明", "en": "Instructions"}
_YES = {"zh": "是", "en": "yes"}
_NO = {"zh": "否", "en": "no"}
_TRUE = {"yes", "y", "true", "是"}
_FALSE = {"no", "n", "false", "否"}
_VERDICT = {
    "met": {"zh": "满足", "en": "met"},
    "not_met": {"zh": "不满足", "en": "not met"},
    "unknown": {"zh": "未知", "en": "unknown"},
}
# the cover sheet: (row, label zh, label en); the value sits in column B and `import` reads framework and version
_COVER_ROWS = (
    (3, "模型", "Framework"),
    (4, "模型版本", "Framework version"),
    (5, "项目", "Project"),
    (6, "评估时间", "Assessed at"),
)
_INSTRUCTIONS = {
    "zh": (
        "每个能力域一张工作表，每行是一个需要评估人回答的评估项，按能力项分组。",
        "在“回答”列选择 是 或 否；不回答就留空（该项保持未知）。",
        "回答为是或否时，“证明材料”必须填写：链接或文件名，多个用换行或分号分隔。",
        "“回答人”填写姓名，“日期”填写日期（Excel 日期或 YYYY-MM-DD）。",
        "“证据编号”是每个评估项固定的编号（如 CD-CM-VCS-2-1），证明材料的文件名可以用它开头。",
        "不要修改表头、工作表名、评估项编号和证据编号；导入时会检查。",
        "导入：devmaturity answers import 本文件 --out answers.yaml；",
        "然后：devmaturity assess --answers answers.yaml。",
    ),
    "en": (
        "One sheet per part; each row is a criterion an assessor answers, grouped by item.",
        "Choose yes or no in the Answer column; leave it empty when not assessed (the criterion stays unknown).",
        "A yes or no answer needs materials: links or file names, several separated by new lines or semicolons.",
        "Owner is who answered; Date is when (an Excel date or YYYY-MM-DD).",
        "The evidence code is a fixed code per criterion (e.g. CD-CM-VCS-2-1); name evidence files after it.",
        "Do not change the headers, sheet names, criterion ids or evidence codes; the import checks them.",
        "Import: devmaturity answers import this-file --out answers.yaml;",
        "then: devmaturity assess --answers answers.yaml.",
    ),
}


def evidence_codes(framework: Framework) -> dict[str, str]:
    """Criterion id → evidence code. `CD.DRM.DRM.DS.L3.1` → `CD-DRM-DS-3-1`: part, subdomain, item, level and
    position, leaving out the capability group between subdomain and item; a code two criteria would share keeps
    every segment of the item id instead (`CD-DRM-DRM-DS-3-1`), so codes never collide."""
    short: dict[str, str] = {}
    full: dict[str, str] = {}
    for criterion in framework.criteria():
        item, level, position = criterion.id.rsplit(".", 2)
        segments = item.split(".")
        kept = [*segments[:2], segments[-1]] if len(segments) > 3 else segments
        short[criterion.id] = "-".join([*kept, level.removeprefix("L"), position])
        full[criterion.id] = "-".join([*segments, level.removeprefix("L"), position])
    counts: dict[str, int] = {}
    for code in short.values():
        counts[code] = counts.get(code, 0) + 1
    return {cid: code if counts[code] == 1 else full[cid] for cid, code in short.items()}


def sheet_name(part: Part, lang: Lang) -> str:
    return f"{part.key.upper()} {part.name.get(lang)}".translate(_SHEET_FORBIDDEN)[:SHEET_NAME_MAX].strip()


def source_report(path: Path, config: Config) -> dict[str, Any]:
    """The assessment the next-level questions are asked against: a report.json file, or a repository folder that
    is assessed first (the assess service, with `config`)."""
    if path.is_dir():
        return run_assessment(path, config).report
    return read_report(path)


def answerable(framework: Framework, report: Mapping[str, Any] | None) -> set[str]:
    """The criteria an assessor answers: every question, and (given a report) every criterion it left unknown."""
    wanted = {c.id for c in framework.criteria() if c.kind is CriterionKind.ANSWER}
    if report is not None:
        for item in report_items(report, framework):
            for level in item["levels"]:
                wanted.update(c["id"] for c in level["criteria"] if c["status"] == "unknown")
    return wanted


def write_workbook(
    framework: Framework,
    *,
    lang: Lang = "zh",
    parts: Sequence[str] | None = None,
    report: Mapping[str, Any] | None = None,
    only: set[str] | None = None,
) -> bytes:
    """The self-assessment workbook as .xlsx bytes: a cover sheet, then one sheet per part with one row per
    criterion to answer (`only`, else `answerable`); a report adds devmaturity's verdicts and the answers it used."""
    chosen = [framework.part(k) for k in parts] if parts else list(framework.parts)
    wanted = only if only is not None else answerable(framework, report)
    verdicts, marks = _from_report(report, framework)
    given = report_answers(report) if report is not None else {}
    codes = evidence_codes(framework)
    book = Workbook()
    _cover(book.active, framework, lang, report)
    for part in chosen:
        sheet = book.create_sheet(sheet_name(part, lang))
        rows = [
            _row(item, criterion, lang, codes, verdicts, marks, given, first=index == 0)
            for item in part.items()
            for index, criterion in enumerate(c for c in item.criteria() if c.id in wanted)
        ]
        _part_sheet(sheet, rows, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _from_report(
    report: Mapping[str, Any] | None, framework: Framework
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    if report is None:
        return {}, {}
    items = report_items(report, framework)
    verdicts = {c["id"]: c for item in items for level in item["levels"] for c in level["criteria"]}
    return verdicts, {item["id"]: item["mark"] for item in items}


def _row(
    item: Item,
    criterion: Criterion,
    lang: Lang,
    codes: Mapping[str, str],
    verdicts: Mapping[str, Mapping[str, Any]],
    marks: Mapping[str, str],
    given: Mapping[str, Answer],
    *,
    first: bool,
) -> list[object]:
    level = int(criterion.id.rsplit(".", 2)[1].removeprefix("L"))
    text = criterion.text.get(lang)
    if criterion.evidence_hint is not None:
        text += f"\n{'证明材料示例' if lang == 'zh' else 'Evidence'}: {criterion.evidence_hint.get(lang)}"
    verdict = verdicts.get(criterion.id)
    answer = given.get(criterion.id)
    shown = "" if answer is None or answer.value is None else (_YES if answer.value else _NO)[lang]
    return [
        item.id,
        item.name.get(lang),
        level,
        criterion.id,
        text,
        marks.get(item.id, "") if first else "",
        codes[criterion.id],
        "\n".join(answer.evidence) if answer else "",
        _VERDICT[verdict["status"]][lang] if verdict else "",
        tx(verdict["reason"], lang) if verdict else "",
        shown,
        answer.by if answer else "",
        answer.at if answer else "",
        answer.note if answer else "",
    ]


def _cover(sheet: Any, framework: Framework, lang: Lang, report: Mapping[str, Any] | None) -> None:
    sheet.title = COVER[lang]
    sheet["A1"] = ("DevOps 能力成熟度自评表" if lang == "zh" else "DevOps capability maturity self-assessment") + (
        f" · {framework.name.get(lang)}"
    )
    sheet["A1"].font = Font(bold=True, size=14)
    values = (
        framework.id,
        framework.version,
        (report or {}).get("project", ""),
        str((report or {}).get("generated_at", ""))[:19],
    )
    for (row, zh, en), value in zip(_COVER_ROWS, values, strict=True):
        sheet.cell(row=row, column=1, value=zh if lang == "zh" else en).font = Font(bold=True)
        sheet.cell(row=row, column=2, value=value)
    for offset, line in enumerate(_INSTRUCTIONS[lang]):
        sheet.cell(row=8 + offset, column=1, value=f"{offset + 1}. {line}")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 60


def _part_sheet(sheet: Worksheet, rows: list[list[object]], lang: Lang) -> None:
    sheet.append([c.header(lang) for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows():
        for cell in line:
            cell.alignment = wrap
    for index, column in enumerate(COLUMNS, start=1):
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    if rows:
        answer = get_column_letter(_INDEX["answer"] + 1)
        choice = DataValidation(
            type="list", formula1=f'"{_YES[lang]},{_NO[lang]}"', allow_blank=True, showErrorMessage=True
        )
        choice.error = "是 / 否" if lang == "zh" else "yes / no"
        choice.add(f"{answer}2:{answer}{len(rows) + 1}")
        sheet.add_data_validation(choice)
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"


# --- reading a filled workbook back ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Where:
    """A place in the workbook, for messages: `sheet "CD 持续交付", row 12, column K (回答)`."""

    file: str
    sheet: str
    row: int
    headers: tuple[str, ...]

    def fail(self, key: str | None, problem: str) -> AnswersFileError:
        place = f'{self.file}: sheet "{self.sheet}", row {self.row}'
        if key is not None:
            index = _INDEX[key]
            place += f", column {get_column_letter(index + 1)} ({self.headers[index]})"
        return AnswersFileError(f"{place}: {problem}", path=self.file)


def read_workbook(path: Path, framework: Framework) -> dict[str, Answer]:
    """The answers given in a filled workbook (rows with an empty answer are unanswered and left out), checked
    against the framework: its id and version on the cover, every header, criterion id, evidence code, answer
    and date; the first problem stops the import with its sheet, row and column."""
    name = str(path)
    _check_container(path, name)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except AnswersFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, its own) on a damaged file
        raise AnswersFileError(f"{name}: not a readable Excel workbook ({type(exc).__name__})", path=name) from None
    try:
        sheets = list(book.worksheets)
        if not sheets or sheets[0].title not in COVER.values():
            raise AnswersFileError(f'{name}: the first sheet must be the cover "说明" or "Instructions"', path=name)
        _check_cover(sheets[0], framework, name)
        known = {c.id: c for c in framework.criteria()}
        codes = evidence_codes(framework)
        answers: dict[str, Answer] = {}
        seen: dict[str, str] = {}
        for sheet in sheets[1:]:
            for where, cells in _rows(sheet, name):
                answer = _answer(where, cells, known, codes)
                if answer is None:
                    continue
                if answer.criterion in seen:
                    twice = f"{answer.criterion} is answered twice (also {seen[answer.criterion]})"
                    raise where.fail("criterion", twice)
                seen[answer.criterion] = f'sheet "{where.sheet}", row {where.row}'
                answers[answer.criterion] = answer
        return answers
    finally:
        book.close()


def _check_container(path: Path, name: str) -> None:
    """Before openpyxl sees it: the file size, the zip directory (a zip bomb declares its huge sizes there) and
    the prolog of every XML member (no entity declarations)."""
    try:
        size = path.stat().st_size
        if size > MAX_WORKBOOK_BYTES:
            too_big = f"{name}: workbook is {size:,} bytes, over the limit of {MAX_WORKBOOK_BYTES:,}"
            raise AnswersFileError(too_big, path=name)
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise AnswersFileError(
                    f"{name}: workbook holds {len(members):,} files, over the limit of {MAX_MEMBERS}", path=name
                )
            total = sum(m.file_size for m in members)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise AnswersFileError(
                    f"{name}: workbook unpacks to {total:,} bytes, over the limit of {MAX_UNCOMPRESSED_BYTES:,} "
                    "(refused: possible zip bomb)",
                    path=name,
                )
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as fh:
                        check_prolog(fh.read(PROLOG_BYTES))
    except FileNotFoundError:
        raise AnswersFileError(f"{name}: workbook not found", path=name) from None
    except zipfile.BadZipFile:
        raise AnswersFileError(f"{name}: not an Excel workbook (.xlsx is a zip file)", path=name) from None
    except UnsafeXml as exc:
        raise AnswersFileError(f"{name}: unsafe workbook: {exc}", path=name) from None
    except OSError as exc:
        raise AnswersFileError(f"{name}: cannot read workbook: {exc.strerror or exc}", path=name) from None


def _check_cover(sheet: Any, framework: Framework, name: str) -> None:
    found = {row: sheet.cell(row=row, column=2).value for row, _, _ in _COVER_ROWS[:2]}
    made, version = str(found[3] or ""), str(found[4] or "")
    if (made, version) != (framework.id, framework.version):
        raise AnswersFileError(
            f'{name}: sheet "{sheet.title}", row 3: workbook made for {made or "?"} {version or "?"}, not '
            f"{framework.id} {framework.version}; criterion ids may differ, make a new workbook",
            path=name,
        )


def _rows(sheet: Any, name: str) -> Iterator[tuple[_Where, tuple[object, ...]]]:
    """(place, cells) of each non-empty row under the checked header."""
    headers: tuple[str, ...] = ()
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = tuple(values[: len(COLUMNS)]) + (None,) * (len(COLUMNS) - len(values))
        if number == 1:
            headers = _check_header(sheet.title, cells, name)
            continue
        if number > MAX_ROWS + 1:
            raise AnswersFileError(f'{name}: sheet "{sheet.title}" has more than {MAX_ROWS:,} rows', path=name)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        yield _Where(file=name, sheet=sheet.title, row=number, headers=headers), cells
    if not headers:
        raise AnswersFileError(f'{name}: sheet "{sheet.title}", row 1: the header row is missing', path=name)


def _check_header(title: str, cells: tuple[object, ...], name: str) -> tuple[str, ...]:
    """The sheet's header in the language it was written in; any changed, moved or missing heading is refused."""
    lang: Lang = "zh" if cells[0] == COLUMNS[0].zh else "en"
    for index, column in enumerate(COLUMNS):
        if cells[index] != column.header(lang):
            where = _Where(file=name, sheet=title, row=1, headers=tuple(c.header(lang) for c in COLUMNS))
            raise where.fail(column.key, f"header changed: expected {column.header(lang)!r} (got {cells[index]!r})")
    return tuple(c.header(lang) for c in COLUMNS)


def _answer(
    where: _Where, cells: tuple[object, ...], known: Mapping[str, Criterion], codes: Mapping[str, str]
) -> Answer | None:
    def cell(key: str) -> object:
        return cells[_INDEX[key]]

    cid = _text(cell("criterion"))
    if cid not in known:
        raise where.fail("criterion", f"unknown criterion id {cid!r} for this framework")
    code = _text(cell("code"))
    if code and code != codes[cid]:
        raise where.fail("code", f"evidence code {code!r} is not {cid}'s ({codes[cid]})")
    value = _value(where, cell("answer"))
    if value is None:
        return None
    evidence = tuple(_split(_text(cell("materials"))))
    if not evidence:
        raise where.fail("materials", "an answer needs evidence: a link or a file name")
    return Answer(
        criterion=cid,
        value=value,
        evidence=evidence,
        by=_text(cell("by")),
        at=_date(where, cell("at")),
        note=_text(cell("note")),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _split(text: str) -> list[str]:
    for separator in (";", "；"):
        text = text.replace(separator, "\n")
    return [line.strip() for line in text.split("\n") if line.strip()]


def _value(where: _Where, raw: object) -> bool | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE:
        return True
    if isinstance(raw, str) and raw.strip().lower() in _FALSE:
        return False
    raise where.fail("answer", f"use 是 or 否 (yes or no), or leave it empty (got {raw!r})")


def _date(where: _Where, raw: object) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            pass
    raise where.fail("at", f"not a date: use an Excel date or YYYY-MM-DD (got {raw!r})")
