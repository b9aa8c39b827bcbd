"""Reads assessor answer files and writes their templates (docs/answers.md describes the format)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from devmaturity.errors import AnswersFileError, DataError, InputError
from devmaturity.model.assessment import Answer, Assessment, Status
from devmaturity.model.framework import Criterion, CriterionKind, Framework
from devmaturity.model.text import Lang

FORMAT = 1
MAX_BYTES = 5 * 1024 * 1024
MAX_REPORT_BYTES = 64 * 1024 * 1024
REPORT_SCHEMA = "devmaturity.report/2"
READ_SCHEMAS = ("devmaturity.report/1", REPORT_SCHEMA)  # /1 differs only in giving reasons as English strings
_TRUE = {"yes", "y", "true", "met", "是"}
_FALSE = {"no", "n", "false", "not met", "not_met", "否"}


def load_answers(path: Path, framework: Framework) -> dict[str, Answer]:
    """Parse and validate an answers file against the framework's criterion ids."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AnswersFileError(
                f"{name}: larger than {MAX_BYTES} bytes", path=name, zh=f"{name}：超过 {MAX_BYTES} 字节"
            )
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except FileNotFoundError:
        raise AnswersFileError(f"{name}: answers file not found", path=name, zh=f"{name}：找不到答卷文件") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersFileError(f"{name}: cannot read answers file: {exc}", path=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        line = f"（第 {mark.line + 1} 行）" if mark is not None else ""
        raise AnswersFileError(
            f"{name}: not valid YAML{where}", path=name, zh=f"{name}：不是有效的 YAML{line}"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise AnswersFileError(
            f"{name}: expected a mapping with `format: {FORMAT}` and `answers:`",
            path=name,
            zh=f"{name}：应为含 `format: {FORMAT}` 和 `answers:` 的映射",
        )
    entries = doc.get("answers") or []
    if not isinstance(entries, list):
        raise AnswersFileError(f"{name}: `answers` must be a list", path=name, zh=f"{name}：`answers` 必须是列表")
    known = {c.id: c for c in framework.criteria()}
    answers: dict[str, Answer] = {}
    for index, entry in enumerate(entries):
        answer = _entry(entry, f"{name}: answers[{index}]", known)
        if answer.criterion in answers:
            raise AnswersFileError(
                f"{name}: answers[{index}]: criterion {answer.criterion} answered twice",
                path=name,
                zh=f"{name}：answers[{index}]：评估项 {answer.criterion} 被回答了两次",
            )
        answers[answer.criterion] = answer
    return answers


def _entry(entry: object, where: str, known: dict[str, Criterion]) -> Answer:
    if not isinstance(entry, dict):
        raise AnswersFileError(f"{where}: each answer must be a mapping", zh=f"{where}：每个回答都必须是映射")
    cid = entry.get("criterion")
    if not isinstance(cid, str) or cid not in known:
        raise AnswersFileError(
            f"{where}.criterion: unknown criterion id {cid!r} for this framework",
            zh=f"{where}.criterion：本模型中没有评估项 {cid!r}",
        )
    if known[cid].kind is CriterionKind.METRIC and "value" in entry:
        raise AnswersFileError(
            f"{where}: metric criteria take `answer: yes|no`, not a value",
            zh=f"{where}：度量类评估项只接受 `answer: yes|no`，不接受数值",
        )
    value = _value(entry.get("answer"), f"{where}.answer")
    evidence = entry.get("evidence", [])
    if isinstance(evidence, str):
        evidence = [evidence]
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise AnswersFileError(
            f"{where}.evidence: a link, a file path, or a list of them is required",
            zh=f"{where}.evidence：需要链接、文件路径，或它们的列表",
        )
    if value is not None and not evidence:
        raise AnswersFileError(
            f"{where}.evidence: an answer needs evidence (a link, file or note)",
            zh=f"{where}.evidence：回答需要证据（链接、文件或说明）",
        )
    at = entry.get("at", "")
    if isinstance(at, date | datetime):
        at = at.isoformat()
    by, note = entry.get("by", ""), entry.get("note", "")
    for key, text in (("by", by), ("at", at), ("note", note)):
        if not isinstance(text, str):
            raise AnswersFileError(
                f"{where}.{key}: text is required (got {text!r})", zh=f"{where}.{key}：需要文本（实际为 {text!r}）"
            )
    return Answer(criterion=cid, value=value, evidence=tuple(evidence), by=str(by), at=str(at), note=str(note))


def _value(raw: object, where: str) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE:
        return True
    if isinstance(raw, str) and raw.strip().lower() in _FALSE:
        return False
    raise AnswersFileError(
        f"{where}: use yes or no, or leave empty (got {raw!r})", zh=f"{where}：请填 yes 或 no，或留空（实际为 {raw!r}）"
    )


def _quote(text: str) -> str:
    return " ".join(text.split())


def answers_template(
    framework: Framework,
    *,
    lang: Lang = "en",
    parts: list[str] | None = None,
    assessment: Assessment | None = None,
    existing: Mapping[str, Answer] | None = None,
    only: set[str] | None = None,
) -> str:
    """YAML for the criteria no tool decides (and, given an assessment, those it left unknown); given `only`, for
    exactly those criteria (the next level's questions, or the answers an import writes)."""
    unknown: set[str] = set()
    if assessment is not None:
        unknown = {
            v.criterion
            for p in assessment.parts
            for i in p.items()
            for lv in i.levels
            for v in lv.verdicts
            if v.status is Status.UNKNOWN
        }
    selected = [framework.part(k) for k in parts] if parts else list(framework.parts)
    lines = [
        "# devmaturity assessor answers (docs/answers.md)",
        f"# framework: {framework.id} {framework.version}",
        "# answer: yes | no (leave empty when not assessed); evidence: links or files that show it;",
        "# by: who answered; at: date (YYYY-MM-DD).",
        f"format: {FORMAT}",
        f"framework: {framework.id}",
        "answers:",
    ]
    for part in selected:
        for item in part.items():
            for level in item.levels:
                for criterion in level.criteria:
                    if only is not None:
                        wanted = criterion.id in only
                    else:
                        wanted = criterion.kind is CriterionKind.ANSWER or criterion.id in unknown
                    if wanted:
                        lines.extend(_template_entry(item.name.get(lang), criterion, lang, (existing or {})))
    return "\n".join(lines) + "\n"


def _template_entry(item_name: str, criterion: Criterion, lang: Lang, existing: Mapping[str, Answer]) -> list[str]:
    old = existing.get(criterion.id)
    out = [f"  # {_quote(item_name)} / {criterion.id}: {_quote(criterion.text.get(lang))}"]
    if criterion.evidence_hint is not None:
        out.append(f"  #   evidence: {_quote(criterion.evidence_hint.get(lang))}")
    value = "" if old is None or old.value is None else ("yes" if old.value else "no")
    out.append(f"  - criterion: {criterion.id}")
    out.append(f"    answer: {value}")
    out.append(f"    evidence: {_flow(list(old.evidence) if old else [])}")
    out.append(f"    by: {_dump(old.by if old else '')}")
    out.append(f"    at: {_dump(old.at if old else '')}")
    if old is not None and old.note:
        out.append(f"    note: {_dump(old.note)}")
    return out


def _dump(value: Any) -> str:
    """One double-quoted YAML scalar on one line (a long text must not be folded, nor cut)."""
    return str(yaml.safe_dump(value, default_style='"', width=2**31 - 1, allow_unicode=True).strip())


def _flow(values: list[str]) -> str:
    """A flow sequence on one line, however long its links."""
    return str(yaml.safe_dump(values, default_flow_style=True, width=2**31 - 1, allow_unicode=True).strip())


def merge_answers(old: Mapping[str, Answer], new: Mapping[str, Answer]) -> dict[str, Answer]:
    """`old` with every answer of `new` put over it (a criterion answered in both takes the new answer)."""
    return {**old, **new}


def answers_yaml(answers: Mapping[str, Answer], framework: Framework, *, lang: Lang = "en") -> str:
    """The answers file (the format `load_answers` reads) holding exactly `answers`, in the framework's order."""
    return answers_template(framework, lang=lang, existing=answers, only=set(answers))


def read_report(path: Path) -> dict[str, Any]:
    """A report.json written by `devmaturity assess` (docs/report-schema.md), checked for its schema."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise DataError(f"{name}: report larger than {MAX_REPORT_BYTES} bytes", path=name)
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{name}: report file not found", path=name, zh=f"{name}：找不到报告文件") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: cannot read report: {exc}", path=name) from None
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{name}: not valid JSON at line {exc.lineno}", path=name, zh=f"{name}：第 {exc.lineno} 行不是有效的 JSON"
        ) from None
    if not isinstance(doc, dict) or doc.get("schema") not in READ_SCHEMAS:
        raise DataError(
            f'{name}: not a devmaturity report (expected "schema": "{REPORT_SCHEMA}")',
            path=name,
            zh=f'{name}：不是 devmaturity 报告（应有 "schema": "{REPORT_SCHEMA}"）',
        )
    return doc


def report_items(report: Mapping[str, Any], framework: Framework, name: str = "report") -> list[dict[str, Any]]:
    """The report's items, after checking it was made with this framework and version."""
    made = report.get("framework") or {}
    if made.get("id") != framework.id or made.get("version") != framework.version:
        raise DataError(
            f"{name}: made with {made.get('id')} {made.get('version')}, not {framework.id} {framework.version}; "
            "assess again with this framework",
            path=name,
        )
    try:
        return [item for part in report["parts"] for sub in part["subdomains"] for item in sub["items"]]
    except (KeyError, TypeError):
        raise DataError(f"{name}: parts, subdomains or items missing (docs/report-schema.md)", path=name) from None


def next_level_criteria(report: Mapping[str, Any], framework: Framework, name: str = "report") -> set[str]:
    """What an assessor can answer between each item and its next level: the gap entries of level = item level + 1
    that are questions (kind answer, unanswered or answered no), or metric and fact criteria left unknown."""
    kinds = {c.id: c.kind for c in framework.criteria()}
    wanted: set[str] = set()
    for item in report_items(report, framework, name):
        for gap in item.get("gap") or []:
            cid = gap.get("criterion")
            if cid not in kinds:
                raise DataError(f"{name}: item {item.get('id')}: unknown criterion {cid!r} in its gap", path=name)
            if gap.get("level") != item.get("level", 0) + 1:
                continue
            if kinds[cid] is CriterionKind.ANSWER or gap.get("status") == Status.UNKNOWN.value:
                wanted.add(cid)
    return wanted


def report_answers(report: Mapping[str, Any]) -> dict[str, Answer]:
    """The answers an assessment used, as the report lists them (to show them again in a new sheet)."""
    out: dict[str, Answer] = {}
    for entry in report.get("answers") or []:
        out[entry["criterion"]] = Answer(
            criterion=entry["criterion"],
            value=entry.get("answer"),
            evidence=tuple(entry.get("evidence") or ()),
            by=entry.get("by") or "",
            at=entry.get("at") or "",
            note=entry.get("note") or "",
        )
    return out
