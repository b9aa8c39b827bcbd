"""Webhook endpoints under /api/v1/projects/{project}: read the body within limits, call the webhook service,
answer its outcome (docs/webhooks.md)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from devmaturity.errors import PayloadTooLargeError, RequestTimeoutError
from devmaturity.services.webhooks import Delivery, Outcome, WebhookResult, WebhookService
from devmaturity.web.deps import web_context

log = logging.getLogger("devmaturity.web")

router = APIRouter(prefix="/projects/{project}", tags=["webhooks"])

# the one translation of outcomes into HTTP statuses (docs/webhooks.md)
OUTCOME_STATUS: dict[Outcome, int] = {
    Outcome.STORED: 200,
    Outcome.PARTIAL: 207,
    Outcome.IGNORED: 202,
    Outcome.REJECTED: 422,
}


def _service(request: Request) -> WebhookService:
    return web_context(request).webhooks


async def _body(request: Request, limit: int) -> bytes:
    """The body within the body timeout (408 after it), see `_read_body`."""
    timeout = web_context(request).body_timeout
    try:
        return await asyncio.wait_for(_read_body(request, limit), timeout)
    except TimeoutError:
        raise RequestTimeoutError(f"the body did not arrive within {timeout:.0f} s") from None


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
        delivery_id=headers.get("x-github-delivery")
        or headers.get("x-gitlab-event-uuid")
        or headers.get("x-delivery-id")
        or "",
        authorization=headers.get("authorization"),
        signature=headers.get("x-hub-signature-256"),
        gitlab_token=headers.get("x-gitlab-token"),
        client=request.client.host if request.client is not None else "",
    )


def _logged(request: Request, project: str, result: WebhookResult) -> JSONResponse:
    body = {"stored": result.stored, "problems": list(result.problems)}
    answer = JSONResponse(body, status_code=OUTCOME_STATUS[result.outcome])
    log.info(
        "%s project=%s stored=%d problems=%d status=%d",
        request.url.path,
        project,
        result.stored,
        len(result.problems),
        answer.status_code,
    )
    return answer


@router.post("/events/{kind}", operation_id="webhook_events")
async def post_events(project: str, kind: str, request: Request) -> JSONResponse:
    service = _service(request)
    service.check_target(project, kind)
    delivery = _delivery(request, project, await _body(request, service.max_bytes))
    source = request.query_params.get("source")
    return _logged(request, project, await run_in_threadpool(service.receive_events, delivery, kind, source))


@router.post("/webhooks/github", operation_id="webhook_github")
async def post_github(project: str, request: Request) -> JSONResponse:
    service = _service(request)
    service.check_target(project)
    delivery = _delivery(request, project, await _body(request, service.max_bytes))
    return _logged(request, project, await run_in_threadpool(service.receive_github, delivery))


@router.post("/webhooks/gitlab", operation_id="webhook_gitlab")
async def post_gitlab(project: str, request: Request) -> JSONResponse:
    service = _service(request)
    service.check_target(project)
    delivery = _delivery(request, project, await _body(request, service.max_bytes))
    return _logged(request, project, await run_in_threadpool(service.receive_gitlab, delivery))
