"""The assessor's workbench: assessment cycles, answers with evidence links and uploaded files, review, freeze.

A cycle is a project's assessment period (start, end) and is open until frozen. Answers are kept as a history:
every edit appends an entry and the newest entry of a criterion (or item) is its answer. Freezing a cycle pins the
assessment it approves together with the answers and files it used; any later edit of that cycle is refused
(`assessment-frozen`). A new period starts a new cycle, optionally carrying the answers over as drafts, which the
assessment ignores until an assessor confirms each one. docs/answers.md describes the rules.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.errors import AssessmentFrozen, Conflict, NotFoundError, PayloadTooLargeError, UsageError
from devmaturity.frameworks.loader import load_framework
from devmaturity.model.assessment import Answer
from devmaturity.model.workbench import AnswerRow, Cycle, FileRow
from devmaturity.services.access import Gate
from devmaturity.store.db import Store
from devmaturity.store.repos import assessments as arepo
from devmaturity.store.repos import workbench as wb

DEFAULT_FRAMEWORK = "caict-devops"
MAX_LINKS = 50
MAX_TEXT = 4000


class Value(StrEnum):
    """An answer: a criterion met or not met, or an item not applicable to the project (with its reason)."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerView:
    """A subject's current answer with its evidence files."""

    answer: AnswerRow
    files: tuple[FileRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleAnswers:
    cycle: Cycle
    answers: tuple[AnswerView, ...]
    unanswered_files: tuple[FileRow, ...]


def _frozen(cycle: Cycle) -> AssessmentFrozen:
    return AssessmentFrozen(
        f"assessment cycle {cycle.id} is frozen (by {cycle.frozen_by}): its answers and evidence files are final; "
        "start a new cycle for the next period",
        zh=f"评估周期 {cycle.id} 已冻结（冻结人 {cycle.frozen_by}）：其答案和证据文件不能再修改；"
        "下一个评估期请开启新周期",
    )


def _cycle(gate: Gate, cycle_id: int, action: Action, *, editing: bool) -> Cycle:
    """The cycle in the actor's scope, with `action` required; for an edit, locked and refused once frozen."""
    with gate.store.transaction() as conn:
        scope = gate.scope(conn)
        found = wb.cycle(conn, cycle_id, scope)
    if found is None:
        raise NotFoundError(f"assessment cycle {cycle_id} not found", zh=f"未找到评估周期 {cycle_id}")
    gate.require(action, found.org_id, ("assessment_cycle", found.id, str(found.project_id)))
    if editing and found.frozen:
        raise _frozen(found)
    return found


def _day(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")


def open_cycle(
    store: Store,
    actor: Actor,
    *,
    project_id: int,
    start: datetime,
    end: datetime,
    carry_over: bool = True,
    source: str = "cli",
    now: int | None = None,
) -> Cycle:
    """Start the project's assessment cycle for the period [start, end). Refused while another cycle is open (freeze
    it first). With `carry_over`, the previous cycle's answers come along as drafts."""
    gate = Gate(store, actor, source=source, now=now)
    ref = gate.project(project_id, Action.ANSWER_WRITE)
    if ref.org_id is None:
        raise UsageError(
            f"project {ref.name!r} belongs to no organisation; import it into one first (devmaturity project import)",
            zh=f"项目 {ref.name!r} 不属于任何组织；请先导入到组织（devmaturity project import）",
        )
    if end <= start:
        raise UsageError("the period must end after it starts", zh="评估期的结束日期必须晚于开始日期")
    with store.transaction() as conn:
        scope = gate.scope(conn)
        cycles = wb.cycles_of(conn, ref.id, scope)
        if any(not c.frozen for c in cycles):
            raise Conflict(
                f"project {ref.name!r} already has an open assessment cycle; freeze it before starting another",
                zh=f"项目 {ref.name!r} 已有未冻结的评估周期；请先冻结再开启新周期",
            )
        new = wb.add_cycle(
            conn,
            org_id=ref.org_id,
            project_id=ref.id,
            start=int(start.timestamp()),
            end=int(end.timestamp()),
            by=actor.name,
            now=gate.at,
        )
        carried = 0
        if carry_over and cycles:
            for row in wb.current_answers(conn, [cycles[0].id], scope):
                if row.value is None:
                    continue
                draft = replace(row, change="carry", draft=True, answered_at=gate.at)
                wb.append_answer(conn, org_id=ref.org_id, cycle_id=new.id, row=draft)
                carried += 1
        details: dict[str, str | int | bool | None] = {
            "start": _day(new.period_start),
            "end": _day(new.period_end),
            "carried": carried,
        }
        gate.audit(conn).add(
            EventKind.CYCLE_OPENED,
            ref.org_id,
            ("project", ref.id, ref.name),
            action=Action.ANSWER_WRITE,
            details=details,
        )
    return new


def cycles(store: Store, actor: Actor, *, project_id: int) -> list[Cycle]:
    """The project's cycles, newest first."""
    gate = Gate(store, actor)
    ref = gate.project(project_id, Action.ASSESSMENT_READ)
    with store.transaction() as conn:
        return wb.cycles_of(conn, ref.id, gate.scope(conn))


def answers(store: Store, actor: Actor, *, cycle_id: int) -> CycleAnswers:
    """The cycle's current answers, each with its files, and the files uploaded for subjects not yet answered."""
    gate = Gate(store, actor)
    found = _cycle(gate, cycle_id, Action.ASSESSMENT_READ, editing=False)
    with store.transaction() as conn:
        scope = gate.scope(conn)
        rows = wb.current_answers(conn, [found.id], scope)
        files = wb.files_of(conn, [found.id], scope)
    by_subject: dict[str, list[FileRow]] = {}
    for f in files:
        by_subject.setdefault(f.subject, []).append(f)
    views = tuple(AnswerView(answer=r, files=tuple(by_subject.pop(r.subject, []))) for r in rows)
    loose = tuple(f for group in by_subject.values() for f in group)
    return CycleAnswers(cycle=found, answers=views, unanswered_files=loose)


def history(store: Store, actor: Actor, *, cycle_id: int, subject: str) -> list[AnswerRow]:
    """Every entry of the subject in the cycle, oldest first: who changed what, and when."""
    gate = Gate(store, actor)
    found = _cycle(gate, cycle_id, Action.ASSESSMENT_READ, editing=False)
    with store.transaction() as conn:
        return wb.history(conn, found.id, subject, gate.scope(conn))


def _framework_of(store: Store, gate: Gate, project_id: int) -> str:
    with store.transaction() as conn:
        latest = arepo.of_project(conn, project_id, gate.scope(conn), limit=1)
    return latest[0].framework if latest else DEFAULT_FRAMEWORK


def _check_subject(framework_id: str, subject: str, value: Value | None) -> None:
    framework = load_framework(framework_id)
    if value is Value.NOT_APPLICABLE:
        if subject not in {item.id for item in framework.items()}:
            raise UsageError(
                f"not_applicable is answered for an item id of {framework_id}; {subject!r} is none",
                zh=f"“不适用”只能针对 {framework_id} 的能力项编号；{subject!r} 不是能力项",
            )
    elif subject not in {c.id for c in framework.criteria()}:
        raise UsageError(
            f"{subject!r} is not a criterion id of {framework_id}",
            zh=f"{subject!r} 不是 {framework_id} 的评估项编号",
        )


def _clean_text(text: str, what: str) -> str:
    if len(text) > MAX_TEXT:
        raise UsageError(f"{what} is longer than {MAX_TEXT} characters", zh=f"{what} 超过 {MAX_TEXT} 个字符")
    return text.strip()


def _clean_links(links: Sequence[str]) -> tuple[str, ...]:
    kept = tuple(link.strip() for link in links if link.strip())
    if len(kept) > MAX_LINKS:
        raise UsageError(f"at most {MAX_LINKS} evidence links", zh=f"证据链接最多 {MAX_LINKS} 个")
    for link in kept:
        if len(link) > 2000 or any(ord(ch) < 32 for ch in link):
            raise UsageError(f"evidence link {link[:60]!r} is not usable", zh=f"证据链接 {link[:60]!r} 无法使用")
    return kept


def put_answer(
    store: Store,
    actor: Actor,
    *,
    cycle_id: int,
    subject: str,
    value: Value | None,
    note: str = "",
    owner: str = "",
    links: Sequence[str] = (),
    source: str = "cli",
    now: int | None = None,
) -> AnswerRow:
    """Answer a criterion (met / not met) or declare an item not applicable (with its reason); None withdraws the
    answer (the criterion is unknown again). A yes/no answer needs evidence: a link, an uploaded file or a note."""
    gate = Gate(store, actor, source=source, now=now)
    found = _cycle(gate, cycle_id, Action.ANSWER_WRITE, editing=True)
    _check_subject(_framework_of(store, gate, found.project_id), subject, value)
    note, owner, kept = _clean_text(note, "note"), _clean_text(owner, "owner")[:200], _clean_links(links)
    if value is Value.NOT_APPLICABLE and not note:
        raise UsageError("not applicable needs its reason in the note", zh="“不适用”需要在备注中写明理由")
    with store.transaction() as conn:
        scope = gate.scope(conn)
        locked = wb.lock_cycle(conn, found.id, scope)
        if locked is None or locked.frozen:
            raise _frozen(locked or found)
        has_files = bool(wb.files_of(conn, [found.id], scope, subject))
        if value in (Value.MET, Value.NOT_MET) and not (kept or has_files or note):
            raise UsageError(
                "an answer needs evidence: a link, an uploaded file or a note",
                zh="回答需要证据：链接、上传的文件或备注",
            )
        row = AnswerRow(
            id=0,
            cycle_id=found.id,
            subject=subject,
            value=value.value if value else None,
            note=note,
            owner=owner or actor.name,
            links=kept,
            change="answer",
            draft=False,
            answered_at=gate.at,
            answered_by=actor.name,
            reviewed_at=None,
            reviewed_by=None,
        )
        written = wb.append_answer(conn, org_id=found.org_id, cycle_id=found.id, row=row)
        details = {"subject": subject, "value": written.value, "links": len(kept)}
        gate.audit(conn).add(
            EventKind.ANSWER_WRITTEN,
            found.org_id,
            ("assessment_cycle", found.id, subject),
            action=Action.ANSWER_WRITE,
            details=details,
        )
    return written


def review(
    store: Store, actor: Actor, *, cycle_id: int, subject: str, source: str = "cli", now: int | None = None
) -> AnswerRow:
    """Mark the subject's current answer reviewed (an entry of its own in the history)."""
    gate = Gate(store, actor, source=source, now=now)
    found = _cycle(gate, cycle_id, Action.ANSWER_REVIEW, editing=True)
    with store.transaction() as conn:
        scope = gate.scope(conn)
        locked = wb.lock_cycle(conn, found.id, scope)
        if locked is None or locked.frozen:
            raise _frozen(locked or found)
        rows = wb.history(conn, found.id, subject, scope)
        if not rows or rows[-1].value is None:
            raise NotFoundError(f"{subject!r} has no answer to review", zh=f"{subject!r} 还没有可审核的答案")
        current = rows[-1]
        reviewed = replace(
            current,
            change="review",
            draft=False,
            answered_at=gate.at,
            answered_by=actor.name,
            reviewed_at=gate.at,
            reviewed_by=actor.name,
        )
        written = wb.append_answer(conn, org_id=found.org_id, cycle_id=found.id, row=reviewed)
        gate.audit(conn).add(
            EventKind.ANSWER_REVIEWED,
            found.org_id,
            ("assessment_cycle", found.id, subject),
            action=Action.ANSWER_REVIEW,
            details={"subject": subject, "value": current.value, "answered_by": current.answered_by},
        )
    return written


# --- evidence files ---

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # old .doc / .xls
)
_OOXML = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff(data: bytes, name: str) -> str:
    """The media type the bytes show (never the client's claim): a known signature, UTF-8 text as text/plain
    (HTML included: it is only ever served as an attachment), anything else application/octet-stream. A zip with
    an Office Open XML name is given that type, since those files are zips."""
    for magic, media in _SIGNATURES:
        if data.startswith(magic):
            if media == "application/zip":
                return _OOXML.get(name[name.rfind(".") :].lower(), media) if "." in name else media
            return media
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 65536 - 4 or not data:  # a cut multi-byte character at the sample's end is still text
            return "application/octet-stream"
    return "text/plain" if b"\x00" not in data[:65536] else "application/octet-stream"


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|;]")


