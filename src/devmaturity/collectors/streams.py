"""Incremental sync over REST streams: high-water marks, resumable cursors, pages of records."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from devmaturity.collectors.http import (
    CURSOR_FORMAT,
    Answer,
    ClientOptions,
    Credentials,
    Page,
    Record,
    RestClient,
    link_next,
)
from devmaturity.collectors.payload import Obj, parse_time
from devmaturity.collectors.redact import Redactor
from devmaturity.errors import SourceError
from devmaturity.model.facts import Fact

T = TypeVar("T")


# --- incremental sync ---------------------------------------------------------------------------------------


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """Where a stream's next sync starts: everything keyed before `at`, and the `ids` keyed exactly `at`, is
    stored; `open` records were unfinished (a running pipeline) and are fetched again by id."""

    at: datetime | None = None
    ids: frozenset[str] = frozenset()
    open: frozenset[str] = frozenset()

    def seen(self, key: datetime | None, ident: str, final: bool) -> Mark:
        """This mark, as the new high-water mark being built, after one more record."""
        still_open = self.open - {ident} if final else self.open | {ident}
        if key is None or (self.at is not None and key < self.at):
            return replace(self, open=still_open)
        if self.at is None or key > self.at:
            return Mark(at=key, ids=frozenset({ident}), open=still_open)
        return Mark(at=key, ids=self.ids | {ident}, open=still_open)

    def advanced(self, new: Mark) -> Mark:
        """The mark after a completed stream whose records built `new`."""
        if new.at is None or (self.at is not None and new.at < self.at):
            return Mark(at=self.at, ids=self.ids, open=new.open)
        ids = self.ids | new.ids if new.at == self.at else new.ids
        return Mark(at=new.at, ids=ids, open=new.open)

    def encode(self) -> dict[str, Any]:
        return {"at": iso(self.at) if self.at else None, "ids": sorted(self.ids), "open": sorted(self.open)}

    @classmethod
    def decode(cls, data: Any) -> Mark:
        if not isinstance(data, dict):
            raise ValueError("a mark is not an object")
        at = data.get("at")
        when = parse_time(at)
        if at is not None and when is None:
            raise ValueError(f"bad time {at!r}")
        return cls(
            at=when, ids=frozenset(map(str, data.get("ids", []))), open=frozenset(map(str, data.get("open", [])))
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncState:
    """What a cursor holds: each finished stream's mark, and the position inside the stream under way."""

    marks: Mapping[str, Mark] = field(default_factory=dict)
    stream: str | None = None  # None: no sync under way
    next: str | None = None  # the next listing page of `stream`; None: its first page
    revisited: bool = False  # the open records of `stream` were fetched again
    partial: Mark = Mark()  # the new mark of `stream`, built so far

    def encode(self) -> str:
        data: dict[str, Any] = {"format": CURSOR_FORMAT, "marks": {k: m.encode() for k, m in self.marks.items()}}
        if self.stream is not None:
            data |= {"stream": self.stream, "next": self.next, "revisited": self.revisited}
            data["partial"] = self.partial.encode()
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def decode(cls, cursor: str | None, source: str) -> SyncState:
        if cursor is None:
            return cls()
        try:
            data = json.loads(cursor)
            if not isinstance(data, dict) or data.get("format") != CURSOR_FORMAT:
                raise ValueError(f"not a format {CURSOR_FORMAT} cursor")
            return cls(
                marks={str(k): Mark.decode(v) for k, v in dict(data.get("marks", {})).items()},
                stream=data.get("stream"),
                next=data.get("next"),
                revisited=bool(data.get("revisited", False)),
                partial=Mark.decode(data.get("partial", {})),
            )
        except (ValueError, TypeError) as exc:
            raise SourceError(f"{source}: cannot resume from the stored cursor ({exc}); sync from the start") from None

    def finished(self, stream: str, following: str | None) -> SyncState:
        """The state after the last page of `stream`: its mark advanced, the next stream (if any) under way."""
        old = self.marks.get(stream, Mark())
        marks = {**self.marks, stream: old.advanced(self.partial)}
        return SyncState(marks=marks, stream=following)


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One listed item before conversion: its id, its key for the high-water mark and its JSON."""

    id: str
    key: datetime | None
    item: Obj


Convert = Callable[[RestClient, Entry], tuple[Record | None, bool]]  # a listed item -> (record or None, final)


@dataclass(frozen=True, slots=True, kw_only=True)
class Stream:
    """One listing endpoint of a source and how to read it incrementally.

    `start` gives the first page's URL with the server-side filter for the mark; `stop_early` says the listing is
    newest-first by key, so the first key before the mark ends it; `convert` returns the record (None to skip)
    and whether it is final; `fetch` reads one record again by id, for the open ones (None when it is gone).
    """

    name: str
    start: Callable[[Mark], str]
    entries: Callable[[Answer], list[Entry]]
    convert: Convert
    next: Callable[[Answer], str | None] = link_next
    stop_early: bool = False
    fetch: Callable[[RestClient, str], Entry | None] | None = None


def sync_streams(api: RestClient, streams: Sequence[Stream], cursor: str | None) -> Iterator[Page]:
    """Every page of every stream from the cursor on; each Page's cursor resumes right after it."""
    names = [stream.name for stream in streams]
    state = SyncState.decode(cursor, api.source)
    if state.stream not in names:
        state = SyncState(marks=state.marks, stream=names[0])
    for index in range(names.index(state.stream or names[0]), len(streams)):
        following = names[index + 1] if index + 1 < len(names) else None
        state = yield from _walk(api, streams[index], state, following)


