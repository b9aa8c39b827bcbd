"""Request → actor, once per request: an `Authorization: Bearer <API token>` or the session cookie; the app's
store and settings; the client address for audit entries; the CSRF rule for cookie-authenticated unsafe requests.

Handlers declare what they need with the `Annotated` aliases at the bottom (`ActorDep`, `StoreDep`, ...).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from devmaturity.auth.policy import Actor
from devmaturity.config import Config
from devmaturity.errors import ConfigError, CsrfRejected, NotAuthenticated
from devmaturity.model.text import Lang
from devmaturity.services import admin, sessions
from devmaturity.services.oidc import OidcSettings
from devmaturity.services.platform import Store
from devmaturity.services.sessions import SessionActor, SessionPolicy
from devmaturity.services.webhooks import WebhookService
from devmaturity.web.errors import request_lang

SESSION_COOKIE = "devmaturity_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_UNSET = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class WebContext:
    """What one app holds for its whole life (app.state.devmaturity): settings, the store, the service key."""

    config: Config
    store: Store
    webhooks: WebhookService
    secret_key: str | None = field(default=None, repr=False)
    body_timeout: float = 30.0
    oidc: OidcSettings | None = None

    @property
    def key(self) -> str:
        """The service key; sign-in and tokens cannot work without it."""
        if self.secret_key is None:
            raise ConfigError(
                "DEVMATURITY_SECRET_KEY is not set: sign-in, sessions and API tokens need it",
                zh="未设置 DEVMATURITY_SECRET_KEY：登录、会话和 API 令牌都需要它",
            )
        return self.secret_key

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy.of(self.config)

    @property
    def lockout(self) -> admin.Lockout:
        return admin.Lockout.of(self.config)


def web_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.devmaturity
    return context


def get_store(request: Request) -> Store:
    return web_context(request).store


def get_config(request: Request) -> Config:
    return web_context(request).config


def client_source(request: Request) -> str:
    """The client address as audit entries record it (the peer of the connection; uvicorn's --proxy-headers
    puts the forwarded address there when the proxy is trusted)."""
    return request.client.host if request.client is not None else "unknown"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("the Authorization header must be `Bearer <API token>`")
    return token.strip()


def session_of(request: Request) -> SessionActor | None:
    """The live session of the request's cookie (resolved once per request), or None without a cookie;
    NotAuthenticated for a cookie that names no live session."""
    cached = getattr(request.state, "devmaturity_session", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    cookie = request.cookies.get(SESSION_COOKIE)
    found = None
    if cookie:
        context = web_context(request)
        found = sessions.resolve(
            context.store, cookie, policy=context.session_policy, secret_key=context.key, touch_now=False
        )
    request.state.devmaturity_session = found
    return found


async def _presented_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def optional_actor(request: Request) -> Actor | None:
    """The actor of the request, or None when it presents neither a bearer token nor a session cookie. A bad
    token or a dead session is NotAuthenticated (401), never anonymous. A session-authenticated unsafe request
    must carry the session's CSRF token (CsrfRejected, 403); bearer-token requests are exempt."""
    cached = getattr(request.state, "devmaturity_actor", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    context = web_context(request)
    token = _bearer(request)
    actor: Actor | None
    if token is not None:
        actor = await run_in_threadpool(admin.authenticate_token, context.store, token, secret_key=context.key)
    else:
        # one indexed read, on the event loop: a worker thread's hand-over cost more than the read (and the threads
        # contend for the interpreter); the once-a-minute write that records the session's use goes to a thread
        session = session_of(request)
        if session is not None and session.touch_due:
            await run_in_threadpool(sessions.touch, context.store, session)
        actor = None if session is None else session.actor
        if session is not None and request.method not in SAFE_METHODS:
            presented = await _presented_csrf(request)
            if not sessions.csrf_matches(presented, session, context.key):
                raise CsrfRejected(
                    f"this request is signed in by the session cookie and must carry the session's CSRF token "
                    f"in the {CSRF_HEADER} header or the {CSRF_FIELD} form field",
                    zh=f"通过会话 Cookie 登录的请求必须在 {CSRF_HEADER} 头部或 {CSRF_FIELD} "
                    "表单字段中携带会话的 CSRF 令牌",
                )
    request.state.devmaturity_actor = actor
    return actor


async def current_actor(request: Request, actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    """The actor of the request, or 401 `not-authenticated` (problem+json)."""
    if actor is None:
        raise NotAuthenticated("sign in or present an API token", zh="请先登录或提供 API 令牌")
    return actor


def csrf_token(request: Request) -> str | None:
    """The CSRF token of the request's session, for a page to put in its forms and scripts (None when the
    request has no session cookie). The dashboard calls this; it is the same for the whole session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return sessions.csrf_token_for(cookie, web_context(request).key)


def csrf_field(request: Request) -> str:
    """`<input type="hidden" name="csrf_token" value="...">` for a form, or "" without a session (HTML-escaped;
    mark it safe in the template)."""
    token = csrf_token(request)
    if token is None:
        return ""
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{html.escape(token, quote=True)}">'


ContextDep = Annotated[WebContext, Depends(web_context)]
StoreDep = Annotated[Store, Depends(get_store)]
ConfigDep = Annotated[Config, Depends(get_config)]
SourceDep = Annotated[str, Depends(client_source)]
LangDep = Annotated[Lang, Depends(request_lang)]
ActorDep = Annotated[Actor, Depends(current_actor)]
OptionalActorDep = Annotated[Actor | None, Depends(optional_actor)]
