"""The FastAPI app: webhook endpoints that read the request, call the webhook service and translate its errors."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from devmaturity.config import Config
from devmaturity.errors import (
    BadPayloadError,
    DevmaturityError,
    NotFoundError,
    PayloadTooLargeError,
    RequestError,
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
    (UnsupportedMediaTypeError, 415),
    (RequestError, 400),
    (StoreError, 503),
)
HTTP_CODES = {404: "not-found", 405: "method-not-allowed"}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": " ".join(message.split())}}, status_code=status)


def _status_of(exc: DevmaturityError) -> int:
    return next((status for kind, status in ERROR_STATUS if isinstance(exc, kind)), 500)


def _answer(result: WebhookResult) -> JSONResponse:
    body = {"stored": result.stored, "problems": list(result.problems)}
    return JSONResponse(body, status_code=OUTCOME_STATUS[result.outcome])


async def _body(request: Request, limit: int) -> bytes:
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
    app = FastAPI(title="devmaturity", docs_url=None, redoc_url=None, openapi_url=None)

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

    _handle_errors(app)
    return app


def _handle_errors(app: FastAPI) -> None:
    """Every error answer is {"error": {"code": slug, "message": one line}}; none repeats a credential."""

    @app.exception_handler(DevmaturityError)
    async def on_error(request: Request, exc: DevmaturityError) -> JSONResponse:
        status = _status_of(exc)
        log.warning("%s refused with %d: %s", request.url.path, status, exc.one_line())
        return _error(status, exc.slug, exc.message)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, HTTP_CODES.get(exc.status_code, "bad-request"), str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s failed: %s", request.url.path, type(exc).__name__, exc_info=exc)
        return _error(500, "error", "internal error; the server log has the details")
