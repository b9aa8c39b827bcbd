"""Reads assessor answer files and writes their templates (docs/answers.md describes the format)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from devmaturity.errors import AnswersFileError
from devmaturity.model.assessment import Answer, Assessment, Status
from devmaturity.model.framework import Criterion, CriterionKind, Framework
from devmaturity.model.text import Lang

FORMAT = 1
MAX_BYTES = 5 * 1024 * 1024
_TRUE = {"yes", "y", "true", "met", "是"}
_FALSE = {"no", "n", "false", "not met", "not_met", "否"}


def load_answers(path: Path, framework: Framework) -> dict[str, Answer]:
    """Parse and validate an answers file against the framework's criterion ids."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AnswersFileError(f"{name}: larger than {MAX_BYTES} bytes", path=name)
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except FileNotFoundError:
        raise AnswersFileError(f"{name}: answers file not found", path=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersFileError(f"{name}: cannot read answers file: {exc}", path=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise AnswersFileError(f"{name}: not valid YAML{where}", path=name) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise AnswersFileError(f"{name}: expected a mapping with `format: {FORMAT}` and `answers:`", path=name)
    entries = doc.get("answers") or []
    if not isinstance(entries, list):
        raise AnswersFileError(f"{name}: `answers` must be a list", path=name)
    known = {c.id: c for c in framework.criteria()}
    answers: dict[str, Answer] = {}
    for index, entry in enumerate(entries):
        answer = _entry(entry, f"{name}: answers[{index}]", known)
        if answer.criterion in answers:
            raise AnswersFileError(f"{name}: answers[{index}]: criterion {answer.criterion} answered twice", path=name)
        answers[answer.criterion] = answer
    return answers


def _entry(entry: object, where: str, known: dict[str, Criterion]) -> Answer:
    if not isinstance(entry, dict):
        raise AnswersFileError(f"{where}: each answer must be a mapping")
    cid = entry.get("criterion")
    if not isinstance(cid, str) or cid not in known:
        raise AnswersFileError(f"{where}.criterion: unknown criterion id {cid!r} for this framework")
    if known[cid].kind is CriterionKind.METRIC and "value" in entry:
        raise AnswersFileError(f"{where}: metric criteria take `answer: yes|no`, not a value")
    value = _value(entry.get("answer"), f"{where}.answer")
    evidence = entry.get("evidence", [])
    if isinstance(evidence, str):
        evidence = [evidence]
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise AnswersFileError(f"{where}.evidence: a link, a file path, or a list of them is required")
    if value is not None and not evidence:
        raise AnswersFileError(f"{where}.evidence: an answer needs evidence (a link, file or note)")
    at = entry.get("at", "")
    if isinstance(at, date | datetime):
        at = at.isoformat()
    by, note = entry.get("by", ""), entry.get("note", "")
    for key, text in (("by", by), ("at", at), ("note", note)):
        if not isinstance(text, str):
            raise AnswersFileError(f"{where}.{key}: text is required (got {text!r})")
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
    raise AnswersFileError(f"{where}: use yes or no, or leave empty (got {raw!r})")


def _quote(text: str) -> str:
    return " ".join(text.split())


def answers_template(
    framework: Framework,
    *,
    lang: Lang = "en",
    parts: list[str] | None = None,
    assessment: Assessment | None = None,
    existing: dict[str, Answer] | None = None,
) -> str:
    """YAML for the criteria no tool decides (and, given an assessment, those it left unknown)."""
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
                    wanted = criterion.kind is CriterionKind.ANSWER or criterion.id in unknown
                    if wanted:
                        lines.extend(_template_entry(item.name.get(lang), criterion, lang, (existing or {})))
    return "\n".join(lines) + "\n"


def _template_entry(item_name: str, criterion: Criterion, lang: Lang, existing: dict[str, Answer]) -> list[str]:
    old = existing.get(criterion.id)
    out = [f"  # {_quote(item_name)} / {criterion.id}: {_quote(criterion.text.get(lang))}"]
    if criterion.evidence_hint is not None:
        out.append(f"  #   evidence: {_quote(criterion.evidence_hint.get(lang))}")
    value = "" if old is None or old.value is None else ("yes" if old.value else "no")
    out.append(f"  - criterion: {criterion.id}")
    out.append(f"    answer: {value}")
    out.append(f"    evidence: {yaml.safe_dump(list(old.evidence) if old else [], default_flow_style=True).strip()}")
    out.append(f"    by: {_dump(old.by if old else '')}")
    out.append(f"    at: {_dump(old.at if old else '')}")
    return out


def _dump(value: Any) -> str:
    return str(yaml.safe_dump(value, default_style='"').strip().split("\n")[0])
