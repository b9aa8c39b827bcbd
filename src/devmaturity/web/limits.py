"""Pure ASGI middleware enforcing the request limits of `devmaturity serve` inside the app: the request line and
headers within `max_header_bytes` (431); no NUL in the URL (400: no database takes it); the body within the
body timeout counted from the request's start, so a client that trickles or stalls its body cannot hold a
worker (408). 408 and 431 close the connection. The header timeout and the connection limit are the server's
(cli/serve.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devmaturity.errors import HeadersTooLarge, RequestError
from devmaturity.web.errors import detail_of, problem, request_lang

CLOSE = {"Connection": "close"}


def header_bytes(scope: Scope) -> int:
    """The size of the request line and headers as sent (names, values, separators)."""
    line = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b"")) + 16
    return line + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


class RequestLimits:
    def __init__(self, app: ASGIApp, timeout: float, max_header_bytes: int | None = None) -> None:
        self.app = app
        self.timeout = timeout
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.max_header_bytes is not None and header_bytes(scope) > self.max_header_bytes:
            request = Request(scope)
            error = HeadersTooLarge(
                f"the request line and headers are over the limit of {self.max_header_bytes:,} bytes",
                zh=f"请求行和请求头超过 {self.max_header_bytes:,} 字节的上限",
            )
            answer = problem(request, 431, error.slug, detail_of(error, request_lang(request)), headers=CLOSE)
            await answer(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower():
            request = Request(scope)
            bad = RequestError("the URL contains a NUL character", zh="URL 中含有 NUL 字符")
            await problem(request, 400, bad.slug, detail_of(bad, request_lang(request)))(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        state: dict[str, Any] = {"complete": False}

        async def timed_receive() -> Message:
            if state["complete"]:  # the body is in; waiting for a disconnect is not limited
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                detail = f"the body did not arrive within {self.timeout:.0f} s"
                raise HTTPException(408, detail, headers=CLOSE) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["complete"] = True
            return message

        await self.app(scope, timed_receive, send)
