"""Password hashing with argon2id (argon2-cffi) and the password policy; a password is never logged or stored."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from devmaturity.model.text import Text

MIN_LENGTH = 12

_HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile
# verified against when the user does not exist, so an unknown name costs the same time as a wrong password
_DUMMY_HASH = _HASHER.hash("devmaturity: no such user")


def hash_password(password: str) -> str:
    """The argon2id hash (`$argon2id$v=19$m=...`) with a fresh random salt."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether the password matches the stored hash; a missing or malformed hash never matches (and takes as long)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash it at the next good sign-in)."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, user_name: str) -> Text | None:
    """Why the password is refused by the policy (length ≥ 12, not the user name), or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return Text(
            zh=f"密码至少需要 {MIN_LENGTH} 个字符。", en=f"The password must have at least {MIN_LENGTH} characters."
        )
    if password.strip().casefold() == user_name.strip().casefold():
        return Text(zh="密码不能与用户名相同。", en="The password must not be the user name.")
    return None
