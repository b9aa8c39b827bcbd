"""argon2id hashes, verification, rehash detection and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher

from devmaturity.auth.passwords import hash_password, needs_rehash, password_problem, verify_password

PASSWORD = "correct horse battery"


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert PASSWORD not in first
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "!")


def test_missing_or_malformed_hash_never_matches() -> None:
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)
    assert not verify_password("", "")


def test_needs_rehash_for_weaker_parameters() -> None:
    """A hash made with a lower time cost than today's default must be rehashed at the next sign-in."""
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert needs_rehash(weak)
    assert verify_password(weak, PASSWORD)
    assert not needs_rehash(hash_password(PASSWORD))
    assert needs_rehash("garbage")


def test_password_policy() -> None:
    """Eleven characters are too few, twelve are enough; the user name (any case) is refused."""
    short = password_problem("a" * 11, "alice")
    assert short is not None
    assert short.en == "The password must have at least 12 characters."
    assert "12" in short.zh
    assert password_problem("a" * 12, "alice") is None
    same = password_problem("AliceWonderland", "alicewonderland")
    assert same is not None
    assert same.en == "The password must not be the user name."
