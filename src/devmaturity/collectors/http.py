"""The REST client every server collector shares: auth from the environment, retries, rate limits, pages, cursors."""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import os
import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

import httpx

from devmaturity.errors import SourceAuthError, SourceError, SourcePayloadError, SourceUnreachableError
from devmaturity.model.delivery import Deployment, PipelineRun, Release, WorkItem

log = logging.getLogger(__name__)

T = TypeVar("T")
Record = PipelineRun | Deployment | Release | WorkItem
CURSOR_FORMAT = 1
_BUG_LABEL = re.compile(r"(?i)(?<![a-z])(bug|defect)s?(?![a-z])|缺陷")
_SHA1 = re.compile(r"[0-9a-f]{40}")
_SECRET_PARAM = re.compile(r"(?i)\b(access_token|private_token)=[^&\s\"'>]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """Records fetched together and the opaque JSON cursor a sync resumes from once they are stored."""

    records: tuple[Record, ...]
    cursor: str


class Source(Protocol):
    """A server read page by page; store each page's records and cursor in one transaction, then pass the
    last stored cursor to the next call (None = from the beginning)."""

    name: str

    def pages(self, cursor: str | None) -> Iterator[Page]: ...


# --- the client -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    """How the client behaves on the wire; `sleep` and `clock` are injectable so tests never really wait."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    attempts: int = 4  # tries per request on 5xx, 429 without a hint, timeouts and connection errors
    backoff: float = 1.0  # first retry delay in seconds; doubles each retry
    max_backoff: float = 60.0
    max_wait: float = 900.0  # the longest rate-limit wait we accept before giving up
    rate_limit_waits: int = 5
    page_size: int = 100
    verify: bool | str = True  # False, or a CA bundle path for self-managed servers with a private CA
    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.time)


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """How a source authenticates. Holds the NAMES of environment variables, never their values."""

    token_env: str
    header: str = "Authorization"
    scheme: str = "Bearer"  # what precedes the token in the header; "" sends the bare token
    query: str = ""  # send the token as this query parameter instead of a header (Gitee)
    user_env: str = ""  # HTTP Basic: the user from this variable, the token as password (Jenkins)

    def names(self) -> str:
        names = [self.user_env, self.token_env] if self.user_env else [self.token_env]
        return "/".join(f"${name}" for name in names)


class _SecretAuth(httpx.Auth):
    """Adds the secret to each request at send time, so it never sits in URLs, headers or reprs we keep."""

    def __init__(self, credentials: Credentials, secret: str) -> None:
        self._credentials = credentials
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        spec = self._credentials
        if spec.query:
            request.url = request.url.copy_merge_params({spec.query: self._secret})
        else:
            request.headers[spec.header] = f"{spec.scheme} {self._secret}".strip()
        yield request

    def __repr__(self) -> str:
        return f"<_SecretAuth from {self._credentials.names()}>"


