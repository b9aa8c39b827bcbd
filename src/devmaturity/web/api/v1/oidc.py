"""OIDC sign-in: `GET /auth/oidc/login` sends the browser to the provider, `GET /auth/oidc/callback` comes back
with a code and opens a session (docs/security.md#oidc-sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from devmaturity.errors import NotAuthenticated, NotFoundError
from devmaturity.services import oidc
from devmaturity.services.oidc import OidcSettings
from devmaturity.web.api.v1.auth import set_session_cookie
from devmaturity.web.deps import ContextDep, SourceDep, WebContext

router = APIRouter(prefix="/auth/oidc", tags=["auth"])

PENDING_COOKIE = "devmaturity_oidc"
COOKIE_PATH = "/api/v1/auth/oidc"


def _settings(context: WebContext) -> OidcSettings:
    if context.oidc is None:
        raise NotFoundError("OIDC sign-in is not configured on this server", zh="本服务器未配置 OIDC 登录")
    return context.oidc


def _redirect_uri(request: Request, settings: OidcSettings) -> str:
    return settings.redirect_url or str(request.url_for("oidc_callback"))


@router.get("/login", operation_id="auth_oidc_login", status_code=302, responses={404: {"description": "not-found"}})
async def login(
    request: Request,
    context: ContextDep,
    next: Annotated[str, Query(max_length=2000, description="a path on this server to go to afterwards")] = "/",
) -> RedirectResponse:
    """Redirect to the provider's authorization endpoint (code flow with PKCE, state and nonce)."""
    settings = _settings(context)
    url, pending = await run_in_threadpool(
        lambda: oidc.begin(settings, redirect_uri=_redirect_uri(request, settings), next_path=next)
    )
    answer = RedirectResponse(url, status_code=302)
    secure = context.config.session_cookie_secure == "always" or request.url.scheme == "https"
    answer.set_cookie(
        PENDING_COOKIE,
        oidc.seal(pending, context.key),
        max_age=oidc.PENDING_SECONDS,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    return answer


@router.get(
    "/callback",
    name="oidc_callback",
    operation_id="auth_oidc_callback",
    status_code=303,
    responses={401: {"description": "not-authenticated"}, 404: {"description": "not-found"}},
)
async def callback(
    request: Request,
    context: ContextDep,
    source: SourceDep,
    code: Annotated[str | None, Query(max_length=4000)] = None,
    state: Annotated[str | None, Query(max_length=1000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """Back from the provider: verify, map the account to a user, set the session cookie, go to `next`."""
    settings = _settings(context)
    if error is not None or not code or not state:
        why = error or "no code"
        raise NotAuthenticated(f"OIDC sign-in refused by the provider: {why}", zh=f"OIDC 提供方拒绝了登录：{why}")
    pending = oidc.unseal(request.cookies.get(PENDING_COOKIE), context.key)
    ticket = await run_in_threadpool(
        lambda: oidc.finish(
            context.store,
            settings,
            pending,
            code=code,
            state=state,
            redirect_uri=_redirect_uri(request, settings),
            policy=context.session_policy,
            secret_key=context.key,
            source=source,
        )
    )
    answer = RedirectResponse(pending.next_path, status_code=303)
    set_session_cookie(answer, request, context, ticket)
    answer.delete_cookie(PENDING_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
    return answer
