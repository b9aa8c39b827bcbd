"""The assessor's workbench: a project's assessment cycles, a cycle's answers (with history), answering, evidence
file upload (multipart) and download (always as an attachment), and marking an answer reviewed
(docs/api-assessments.md, docs/answers.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from devmaturity.model.workbench import AnswerRow, Cycle, FileRow
from devmaturity.services import workbench as svc
from devmaturity.services.workbench import Value
from devmaturity.web.api.v1.projects import Id
from devmaturity.web.deps import ActorDep, ConfigDep, SourceDep, StoreDep

router = APIRouter(tags=["answers"])

CycleId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the assessment cycle's id")]
FileId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the evidence file's id")]
Subject = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="a criterion id (CD.CM.VC.VCS.L3.2) or, for not_applicable, an item id (CD.CM.VC.VCS)",
    ),
]


class CycleRead(BaseModel):
    id: int
    project_id: int
    period_start: int = Field(description="unix seconds, included")
    period_end: int = Field(description="unix seconds, excluded")
    status: str = Field(description="open | frozen")
    created_at: int
    created_by: str
    frozen_at: int | None
    frozen_by: str | None
    assessment_id: int | None = Field(description="the assessment pinned when it was frozen")


class CycleCreate(BaseModel):
    start: date = Field(description="first day of the period")
    end: date = Field(description="last day of the period (included)")
    carry_over: bool = Field(default=True, description="bring the previous cycle's answers as drafts")


class AnswerWrite(BaseModel):
    value: Value | None = Field(description="met | not_met (criteria), not_applicable (items); null withdraws")
    note: str = Field(default="", max_length=4000, description="note; for not_applicable the reason")
    owner: str = Field(default="", max_length=200, description="who answers for the evidence; the caller by default")
    links: list[str] = Field(default_factory=list, max_length=50, description="evidence links")


class FileRead(BaseModel):
    id: int
    subject: str
    name: str
    media_type: str = Field(description="sniffed from the bytes, not the uploader's claim")
    size: int
    sha256: str
    uploaded_at: int
    uploaded_by: str


class AnswerRead(BaseModel):
    id: int
    subject: str
    value: str | None
    note: str
    owner: str
    links: list[str]
    change: str = Field(description="answer | review | carry")
    draft: bool = Field(description="carried over from the previous cycle and not yet confirmed")
    answered_at: int
    answered_by: str
    reviewed_at: int | None
    reviewed_by: str | None


class AnswerWithFiles(AnswerRead):
    files: list[FileRead]


class CycleAnswersRead(BaseModel):
    cycle: CycleRead
    answers: list[AnswerWithFiles]
    unanswered_files: list[FileRead] = Field(description="files of subjects not answered yet")


def cycle_read(cycle: Cycle) -> CycleRead:
    return CycleRead(**{name: getattr(cycle, name) for name in CycleRead.model_fields})


def answer_read(row: AnswerRow) -> AnswerRead:
    return AnswerRead(**{**{name: getattr(row, name) for name in AnswerRead.model_fields}, "links": list(row.links)})


def file_read(row: FileRow) -> FileRead:
    return FileRead(**{name: getattr(row, name) for name in FileRead.model_fields})


@router.get("/projects/{project_id}/cycles", operation_id="list_cycles", response_model=list[CycleRead])
def list_cycles(project_id: Id, store: StoreDep, actor: ActorDep) -> list[CycleRead]:
    return [cycle_read(c) for c in svc.cycles(store, actor, project_id=project_id)]


@router.post("/projects/{project_id}/cycles", operation_id="open_cycle", status_code=201, response_model=CycleRead)
def open_cycle(project_id: Id, body: CycleCreate, store: StoreDep, actor: ActorDep, source: SourceDep) -> CycleRead:
    """Start the project's cycle for a new period, start and end days included (refused while another is open)."""
    made = svc.open_cycle(
        store,
        actor,
        project_id=project_id,
        start=datetime.combine(body.start, time(0), tzinfo=UTC),
        end=datetime.combine(body.end, time(0), tzinfo=UTC) + timedelta(days=1),
        carry_over=body.carry_over,
        source=source,
    )
    return cycle_read(made)


@router.get("/cycles/{cycle_id}/answers", operation_id="list_answers", response_model=CycleAnswersRead)
def list_answers(cycle_id: CycleId, store: StoreDep, actor: ActorDep) -> CycleAnswersRead:
    found = svc.answers(store, actor, cycle_id=cycle_id)
    return CycleAnswersRead(
        cycle=cycle_read(found.cycle),
        answers=[
            AnswerWithFiles(**answer_read(v.answer).model_dump(), files=[file_read(f) for f in v.files])
            for v in found.answers
        ],
        unanswered_files=[file_read(f) for f in found.unanswered_files],
    )


@router.put("/cycles/{cycle_id}/answers/{subject}", operation_id="put_answer", response_model=AnswerRead)
def put_answer(
    cycle_id: CycleId, subject: Subject, body: AnswerWrite, store: StoreDep, actor: ActorDep, source: SourceDep
) -> AnswerRead:
    """Answer (a new entry in the subject's history; the newest is the answer)."""
    written = svc.put_answer(
        store,
        actor,
        cycle_id=cycle_id,
        subject=subject,
        value=body.value,
        note=body.note,
        owner=body.owner,
        links=body.links,
        source=source,
    )
    return answer_read(written)


@router.get(
    "/cycles/{cycle_id}/answers/{subject}/history", operation_id="answer_history", response_model=list[AnswerRead]
)
def answer_history(cycle_id: CycleId, subject: Subject, store: StoreDep, actor: ActorDep) -> list[AnswerRead]:
    return [answer_read(r) for r in svc.history(store, actor, cycle_id=cycle_id, subject=subject)]


@router.post("/cycles/{cycle_id}/answers/{subject}/review", operation_id="review_answer", response_model=AnswerRead)
def review_answer(
    cycle_id: CycleId, subject: Subject, store: StoreDep, actor: ActorDep, source: SourceDep
) -> AnswerRead:
    return answer_read(svc.review(store, actor, cycle_id=cycle_id, subject=subject, source=source))


@router.post(
    "/cycles/{cycle_id}/answers/{subject}/files",
    operation_id="upload_evidence",
    status_code=201,
    response_model=FileRead,
)
def upload_evidence(
    cycle_id: CycleId,
    subject: Subject,
    file: Annotated[UploadFile, File(description="the evidence file")],
    store: StoreDep,
    actor: ActorDep,
    config: ConfigDep,
    source: SourceDep,
) -> FileRead:
    """Upload an evidence file (multipart field `file`); at most `evidence_max_bytes`."""
    data = file.file.read(config.evidence_max_bytes + 1)  # one byte more tells that the file is too large
    made = svc.upload(
        store,
        actor,
        cycle_id=cycle_id,
        subject=subject,
        name=file.filename or "evidence",
        data=data,
        max_bytes=config.evidence_max_bytes,
        source=source,
    )
    return file_read(made)


@router.get(
    "/files/{file_id}",
    operation_id="download_evidence",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file, as an attachment"}},
)
def download_evidence(file_id: FileId, store: StoreDep, actor: ActorDep) -> Response:
    """The file's bytes, always as an attachment with its sniffed type, never rendered by the browser."""
    row, data = svc.download(store, actor, file_id=file_id)
    headers = {
        "Content-Disposition": f"attachment; filename=\"{_ascii(row.name)}\"; filename*=UTF-8''{quote(row.name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
        "ETag": f'"{row.sha256}"',
    }
    return Response(content=data, media_type=row.media_type, headers=headers)


def _ascii(name: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
