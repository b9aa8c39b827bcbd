"""The REST client every server collector shares: auth (values handed in, else the environment), retries, rate
limits, paging."""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import os
import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx

from devmaturity.collectors.payload import Obj, as_object, as_objects
from devmaturity.collectors.redact import Redactor
from devmaturity.errors import (
    DevmaturityError,
    SourceAuthError,
    SourceError,
    SourcePayloadError,
    SourceUnreachableError,
)
from devmaturity.model.delivery import Deployment, PipelineRun, Release, WorkItem
from devmaturity.model.quality import QualityAnalysis

log = logging.getLogger(__name__)

T = TypeVar("T")
Record = PipelineRun | Deployment | Release | WorkItem | QualityAnalysis
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

    def redactor(self) -> Redactor:
        """Masks this source's credentials, read from the same variables `pages` reads them from."""
        ...


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


_HANDED: ContextVar[Mapping[str, str] | None] = ContextVar("devmaturity_credentials", default=None)


@contextmanager
def handed_credentials(values: Mapping[str, str]) -> Iterator[None]:
    """Within this block, the sources read their credentials from `values` (by the names their settings give,
    e.g. token_env="token"), never from the process environment: how the service hands a stored source's
    decrypted credentials to a collector. Per thread and task (a context variable), so concurrent jobs never see
    each other's."""
    mark = _HANDED.set(dict(values))
    try:
        yield
    finally:
        _HANDED.reset(mark)


def credential(name: str) -> str:
    """The value of credential `name`: from the values handed in, else the environment variable of that name."""
    handed = _HANDED.get()
    if handed is not None:
        return handed.get(name, "")
    return os.environ.get(name, "") if name else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """How a source authenticates. Holds the NAMES of environment variables, never their values."""

    token_env: str
    header: str = "Authorization"
    scheme: str = "Bearer"  # what precedes the token in the header; "" sends the bare token
    query: str = ""  # send the token as this query parameter instead of a header (Gitee)
    user_env: str = ""  # HTTP Basic: the user from this variable, the token as password (Jenkins)
    token_as_user: bool = False  # HTTP Basic: the token as the user and an empty password (SonarQube)

    def names(self) -> str:
        names = [self.user_env, self.token_env] if self.user_env else [self.token_env]
        return "/".join(f"${name}" for name in names)

    def redactor(self, environ: Mapping[str, str] | None = None) -> Redactor:
        """Masks the secret in these variables in every form it travels in (Basic's base64 of user:secret too)."""

        def read(name: str) -> str:
            return (environ.get(name, "") if environ is not None else credential(name)) if name else ""

        secret = read(self.token_env)
        user = read(self.user_env)
        pairs = [(user, secret)] if user else []
        if self.token_as_user and secret:
            pairs.append((secret, ""))  # SonarQube's Basic header carries base64 of "token:"
        return Redactor.of([secret], pairs)


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
    token = credential(credentials.token_env).strip()
    if not token:
        return None
    if credentials.token_as_user:
        basic = base64.b64encode(f"{token}:".encode()).decode("ascii")
        return _SecretAuth(replace(credentials, scheme="Basic", query=""), basic)
    if not credentials.user_env:
        return _SecretAuth(credentials, token)
    user = credential(credentials.user_env).strip()
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
        redactor: Redactor | None = None,
    ) -> None:
        self.source = source
        self.options = options or ClientOptions()
        self._base = httpx.URL(base_url.rstrip("/") + "/")
        self._credentials = credentials
        # every error this client raises passes through it, so no answer can echo a credential to the user
        self.redactor = credentials.redactor() | (redactor or Redactor())
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
            raise self.redactor.error(
                SourceError(
                    f"{self.source}: {_path(target)} not found (HTTP 404); check the name, or that the token from "
                    f"{self._credentials.names()} may see it"
                )
            )
        return answer

    def get_optional(self, url: str) -> Answer | None:
        """Like get, but None when the server answers 404 (a deleted record, a job without stages)."""
        try:
            return self._get_optional(url)
        except DevmaturityError as exc:
            raise self.redactor.error(exc) from None

    def _get_optional(self, url: str) -> Answer | None:
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
            detail = self.redactor.text(_SECRET_PARAM.sub(r"\1=***", str(exc))) or "no detail"
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
        raise SourceError(f"{self.source}: HTTP {code} from {path}{_server_message(response, self.redactor)}")


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


def _server_message(response: httpx.Response, redactor: Redactor) -> str:
    """The server's own `message`, masked BEFORE it is shortened, so no cut-off part of a secret survives."""
    try:
        message = response.json().get("message", "")
    except (ValueError, AttributeError):
        return ""
    text = " ".join(redactor.text(_SECRET_PARAM.sub(r"\1=***", str(message))).split())
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
