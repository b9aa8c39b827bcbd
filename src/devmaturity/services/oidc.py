"""OIDC sign-in (authorization code flow with PKCE, RFC 6749/7636, OpenID Connect Core 1.0): the redirect to the
provider, then the callback: the code is exchanged for an ID token whose signature (the provider's JWKS), issuer,
audience, expiry and nonce are checked, the account is mapped to a local user, and a session opens.

Authlib provides the PKCE and token helpers, joserfc (Authlib's JOSE library) the JWS/JWK verification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from devmaturity.auth.audit import EventKind
from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action, Role
from devmaturity.auth.tokens import derive_key
from devmaturity.config import Config
from devmaturity.errors import ConfigError, NotAuthenticated, SourceUnreachableError
from devmaturity.services import sessions
from devmaturity.services.access import AuditLog
from devmaturity.services.sessions import SessionPolicy, Ticket
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts
from devmaturity.store.repos import oidc as repo

CLIENT_SECRET_ENV = "DEVMATURITY_OIDC_CLIENT_SECRET"  # noqa: S105 - the variable's name
PENDING_SECONDS = 600  # how long a sign-in may stay at the provider
LEEWAY = 60  # seconds of clock difference accepted on exp and iat
HTTP_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = "openid email profile"
    redirect_url: str | None = None
    allowed_domains: tuple[str, ...] = ()
    users: Mapping[str, str] = field(default_factory=dict)  # subject or email -> user name
    provision: tuple[str, Role] | None = None  # (organisation slug, role)

    @staticmethod
    def of(config: Config, environ: Mapping[str, str] | None = None) -> OidcSettings | None:
        """The settings, or None when OIDC sign-in is not configured (no issuer or client id)."""
        if not config.oidc_issuer or not config.oidc_client_id:
            return None
        secret = (os.environ if environ is None else environ).get(CLIENT_SECRET_ENV, "").strip()
        if not secret:
            raise ConfigError(f"oidc_issuer is set but {CLIENT_SECRET_ENV} is not: the client secret is needed")
        issuer = config.oidc_issuer.rstrip("/")
        _check_url(issuer, "oidc_issuer")
        return OidcSettings(
            issuer=issuer,
            client_id=config.oidc_client_id,
            client_secret=secret,
            scopes=config.oidc_scopes,
            redirect_url=config.oidc_redirect_url,
            allowed_domains=tuple(
                d.strip().lower().lstrip("@") for d in (config.oidc_allowed_domains or "").split(",") if d.strip()
            ),
            users=_pairs(config.oidc_users or ""),
            provision=_provision(config.oidc_provision),
        )


def _check_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ConfigError(f"{what} {url!r} must be https (http only on localhost)")


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, user = item.partition("=")
        if not sep or not key.strip() or not user.strip():
            raise ConfigError(f"oidc_users: {item!r} is not subject-or-email=user")
        pairs[key.strip().lower()] = user.strip()
    return pairs


def _provision(text: str | None) -> tuple[str, Role] | None:
    if not text:
        return None
    org, _, role = text.partition(":")
    try:
        return org.strip(), Role(role.strip())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ConfigError(f"oidc_provision {text!r}: use org:role with a role of {known}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """What the provider's discovery document says (OpenID Connect Discovery 1.0)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Pending:
    """A sign-in on its way to the provider: kept sealed in a short-lived cookie, checked at the callback."""

    state: str = field(repr=False)
    nonce: str = field(repr=False)
    verifier: str = field(repr=False)
    next_path: str
    expires_at: int


_DISCOVERED: dict[str, tuple[float, Provider]] = {}


def _get_json(client: httpx.Client, url: str, what: str) -> dict[str, Any]:
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise SourceUnreachableError(
            f"the OIDC provider's {what} at {url} did not answer: {type(exc).__name__}"
        ) from None
    if response.status_code != 200:
        raise SourceUnreachableError(f"the OIDC provider's {what} at {url} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SourceUnreachableError(f"the OIDC provider's {what} at {url} is not a JSON object")
    return body


def discover(settings: OidcSettings, client: httpx.Client) -> Provider:
    """The provider's endpoints (cached for 10 minutes); its issuer must be the configured one exactly."""
    cached = _DISCOVERED.get(settings.issuer)
    if cached is not None and time.monotonic() - cached[0] < 600:
        return cached[1]
    doc = _get_json(client, settings.issuer + "/.well-known/openid-configuration", "discovery document")
    if str(doc.get("issuer", "")).rstrip("/") != settings.issuer:
        raise ConfigError(
            f"the discovery document's issuer {doc.get('issuer')!r} is not oidc_issuer {settings.issuer!r}"
        )
    try:
        provider = Provider(
            issuer=settings.issuer,
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
        )
    except KeyError as exc:
        raise SourceUnreachableError(f"the discovery document has no {exc.args[0]}") from None
    _DISCOVERED[settings.issuer] = (time.monotonic(), provider)
    return provider


def _http() -> httpx.Client:
    return httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False)


