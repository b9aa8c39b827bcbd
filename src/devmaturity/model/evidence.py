"""Evidence records collected from sources: commits, refs and the problems met while collecting."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_time: datetime
    committer_name: str
    committer_email: str
    committer_time: datetime
    subject: str
    files: tuple[str, ...] = ()
    insertions: int = 0
    deletions: int = 0

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def files_changed(self) -> int:
        return len(self.files)


class RefKind(enum.StrEnum):
    BRANCH = "branch"
    TAG = "tag"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ref:
    """A branch or tag; `time` is the tagger date of an annotated tag, else the target commit's date."""

    kind: RefKind
    name: str
    target: str
    time: datetime | None
    annotated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Something wrong with one input; the run records it and goes on with the others."""

    source: str
    message: str