def safe_name(name: str) -> str:
    """The file name without folders, control characters or characters that break a header; never empty."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:200] or "evidence"


def upload(
    store: Store,
    actor: Actor,
    *,
    cycle_id: int,
    subject: str,
    name: str,
    data: bytes,
    max_bytes: int,
    source: str = "cli",
    now: int | None = None,
) -> FileRow:
    """Store an evidence file for a criterion or item of the cycle: its bytes, sha256, size and sniffed type."""
    if len(data) > max_bytes:
        raise PayloadTooLargeError(
            f"the file is {len(data)} bytes; evidence_max_bytes allows {max_bytes}",
            zh=f"文件有 {len(data)} 字节，超过 evidence_max_bytes 允许的 {max_bytes} 字节",
        )
    if not data:
        raise UsageError("the file is empty", zh="文件是空的")
    gate = Gate(store, actor, source=source, now=now)
    found = _cycle(gate, cycle_id, Action.ANSWER_WRITE, editing=True)
    framework = _framework_of(store, gate, found.project_id)
    known = load_framework(framework)
    if subject not in {c.id for c in known.criteria()} | {i.id for i in known.items()}:
        raise UsageError(
            f"{subject!r} is neither a criterion nor an item of {framework}",
            zh=f"{subject!r} 不是 {framework} 的评估项或能力项",
        )
    clean = safe_name(name)
    row = FileRow(
        id=0,
        cycle_id=found.id,
        subject=subject,
        name=clean,
        media_type=sniff(data, clean),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=gate.at,
        uploaded_by=actor.name,
    )
    with store.transaction() as conn:
        locked = wb.lock_cycle(conn, found.id, gate.scope(conn))
        if locked is None or locked.frozen:
            raise _frozen(locked or found)
        written = wb.add_file(conn, org_id=found.org_id, file=row, content=data)
        gate.audit(conn).add(
            EventKind.EVIDENCE_UPLOADED,
            found.org_id,
            ("evidence_file", written.id, clean),
            action=Action.ANSWER_WRITE,
            details={"subject": subject, "size": row.size, "sha256": row.sha256, "media_type": row.media_type},
        )
    return written


def download(store: Store, actor: Actor, *, file_id: int) -> tuple[FileRow, bytes]:
    """An evidence file's record and bytes, for a reader of its organisation."""
    gate = Gate(store, actor)
    with store.transaction() as conn:
        found = wb.file_content(conn, file_id, gate.scope(conn))
        cycle = wb.cycle(conn, found[0].cycle_id, gate.scope(conn)) if found else None
    if found is None or cycle is None:
        raise NotFoundError(f"evidence file {file_id} not found", zh=f"未找到证据文件 {file_id}")
    gate.require(Action.ASSESSMENT_READ, cycle.org_id, ("evidence_file", file_id, found[0].name))
    return found


