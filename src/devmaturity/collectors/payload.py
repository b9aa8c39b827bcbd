"""Reading JSON answers of REST APIs: typed field access whose errors name the source, path and value."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from devmaturity.errors import SourcePayloadError
from devmaturity.model.delivery import WorkItem

_BUG_LABEL = re.compile(r"(?i)(?<![a-z])(bug|defect)s?(?![a-z])|缺陷")
_SHA1 = re.compile(r"[0-9a-f]{40}")
_INDEX = re.compile(r"\[\d+\]")
T = TypeVar("T")
# (field, value) of each status value a status table did not know, noted while a sync reads (see `unknowns`)
_UNKNOWN: ContextVar[set[tuple[str, str]] | None] = ContextVar("devmaturity_unknown_statuses", default=None)


@contextmanager
def unknowns() -> Iterator[set[tuple[str, str]]]:
    """Collects the distinct (field, value) pairs that `Obj.status` mapped to its fallback while inside."""
    seen: set[tuple[str, str]] = set()
    token = _UNKNOWN.set(seen)
    try:
        yield seen
    finally:
        _UNKNOWN.reset(token)


# --- payload reading ----------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_object(value: object, where: str, path: str) -> Obj:
    if not isinstance(value, dict):
        raise SourcePayloadError(f"{where}: {path or '<root>'}: expected an object, got {_shown(value)}")
    return Obj(data=value, where=where, path=path)


def as_objects(value: object, where: str, path: str) -> list[Obj]:
    if not isinstance(value, list):
        raise SourcePayloadError(f"{where}: {path or '<root>'}: expected an array, got {_shown(value)}")
    return [as_object(item, where, f"{path}[{i}]") for i, item in enumerate(value)]


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime; naive ones are taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Obj:
    """One JSON object of an answer; its getters raise SourcePayloadError naming the field path."""

    data: Mapping[str, Any]
    where: str
    path: str = ""

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _bad(self, key: str, expected: str) -> SourcePayloadError:
        got = _shown(self.data[key]) if key in self.data else "nothing"
        return SourcePayloadError(f"{self.where}: {self._field(key)}: expected {expected}, got {got}")

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def ident(self, key: str) -> str:
        """An id given as a number or a string, as a string."""
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            raise self._bad(key, "an id")
        return str(value)

    def number(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(key, "an integer")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self._bad(key, "true or false")
        return value

    def time(self, key: str) -> datetime:
        when = parse_time(self.data.get(key))
        if when is None:
            raise self._bad(key, "an ISO 8601 timestamp")
        return when

    def opt_time(self, key: str) -> datetime | None:
        return None if self.data.get(key) is None else self.time(key)

    def millis(self, key: str) -> datetime:
        """A Jenkins timestamp: milliseconds since the epoch."""
        return datetime.fromtimestamp(self.number(key) / 1000, UTC)

    def choice(self, key: str, table: Mapping[Any, T]) -> T:
        value = self.data.get(key)
        if not isinstance(value, str | None) or value not in table:
            raise self._bad(key, "one of " + ", ".join(sorted(str(k) for k in table)))
        return table[value]

    def status(self, key: str, table: Mapping[Any, T], other: T) -> T:
        """A status looked up case-insensitively (null looks up None); a string the table does not know is
        `other`, noted for the sync's report, so one new server state never stops a sync."""
        value = self.data.get(key)
        if value is None and None in table:
            return table[None]
        if not isinstance(value, str | None):
            raise self._bad(key, "a status string")
        folded = {str(name).casefold(): result for name, result in table.items() if name is not None}
        found = folded.get(str(value).casefold()) if value is not None else None
        if found is not None:
            return found
        seen = _UNKNOWN.get()
        if seen is not None:
            seen.add((_INDEX.sub("", self._field(key)).lstrip("."), "null" if value is None else value))
        return other

    def child(self, key: str) -> Obj:
        if not isinstance(self.data.get(key), dict):
            raise self._bad(key, "an object")
        return as_object(self.data[key], self.where, self._field(key))

    def opt_child(self, key: str) -> Obj | None:
        return None if self.data.get(key) is None else self.child(key)

    def children(self, key: str) -> list[Obj]:
        if not isinstance(self.data.get(key), list):
            raise self._bad(key, "an array")
        return as_objects(self.data[key], self.where, self._field(key))

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._bad(key, "an array of strings")
        return tuple(value)


def label_names(item: Obj, key: str = "labels") -> tuple[str, ...]:
    """Label names given as strings (GitLab) or as objects with a `name` (GitHub, Gitee)."""
    value = item.get(key) or []
    if isinstance(value, list) and all(isinstance(label, str) for label in value):
        return tuple(value)
    return tuple(label.text("name") for label in item.children(key))


def work_type(labels: Sequence[str], default: str = "issue") -> str:
    """ "bug" when a label says bug or defect ("bug", "type: bug", "kind/defect", "缺陷"), else the default."""
    return "bug" if any(_BUG_LABEL.search(label) for label in labels) else default


def commit_sha(value: str | None) -> str | None:
    """The value when it is a full commit SHA-1 (not a branch name such as a release's target_commitish)."""
    return value if value is not None and _SHA1.fullmatch(value) else None


def approved(pull: WorkItem, approvers: Sequence[str], author: str | None) -> WorkItem:
    """The pull/merge request with its review read: the users who approved it (each once) give the number of
    approvals, and whether one of them is not its author (None when someone approved and the author is unknown)."""
    others = [user for user in approvers if user != author]
    by_other = bool(others) if author is not None or not approvers else None
    return replace(pull, approvals=len(approvers), approved_by_other=by_other)


def pull_request(source: str, item: Obj, id_prefix: str) -> WorkItem:
    """A pull request in GitHub's shape (Gitee's API mirrors it): created, merged, labels; ids like #12 or !12."""
    return WorkItem(
        source=source,
        id=f"{id_prefix}{item.number('number')}",
        type="pull_request",
        title=item.text("title"),
        created_at=item.time("created_at"),
        resolved_at=item.opt_time("merged_at"),
        labels=label_names(item),
    )