class _RedactQuery(logging.Filter):
    """httpx logs each request URL at INFO; a token sent as a query parameter must not reach the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET_PARAM.sub(r"\1=***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_REDACT = _RedactQuery()


def _secret_auth(source: str, credentials: Credentials) -> _SecretAuth | None:
    """The auth for the token in the environment, or None (anonymous) when the variable is unset or empty."""
    token = os.environ.get(credentials.token_env, "").strip()
    if not token:
        return None
    if not credentials.user_env:
        return _SecretAuth(credentials, token)
    user = os.environ.get(credentials.user_env, "").strip()
    if not user:
        raise SourceAuthError(f"{source}: ${credentials.token_env} is set but ${credentials.user_env} is not")
    basic = base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
    return _SecretAuth(replace(credentials, scheme="Basic", query=""), basic)


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """One JSON answer: the data, the URL asked (without credentials), the next-page link and the headers."""

    data: Any
    url: httpx.URL
    next_link: str | None
    headers: httpx.Headers
    where: str  # "github:acme/shop: /repos/acme/shop/pulls", the prefix of every payload error

    def object(self) -> Obj:
        return as_object(self.data, self.where, "")

    def objects(self, key: str = "") -> list[Obj]:
        """The answer's array, or the array under `key` of the answer's object."""
        if not key:
            return as_objects(self.data, self.where, "")
        return self.object().children(key)


class RestClient:
    """A JSON-over-HTTPS client for one source; open it with `with`, it closes its connections on exit."""

    def __init__(
        self,
        *,
        source: str,
        base_url: str,
        credentials: Credentials,
        options: ClientOptions | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.source = source
        self.options = options or ClientOptions()
        self._base = httpx.URL(base_url.rstrip("/") + "/")
        self._credentials = credentials
        auth = _secret_auth(source, credentials)
        self._has_token = auth is not None
        if credentials.query:
            logging.getLogger("httpx").addFilter(_REDACT)
        timeout = httpx.Timeout(self.options.read_timeout, connect=self.options.connect_timeout)
        self._http = httpx.Client(
            auth=auth, headers=headers, timeout=timeout, verify=self.options.verify, follow_redirects=False
        )

    def __repr__(self) -> str:
        return f"RestClient({self.source!r}, {str(self._base)!r}, token from {self._credentials.names()})"

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._http.close()

    def get(self, url: str) -> Answer:
        """GET a path (relative to the base URL) or a same-origin absolute URL and read its JSON."""
        answer = self.get_optional(url)
        if answer is None:
            target = self._resolve(url)
            raise SourceError(
                f"{self.source}: {_path(target)} not found (HTTP 404); check the name, or that the token from "
                f"{self._credentials.names()} may see it"
            )
        return answer

    def get_optional(self, url: str) -> Answer | None:
        """Like get, but None when the server answers 404 (a deleted record, a job without stages)."""
        target = self._resolve(url)
        response = self._send(target)
        if response.status_code == 404:
            return None
        self._check(response, _path(target))
        where = f"{self.source}: {_path(target)}"
        return Answer(
            data=_json(response, where),
            url=target,
            next_link=self._next_link(response),
            headers=response.headers,
            where=where,
        )

    def _resolve(self, url: str) -> httpx.URL:
        target = self._base.join(url)
        if (target.scheme, target.host, target.port) != (self._base.scheme, self._base.host, self._base.port):
            raise SourcePayloadError(
                f"{self.source}: refusing to follow {target.scheme}://{target.host}{_path(target)}, "
                f"which is not on {self._base.scheme}://{self._base.host} (the token stays there)"
            )
        return target

    def _next_link(self, response: httpx.Response) -> str | None:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        return str(httpx.URL(link).copy_remove_param(self._credentials.query)) if self._credentials.query else link

    def _send(self, target: httpx.URL) -> httpx.Response:
        failures = waits = redirects = 0
        while True:
            response, problem = self._try(target)
            if response is not None and response.is_redirect and response.next_request is not None:
                redirects += 1
                if redirects > 5:
                    raise SourceUnreachableError(f"{self.source}: too many redirects from {_path(target)}")
                target = self._resolve(str(response.next_request.url))
                continue
            if response is not None and (wait := self._rate_limit_wait(response)) is not None:
                waits += 1
                self._wait_out(wait, waits, _path(target))
                continue
            if response is not None and response.status_code < 500 and response.status_code != 429:
                return response
            failures += 1
            reason = problem or f"HTTP {response.status_code if response is not None else '?'}"
            if failures >= self.options.attempts:
                origin = f"{target.scheme}://{target.netloc.decode('ascii')}"
                raise SourceUnreachableError(
                    f"{self.source}: no usable answer from {origin}{_path(target)} after {failures} attempts"
                    f" (last: {reason})"
                )
            delay = min(self.options.backoff * 2 ** (failures - 1), self.options.max_backoff)
            log.warning("%s: %s from %s; retry %d in %.1f s", self.source, reason, _path(target), failures, delay)
            self.options.sleep(delay)

    def _try(self, target: httpx.URL) -> tuple[httpx.Response | None, str | None]:
        try:
            return self._http.get(target), None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            detail = _SECRET_PARAM.sub(r"\1=***", str(exc)) or "no detail"
            return None, f"{type(exc).__name__} ({detail})"

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when the answer is a rate limit (429, or GitHub's 403 with a limit header), else None."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        after = _retry_after(headers.get("retry-after"), self.options.clock())
        if after is not None:
            return after
        remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining"))
        reset = headers.get("x-ratelimit-reset", headers.get("ratelimit-reset"))
        if remaining == "0" and reset is not None and reset.isdigit():
            return max(int(reset) - self.options.clock(), 0.0) + 1.0  # reset is epoch seconds; 1 s for skew
        return None

    def _wait_out(self, wait: float, waits: int, path: str) -> None:
        if wait > self.options.max_wait:
            raise SourceUnreachableError(
                f"{self.source}: rate limited at {path}; the server asks to wait {wait:.0f} s, more than the "
                f"{self.options.max_wait:.0f} s cap (ClientOptions.max_wait); sync again later"
            )
        if waits > self.options.rate_limit_waits:
            raise SourceUnreachableError(
                f"{self.source}: still rate limited at {path} after {waits - 1} waits; sync again later"
            )
        log.warning("%s: rate limited at %s; waiting %.0f s", self.source, path, wait)
        self.options.sleep(wait)

    def _check(self, response: httpx.Response, path: str) -> None:
        code = response.status_code
        if code < 300:
            return
        names = self._credentials.names()
        if code == 401:
            if self._has_token:
                raise SourceAuthError(f"{self.source}: bad or expired token from {names} (HTTP 401 from {path})")
            raise SourceAuthError(f"{self.source}: the server wants a token; set {names} (HTTP 401 from {path})")
        if code == 403:
            raise SourceAuthError(f"{self.source}: the token from {names} may not read {path} (HTTP 403)")
        raise SourceError(f"{self.source}: HTTP {code} from {path}{_server_message(response)}")


def _path(url: httpx.URL) -> str:
    """The URL's path as sent (still percent-encoded, so GitLab's "acme%2Fshop" stays one segment)."""
    return url.raw_path.split(b"?", 1)[0].decode("ascii")


def _retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def _server_message(response: httpx.Response) -> str:
    try:
        message = response.json().get("message", "")
    except (ValueError, AttributeError):
        return ""
    text = " ".join(_SECRET_PARAM.sub(r"\1=***", str(message)).split())
    return f": {text[:120]}" if text else ""


def _json(response: httpx.Response, where: str) -> Any:
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise SourcePayloadError(f"{where}: the answer is not JSON ({kind}: {exc})") from None


# --- pagination ---------------------------------------------------------------------------------------------


def link_next(answer: Answer) -> str | None:
    """GitHub and GitLab: the Link header's rel="next"."""
    return answer.next_link


def gitlab_next(answer: Answer) -> str | None:
    """GitLab: Link rel="next", else the X-Next-Page header (empty on the last page)."""
    if answer.next_link:
        return answer.next_link
    page = answer.headers.get("x-next-page", "").strip()
    return str(answer.url.copy_set_param("page", _page_number(page, "X-Next-Page", answer))) if page else None


def total_page_next(answer: Answer) -> str | None:
    """Gitee: the `total_page` header against the page asked for."""
    total = _page_number(answer.headers.get("total_page", "1"), "total_page", answer)
    page = _page_number(answer.url.params.get("page", "1"), "page", answer)
    return str(answer.url.copy_set_param("page", page + 1)) if page < total else None


def _page_number(value: str, name: str, answer: Answer) -> int:
    if not value.strip().isdigit():
        raise SourcePayloadError(f"{answer.where}: header {name}: expected a page number, got {value!r}")
    return int(value)


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