# --- freezing, and what an assessment reads ---


def freeze(store: Store, actor: Actor, *, assessment_id: int, source: str = "cli", now: int | None = None) -> Cycle:
    """Freeze (approve) the assessment: its cycle is frozen with the assessment pinned, so the cycle's answers and
    files are final. An assessment made without a cycle gets a frozen cycle of its own period. Refused when the
    cycle's answers or files changed after the assessment was made: assess again first."""
    gate = Gate(store, actor, source=source, now=now)
    with store.transaction() as conn:
        row = arepo.by_id(conn, assessment_id, gate.scope(conn))
    if row is None:
        raise NotFoundError(f"assessment {assessment_id} not found", zh=f"未找到评估 {assessment_id}")
    target = ("assessment", row.id, row.project)
    gate.require(Action.ASSESSMENT_FREEZE, row.org_id, target)
    if row.org_id is None:
        raise UsageError(
            f"project {row.project!r} belongs to no organisation; import it into one first",
            zh=f"项目 {row.project!r} 不属于任何组织；请先导入到组织",
        )
    with store.transaction() as conn:
        scope = gate.scope(conn)
        cycle = wb.cycle(conn, row.cycle_id, scope) if row.cycle_id is not None else None
        if cycle is None:
            cycle = wb.add_cycle(
                conn,
                org_id=row.org_id,
                project_id=row.project_id,
                start=row.window_start,
                end=row.window_end,
                by=actor.name,
                now=gate.at,
            )
        locked = wb.lock_cycle(conn, cycle.id, scope)
        if locked is None or locked.frozen:
            raise _frozen(locked or cycle)
        made = row.created_at or 0
        changed = [a for a in wb.current_answers(conn, [cycle.id], scope) if a.answered_at > made]
        changed_files = [f for f in wb.files_of(conn, [cycle.id], scope) if f.uploaded_at > made]
        if row.cycle_id is not None and (changed or changed_files):
            raise Conflict(
                f"answers or files of cycle {cycle.id} changed after assessment {row.id} was made; assess again "
                "and freeze the new assessment",
                zh=f"评估 {row.id} 之后评估周期 {cycle.id} 的答案或文件又有修改；请重新评估后冻结新的评估结果",
            )
        if not wb.freeze(conn, cycle.id, scope, by=actor.name, now=gate.at, assessment_id=row.id):
            raise _frozen(cycle)
        gate.audit(conn).add(
            EventKind.ASSESSMENT_FROZEN,
            row.org_id,
            target,
            action=Action.ASSESSMENT_FREEZE,
            details={"cycle": cycle.id},
        )
        frozen = wb.cycle(conn, cycle.id, scope)
    assert frozen is not None
    return frozen


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleInput:
    """What an assessment takes from the project's open cycle: its id, the answers and the not-applicable items."""

    cycle_id: int | None
    answers: dict[str, Answer]
    not_applicable: dict[str, str]


