"""What every dashboard page shares: the signed-in actor (or a redirect to the sign-in page), the CSRF token
for forms, and errors answered as an HTML page in the page's language instead of problem+json."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from devmaturity.auth.policy import Actor
from devmaturity.errors import DevmaturityError, NotAuthenticated
from devmaturity.model.text import Lang
from devmaturity.web import deps
from devmaturity.web.dashboard.render import lang_of, page
from devmaturity.web.dashboard.texts import t
from devmaturity.web.errors import ERROR_STATUS

log = logging.getLogger("devmaturity.web.dashboard")


class SignInNeeded(Exception):
    """Raised by `viewer` when nobody is signed in: the page route answers with a redirect to /sign-in."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Viewer:
    """Who looks at a page, in which language, with the CSRF token its forms carry."""

    actor: Actor
    lang: Lang
    csrf: str
    source: str

    def context(self, section: str) -> dict[str, Any]:
        return {"user": self.actor.name, "csrf": self.csrf, "section": section}


async def viewer(request: Request) -> Viewer:
    """The signed-in viewer; a request without a session (or with a dead one) is sent to the sign-in page."""
    try:
        actor = await deps.optional_actor(request)
    except NotAuthenticated:
        raise SignInNeeded from None
    if actor is None:
        raise SignInNeeded
    return Viewer(
        actor=actor,
        lang=lang_of(request),
        csrf=deps.csrf_token(request) or "",
        source=deps.client_source(request),
    )


ViewerDep = Annotated[Viewer, Depends(viewer)]


def status_of(exc: DevmaturityError) -> int:
    return next((status for kind, status in ERROR_STATUS if isinstance(exc, kind)), 500)


def message_of(exc: DevmaturityError, lang: Lang) -> str:
    if lang == "zh":
        return exc.zh or exc.one_line("zh").partition("：")[2] or exc.message
    return exc.message


def error_page(request: Request, status: int, message: str, slug: str) -> Response:
    lang = lang_of(request)
    context = {"status": status, "message": message, "slug": slug, "user": None, "csrf": "", "section": ""}
    return page(request, "error.html", context, status=status, lang=lang)


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    if request.cookies.get(deps.SESSION_COOKIE):
        response.delete_cookie(deps.SESSION_COOKIE, path="/")
    return response


class PageRoute(APIRoute):
    """A dashboard route: no sign-in → redirect to /sign-in; a refused or failed request → an HTML error page
    with the status of the one error table (web/errors.py) and the message in the page's language."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                return sign_in_redirect(request)
            except DevmaturityError as exc:
                status = status_of(exc)
                if status >= 500:
                    log.warning("%s failed with %d: %s", request.url.path, status, exc.one_line())
                return error_page(request, status, message_of(exc, lang_of(request)), exc.slug)
            except HTTPException as exc:
                if exc.status_code not in (404, 405, 422):
                    raise
                return error_page(request, exc.status_code, t(f"error.{exc.status_code}", lang_of(request)), "http")

        return guarded


def see_other(path: str, flash: str | None = None) -> RedirectResponse:
    """The answer to a form post: back to a page (Post/Redirect/Get), with a message key to show there."""
    path, hash_mark, fragment = path.partition("#")
    separator = "&" if "?" in path else "?"
    target = f"{path}{separator}done={flash}" if flash else path
    return RedirectResponse(target + hash_mark + fragment, status_code=303)


def flash_of(request: Request, keys: Mapping[str, str]) -> str | None:
    """The message a redirect asked the page to show (`?done=KEY`), among the keys the page allows."""
    key = request.query_params.get("done")
    return t(keys[key], lang_of(request)) if key is not None and key in keys else None
