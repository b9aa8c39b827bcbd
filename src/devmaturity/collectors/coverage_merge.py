"""Coverage reports of any format: format sniffing, shared tallies, path normalisation and merging."""

from __future__ import annotations

import importlib
import posixpath
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.xmlsafe import iterparse, local
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage, combine_files, merge_snapshots

Reader = Callable[[Path], CoverageSnapshot]
_Index = dict[str, list[tuple[str, ...]]]

# Built-in readers are registered the way a plugin would be: format name -> "module:function".
READERS: dict[str, str] = {
    "cobertura": "devmaturity.collectors.cobertura:read",
    "jacoco": "devmaturity.collectors.jacoco:read",
    "lcov": "devmaturity.collectors.lcov:read",
    "coveragepy": "devmaturity.collectors.coveragepy:read",
    "gocover": "devmaturity.collectors.gocover:read",
    "clover": "devmaturity.collectors.clover:read",
}

# Used only when the first bytes say nothing (an empty file, say), so the reader can give its own message.
_NAME_HINTS: dict[str, str] = {
    ".info": "lcov",
    ".lcov": "lcov",
    "coverage.json": "coveragepy",
    "jacoco.xml": "jacoco",
    "jacocotestreport.xml": "jacoco",
    "cobertura.xml": "cobertura",
    "cobertura-coverage.xml": "cobertura",
    "coverage.xml": "cobertura",
    "clover.xml": "clover",
    "cover.out": "gocover",
    "coverage.out": "gocover",
    "coverprofile": "gocover",
    ".coverprofile": "gocover",
}

SNIFF_BYTES = 8 * 1024
_MS_EPOCH_FROM = 10**11  # a larger epoch number is in milliseconds (year 5138 in seconds)
_XML_NOISE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)
_XML_ROOT = re.compile(rb"<([A-Za-z_][\w:.-]*)([^>]*)")
_LCOV_FIRST = re.compile(rb"(TN|SF|VER):")


class LineTally:
    """Per-line and per-branch hits of one file, so that several records of the same file count each line once."""

    __slots__ = ("branches", "lines")

    def __init__(self) -> None:
        self.lines: dict[int, bool] = {}
        self.branches: dict[Hashable, bool] = {}

    def add_line(self, number: int, covered: bool) -> None:
        self.lines[number] = covered or self.lines.get(number, False)

    def add_branch(self, key: Hashable, covered: bool) -> None:
        self.branches[key] = covered or self.branches.get(key, False)

    def file(self, path: str) -> FileCoverage:
        return FileCoverage(
            path=path,
            lines_covered=sum(self.lines.values()),
            lines_valid=len(self.lines),
            branches_covered=sum(self.branches.values()),
            branches_valid=len(self.branches),
        )


def from_files(fmt: str, files: Iterable[FileCoverage], timestamp: datetime | None = None) -> CoverageSnapshot:
    """A snapshot whose totals are the sums over its files (never a report's rounded rates)."""
    entries = tuple(files)
    return CoverageSnapshot(
        format=fmt,
        lines_covered=sum(f.lines_covered for f in entries),
        lines_valid=sum(f.lines_valid for f in entries),
        branches_covered=sum(f.branches_covered for f in entries),
        branches_valid=sum(f.branches_valid for f in entries),
        files=entries,
        timestamp=timestamp,
    )


