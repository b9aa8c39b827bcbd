"""Sign-in with a password into a session cookie, sign-out, and who am I (docs/api.md)."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from devmaturity.auth.roles import Role
from devmaturity.errors import BadPayloadError, CsrfRejected
from devmaturity.services import sessions
from devmaturity.services.sessions import Me, Ticket
from devmaturity.web.deps import (
    SESSION_COOKIE,
    ActorDep,
    ContextDep,
    SourceDep,
    WebContext,
    current_actor,
)

router = APIRouter(prefix="/auth", tags=["auth"])

MAX_LOGIN_BYTES = 16 * 1024


class LoginBody(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    password: str = Field(min_length=1, max_length=1024, repr=False)


class MembershipRead(BaseModel):
    org: str
    org_name: str
    role: Role


class MeRead(BaseModel):
    user_id: int
    name: str
    memberships: list[MembershipRead]
    token_org: str | None = Field(description="the organisation an API token is down-scoped to")
    csrf_token: str | None = Field(description="the session's CSRF token; null for an API token")


class LoginRead(MeRead):
    expires_at: int = Field(description="unix seconds at which the session ends at the latest")


def _me_read(me: Me, csrf: str | None) -> dict[str, object]:
    memberships = [MembershipRead(org=m.org_slug, org_name=m.org_name, role=m.role) for m in me.memberships]
    return {
        "user_id": me.user_id,
        "name": me.name,
        "memberships": memberships,
        "token_org": me.token_org,
        "csrf_token": csrf,
    }


def same_origin(request: Request) -> bool:
    """Whether a sign-in may come from this request: its Origin (or, without one, its Referer) names this server's
    host and port. A request with neither is not from a browser page (browsers send Origin with every POST) and
    cannot be a login CSRF."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


async def _login_body(request: Request) -> LoginBody:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form(max_files=0, max_fields=10)
            return LoginBody(name=str(form.get("name", "")), password=str(form.get("password", "")))
        raw = await request.body()
        if len(raw) > MAX_LOGIN_BYTES:
            raise BadPayloadError("the sign-in body is too large", zh="登录请求体过大")
        return LoginBody.model_validate(json.loads(raw or b"null"))
    except (ValueError, ValidationError):
        raise BadPayloadError(
            'sign in with JSON {"name": ..., "password": ...} or a form with the fields name and password',
            zh='请用 JSON {"name": ..., "password": ...} 或含 name、password 字段的表单登录',
        ) from None


def set_session_cookie(response: Response, request: Request, context: WebContext, ticket: Ticket) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Path=/, Secure over https (or always, by setting), expiring
    with the session."""
    secure = context.config.session_cookie_secure == "always" or request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        ticket.session_id,
        max_age=max(0, ticket.expires_at - int(time.time())),
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


@router.post(
    "/login",
    operation_id="auth_login",
    response_model=LoginRead,
    responses={
        401: {"description": "not-authenticated"},
        403: {"description": "csrf-failed"},
        429: {"description": "rate-limited"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": LoginBody.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": LoginBody.model_json_schema()},
            }
        }
    },
)
async def login(request: Request, response: Response, context: ContextDep, source: SourceDep) -> dict[str, object]:
    """Sign in with name and password (JSON or form); sets the session cookie and returns the CSRF token."""
    if not same_origin(request):
        raise CsrfRejected(
            "a sign-in must come from a page of this server (its Origin or Referer names another site)",
            zh="登录请求必须来自本服务器的页面（Origin 或 Referer 指向了其他站点）",
        )
    body = await _login_body(request)
    ticket = await run_in_threadpool(
        lambda: sessions.sign_in(
            context.store,
            body.name,
            body.password,
            lockout=context.lockout,
            policy=context.session_policy,
            secret_key=context.key,
            source=source,
            limits=sessions.LoginLimits.of(context.config),
        )
    )
    set_session_cookie(response, request, context, ticket)
    me = await run_in_threadpool(sessions.whoami, context.store, ticket.actor)
    return {**_me_read(me, ticket.csrf_token), "expires_at": ticket.expires_at}


@router.post(
    "/logout",
    operation_id="auth_logout",
    status_code=204,
    dependencies=[Depends(current_actor)],
    responses={401: {"description": "not-authenticated"}, 403: {"description": "csrf-failed"}},
)
async def logout(request: Request, context: ContextDep, source: SourceDep) -> Response:
    """End the session of the cookie (needs its CSRF token) and clear the cookie; 204."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(lambda: sessions.sign_out(context.store, cookie, secret_key=context.key, source=source))
    answer = Response(status_code=204)
    answer.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return answer


@router.get("/me", operation_id="auth_me", response_model=MeRead, responses={401: {"description": "not-authenticated"}})
async def me(request: Request, actor: ActorDep, context: ContextDep) -> dict[str, object]:
    """The signed-in user (or the API token's user): its organisations and roles, and the session's CSRF token."""
    info = await run_in_threadpool(sessions.whoami, context.store, actor)
    uses_session = "authorization" not in request.headers and request.cookies.get(SESSION_COOKIE)
    csrf = sessions.csrf_token_for(request.cookies[SESSION_COOKIE], context.key) if uses_session else None
    return _me_read(info, csrf)
