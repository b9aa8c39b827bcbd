"""Browser sessions: sign in with a password into a server-side session, resolve the session cookie to an actor,
check its CSRF token, sign out.

The session id lives only in the cookie; the store keeps its HMAC. The CSRF token is derived from the session id
(HMAC under its own key), so it needs no storage of its own and cannot be guessed without the cookie; the store
keeps its HMAC too, so a stolen database opens no session and forges no form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

from devmaturity.auth.audit import EventKind, Result
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.auth.tokens import derive_key
from devmaturity.config import Config
from devmaturity.errors import NotAuthenticated, RateLimited
from devmaturity.services import admin
from devmaturity.services.access import AuditLog
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts, login_attempts
from devmaturity.store.repos import sessions as repo

_ID_BYTES = 32
REFUSED = "no valid session: sign in again"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionPolicy:
    """How long a session lives: `idle_minutes` without a request, `max_hours` at most whatever the activity."""

    idle_minutes: int = 60
    max_hours: int = 12

    @staticmethod
    def of(config: Config) -> SessionPolicy:
        return SessionPolicy(idle_minutes=config.session_idle_minutes, max_hours=config.session_max_hours)

    @property
    def idle_seconds(self) -> int:
        return self.idle_minutes * 60


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginLimits:
    """Failed sign-ins allowed per client address and per user name in a window, before 429 (in addition to
    the per-user lockout of admin.sign_in, which counts wrong passwords of known users only)."""

    window_minutes: int = 15
    per_address: int = 20
    per_name: int = 10

    @staticmethod
    def of(config: Config) -> LoginLimits:
        return LoginLimits(
            window_minutes=config.login_window_minutes,
            per_address=config.login_max_per_address,
            per_name=config.login_max_per_name,
        )

    @property
    def window(self) -> int:
        return self.window_minutes * 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticket:
    """A new session: the id goes into the cookie, the CSRF token to the page; neither is ever stored or shown
    again in clear."""

    actor: Actor
    session_id: str = field(repr=False)
    csrf_token: str = field(repr=False)
    expires_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionActor:
    """Who a session cookie stands for, with what is needed to check the CSRF token of an unsafe request."""

    actor: Actor
    csrf_digest: str = field(repr=False)
    expires_at: int
    session_id: int = 0
    touch_due: bool = False  # its last use is recorded more than TOUCH_SECONDS ago: `touch` it
    counters: tuple[tuple[int, int], ...] | None = None  # of the actor's organisations, read with the session


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership:
    org_slug: str
    org_name: str
    role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class Me:
    user_id: int
    name: str
    memberships: tuple[Membership, ...]
    token_org: str | None  # the organisation an API token is down-scoped to


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else now


def _mac(secret_key: str, purpose: str, value: str) -> str:
    return hmac.new(derive_key(secret_key, purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()


def session_digest(session_id: str, secret_key: str) -> str:
    """What the store keeps of a session id."""
    return _mac(secret_key, "sessions", session_id)


def csrf_token_for(session_id: str, secret_key: str) -> str:
    """The CSRF token of the session (URL-safe text): the same for the whole session, derived, never stored."""
    raw = hmac.new(derive_key(secret_key, "csrf"), session_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def csrf_matches(presented: str | None, session: SessionActor, secret_key: str) -> bool:
    """Whether the token presented with an unsafe request is the session's (constant-time)."""
    if not presented or len(presented) > 200:
        return False
    return hmac.compare_digest(_mac(secret_key, "csrf-check", presented), session.csrf_digest)


def _open(
    store: Store, actor: Actor, *, method: str, policy: SessionPolicy, secret_key: str, source: str, at: int
) -> Ticket:
    if actor.user_id is None:
        raise NotAuthenticated("the local owner has no web session")
    session_id = secrets.token_urlsafe(_ID_BYTES)
    csrf = csrf_token_for(session_id, secret_key)
    expires = at + policy.max_hours * 3600
    with store.transaction() as conn:
        repo.purge(conn, now=at, idle_seconds=policy.idle_seconds)
        repo.add(
            conn,
            digest=session_digest(session_id, secret_key),
            user_id=actor.user_id,
            csrf_digest=_mac(secret_key, "csrf-check", csrf),
            method=method,
            source=source,
            now=at,
            expires_at=expires,
        )
    return Ticket(actor=actor, session_id=session_id, csrf_token=csrf, expires_at=expires)


