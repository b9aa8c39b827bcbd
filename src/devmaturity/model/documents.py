"""Rendered documents of stored assessments as the store keeps them: the key (assessment, format, language, cover
name) and a cached rendering with the digest it was made for."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentKey:
    """Which rendering: the same assessment renders differently per format, language and the name on its cover."""

    assessment_id: int
    format: str
    lang: str
    assessor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedDocument:
    """A stored rendering; valid only while `digest` equals the digest of the current report and renderer."""

    key: DocumentKey
    digest: str
    created_at: int
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderRun:
    """A queued or finished render job: its run row's id and status, and the key and digest it renders."""

    run_id: int
    status: str
    key: DocumentKey
    digest: str
