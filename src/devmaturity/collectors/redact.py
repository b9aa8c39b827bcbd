"""The one place secrets are taken out of text: every credential in its raw and encoded forms becomes ***."""

from __future__ import annotations

import base64
import copy
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, quote_plus

from devmaturity.errors import DevmaturityError

E = TypeVar("E", bound=DevmaturityError)
MASK = "***"
_HEX = re.compile(r"%[0-9A-F]{2}")
MIN_SECRET = 4  # shorter values would mask ordinary words; no real token is that short
# the loggers whose records may carry a request URL, a header or a server's answer
LOGGERS = ("devmaturity", "httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access")


def _b64_forms(raw: str) -> set[str]:
    data = raw.encode("utf-8")
    forms = {base64.b64encode(data).decode("ascii"), base64.urlsafe_b64encode(data).decode("ascii")}
    return forms | {form.rstrip("=") for form in forms}


def _forms(value: str) -> set[str]:
    """A secret as it may travel: raw, percent-encoded (path and query style) and base64 (standard, URL-safe,
    padded or not). "Bearer x", "token x" and "Basic x" contain one of these, so they are masked too."""
    percent = {quote(value, safe=""), quote_plus(value), quote(value)}
    lower = {_HEX.sub(lambda escape: escape[0].lower(), form) for form in percent}  # %2f as some servers write it
    return {value} | percent | lower | _b64_forms(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Redactor:
    """Masks a fixed set of secrets in text; built once from the credential values, then passed around."""

    secrets: tuple[str, ...] = ()  # every form, longest first so a longer form is masked before its parts

    @classmethod
    def of(cls, values: Iterable[str | None] = (), pairs: Iterable[tuple[str, str]] = ()) -> Redactor:
        """From secret values, and (user, secret) pairs sent as HTTP Basic (whose base64 hides both); a pair with an
        empty secret is a token sent as the user (SonarQube), whose base64 of "token:" is masked too."""
        forms: set[str] = set()
        for value in values:
            if value and len(value.strip()) >= MIN_SECRET:
                forms |= _forms(value.strip())
        for user, secret in pairs:
            hidden = secret or user
            if hidden and len(hidden.strip()) >= MIN_SECRET:
                forms |= _forms(hidden.strip()) | _b64_forms(f"{user.strip()}:{secret.strip()}")
        kept = (form for form in forms if len(form) >= MIN_SECRET)
        return cls(secrets=tuple(sorted(kept, key=lambda form: (-len(form), form))))

    def __repr__(self) -> str:
        return f"Redactor({len(self.secrets)} forms)"

    def __or__(self, other: Redactor) -> Redactor:
        merged = set(self.secrets) | set(other.secrets)
        return Redactor(secrets=tuple(sorted(merged, key=lambda form: (-len(form), form))))

    def text(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def error(self, exc: E) -> E:
        """The same error with its message masked (the original when nothing had to be masked)."""
        message = self.text(exc.message)
        if message == exc.message:
            return exc
        masked = copy.copy(exc)
        masked.message = message
        masked.args = (message,)
        return masked

    def filter(self) -> logging.Filter:
        return _Filter(self)

    @contextmanager
    def installed(self, loggers: Iterable[str] = LOGGERS) -> Iterator[None]:
        """Masks the records of these loggers, and of every handler of the root logger, while inside."""
        if not self.secrets:
            yield
            return
        masking = self.filter()
        targets: list[logging.Filterer] = [logging.getLogger(name) for name in loggers]
        targets += list(logging.getLogger().handlers)
        for target in targets:
            target.addFilter(masking)
        try:
            yield
        finally:
            for target in targets:
                target.removeFilter(masking)


class _Filter(logging.Filter):
    """Rewrites a record whose text (message, arguments or traceback) holds a secret."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        masked = self._redactor.text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_text:
            record.exc_text = self._redactor.text(record.exc_text)
        return True
