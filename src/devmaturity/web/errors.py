"""Errors cross HTTP in one table: each DevmaturityError (and Starlette's 404/405, FastAPI's validation errors)
becomes `application/problem+json` (RFC 9457) with the error's slug, title and detail in the request's language."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from devmaturity.errors import (
    ZH,
    BadPayloadError,
    Conflict,
    CsrfRejected,
    DataError,
    DevmaturityError,
    HeadersTooLarge,
    NotAuthenticated,
    NotFoundError,
    PasswordPolicyError,
    PayloadTooLargeError,
    PermissionDenied,
    RateLimited,
    RequestError,
    RequestTimeoutError,
    StoreError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    UsageError,
)
from devmaturity.model.text import Lang

log = logging.getLogger("devmaturity.web")

PROBLEM_TYPE = "https://devmaturity.dev/errors#{slug}"  # docs/errors.md, one anchor per slug (docs/api.md)
PROBLEM_MEDIA = "application/problem+json"

# the one translation of errors into HTTP statuses; matched by class, in order (subclasses first)
ERROR_STATUS: tuple[tuple[type[DevmaturityError], int], ...] = (
    (BadPayloadError, 400),
    (UnauthorizedError, 401),
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (CsrfRejected, 403),
    (NotFoundError, 404),
    (Conflict, 409),
    (PayloadTooLargeError, 413),
    (HeadersTooLarge, 431),
    (RequestTimeoutError, 408),
    (UnsupportedMediaTypeError, 415),
    (PasswordPolicyError, 422),
    (RateLimited, 429),
    (RequestError, 400),
    (UsageError, 400),
    (DataError, 422),
    (StoreError, 503),
)

# English titles per slug; the zh titles are errors.ZH (a test checks both cover every slug)
TITLES: dict[str, str] = {
    "error": "Internal error",
    "usage": "A parameter or value is not accepted",
    "unknown-framework": "Unknown framework",
    "input": "The path cannot be used",
    "not-a-repository": "Not a git repository",
    "empty-repository": "The repository has no commit",
    "unreadable-path": "The path cannot be read or written",
    "project-identity": "The project holds another repository's history",
    "data": "The content is wrong",
    "model-file": "Invalid model file",
    "answers-file": "Invalid answers file",
    "config": "Invalid configuration",
    "source": "A source failed",
    "git": "git failed",
    "source-auth": "The server refused the credentials",
    "source-unreachable": "The server did not answer",
    "source-payload": "The server's answer cannot be read",
    "store": "The database is unavailable",
    "store-unavailable": "The database is temporarily unavailable",
    "schema-outdated": "The database schema is not the expected one",
    "already-stored": "Already stored",
    "broker": "The job broker is unavailable",
    "gate-failed": "The gate failed",
    "audit-chain": "The audit chain is broken",
    "bad-request": "Bad request",
    "bad-payload": "The body is not the documented JSON",
    "unauthorized": "Missing or wrong webhook credentials",
    "not-authenticated": "Sign-in required",
    "permission-denied": "Permission denied",
    "conflict": "Conflict",
    "assessment-frozen": "The assessment is frozen",
    "evidence-pack": "Not an evidence pack that can be read safely",
    "pack-tampered": "The evidence pack was changed",
    "pack-untrusted": "The evidence pack is signed by another key",
    "format-unavailable": "The report format is not installed",
    "duplicate-delivery": "Delivery already received",
    "csrf-failed": "CSRF check failed",
    "rate-limited": "Too many attempts",
    "password-policy": "The password does not meet the policy",
    "not-found": "Not found",
    "payload-too-large": "The body is too large",
    "headers-too-large": "The request headers are too large",
    "request-timeout": "The body did not arrive in time",
    "unsupported-media-type": "Unsupported media type",
    "method-not-allowed": "Method not allowed",
    "validation": "The request does not match the schema",
}
HTTP_ZH = {"method-not-allowed": "不支持该请求方法", "validation": "请求不符合接口定义"}
HTTP_SLUGS = {
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
}


def request_lang(request: Request) -> Lang:
    """zh when the Accept-Language header prefers Chinese over English (by q-value, then order), else en."""
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang: Lang | None = "zh" if tag.lower().startswith("zh") else "en" if tag.lower().startswith("en") else None
        if lang is None:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, lang)
    return best[2] if best is not None and best[0] > 0 else "en"


def status_of(exc: DevmaturityError) -> int:
    return next((status for kind, status in ERROR_STATUS if isinstance(exc, kind)), 500)


def title_of(slug: str, lang: Lang) -> str:
    if lang == "zh":
        return ZH.get(slug) or HTTP_ZH.get(slug) or ZH["error"]
    return TITLES.get(slug, TITLES["error"])


def problem(
    request: Request,
    status: int,
    slug: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> JSONResponse:
    """The problem+json answer: type (the slug's documentation), title, status, detail (one line), slug, instance."""
    lang = request_lang(request)
    body: dict[str, object] = {
        "type": PROBLEM_TYPE.format(slug=slug),
        "title": title_of(slug, lang),
        "status": status,
        "detail": " ".join(detail.split()),
        "slug": slug,
        "instance": request.url.path,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA, headers=headers)


def detail_of(exc: DevmaturityError, lang: Lang) -> str:
    """The error's message in the language: its own zh form, else the slug's zh headline; en as raised."""
    if lang == "zh":
        return exc.zh or ZH.get(exc.slug, ZH["error"])
    return exc.message


def install(app: FastAPI, mask: Callable[[str], str] = lambda text: text) -> None:
    """Every error answer is problem+json; none repeats a credential (`mask` redacts known secrets)."""

    @app.exception_handler(DevmaturityError)
    async def on_error(request: Request, exc: DevmaturityError) -> JSONResponse:
        status = status_of(exc)
        log.warning("%s refused with %d: %s", request.url.path, status, mask(exc.one_line()))
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="devmaturity"'}
        if status in (408, 413):  # the rest of the body is not read: the connection cannot be reused
            headers = {"Connection": "close"}
        return problem(request, status, exc.slug, mask(detail_of(exc, request_lang(request))), headers=headers)

    @app.exception_handler(ClientDisconnect)
    async def on_disconnect(request: Request, exc: ClientDisconnect) -> Response:
        log.info("%s: client disconnected before its body arrived", request.url.path)
        return Response(status_code=400)  # nobody reads it; the connection is gone

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        slug = HTTP_SLUGS.get(exc.status_code, "bad-request")
        detail = title_of(slug, request_lang(request)) if request_lang(request) == "zh" else str(exc.detail)
        return problem(request, exc.status_code, slug, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
            for error in exc.errors()
        ]
        where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        lang = request_lang(request)
        detail = f"{HTTP_ZH['validation']}：{where}" if lang == "zh" else f"the request does not match: {where}"
        return problem(request, 422, "validation", detail, extra={"errors": errors})

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s failed: %s", request.url.path, type(exc).__name__, exc_info=exc)
        lang = request_lang(request)
        detail = "内部错误，详情见服务器日志" if lang == "zh" else "internal error; the server log has the details"
        return problem(request, 500, "error", detail)