def begin(settings: OidcSettings, *, redirect_uri: str, next_path: str, now: int | None = None) -> tuple[str, Pending]:
    """The provider's authorization URL to send the browser to, and what the callback must find again."""
    from authlib.common.security import generate_token
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    at = int(time.time()) if now is None else now
    with _http() as client:
        provider = discover(settings, client)
    pending = Pending(
        state=generate_token(32),
        nonce=generate_token(32),
        verifier=generate_token(64),
        next_path=safe_next(next_path),
        expires_at=at + PENDING_SECONDS,
    )
    query = {
        "response_type": "code",
        "client_id": settings.client_id,
        "redirect_uri": redirect_uri,
        "scope": settings.scopes,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": create_s256_code_challenge(pending.verifier),
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return provider.authorization_endpoint + separator + urlencode(query), pending


def safe_next(path: str) -> str:
    """Where to go after sign-in: a path on this server only (never another site: an open redirect)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or any(ord(ch) < 32 for ch in path):
        return "/"
    return path


def _mac(secret_key: str, text: bytes) -> str:
    return hmac.new(derive_key(secret_key, "oidc"), text, hashlib.sha256).hexdigest()


def seal(pending: Pending, secret_key: str) -> str:
    """The pending sign-in as cookie text: base64 JSON and its HMAC (not secret, but unforgeable)."""
    raw = json.dumps(
        {"s": pending.state, "n": pending.nonce, "v": pending.verifier, "p": pending.next_path, "e": pending.expires_at}
    ).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii") + "." + _mac(secret_key, raw)


def unseal(text: str | None, secret_key: str, *, now: int | None = None) -> Pending:
    refused = NotAuthenticated(
        "the OIDC sign-in expired or did not start here: sign in again",
        zh="OIDC 登录已过期或不是从这里开始的：请重新登录",
    )
    body, _, mac = (text or "").partition(".")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        data = json.loads(raw)
    except (ValueError, UnicodeError):
        raise refused from None
    if not hmac.compare_digest(_mac(secret_key, raw), mac) or not isinstance(data, dict):
        raise refused
    pending = Pending(state=data["s"], nonce=data["n"], verifier=data["v"], next_path=data["p"], expires_at=data["e"])
    if pending.expires_at < (int(time.time()) if now is None else now):
        raise refused
    return pending


def _refused(reason: str, zh: str) -> NotAuthenticated:
    return NotAuthenticated(f"OIDC sign-in refused: {reason}", zh=f"OIDC 登录被拒绝：{zh}")


def _exchange(
    settings: OidcSettings, provider: Provider, client: httpx.Client, code: str, verifier: str, redirect_uri: str
) -> str:
    """The ID token for the code (client_secret_basic authentication, the PKCE verifier)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    try:
        response = client.post(provider.token_endpoint, data=form, auth=(settings.client_id, settings.client_secret))
    except httpx.HTTPError as exc:
        raise SourceUnreachableError(f"the OIDC token endpoint did not answer: {type(exc).__name__}") from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
        error = body.get("error") if isinstance(body, dict) else None
        raise _refused(
            f"the provider did not exchange the code ({error or response.status_code})", "提供方拒绝兑换授权码"
        )
    return str(body["id_token"])


def verify_id_token(
    settings: OidcSettings, id_token: str, jwks: Mapping[str, Any], *, nonce: str, now: int
) -> dict[str, Any]:
    """The ID token's claims once its signature (a key of the provider's JWKS, RS256/ES256 only), issuer, audience,
    authorized party, expiry, issue time and nonce hold; NotAuthenticated naming what failed otherwise."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256"])
    except (JoseError, ValueError, TypeError) as exc:
        raise _refused(
            f"the ID token's signature does not verify ({type(exc).__name__})", "ID 令牌签名校验失败"
        ) from None
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY,
        iss={"essential": True, "value": settings.issuer},
        aud={"essential": True, "value": settings.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        claim = getattr(exc, "claim", None) or str(exc)
        raise _refused(f"the ID token's {claim} claim is not valid", f"ID 令牌的 {claim} 声明无效") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.client_id:
        raise _refused("the ID token's azp claim is not this client", "ID 令牌的 azp 声明不是本客户端")
    return claims


def finish(
    store: Store,
    settings: OidcSettings,
    pending: Pending,
    *,
    code: str,
    state: str,
    redirect_uri: str,
    policy: SessionPolicy,
    secret_key: str,
    source: str,
    now: int | None = None,
) -> Ticket:
    """The callback: check the state, exchange the code, verify the ID token, find (or provision) the user and open
    its session. The sign-in is audited in the user's organisations."""
    at = int(time.time()) if now is None else now
    if not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise _refused("the state does not match the sign-in that started here", "state 与本次登录不符")
    with _http() as client:
        provider = discover(settings, client)
        id_token = _exchange(settings, provider, client, code, pending.verifier, redirect_uri)
        jwks = _get_json(client, provider.jwks_uri, "JWKS")
    claims = verify_id_token(settings, id_token, jwks, nonce=pending.nonce, now=at)
    actor = _user_for(store, settings, claims, source=source, at=at)
    ticket = sessions.open_for(store, actor, method="oidc", policy=policy, secret_key=secret_key, source=source, now=at)
    with store.transaction() as conn:
        target = ("user", actor.user_id or 0, actor.name)
        for org in accounts.orgs_by_id(conn, frozenset(accounts.roles_of(conn, actor.user_id or 0))):
            AuditLog(conn, actor, at, source).add(EventKind.SIGN_IN, org.id, target, details={"method": "oidc"})
    return ticket


def _email(claims: Mapping[str, Any]) -> str | None:
    """The verified email of the account, lower-case; None when absent or not verified by the provider."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is not True:
        return None
    return email.strip().lower()


def _domain_ok(settings: OidcSettings, email: str) -> bool:
    return not settings.allowed_domains or email.rsplit("@", 1)[1] in settings.allowed_domains


def _user_for(store: Store, settings: OidcSettings, claims: Mapping[str, Any], *, source: str, at: int) -> Actor:
    """The local user of the account: linked before; mapped by oidc_users; named by its verified email in an
    allowed domain; or provisioned (oidc_provision). Refused otherwise, with the reason."""
    subject, email = str(claims["sub"]), _email(claims)
    with store.transaction() as conn:
        user_id = repo.user_of(conn, settings.issuer, subject)
        if user_id is None:
            name = settings.users.get(subject.lower()) or (settings.users.get(email) if email else None)
            if name is None and email is not None and _domain_ok(settings, email):
                name = email
            user = accounts.user_by_name(conn, name) if name else None
            user_id = user.id if user is not None else None
        if user_id is not None:
            repo.link(conn, issuer=settings.issuer, subject=subject, user_id=user_id, email=email, now=at)
            return accounts.actor_of(conn, accounts.user_by_id(conn, user_id))
    return _provisioned(store, settings, subject, email, source=source, at=at)


def _provisioned(
    store: Store, settings: OidcSettings, subject: str, email: str | None, *, source: str, at: int
) -> Actor:
    who = email or f"subject {subject}"
    if settings.provision is None:
        raise _refused(
            f"{who} is not a devmaturity user: ask an administrator to create or map it (oidc_users)",
            f"{who} 不是 devmaturity 用户：请管理员创建或映射该账号（oidc_users）",
        )
    if email is None or not _domain_ok(settings, email):
        raise _refused(
            f"{who} has no verified email in an allowed domain, so it is not created",
            f"{who} 没有允许域名下的已验证邮箱，不会自动创建",
        )
    org_slug, role = settings.provision
    with store.transaction() as conn:
        org = accounts.org_by_slug(conn, org_slug)
        if org is None:
            raise ConfigError(f"oidc_provision names organisation {org_slug!r}, which does not exist")
        user_id = accounts.create_user(conn, name=email, password_hash=None, now=at)
        accounts.set_membership(conn, org_id=org.id, user_id=user_id, role=role, now=at)
        repo.link(conn, issuer=settings.issuer, subject=subject, user_id=user_id, email=email, now=at)
        actor = Actor(user_id=user_id, name=email)
        target = ("user", user_id, email)
        log = AuditLog(conn, actor, at, source)
        log.add(EventKind.USER_CREATED, org.id, target, action=Action.USER_MANAGE, details={"method": "oidc"})
        details = {"role": role.value, "previous_role": None}
        log.add(EventKind.MEMBERSHIP_CHANGED, org.id, target, action=Action.USER_MANAGE, details=details)
        return accounts.actor_of(conn, accounts.user_by_id(conn, user_id))
