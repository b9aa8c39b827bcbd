"""The dashboard's static files (stylesheet, scripts, the vendored ECharts), served from the package with
versioned URLs: a request naming the current version may be cached for a year."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from devmaturity.errors import NotFoundError
from devmaturity.web.dashboard.render import STATIC, static_version

router = APIRouter(include_in_schema=False)
MEDIA = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
FILES = frozenset(path.name for path in STATIC.iterdir() if path.suffix in MEDIA)


@router.get("/static/{name}")
def static_file(name: Annotated[str, Path(max_length=100)], request: Request) -> Response:
    if name not in FILES:
        raise NotFoundError(f"no static file {name!r}")
    current = request.query_params.get("v") == static_version(name)
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable" if current else "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    suffix = name[name.rfind(".") :]
    return Response(_content(name), media_type=MEDIA[suffix], headers=headers)


@functools.cache
def _content(name: str) -> bytes:
    return (STATIC / name).read_bytes()