def sign_in(
    store: Store,
    name: str,
    password: str,
    *,
    lockout: admin.Lockout,
    policy: SessionPolicy,
    secret_key: str,
    source: str,
    limits: LoginLimits | None = None,
    now: int | None = None,
) -> Ticket:
    """A new session for a name and password (admin.sign_in: lockout, audit of every attempt); NotAuthenticated
    otherwise, with the same message whatever was wrong. Before the password is even checked, a client address
    or a name with too many failures in the window is refused with RateLimited (429, Retry-After)."""
    at = _now(now)
    limits = limits or LoginLimits()
    address_key, name_key = _mac(secret_key, "login", f"address:{source}"), _mac(secret_key, "login", f"name:{name}")
    with store.transaction() as conn:
        login_attempts.purge(conn, now=at, window=limits.window)
        until = login_attempts.blocked_until(
            conn, [(address_key, limits.per_address), (name_key, limits.per_name)], now=at, window=limits.window
        )
    if until is not None:
        _record_limited(store, name, source=source, at=at)
        wait = max(1, until - at)
        raise RateLimited(
            f"too many failed sign-ins from this address or for this name: try again in {wait} s",
            retry_after=wait,
            zh=f"该地址或该用户名登录失败次数过多：请在 {wait} 秒后再试",
        )
    try:
        actor = admin.sign_in(store, name, password, lockout=lockout, source=source, now=at)
    except NotAuthenticated:
        with store.transaction() as conn:
            for key in (address_key, name_key):
                login_attempts.count_failure(conn, key, now=at, window=limits.window)
        raise
    with store.transaction() as conn:
        login_attempts.clear(conn, name_key)  # the address keeps its count: one good account must not reset it
    return _open(store, actor, method="password", policy=policy, secret_key=secret_key, source=source, at=at)


def _record_limited(store: Store, name: str, *, source: str, at: int) -> None:
    """A refused (rate-limited) attempt on a known user is recorded in each of its organisations."""
    with store.transaction() as conn:
        user = accounts.user_by_name(conn, name)
        if user is None:
            return
        actor, target = Actor(user_id=user.id, name=user.name), ("user", user.id, user.name)
        for org in accounts.orgs_by_id(conn, frozenset(accounts.roles_of(conn, user.id))):
            details = {"reason": "too many failed sign-ins"}
            log = AuditLog(conn, actor, at, source)
            log.add(EventKind.SIGN_IN_RATE_LIMITED, org.id, target, result=Result.DENIED, details=details)


def open_for(
    store: Store,
    actor: Actor,
    *,
    method: str,
    policy: SessionPolicy,
    secret_key: str,
    source: str,
    now: int | None = None,
) -> Ticket:
    """A new session for an actor already authenticated another way (OIDC)."""
    return _open(store, actor, method=method, policy=policy, secret_key=secret_key, source=source, at=_now(now))


TOUCH_SECONDS = 60  # how stale a session's last use may be recorded (its idle expiry is much longer)


def resolve(
    store: Store,
    session_id: str,
    *,
    policy: SessionPolicy,
    secret_key: str,
    now: int | None = None,
    touch_now: bool = True,
) -> SessionActor:
    """The actor of a live session (idle and absolute expiry applied), or NotAuthenticated: one indexed read.
    Its last use is recorded at most once every TOUCH_SECONDS; with `touch_now` False that write is left to the
    caller (`touch` when `touch_due`), so a web request reads on its event loop and writes off it."""
    if not session_id or len(session_id) > 200:
        raise NotAuthenticated(REFUSED)
    at = _now(now)
    with store.reading() as conn:
        found = repo.live(conn, session_digest(session_id, secret_key), now=at, idle_seconds=policy.idle_seconds)
    if found is None:
        raise NotAuthenticated(REFUSED)
    row, actor, counters = found
    due = at - row.last_seen_at >= TOUCH_SECONDS  # reads do not write every time
    live = SessionActor(
        actor=actor,
        csrf_digest=row.csrf_digest,
        expires_at=row.expires_at,
        session_id=row.id,
        touch_due=due,
        counters=counters,
    )
    if due and touch_now:
        touch(store, live, now=at)
    return live


def touch(store: Store, session: SessionActor, *, now: int | None = None) -> None:
    """Record the session's use now (its idle expiry counts from here)."""
    with store.transaction() as conn:
        repo.touch(conn, session.session_id, now=_now(now))


def sign_out(store: Store, session_id: str, *, secret_key: str, source: str, now: int | None = None) -> bool:
    """Revoke the session (recorded in each of the user's organisations); False when it was not live."""
    at = _now(now)
    with store.transaction() as conn:
        user_id = repo.revoke(conn, session_digest(session_id, secret_key), now=at)
        if user_id is None:
            return False
        user = accounts.user_by_id(conn, user_id)
        actor = Actor(user_id=user.id, name=user.name)
        for org in accounts.orgs_by_id(conn, frozenset(accounts.roles_of(conn, user.id))):
            AuditLog(conn, actor, at, source).add(EventKind.SIGN_OUT, org.id, ("user", user.id, user.name))
    return True


def whoami(store: Store, actor: Actor) -> Me:
    """The signed-in user with the organisations (and roles) it sees."""
    if actor.user_id is None:
        raise NotAuthenticated("the local owner has no account")
    with store.transaction() as conn:
        orgs = accounts.orgs_by_id(conn, actor.org_ids())
        token_org = next((o.slug for o in orgs if o.id == actor.token_org), None)
    memberships = tuple(Membership(org_slug=o.slug, org_name=o.name, role=actor.roles[o.id]) for o in orgs)
    return Me(user_id=actor.user_id, name=actor.name, memberships=memberships, token_org=token_org)
