"""Expected faults (a client that goes away, a half-sent request, a store that is down) logged as counts."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from starlette.requests import ClientDisconnect

from devmaturity.errors import RequestTimeoutError, StoreError

FAULT_WINDOW = 10.0  # an expected fault is logged once, then counted: one summary line per kind per window
# expected faults by kind: (what a summary calls them, the words of the log line, or the exception types)
_CONNECTION_ERRORS = (ClientDisconnect, ConnectionError, TimeoutError)
FAULTS: tuple[tuple[str, tuple[str, ...], tuple[type[BaseException], ...]], ...] = (
    ("client disconnects", ("socket.send() raised exception", "client disconnected"), _CONNECTION_ERRORS),
    ("invalid or half-sent requests", ("Invalid HTTP request received",), ()),
    ("requests over the concurrency limit", ("Exceeded concurrency limit",), ()),
    ("store failures", ("error[store]",), (StoreError,)),
    ("slow request bodies", ("error[request-timeout]",), (RequestTimeoutError,)),
)
FAULT_LOGGERS = ("uvicorn.error", "asyncio", "devmaturity.web")


class QuietFaults(logging.Filter):
    """Expected faults (a client that goes away, a half-sent request, a store that is down) as counts: the first
    of a kind is one line without traceback, later ones in the same window only add to the next summary line,
    "N client disconnects in the last 10 s". Install it on the loggers of FAULT_LOGGERS."""

    def __init__(self, window: float = FAULT_WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._opened: dict[str, float] = {}  # kind -> when its current window opened
        self._counted: dict[str, int] = {}  # kind -> faults held back in that window

    def filter(self, record: logging.LogRecord) -> bool:
        kind = _fault_kind(record)
        if kind is None:
            return True
        now = self._clock()
        with self._lock:
            opened = self._opened.get(kind)
            if opened is not None and now - opened < self._window:
                self._counted[kind] = self._counted.get(kind, 0) + 1
                return False
            held = self._counted.pop(kind, 0)
            self._opened[kind] = now
        if opened is None:
            line = f"{kind}: {_first_line(record)} (more are counted, one line per {self._window:.0f} s)"
        else:
            line = f"{held + 1} {kind} in the last {now - opened:.0f} s"
        record.msg, record.args, record.exc_info, record.exc_text = line, (), None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _fault_kind(record: logging.LogRecord) -> str | None:
    error = record.exc_info[1] if record.exc_info else None
    message = record.getMessage()
    for kind, words, types in FAULTS:
        if (error is not None and isinstance(error, types)) or any(word in message for word in words):
            return kind
    return None


def _first_line(record: logging.LogRecord) -> str:
    error = record.exc_info[1] if record.exc_info else None
    text = record.getMessage() if error is None else f"{record.getMessage()} ({type(error).__name__})"
    return " ".join(text.split())[:200]
