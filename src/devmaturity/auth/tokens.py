"""API tokens: `dm_<random>`, shown once, stored only as HMAC-SHA256 under a key derived from the service key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "dm_"
_RANDOM_BYTES = 32  # 256 bits of randomness; urlsafe base64 gives 43 characters


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A key for one purpose (`tokens`, `secrets`) derived from DEVMATURITY_SECRET_KEY, so no two uses share one."""
    return hmac.new(secret_key.encode("utf-8"), f"devmaturity/{purpose}".encode(), hashlib.sha256).digest()


def new_token() -> str:
    """A fresh API token; the caller shows it once and stores only `token_digest` of it."""
    return PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def looks_like_token(text: str) -> bool:
    """Whether the text has the shape of one of our tokens (checked before any database look-up)."""
    return (
        text.startswith(PREFIX)
        and 20 <= len(text) <= 200
        and text[len(PREFIX) :].replace("-", "").replace("_", "").isalnum()
    )


def token_digest(token: str, secret_key: str) -> str:
    """HMAC-SHA256 of the token under the tokens key, as hex: what the store keeps."""
    return hmac.new(derive_key(secret_key, "tokens"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def token_matches(token: str, stored_digest: str, secret_key: str) -> bool:
    """Constant-time comparison of the token's digest with the stored one."""
    return hmac.compare_digest(token_digest(token, secret_key), stored_digest)
