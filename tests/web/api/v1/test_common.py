"""The helpers every resource shares: opaque cursors, pages of `limit`, and ETags answered 304."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from devmaturity.errors import UsageError
from devmaturity.web.api.v1.common import (
    MAX_LIMIT,
    LimitQuery,
    decode_cursor,
    encode_cursor,
    etag_of,
    page_of,
    with_etag,
)
from tests.web.conftest import serving


def test_a_cursor_round_trips_and_looks_opaque() -> None:
    position = ("2026-01-31", 42, None)
    cursor = encode_cursor(position)
    assert decode_cursor(cursor) == position and "2026" not in cursor and "=" not in cursor
    assert decode_cursor(None) is None and decode_cursor("") is None


@pytest.mark.parametrize(
    "bad", ["!!", "bm90IGpzb24", "eyJhIjogMX0", "W1sxXV0"], ids=["chars", "text", "object", "nested"]
)
def test_a_foreign_cursor_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match="not one this API gave out"):
        decode_cursor(bad)


def test_pages_hold_limit_items_and_a_cursor_only_when_more_follow() -> None:
    rows = [{"id": n} for n in range(1, 6)]
    first = page_of(rows[:3], 2, lambda row: (row["id"],))
    assert first.items == rows[:2] and decode_cursor(first.next_cursor) == (2,)
    last = page_of(rows[4:], 2, lambda row: (row["id"],))
    assert last.items == rows[4:] and last.next_cursor is None
    assert page_of([], 2, lambda row: (row["id"],)).next_cursor is None


def test_etags_follow_the_content_not_the_key_order() -> None:
    assert etag_of({"a": 1, "b": [1, 2]}) == etag_of({"b": [1, 2], "a": 1})
    assert etag_of({"a": 1}) != etag_of({"a": 2})
    assert etag_of({"a": 1}).startswith('"') and etag_of({"a": 1}).endswith('"')


def test_if_none_match_gets_304_and_a_change_gets_the_new_body() -> None:
    state = {"level": 3}
    app = FastAPI()

    @app.get("/thing")
    def thing(request: Request, limit: LimitQuery = 50) -> Response:
        return with_etag(request, {**state, "limit": limit})

    with serving(app) as url, httpx.Client(base_url=url) as client:
        first = client.get("/thing")
        etag = first.headers["etag"]
        same = client.get("/thing", headers={"If-None-Match": etag})
        weak = client.get("/thing", headers={"If-None-Match": f'W/{etag}, "other"'})
        state["level"] = 4
        changed = client.get("/thing", headers={"If-None-Match": etag})
        too_many = client.get("/thing", params={"limit": MAX_LIMIT + 1})
    assert first.status_code == 200 and first.json() == {"level": 3, "limit": 50}
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", etag)
    assert weak.status_code == 304
    assert changed.status_code == 200 and changed.json()["level"] == 4 and changed.headers["etag"] != etag
    assert too_many.status_code == 422
