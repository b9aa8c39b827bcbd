"""The assessor's workbench as its page shows it: the questions of the newest assessment, the cycle's answers and files,
and the page's writes (answer with a file, review, freeze) through the workbench use cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devmaturity.auth.policy import Actor, allowed
from devmaturity.auth.roles import Action
from devmaturity.errors import Conflict, NotFoundError
from devmaturity.model.workbench import AssessmentRow, Cycle
from devmaturity.services import projects, workbench
from devmaturity.services.pages import (
    ProjectRef,
    latest_of,
    shown_time,
    stored_report,
)
from devmaturity.store.db import Store


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    criterion: str
    part: str
    item: str
    item_name: Mapping[str, str]
    level: int
    text: Mapping[str, str]
    hint: Mapping[str, str] | None
    next_level: bool  # at or below the item's next level: what stands between the item and its next level


@dataclass(frozen=True, slots=True, kw_only=True)
class FileView:
    id: int
    name: str
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerView:
    value: str | None
    note: str
    links: tuple[str, ...]
    by: str
    at: str
    reviewed_by: str | None
    reviewed_at: str | None
    files: tuple[FileView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Workbench:
    project: ProjectRef
    assessment_id: int | None
    cycle_id: int | None
    frozen: bool
    frozen_at: str | None
    frozen_by: str | None
    parts: tuple[tuple[str, Mapping[str, str]], ...]
    questions: tuple[Question, ...]
    answers: Mapping[str, AnswerView]
    can_write: bool
    can_review: bool
    can_freeze: bool
    can_assess: bool


def _questions(report: Mapping[str, Any]) -> list[Question]:
    """What an assessor answers: every question criterion, and every criterion no tool could decide (unknown)."""
    found = []
    for part in report.get("parts", []):
        for sub in part["subdomains"]:
            for item in sub["items"]:
                for level in item["levels"]:
                    for c in level["criteria"]:
                        if c["kind"] == "answer" or c["status"] == "unknown" or c.get("decided_by") == "assessor":
                            found.append(
                                Question(
                                    criterion=c["id"],
                                    part=part["key"],
                                    item=item["id"],
                                    item_name=item["name"],
                                    level=int(level["number"]),
                                    text=c["text"],
                                    hint=c.get("evidence_hint"),
                                    next_level=int(level["number"]) <= int(item["level"]) + 1,
                                )
                            )
    return found


def _cycle_for(store: Store, actor: Actor, project_id: int, row: AssessmentRow | None) -> Cycle | None:
    """The cycle the workbench shows: the open one, else the one the newest assessment is pinned to."""
    cycles = workbench.cycles(store, actor, project_id=project_id)
    opened = next((c for c in cycles if not c.frozen), None)
    if opened is not None:
        return opened
    if row is None:
        return None
    return next((c for c in cycles if c.assessment_id == row.id or c.id == row.cycle_id), None)


def workbench_view(store: Store, actor: Actor, project_id: int) -> Workbench:
    ref, row = latest_of(store, actor, project_id)
    report: Mapping[str, Any] = stored_report(store, row) if row is not None else {}
    cycle = _cycle_for(store, actor, project_id, row)
    answers: dict[str, AnswerView] = {}
    if cycle is not None:
        current = workbench.answers(store, actor, cycle_id=cycle.id)
        for view in current.answers:
            a = view.answer
            answers[a.subject] = AnswerView(
                value=a.value,
                note=a.note,
                links=a.links,
                by=a.answered_by,
                at=shown_time(a.answered_at) or "",
                reviewed_by=a.reviewed_by,
                reviewed_at=shown_time(a.reviewed_at),
                files=tuple(FileView(id=f.id, name=f.name, size=f.size) for f in view.files),
            )
    org_id = projects.get_project(store, actor, project_id).org_id
    frozen = bool(cycle and cycle.frozen)
    return Workbench(
        project=ref,
        assessment_id=row.id if row else None,
        cycle_id=cycle.id if cycle else None,
        frozen=frozen,
        frozen_at=shown_time(cycle.frozen_at) if cycle else None,
        frozen_by=cycle.frozen_by if cycle else None,
        parts=tuple((p["key"], p["name"]) for p in report.get("parts", [])),
        questions=tuple(_questions(report)),
        answers=answers,
        can_write=allowed(actor, Action.ANSWER_WRITE, org_id),
        can_review=allowed(actor, Action.ANSWER_REVIEW, org_id),
        can_freeze=allowed(actor, Action.ASSESSMENT_FREEZE, org_id) and row is not None,
        can_assess=allowed(actor, Action.RUN_START, org_id),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    name: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerInput:
    criterion: str
    value: str
    note: str
    links: tuple[str, ...]
    upload: Upload | None


def _writable_cycle(store: Store, actor: Actor, project_id: int, source: str) -> int:
    """The cycle an answer goes to: the open one, or a new one for the newest assessment's period (a frozen
    cycle is never reopened: its edits are refused by the workbench use cases)."""
    ref, row = latest_of(store, actor, project_id)
    cycle = _cycle_for(store, actor, project_id, row)
    if cycle is not None:
        return cycle.id
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    opened = workbench.open_cycle(
        store,
        actor,
        project_id=ref.id,
        start=datetime.fromtimestamp(row.window_start, UTC),
        end=datetime.fromtimestamp(row.window_end, UTC),
        source=source,
    )
    return opened.id


def answer(store: Store, actor: Actor, project_id: int, given: AnswerInput, source: str, max_bytes: int) -> None:
    """Record an answer (and its uploaded file first, so a yes/no answer has its evidence)."""
    cycle_id = _writable_cycle(store, actor, project_id, source)
    links = given.links
    if given.upload is not None:
        stored = workbench.upload(
            store,
            actor,
            cycle_id=cycle_id,
            subject=given.criterion,
            name=given.upload.name,
            data=given.upload.content,
            max_bytes=max_bytes,
            source=source,
        )
        del stored
    workbench.put_answer(
        store,
        actor,
        cycle_id=cycle_id,
        subject=given.criterion,
        value=workbench.Value(given.value),
        note=given.note,
        links=links,
        source=source,
    )


def review(store: Store, actor: Actor, project_id: int, criterion: str, source: str) -> None:
    cycle_id = _writable_cycle(store, actor, project_id, source)
    workbench.review(store, actor, cycle_id=cycle_id, subject=criterion, source=source)


def freeze(store: Store, actor: Actor, project_id: int, source: str) -> None:
    """Freeze the newest assessment with its cycle. Answers given in an open cycle the newest assessment did not
    read are refused (Conflict): freezing would pin an assessment that ignores them."""
    _, row = latest_of(store, actor, project_id)
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    opened = next((c for c in workbench.cycles(store, actor, project_id=project_id) if not c.frozen), None)
    if opened is not None and row.cycle_id != opened.id:
        raise Conflict(
            f"the answers of cycle {opened.id} are newer than assessment {row.id}: assess again, then freeze",
            zh=f"评估周期 {opened.id} 的答案晚于评估 {row.id}：请重新评估后再冻结",
        )
    workbench.freeze(store, actor, assessment_id=row.id, source=source)