def assessment_input(store: Store, project_id: int) -> CycleInput:
    """The project's open cycle as the assessment engine reads it (drafts and withdrawn answers left out). Called by
    the assess run itself, which acts for the project's owner, so no actor is checked here."""
    with store.transaction() as conn:
        org_id = Gate.project_org(conn, project_id)
        if org_id is None:
            return CycleInput(cycle_id=None, answers={}, not_applicable={})
        scope = frozenset({org_id})
        cycle = wb.open_cycle(conn, project_id, scope)
        if cycle is None:
            return CycleInput(cycle_id=None, answers={}, not_applicable={})
        rows = wb.current_answers(conn, [cycle.id], scope)
        files = wb.files_of(conn, [cycle.id], scope)
    named: dict[str, list[str]] = {}
    for f in files:
        named.setdefault(f.subject, []).append(f"{f.name} (sha256 {f.sha256[:12]})")
    answers: dict[str, Answer] = {}
    not_applicable: dict[str, str] = {}
    for r in rows:
        if r.draft or r.value is None:
            continue
        if r.value == Value.NOT_APPLICABLE:
            not_applicable[r.subject] = r.note
            continue
        answers[r.subject] = Answer(
            criterion=r.subject,
            value=r.value == Value.MET,
            evidence=(*r.links, *named.get(r.subject, [])),
            by=r.owner,
            at=_day(r.answered_at),
            note=r.note,
        )
    return CycleInput(cycle_id=cycle.id, answers=answers, not_applicable=not_applicable)