def check_size(path: Path, max_bytes: int) -> int:
    """Size checks for text formats, done before reading; returns the size."""
    size = path.stat().st_size
    if size == 0:
        raise ReportError("empty file (0 bytes)")
    if size > max_bytes:
        raise ReportError(f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes")
    return size


def epoch(value: str | None) -> datetime | None:
    """A report's epoch timestamp in seconds or milliseconds as UTC; None when absent or unreadable."""
    if not value or not value.isdigit():
        return None
    number = int(value)
    seconds = number / 1000 if number >= _MS_EPOCH_FROM else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def xml_root(stream: IO[bytes]) -> tuple[str, dict[str, str]]:
    """Name and attributes of the root element, then rewinds the stream for the real pass."""
    for _, element in iterparse(stream, None, ("start",)):
        found = local(element.tag), {str(k): str(v) for k, v in element.attrib.items()}
        stream.seek(0)
        return found
    raise ReportError("no root element")


def count_pair(covered: int, valid: int, where: str) -> tuple[int, int]:
    """Check a (covered, valid) pair read from a report."""
    if covered < 0 or valid < 0 or covered > valid:
        raise ReportError(f"{where}: covered {covered} of {valid} is impossible")
    return covered, valid


def sniff(path: Path) -> str | None:
    """The coverage format of a file from its first bytes, else from its name; None when neither tells."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    return _sniff_head(head) or _NAME_HINTS.get(path.name.lower()) or _NAME_HINTS.get(path.suffix.lower())


def _sniff_head(head: bytes) -> str | None:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return _sniff_xml(text)
    if text.startswith(b"{"):
        return "coveragepy" if b'"meta"' in text or b'"files"' in text else None
    if text.startswith(b"mode:"):
        return "gocover"
    return "lcov" if _LCOV_FIRST.match(text) else None


def _sniff_xml(text: bytes) -> str | None:
    match = _XML_ROOT.search(_XML_NOISE.sub(b"", text))
    if match is None:
        return None
    name, attributes = match.group(1), match.group(2)
    if name == b"report":
        return "jacoco"
    if name != b"coverage":
        return None
    clover = b"clover=" in attributes or (b"generated=" in attributes and b"line-rate=" not in attributes)
    return "clover" if clover else "cobertura"


def reader(fmt: str) -> Reader:
    """The registered reader of a format."""
    module_name, _, function = READERS[fmt].partition(":")
    found: Reader = getattr(importlib.import_module(module_name), function)
    return found


def read_any(path: Path) -> CoverageSnapshot:
    """Read a coverage report of any supported format, found by sniff()."""
    fmt = sniff(path)
    if fmt is None:
        known = "Cobertura, JaCoCo, lcov, coverage.py JSON, Go cover profile, Clover"
        raise ReportError(f"not a coverage report in a known format ({known})")
    return reader(fmt)(path)


def normalise(snapshot: CoverageSnapshot, repo_root: Path | None, tracked: set[str] | None) -> CoverageSnapshot:
    """Paths made relative to the repository root, as git lists them.

    Backslashes become slashes, `./` and `a/../` go, an absolute prefix equal to `repo_root` is stripped, and when
    `tracked` is given a path not tracked as written is matched to the tracked file sharing the longest path
    suffix (whole components; a tie is ambiguous and left alone). Unmatched paths are kept as they are. Entries
    that end up with the same path are one file and combine as in merge().
    """
    roots = _root_prefixes(repo_root)
    index = _suffix_index(tracked) if tracked else None
    files = [replace(f, path=_normal_path(f.path, roots, tracked, index)) for f in snapshot.files]
    return from_files(snapshot.format, combine(files), snapshot.timestamp)


def merge(snapshots: Iterable[CoverageSnapshot]) -> CoverageSnapshot:
    """One snapshot from several reports of one build, per file after normalise() (see combine_files)."""
    items = list(snapshots)
    if not items:
        raise ValueError("merge() needs at least one snapshot")
    merged = merge_snapshots(items)
    return from_files(merged.format, merged.files, merged.timestamp) if len(items) == 1 else merged


combine = combine_files


def _root_prefixes(repo_root: Path | None) -> tuple[str, ...]:
    if repo_root is None:
        return ()
    forms = {repo_root.as_posix(), repo_root.absolute().as_posix(), repo_root.resolve().as_posix()}
    return tuple(sorted((form.rstrip("/") + "/" for form in forms), key=len, reverse=True))


def _normal_path(raw: str, roots: tuple[str, ...], tracked: set[str] | None, index: _Index | None) -> str:
    path = raw.replace("\\", "/")
    for root in roots:
        if path.startswith(root):
            path = path[len(root) :]
            break
    path = posixpath.normpath(path) if path else path
    if tracked is None or index is None or path in tracked:
        return path
    return _suffix_match(path, index) or path


def _suffix_index(tracked: set[str]) -> _Index:
    """Tracked paths by file name, as component tuples."""
    index: _Index = {}
    for name in tracked:
        parts = tuple(name.split("/"))
        index.setdefault(parts[-1], []).append(parts)
    return index


def _suffix_match(path: str, index: _Index) -> str | None:
    parts = tuple(path.split("/"))
    best: tuple[str, ...] | None = None
    best_len, tie = 0, False
    for candidate in index.get(parts[-1], ()):
        length = _common_suffix(parts, candidate)
        if length > best_len:
            best, best_len, tie = candidate, length, False
        elif length == best_len:
            tie = True
    return None if best is None or tie else "/".join(best)


def _common_suffix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    length = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        length += 1
    return length
