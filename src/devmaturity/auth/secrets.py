"""Encryption at rest of source credentials (CI tokens) with Fernet, keyed by the service key, with rotation.

The first key encrypts; every key decrypts (MultiFernet), so after DEVMATURITY_SECRET_KEY changes the old key moves
to DEVMATURITY_OLD_SECRET_KEYS until `rotate` has re-encrypted every stored value (docs/security.md).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from devmaturity.auth.tokens import derive_key
from devmaturity.errors import ConfigError


def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret_key, "secrets")))


class SecretBox:
    """Encrypts with the first key, decrypts with any of them."""

    __slots__ = ("_multi",)

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigError("DEVMATURITY_SECRET_KEY is not set: it is needed to encrypt and decrypt credentials")
        self._multi = MultiFernet([_fernet(key) for key in keys])

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"

    def encrypt(self, plaintext: str) -> str:
        """A Fernet token (URL-safe text) holding the value, authenticated and timestamped."""
        return self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The value back; a ciphertext no configured key opens is a ConfigError naming the settings to check."""
        try:
            return self._multi.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise ConfigError(
                "a stored credential cannot be decrypted with DEVMATURITY_SECRET_KEY or DEVMATURITY_OLD_SECRET_KEYS"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """The same value encrypted under the current (first) key."""
        try:
            return self._multi.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise ConfigError(
                "a stored credential cannot be decrypted with DEVMATURITY_SECRET_KEY or DEVMATURITY_OLD_SECRET_KEYS"
            ) from None
