"""A small OpenID Connect provider for the tests, following OpenID Connect Core 1.0 and Discovery 1.0 with the
authorization code flow and PKCE (RFC 7636): a discovery document, a JWKS, an authorization endpoint that
approves the configured test user at once, and a token endpoint that authenticates the client (HTTP Basic),
checks the code, redirect URI and code verifier, and issues an RS256-signed ID token. `Misbehave` makes it issue
bad tokens (another issuer, audience, nonce or key, expired) so the relying party's checks can be tested."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "devmaturity-test"
CLIENT_SECRET = "oidc-client-secret-7f3e9b1a-never-print"


@dataclass
class Account:
    sub: str = "00u-alice-1"
    email: str | None = "alice@acme.example"
    email_verified: bool = True


@dataclass
class Misbehave:
    issuer: str | None = None
    audience: str | None = None
    nonce: str | None = None
    expired: bool = False
    foreign_key: bool = False


@dataclass
class Provider:
    """The provider's state: who signs in, how it misbehaves, the codes it gave out."""

    url: str = ""
    account: Account = field(default_factory=Account)
    misbehave: Misbehave = field(default_factory=Misbehave)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        bad = self.misbehave
        claims: dict[str, Any] = {
            "iss": bad.issuer or self.url,
            "sub": self.account.sub,
            "aud": bad.audience or CLIENT_ID,
            "iat": now - 3600 if bad.expired else now,
            "exp": now - 1800 if bad.expired else now + 300,
            "nonce": bad.nonce or grant["nonce"],
        }
        if self.account.email is not None:
            claims.update(email=self.account.email, email_verified=self.account.email_verified)
        key = self.other_key if bad.foreign_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, key)


def _app(provider: Provider) -> Starlette:
    async def discovery(request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": provider.url,
                "authorization_endpoint": provider.url + "/authorize",
                "token_endpoint": provider.url + "/token",
                "jwks_uri": provider.url + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def jwks(request: Request) -> Response:
        return JSONResponse({"keys": [provider.key.as_dict(private=False)]})

    async def authorize(request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        if (
            q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
            or "openid" not in q.get("scope", "")
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(24)
        provider.codes[code] = {
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce", ""),
        }
        return RedirectResponse(q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")}), 302)

    async def token(request: Request) -> Response:
        provider.token_requests += 1
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        client = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
        if client != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await request.form()
        grant = provider.codes.pop(str(form.get("code", "")), None)  # a code is good once
        if grant is None or form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if form.get("redirect_uri") != grant["redirect_uri"] or challenge != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300}
        return JSONResponse({**body, "id_token": provider.id_token(grant)}, headers={"Cache-Control": "no-store"})

    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
        ]
    )


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider served on 127.0.0.1 (a free port) while the block runs."""
    from tests.web.conftest import serving

    provider = Provider()
    with serving(_app(provider)) as url:
        provider.url = url
        yield provider
