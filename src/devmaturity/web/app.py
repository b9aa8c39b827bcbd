"""The FastAPI app: webhook endpoints that read the request, call the webhook service and translate its errors."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from devmaturity.config import Config
from devmaturity.errors import (
    BadPayloadError,
    DevmaturityError,
    NotFoundError,
    PayloadTooLargeError,
    RequestError,
    RequestTimeoutError,
    StoreError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from devmaturity.services.webhooks import Delivery, Outcome, WebhookResult, WebhookService
from devmaturity.store.db import Store

log = logging.getLogger("devmaturity.web")

API = "/api/v1/projects/{project}"

# the one translation of outcomes and errors into HTTP statuses (docs/webhooks.md); errors match by class, in order
OUTCOME_STATUS: dict[Outcome, int] = {
    Outcome.STORED: 200,
    Outcome.PARTIAL: 207,
    Outcome.IGNORED: 202,
    Outcome.REJECTED: 422,
}
ERROR_STATUS: tuple[tuple[type[DevmaturityError], int], ...] = (
    (BadPayloadError, 400),
    (UnauthorizedError, 401),
    (NotFoundError, 404),
    (PayloadTooLargeError, 413),
    (RequestTimeoutError, 408),
    (UnsupportedMediaTypeError, 415),
    (RequestError, 400),
    (StoreError, 503),
)
HTTP_CODES = {404: "not-found", 405: "method-not-allowed"}
BODY_TIMEOUT = 30.0  # seconds a webhook body may take to arrive, so a stalled client cannot hold a worker
FAULT_WINDOW = 10.0  # an expected fault is logged once, then counted: one summary line per kind per window
# expected faults by kind: (what a summary calls them, the words of the log line, or the exception types)
_CONNECTION_ERRORS = (ClientDisconnect, ConnectionError, TimeoutError)
FAULTS: tuple[tuple[str, tuple[str, ...], tuple[type[BaseException], ...]], ...] = (
    ("client disconnects", ("socket.send() raised exception", "client disconnected"), _CONNECTION_ERRORS),
    ("invalid or half-sent requests", ("Invalid HTTP request received",), ()),
    ("requests over the concurrency limit", ("Exceeded concurrency limit",), ()),
    ("store failures", ("error[store]",), (StoreError,)),
    ("slow request bodies", ("error[request-timeout]",), (RequestTimeoutError,)),
)
FAULT_LOGGERS = ("uvicorn.error", "asyncio", "devmaturity.web")


class QuietFaults(logging.Filter):
    """Expected faults (a client that goes away, a half-sent request, a store that is down) as counts: the first
    of a kind is one line without traceback, later ones in the same window only add to the next summary line,
    "N client disconnects in the last 10 s". Install it on the loggers of FAULT_LOGGERS."""

    def __init__(self, window: float = FAULT_WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._opened: dict[str, float] = {}  # kind -> when its current window opened
        self._counted: dict[str, int] = {}  # kind -> faults held back in that window

    def filter(self, record: logging.LogRecord) -> bool:
        kind = _fault_kind(record)
        if kind is None:
            return True
        now = self._clock()
        with self._lock:
            opened = self._opened.get(kind)
            if opened is not None and now - opened < self._window:
                self._counted[kind] = self._counted.get(kind, 0) + 1
                return False
            held = self._counted.pop(kind, 0)
            self._opened[kind] = now
        if opened is None:
            line = f"{kind}: {_first_line(record)} (more are counted, one line per {self._window:.0f} s)"
        else:
            line = f"{held + 1} {kind} in the last {now - opened:.0f} s"
        record.msg, record.args, record.exc_info, record.exc_text = line, (), None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _fault_kind(record: logging.LogRecord) -> str | None:
    error = record.exc_info[1] if record.exc_info else None
    message = record.getMessage()
    for kind, words, types in FAULTS:
        if (error is not None and isinstance(error, types)) or any(word in message for word in words):
            return kind
    return None


def _first_line(record: logging.LogRecord) -> str:
    error = record.exc_info[1] if record.exc_info else None
    text = record.getMessage() if error is None else f"{record.getMessage()} ({type(error).__name__})"
    return " ".join(text.split())[:200]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": " ".join(message.split())}}, status_code=status)


def _status_of(exc: DevmaturityError) -> int:
    return next((status for kind, status in ERROR_STATUS if isinstance(exc, kind)), 500)


def _answer(result: WebhookResult) -> JSONResponse:
    body = {"stored": result.stored, "problems": list(result.problems)}
    return JSONResponse(body, status_code=OUTCOME_STATUS[result.outcome])


async def _body(request: Request, limit: int) -> bytes:
    """The body within BODY_TIMEOUT (408 after it), see `_read_body`."""
    try:
        return await asyncio.wait_for(_read_body(request, limit), BODY_TIMEOUT)
    except TimeoutError:
        raise RequestTimeoutError(f"the body did not arrive within {BODY_TIMEOUT:.0f} s") from None


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to be over the limit: from Content-Length before
    reading anything, else while reading, never holding more than limit + one chunk."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the body is {int(declared):,} bytes, over the limit of {limit:,} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLargeError(f"the body is over the limit of {limit:,} bytes")
    return bytes(body)


def _delivery(request: Request, project: str, body: bytes) -> Delivery:
    headers = request.headers
    return Delivery(
        project=project,
        body=body,
        content_type=headers.get("content-type", ""),
        event=headers.get("x-github-event") or headers.get("x-gitlab-event") or "",
        delivery_id=headers.get("x-github-delivery") or headers.get("x-gitlab-event-uuid") or "",
        authorization=headers.get("authorization"),
        signature=headers.get("x-hub-signature-256"),
        gitlab_token=headers.get("x-gitlab-token"),
    )


def _logged(request: Request, project: str, result: WebhookResult) -> JSONResponse:
    answer = _answer(result)
    log.info(
        "%s project=%s stored=%d problems=%d status=%d",
        request.url.path,
        project,
        result.stored,
        len(result.problems),
        answer.status_code,
    )
    return answer


def create_app(config: Config, store: Store, *, environ: Mapping[str, str] | None = None) -> FastAPI:
    """The app for the projects in config.webhooks; each secret is read from the environment variable its
    [[devmaturity.webhooks]] table names (ConfigError when one is unset)."""
    service = WebhookService(store, config, environ)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        quiet = QuietFaults()
        faulty = [logging.getLogger(name) for name in FAULT_LOGGERS]
        for logger in faulty:
            logger.addFilter(quiet)
        try:
            with service.redactor.installed():  # no webhook secret reaches the log, whoever logs it
                yield
        finally:
            for logger in faulty:
                logger.removeFilter(quiet)

    app = FastAPI(title="devmaturity", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.post(API + "/events/{kind}")
    async def post_events(project: str, kind: str, request: Request) -> JSONResponse:
        service.check_target(project, kind)
        delivery = _delivery(request, project, await _body(request, service.max_bytes))
        source = request.query_params.get("source")
        return _logged(request, project, await run_in_threadpool(service.receive_events, delivery, kind, source))

    @app.post(API + "/webhooks/github")
    async def post_github(project: str, request: Request) -> JSONResponse:
        service.check_target(project)
        delivery = _delivery(request, project, await _body(request, service.max_bytes))
        return _logged(request, project, await run_in_threadpool(service.receive_github, delivery))

    @app.post(API + "/webhooks/gitlab")
    async def post_gitlab(project: str, request: Request) -> JSONResponse:
        service.check_target(project)
        delivery = _delivery(request, project, await _body(request, service.max_bytes))
        return _logged(request, project, await run_in_threadpool(service.receive_gitlab, delivery))

    _handle_errors(app, service.redactor.text)
    return app


def _handle_errors(app: FastAPI, mask: Callable[[str], str]) -> None:
    """Every error answer is {"error": {"code": slug, "message": one line}}; none repeats a credential."""

    @app.exception_handler(DevmaturityError)
    async def on_error(request: Request, exc: DevmaturityError) -> JSONResponse:
        status = _status_of(exc)
        log.warning("%s refused with %d: %s", request.url.path, status, mask(exc.one_line()))
        return _error(status, exc.slug, mask(exc.message))

    @app.exception_handler(ClientDisconnect)
    async def on_disconnect(request: Request, exc: ClientDisconnect) -> Response:
        log.info("%s: client disconnected before its body arrived", request.url.path)
        return Response(status_code=400)  # nobody reads it; the connection is gone

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, HTTP_CODES.get(exc.status_code, "bad-request"), str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s failed: %s", request.url.path, type(exc).__name__, exc_info=exc)
        return _error(500, "error", "internal error; the server log has the details")
