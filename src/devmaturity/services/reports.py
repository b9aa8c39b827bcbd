"""Rendering a STORED assessment as a document (PDF, printable HTML, JSON, Markdown): reads, never collects.

The CLI (`devmaturity report`) and the web's download call `render_stored`; both get bytes, a media type and a
file name. The document formats (PDF, printable HTML) are rendered once and kept in the store (rendered_reports):
a rendering is served while its digest, over the stored report, the cover's name, format, language and the
renderer's version, still matches, so a changed assessment or a new renderer never serves a stale file.
services/report_jobs.py renders them in the background for the web.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import devmaturity
from devmaturity import reports as reports_package
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action
from devmaturity.errors import FormatUnavailable, NotFoundError, UsageError
from devmaturity.model.documents import CachedDocument, DocumentKey
from devmaturity.model.text import Lang
from devmaturity.reports.registry import DOCUMENT_FORMATS, FORMATS, Format
from devmaturity.reports.writer import write_bytes
from devmaturity.services.access import Gate
from devmaturity.services.database import open_store
from devmaturity.store.db import Store
from devmaturity.store.repos import evidence as repo
from devmaturity.store.repos import rendered as cache
from devmaturity.store.repos.evidence import StoredAssessment

__all__ = [
    "CACHED_FORMATS",
    "DOCUMENT_FORMATS",
    "Rendered",
    "StoredAssessment",
    "document_report",
    "load_assessment",
    "open_store",
    "render_stored",
    "write_output",
]

CACHED_FORMATS = frozenset({"pdf", "html"})
"""The document formats kept once rendered (they take seconds to minutes); json and md are rendered each time."""


def write_output(path: Path, content: bytes) -> Path:
    """Write a rendered document or pack atomically (never half a file, never through a symbolic link)."""
    return write_bytes(path, content)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendered:
    content: bytes = field(repr=False)
    media_type: str
    filename: str
    digest: str | None = None  # a cached format's digest (the web's ETag); None for the formats rendered each time


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
    return _with_cover(stored, assessor_of(stored, actor), now)


def _with_cover(stored: StoredAssessment, assessor: str, now: datetime) -> dict[str, Any]:
    return {
        **stored.report,
        "document": {"assessment_id": stored.id, "assessor": assessor, "rendered_at": now.isoformat()},
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
    """The document of a stored assessment as bytes (the web answers them as a download, the CLI writes them).
    PDF and HTML come from the store when rendered before for the same digest, else are rendered and stored."""
    chosen = document_format(fmt)
    stored = load_assessment(store, actor, ref, project=project, lang=lang, source=source)
    if fmt in CACHED_FORMATS:
        key = document_key(stored, actor, fmt, lang)
        digest = document_digest(stored, key)
        found = cached_document(store, key, digest) or render_to_cache(store, stored, key, digest, now=now)
        return rendered_of(stored, found)
    report = document_report(stored, actor, now or datetime.now(UTC))
    return Rendered(
        content=render_format(report, chosen, lang),
        media_type=chosen.media_type,
        filename=filename_of(stored, chosen, lang),
    )


def filename_of(stored: StoredAssessment, chosen: Format, lang: str) -> str:
    assert chosen.filename is not None  # every document format is a file
    return f"{_safe(stored.project)}-assessment-{stored.id}-{lang}.{chosen.filename.rsplit('.', 1)[-1]}"


def rendered_of(stored: StoredAssessment, document: CachedDocument) -> Rendered:
    """A cached rendering as the download of `stored`."""
    chosen = FORMATS[DOCUMENT_FORMATS[document.key.format]]
    return Rendered(
        content=document.content,
        media_type=chosen.media_type,
        filename=filename_of(stored, chosen, document.key.lang),
        digest=document.digest,
    )


# --- the cache of rendered documents ---


def document_key(stored: StoredAssessment, actor: Actor, fmt: str, lang: str) -> DocumentKey:
    """Which rendering `actor` asks for: the cover names who answered, else the actor (so it is part of the key)."""
    return DocumentKey(assessment_id=stored.id, format=fmt, lang=lang, assessor=assessor_of(stored, actor)[:200])


@functools.cache
def renderer_version(fmt: str) -> str:
    """What a rendering depends on besides the report: this package's version, the source of reports/ (its
    modules and templates, so a changed renderer is a new version without anyone bumping a number) and the
    version of the optional package the format needs (WeasyPrint). Read once per process."""
    chosen = FORMATS[DOCUMENT_FORMATS[fmt]]
    digest = hashlib.sha256(f"devmaturity {devmaturity.__version__}\n".encode())
    root = Path(reports_package.__file__).parent
    for path in sorted([*root.glob("*.py"), *root.glob("templates/*")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    if chosen.needs is not None:
        digest.update(f"{chosen.needs} {importlib.metadata.version(chosen.needs)}".encode())
    return digest.hexdigest()


def document_digest(stored: StoredAssessment, key: DocumentKey) -> str:
    """The digest a rendering of `key` must carry to be served: over the stored report (canonical JSON), the key
    and the renderer's version. A changed assessment or renderer gives another digest, never a stale file."""
    head = {"renderer": renderer_version(key.format), "format": key.format, "lang": key.lang, "assessor": key.assessor}
    digest = hashlib.sha256(json.dumps(head, sort_keys=True).encode())
    digest.update(json.dumps(stored.report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    return digest.hexdigest()


def cached_document(store: Store, key: DocumentKey, digest: str) -> CachedDocument | None:
    """The stored rendering of `key` for `digest` (the caller has loaded the assessment, so the actor may)."""
    with store.reading() as conn:
        return cache.cached(conn, key, digest)


def is_cached(store: Store, key: DocumentKey, digest: str) -> bool:
    with store.reading() as conn:
        return cache.is_cached(conn, key, digest)


def render_to_cache(
    store: Store, stored: StoredAssessment, key: DocumentKey, digest: str, *, now: datetime | None = None
) -> CachedDocument:
    """Render `key` of the stored assessment and keep it, replacing a stale rendering. The rendering (seconds to
    minutes) runs outside any transaction; only the write is one."""
    moment = now or datetime.now(UTC)
    report = _with_cover(stored, key.assessor, moment)
    lang: Lang = "zh" if key.lang == "zh" else "en"
    content = render_format(report, document_format(key.format), lang)
    document = CachedDocument(key=key, digest=digest, created_at=int(moment.timestamp()), content=content)
    with store.transaction() as conn:
        cache.put(conn, document)
    return document


def _safe(name: str) -> str:
    """A project name as a file-name part: letters, digits (any script), `-` and `_` kept, anything else `_`."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "project"
