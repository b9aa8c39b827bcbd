"""Hardened, streaming XML for report files: size limit, no DTD loading, no entities, no network, flat memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from lxml import etree

from devmaturity.collectors.base import ReportError

DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024
PROLOG_SCAN_BYTES = 1024 * 1024


# the parser options every XML reader uses: entities, DTD loading and the network off, no huge-tree escape hatch
HARDENED: dict[str, bool] = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


class UnsafeXml(ReportError):
    """The file is not acceptable XML: too large, hostile, malformed or of the wrong kind; says which."""


def check_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Size checks done before any parsing; returns the size."""
    size = path.stat().st_size
    if size == 0:
        raise UnsafeXml("empty file (0 bytes)")
    if size > max_bytes:
        raise UnsafeXml(f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes")
    return size


def _decode(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace")


def check_prolog(head: bytes) -> None:
    """Read the prolog (everything before the root element) and refuse entity declarations and internal subsets.

    A plain DOCTYPE naming an external DTD (coverage.py's Cobertura and JaCoCo write one) is allowed: it is never
    loaded. Anything declaring entities is refused, which covers billion-laughs, quadratic blow-up and XXE. The
    whole prolog is scanned, however many comments precede the DOCTYPE; a prolog longer than `head` is refused.
    """
    if b"\x00" in head[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsafeXml("binary content, not XML")
    text = _decode(head).lstrip("\ufeff")
    pos = 0
    while True:
        pos = len(text) - len(text[pos:].lstrip())
        if pos >= len(text):
            break
        if text.startswith("<?", pos):
            terminator = "?>"
        elif text.startswith("<!--", pos):
            terminator = "-->"
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            _check_doctype(text, pos)
            terminator = ">"
        elif text.startswith("<", pos):
            return  # the root element: the prolog is over
        else:
            raise UnsafeXml("not XML: text before the first element")
        end = text.find(terminator, pos)
        if end < 0:
            break
        pos = end + len(terminator)
    raise UnsafeXml(f"XML prolog longer than {len(head):,} bytes or unterminated (refused)")


def _check_doctype(text: str, pos: int) -> None:
    close = text.find(">", pos)
    bracket = text.find("[", pos)
    if bracket < 0 or (0 <= close < bracket):
        return  # a DOCTYPE that only names an external DTD: harmless, it is never loaded
    if "<!ENTITY" in text[bracket:].upper():
        raise UnsafeXml("declares XML entities (refused: entity expansion and external entities are not allowed)")
    raise UnsafeXml("has an internal DTD subset (refused: DTDs may declare entities)")


def iterparse(
    stream: IO[bytes], tags: tuple[str, ...] | None = None, events: tuple[str, ...] = ("end",)
) -> Iterator[tuple[str, Any]]:
    """lxml iterparse with entities, DTD loading and network off; yields (event, element)."""
    return etree.iterparse(stream, events=events, tag=tags, **HARDENED)  # type: ignore[no-any-return]


def feed_parser(target: object) -> etree.XMLParser:
    """A feed parser with the same hardening that calls `target`'s start/end/data/close instead of building a tree."""
    # lxml calls only the methods a target has; lxml-stubs' ParserTarget protocol wants them all
    return etree.XMLParser(target=target, **HARDENED)  # type: ignore[arg-type]


def open_checked(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> IO[bytes]:
    """Open a report file after the size and prolog checks; the caller closes it."""
    check_file(path, max_bytes)
    stream = path.open("rb")
    try:
        check_prolog(stream.read(PROLOG_SCAN_BYTES))
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return stream


def local(tag: object) -> str:
    """Tag name without namespace."""
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def release(element: Any) -> None:
    """Free a processed element and the siblings before it, so memory stays flat on huge files."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def syntax_error(exc: etree.XMLSyntaxError) -> UnsafeXml:
    line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else None)
    where = f" at line {line}" if line else ""
    first = str(exc).splitlines()[0] if str(exc) else "malformed XML"
    return UnsafeXml(f"malformed XML{where}: {first}")


@contextmanager
def reading() -> Iterator[None]:
    """Read XML inside this block: lxml's and the operating system's errors come out as one-line ReportErrors."""
    try:
        yield
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc) from None
    except etree.LxmlError as exc:
        raise UnsafeXml(f"unreadable XML: {exc}") from None
    except OSError as exc:
        raise ReportError(f"cannot read the file: {exc.strerror or exc}") from None


def feed(path: Path, target: Any, max_bytes: int, chunk_bytes: int = 64 * 1024) -> Iterator[Any]:
    """Feed one file through a feed-parser `target` that leaves its records in `target.out` (and has `trim()` and
    `finish()`), in chunks, yielding the records as they are made. The target is trimmed once a chunk rather than
    at every element end: memory stays flat, at lower cost."""
    with reading(), open_checked(path, max_bytes) as stream:
        parser = feed_parser(target)
        out = target.out
        while chunk := stream.read(chunk_bytes):
            parser.feed(chunk)
            target.trim()
            if out:
                yield from out
                out.clear()
        parser.close()
        target.finish()
        yield from out
