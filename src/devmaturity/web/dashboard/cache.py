"""Rendered pages kept between requests (services/page_cache.py keys them by the change counters of what they
show), for the pages everyone opens most: the portfolio and a project. A page is rendered once per language,
address and kind of viewer (its roles), with markers where the viewer's own name and CSRF token go; each
request puts its viewer's in. The markers are random per process, so no stored text can contain one."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import escape
from starlette.concurrency import run_in_threadpool

from devmaturity.services import page_cache
from devmaturity.web import deps
from devmaturity.web.dashboard.common import Viewer
from devmaturity.web.dashboard.render import render_html, respond

_MARK = secrets.token_hex(8)
USER_MARK = f"dm{_MARK}user"
CSRF_MARK = f"dm{_MARK}csrf"


async def cached_page(
    request: Request,
    viewer: Viewer,
    template: str,
    section: str,
    build: Callable[[], Mapping[str, Any]],
) -> HTMLResponse:
    """The page `template` with the context `build` makes (run in a worker thread, only when the page is not
    kept already), personalised for this viewer."""
    store = deps.get_store(request)
    # a session's viewer: the counters were read with the session, before anything of the page (a page is never
    # older than its key); a token's viewer reads them now
    session = deps.session_of(request)  # resolved once per request, already
    if session is not None and session.actor is viewer.actor:
        current = session.counters
    else:
        current = page_cache.stamp(store, viewer.actor)
    address = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    key = ("html", template, address, viewer.lang, page_cache.viewer_kind(viewer.actor))
    html: str | None = page_cache.kept(store, key, current)
    if html is None:

        def rendered() -> str:
            marked = {"user": USER_MARK, "csrf": CSRF_MARK, "section": section, **build()}
            return render_html(request, template, marked, viewer.lang)

        # requests that miss together wait for one rendering (page_cache.cached is single-flight)
        html = await run_in_threadpool(page_cache.cached, store, key, current, rendered)
    personal = html.replace(USER_MARK, str(escape(viewer.actor.name))).replace(CSRF_MARK, str(escape(viewer.csrf)))
    return respond(personal, viewer.lang)
