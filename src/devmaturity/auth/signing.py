"""Signatures of evidence packs: an Ed25519 key derived from the service key, so anyone holding only the public key
(or its fingerprint) can check a pack, and nobody without the service key can sign one.

The private key is never stored: HKDF-SHA256 over DEVMATURITY_SECRET_KEY with a fixed purpose label gives the same
32-byte seed on every start, so packs signed before a restart still verify, and rotating the service key rotates
the signing key (docs/reports.md says how to keep the old fingerprint for old packs).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALGORITHM = "ed25519"
_PURPOSE = b"devmaturity/evidence-pack-signing/v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicKey:
    """A verifying key as it travels in a manifest: raw 32 bytes, base64."""

    raw: bytes

    @property
    def b64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """`sha256:` and the hex digest of the raw key: short enough to read out over the phone, compare by eye."""
        return "sha256:" + hashlib.sha256(self.raw).hexdigest()

    @staticmethod
    def from_b64(text: str) -> PublicKey:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key has 32 bytes")
        return PublicKey(raw=raw)

    def verifies(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        return True


class PackSigner:
    """Signs with the key derived from one service key; `repr` never shows it."""

    __slots__ = ("_key",)

    def __init__(self, secret_key: str) -> None:
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key.encode("utf-8"))
        self._key = Ed25519PrivateKey.from_private_bytes(seed)

    def __repr__(self) -> str:
        return f"PackSigner({self.public_key.fingerprint})"

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(raw=self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)
