"""Model files parsed once: each YAML file's parsed form kept as marshal data, keyed by the sha256 of its bytes.

A cache entry is named by sha256(devmaturity version, loader format, marshal version, file bytes), so an edited
file, a new devmaturity or a new Python simply misses. The entry itself carries the sha256 of its payload: a
truncated, corrupt or foreign file is ignored and rebuilt, never trusted. Caching is only a speed-up: a cache
folder that cannot be created or written leaves loading exactly as it was without one.

The folder is `$DEVMATURITY_CACHE_DIR`, else `$XDG_CACHE_HOME/devmaturity`, else `~/.cache/devmaturity`;
`DEVMATURITY_CACHE_DIR=off` turns the cache off. marshal (not pickle) holds only plain data: it builds no
objects of ours and runs no code, and the loader validates what it returns like any freshly parsed file.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devmaturity import __version__

CACHE_ENV = "DEVMATURITY_CACHE_DIR"
_OFF = frozenset({"", "0", "off", "none", "false"})
_MAGIC = b"devmaturity-model-cache 1\n"
_DIGEST_BYTES = 32


@dataclass(slots=True, kw_only=True)
class CacheStats:
    """How many model files came from the cache, were parsed, or had a bad entry ignored (for tests and bench)."""

    hits: int = 0
    misses: int = 0
    rejected: int = 0


STATS = CacheStats()


def cache_dir() -> Path | None:
    """Where compiled model files are kept; None when the cache is turned off."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit is not None:
        return None if explicit.strip().lower() in _OFF else Path(explicit) / "models"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "devmaturity" / "models"


def entry_key(data: bytes, loader_format: int) -> str:
    """The entry name for a model file's bytes: anything that could change the parsed form is part of it."""
    digest = hashlib.sha256()
    for part in (__version__, str(loader_format), str(marshal.version)):
        digest.update(part.encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


def cached_parse(data: bytes, parse: Callable[[bytes], object], *, loader_format: int) -> object:
    """`parse(data)`, or what it returned the last time it saw these very bytes."""
    folder = cache_dir()
    if folder is None:
        STATS.misses += 1
        return parse(data)
    entry = folder / f"{entry_key(data, loader_format)}.bin"
    found = _read_entry(entry)
    if found is not _MISSING:
        STATS.hits += 1
        return found
    STATS.misses += 1
    value = parse(data)
    _write_entry(folder, entry, value)
    return value


_MISSING = object()


def _read_entry(entry: Path) -> object:
    try:
        blob = entry.read_bytes()
    except OSError:
        return _MISSING
    head, payload = blob[: len(_MAGIC) + _DIGEST_BYTES], blob[len(_MAGIC) + _DIGEST_BYTES :]
    if head != _MAGIC + hashlib.sha256(payload).digest():
        STATS.rejected += 1
        return _MISSING
    try:
        return marshal.loads(payload)  # noqa: S302 - plain data whose digest matched; the loader validates it
    except (ValueError, EOFError, TypeError):
        STATS.rejected += 1
        return _MISSING


def _write_entry(folder: Path, entry: Path, value: Any) -> None:
    """Write the entry whole or not at all (a temporary file renamed into place); failures only skip caching."""
    try:
        payload = marshal.dumps(value)
    except ValueError:  # a value marshal cannot hold (a YAML date, say): parse this file every time
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".bin")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, entry)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
