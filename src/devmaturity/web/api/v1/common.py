"""What every resource module shares: cursor pagination ({items, next_cursor}, opaque cursors, limit ≤ 200)
and ETags (strong, over the canonical JSON of the representation, answered 304 on If-None-Match)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from devmaturity.errors import UsageError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CursorValue = tuple[str | int | float | bool | None, ...]

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items per page, at most {MAX_LIMIT}")]
CursorQuery = Annotated[
    str | None, Query(max_length=1000, description="the next_cursor of the previous page; absent for the first")
]


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, and the cursor of the next page (null on the last)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(position: CursorValue) -> str:
    """An opaque cursor for a keyset position (the sort key of the last item of a page)."""
    raw = json.dumps(list(position), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> CursorValue | None:
    """The keyset position of a cursor made by `encode_cursor`, None for no cursor; a cursor that is not one is
    a `usage` error (400)."""
    if cursor is None or cursor == "":
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str | int | float | bool | None) for v in value):
        raise UsageError("the cursor is not one this API gave out", zh="cursor 参数不是本接口给出的游标")
    return tuple(value)


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], CursorValue]) -> Page[T]:
    """A page from rows fetched with `limit + 1` (the extra row only tells that there is a next page): the first
    `limit` rows, and a cursor at the last of them when more follow."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return Page[T](items=items, next_cursor=encode_cursor(key(items[-1])) if more and items else None)


def etag_of(representation: Any) -> str:
    """A strong ETag over the canonical JSON of what the response carries."""
    canonical = json.dumps(jsonable_encoder(representation), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def with_etag(request: Request, representation: Any, *, status_code: int = 200) -> Response:
    """The JSON response with its ETag, or 304 Not Modified (no body) when If-None-Match names it."""
    etag = etag_of(representation)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(jsonable_encoder(representation), status_code=status_code, headers=headers)
