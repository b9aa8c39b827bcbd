"""Rendering a STORED assessment as a document (PDF, printable HTML, JSON, Markdown): reads, never collects.

The CLI (`devmaturity report`) and the web's download call `render_stored`; both get bytes, a media type and a
file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.errors import FormatUnavailable, NotFoundError, UsageError
from devmaturity.model.text import Lang
from devmaturity.reports.registry import DOCUMENT_FORMATS, FORMATS, Format
from devmaturity.reports.writer import write_bytes
from devmaturity.services.access import Gate
from devmaturity.store.db import Store
from devmaturity.store.repos import evidence as repo
from devmaturity.store.repos.evidence import StoredAssessment

__all__ = [
    "DOCUMENT_FORMATS",
    "Rendered",
    "StoredAssessment",
    "document_report",
    "load_assessment",
    "open_store",
    "render_stored",
    "write_output",
]


def open_store(url: str) -> Store:
    """The store at `url`, for the CLI (which acts as its local owner)."""
    return Store.open(url)


def write_output(path: Path, content: bytes) -> Path:
    """Write a rendered document or pack atomically (never half a file, never through a symbolic link)."""
    return write_bytes(path, content)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


def load_assessment(
    store: Store,
    actor: Actor,
    ref: str,
    *,
    project: str | None = None,
    action: Action = Action.ASSESSMENT_READ,
    lang: Lang = "en",
    source: str = "cli",
) -> StoredAssessment:
    """An assessment by id (`42`), or `latest` of `project`, looked up inside the actor's organisations (the local
    owner also sees projects of none): NotFoundError when there is none there, PermissionDenied (audited) when the
    actor's role may not take `action`."""
    gate = Gate(store, actor, source=source)
    scope = None if actor.owner else actor.org_ids()
    with store.engine.connect() as conn:
        if ref == "latest":
            if not project:
                raise UsageError(
                    "`latest` needs --project NAME (whose latest assessment)",
                    zh="`latest` 需要 --project 项目名（取哪个项目的最新评估）",
                )
            found = repo.latest_assessment(conn, project, scope)
            what = f"assessment of project {project!r}" if lang == "en" else f"项目 {project!r} 的评估"
        else:
            if not ref.isdigit():
                raise UsageError(
                    f"ASSESSMENT is an assessment id or `latest`, not {ref!r}",
                    zh=f"ASSESSMENT 应为评估编号或 `latest`，而不是 {ref!r}",
                )
            found = repo.assessment_by_id(conn, int(ref), scope)
            what = f"assessment {ref}" if lang == "en" else f"评估 {ref}"
    if found is None or (project is not None and found.project != project):
        raise NotFoundError(f"{what} not found" if lang == "en" else f"未找到{what}")
    gate.require(action, found.org_id, ("assessment", found.id, found.project))
    return found


def assessor_of(stored: StoredAssessment, actor: Actor) -> str:
    """Who assessed: the names that answered, else the actor rendering it."""
    names = sorted({a["by"] for a in stored.report.get("answers") or () if a.get("by")})
    return ", ".join(names) or actor.name


def document_report(stored: StoredAssessment, actor: Actor, now: datetime) -> dict[str, Any]:
    """The stored report with what the document's cover adds: assessment id, assessor, rendering time."""
    return {
        **stored.report,
        "document": {
            "assessment_id": stored.id,
            "assessor": assessor_of(stored, actor),
            "rendered_at": now.isoformat(),
        },
    }


def document_format(name: str) -> Format:
    """The registry row a user's `--format` (pdf, html, json, md) names, checked to be installed."""
    if name not in DOCUMENT_FORMATS:
        raise UsageError(
            f"--format {name!r}: use one of {', '.join(DOCUMENT_FORMATS)}",
            zh=f"--format {name!r} 无效：可选 {', '.join(DOCUMENT_FORMATS)}",
        )
    fmt = FORMATS[DOCUMENT_FORMATS[name]]
    if not fmt.available():
        raise FormatUnavailable(
            f"the {name} format needs the Python package {fmt.needs}: pip install 'devmaturity[pdf]'",
            zh=f"格式 {name} 需要 Python 包 {fmt.needs}：pip install 'devmaturity[pdf]'",
        )
    return fmt


def render_format(report: dict[str, Any], fmt: Format, lang: Lang) -> bytes:
    content = fmt.render(report, lang)
    return content if isinstance(content, bytes) else str(content).encode("utf-8")


def render_stored(
    store: Store,
    actor: Actor,
    ref: str,
    fmt: str = "pdf",
    *,
    lang: Lang = "en",
    project: str | None = None,
    now: datetime | None = None,
    source: str = "cli",
) -> Rendered:
    """The document of a stored assessment as bytes (the web answers them as a download, the CLI writes them)."""
    chosen = document_format(fmt)
    stored = load_assessment(store, actor, ref, project=project, lang=lang, source=source)
    report = document_report(stored, actor, now or datetime.now(UTC))
    assert chosen.filename is not None  # every document format is a file
    stem = f"{_safe(stored.project)}-assessment-{stored.id}-{lang}"
    suffix = chosen.filename.rsplit(".", 1)[-1]
    return Rendered(
        content=render_format(report, chosen, lang), media_type=chosen.media_type, filename=f"{stem}.{suffix}"
    )


def _safe(name: str) -> str:
    """A project name as a file-name part: letters, digits (any script), `-` and `_` kept, anything else `_`."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "project"
