"""API tokens are random, stored as HMAC under the service key; credentials are encrypted with key rotation."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet

from devmaturity.auth.secrets import SecretBox
from devmaturity.auth.tokens import derive_key, looks_like_token, new_token, token_digest, token_matches
from devmaturity.config import secret_keys
from devmaturity.errors import ConfigError

KEY = "k" * 40
NEW_KEY = "n" * 40


def test_tokens_are_prefixed_random_and_digested_with_hmac() -> None:
    token = new_token()
    assert token.startswith("dm_")
    assert len(token) == 3 + 43  # 32 random bytes, URL-safe base64 without padding
    assert looks_like_token(token)
    assert new_token() != token
    expected = hmac.new(
        hmac.new(KEY.encode(), b"devmaturity/tokens", hashlib.sha256).digest(), token.encode(), hashlib.sha256
    ).hexdigest()
    assert token_digest(token, KEY) == expected
    assert token not in expected
    assert token_matches(token, expected, KEY)
    assert not token_matches(token, expected, NEW_KEY)  # another service key gives another digest
    assert not token_matches(new_token(), expected, KEY)


def test_token_shape_check() -> None:
    assert not looks_like_token("Bearer dm_abc")
    assert not looks_like_token("dm_short")
    assert not looks_like_token("xx_" + "a" * 43)


def test_purposes_get_different_keys() -> None:
    assert derive_key(KEY, "tokens") != derive_key(KEY, "secrets")


def test_secret_round_trip_and_rotation() -> None:
    """Encrypted ≠ plaintext and decrypts; after rotation (new key first, old key kept) old ciphertexts still
    read, `rotate` re-encrypts under the new key, and the new key alone then reads it."""
    plain = "glpat-abcdef123456"
    old_box = SecretBox([KEY])
    sealed = old_box.encrypt(plain)
    assert plain not in sealed
    assert old_box.decrypt(sealed) == plain
    rotated_box = SecretBox([NEW_KEY, KEY])
    assert rotated_box.decrypt(sealed) == plain
    resealed = rotated_box.rotate(sealed)
    assert resealed != sealed
    assert SecretBox([NEW_KEY]).decrypt(resealed) == plain
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        SecretBox([NEW_KEY]).decrypt(sealed)  # the old key retired too early
    with pytest.raises(ConfigError):
        SecretBox([KEY]).decrypt(Fernet.generate_key().decode())
    assert KEY not in repr(rotated_box)


def test_secret_keys_come_from_the_environment_only() -> None:
    assert secret_keys({"DEVMATURITY_SECRET_KEY": KEY, "DEVMATURITY_OLD_SECRET_KEYS": f"{NEW_KEY}, "}) == (KEY, NEW_KEY)
    with pytest.raises(ConfigError, match="DEVMATURITY_SECRET_KEY is not set"):
        secret_keys({})
    with pytest.raises(ConfigError, match="at least 32 characters"):
        secret_keys({"DEVMATURITY_SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="DEVMATURITY_SECRET_KEY is not set"):
        SecretBox([])