def _walk(api: RestClient, stream: Stream, state: SyncState, following: str | None) -> Generator[Page, None, SyncState]:
    old = state.marks.get(stream.name, Mark())
    if not state.revisited and old.open:
        records, partial = _revisit(api, stream, old.open, state.partial)
        state = replace(state, revisited=True, partial=partial)
        yield Page(records=records, cursor=state.encode())
    url: str | None = state.next or stream.start(old)
    while url is not None:
        answer = api.get(url)
        records, partial, stopped = _take(api, stream, answer, old, state.partial)
        url = None if stopped else stream.next(answer)
        state = replace(state, next=url, revisited=True, partial=partial)
        if url is None:
            state = state.finished(stream.name, following)
        yield Page(records=records, cursor=state.encode())
    return state


def _revisit(
    api: RestClient, stream: Stream, open_ids: frozenset[str], partial: Mark
) -> tuple[tuple[Record, ...], Mark]:
    records: list[Record] = []
    for ident in sorted(open_ids):
        entry = stream.fetch(api, ident) if stream.fetch else None
        if entry is None:
            continue  # deleted since, or a stream without open records
        record, final = stream.convert(api, entry)
        partial = partial.seen(None, entry.id, final)
        records += [record] if record is not None else []
    return tuple(records), partial


def _take(
    api: RestClient, stream: Stream, answer: Answer, old: Mark, partial: Mark
) -> tuple[tuple[Record, ...], Mark, bool]:
    """The new records of one listing page, the mark built so far, and whether the listing reached the old mark."""
    records: list[Record] = []
    for entry in stream.entries(answer):
        if entry.id in old.open:
            continue  # fetched again by id
        if old.at is not None and entry.key is not None and entry.key < old.at:
            if stream.stop_early:
                return tuple(records), partial, True
            continue
        if entry.key is not None and entry.key == old.at and entry.id in old.ids:
            continue
        record, final = stream.convert(api, entry)
        partial = partial.seen(entry.key, entry.id, final)
        records += [record] if record is not None else []
    return tuple(records), partial, False


def entries_keyed(items: list[Obj], id_key: str, time_key: str) -> list[Entry]:
    """Entries whose id and mark key are plain fields of each item."""
    return [Entry(id=item.ident(id_key), key=item.time(time_key), item=item) for item in items]


def all_pages(
    api: RestClient, url: str, key: str = "", next_page: Callable[[Answer], str | None] = link_next
) -> list[Obj]:
    """Every item of a small paged listing (a run's jobs, a deployment's statuses)."""
    items: list[Obj] = []
    next_url: str | None = url
    while next_url is not None:
        answer = api.get(next_url)
        items += answer.objects(key)
        next_url = next_page(answer)
    return items


def query_url(path: str, params: Mapping[str, str | int | None]) -> str:
    """A relative URL with the given query; None values are left out."""
    kept = {key: value for key, value in params.items() if value is not None}
    return f"{path}?{urlencode(kept)}" if kept else path


def since_param(mark: Mark) -> str | None:
    """The mark as a query value in whole seconds, rounded down, so the server-side filter never loses one."""
    return mark.at.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ") if mark.at else None


class StreamSource:
    """A source read as a few streams through one RestClient per sync; subclasses say which streams."""

    name: str
    _what: str
    _base_url: str
    _credentials: Credentials
    _options: ClientOptions
    _headers: Mapping[str, str] | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self._what!r}, base_url={self._base_url!r}, "
            f"token_env={self._credentials.token_env!r})"
        )

    def pages(self, cursor: str | None) -> Iterator[Page]:
        with RestClient(
            source=self.name,
            base_url=self._base_url,
            credentials=self._credentials,
            options=self._options,
            headers=self._headers,
        ) as api:
            yield from sync_streams(api, self._streams(), cursor)

    def redactor(self) -> Redactor:
        return self._credentials.redactor()

    def facts(self) -> tuple[Fact, ...]:
        """Facts the platform's settings show about the project (read after the streams); none by default."""
        with RestClient(
            source=self.name,
            base_url=self._base_url,
            credentials=self._credentials,
            options=self._options,
            headers=self._headers,
        ) as api:
            return self._facts(api)

    def _facts(self, api: RestClient) -> tuple[Fact, ...]:
        return ()

    def _streams(self) -> tuple[Stream, ...]:
        raise NotImplementedError
