"""Sign-in and sign-out pages, and the language switch (remembered in a cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from devmaturity.errors import NotAuthenticated, RateLimited
from devmaturity.services import sessions
from devmaturity.web import deps
from devmaturity.web.api.v1.auth import same_origin, set_session_cookie
from devmaturity.web.dashboard.common import PageRoute, error_page
from devmaturity.web.dashboard.render import lang_of, local_path, page
from devmaturity.web.dashboard.texts import LANG_COOKIE, t

router = APIRouter(route_class=PageRoute, include_in_schema=False)
YEAR = 365 * 24 * 3600


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/portfolio", status_code=303)


def _form(
    request: Request, *, name: str = "", failed: str | None = None, status: int = 200, back: str | None = None
) -> Response:
    context = {
        "section": "sign-in",
        "next": local_path(back if back is not None else request.query_params.get("next")),
        "name": name,
        "failed": failed,
    }
    return page(request, "sign_in.html", context, status=status)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    return _form(request)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/portfolio",
) -> Response:
    lang = lang_of(request)
    if not same_origin(request):
        return error_page(request, 403, t("error.403", lang), "csrf-failed")
    context = deps.web_context(request)
    try:
        ticket = await run_in_threadpool(
            sessions.sign_in,
            context.store,
            name,
            password,
            lockout=context.lockout,
            policy=context.session_policy,
            secret_key=context.key,
            source=deps.client_source(request),
            limits=sessions.LoginLimits.of(context.config),
        )
    except (NotAuthenticated, RateLimited):
        return _form(request, name=name, failed=t("sign_in.failed", lang), status=401, back=next)
    response = RedirectResponse(local_path(next), status_code=303)
    set_session_cookie(response, request, context, ticket)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await deps.optional_actor(request)  # checks the CSRF token of the session's form
    cookie = request.cookies.get(deps.SESSION_COOKIE)
    if cookie:
        context = deps.web_context(request)
        await run_in_threadpool(
            sessions.sign_out, context.store, cookie, secret_key=context.key, source=deps.client_source(request)
        )
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(deps.SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, request: Request) -> RedirectResponse:
    """Remember the language for a year and go back to the page it was chosen on."""
    response = RedirectResponse(local_path(request.query_params.get("next")), status_code=303)
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=YEAR, path="/", samesite="lax", httponly=False)
    return response
