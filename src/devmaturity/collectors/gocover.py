"""Go cover profiles (`go test -coverprofile`): statement coverage per file from basic blocks."""

from __future__ import annotations

import re
from pathlib import Path

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import check_size, from_files
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
MODES = ("set", "count", "atomic")
_BLOCK = re.compile(r"(?P<file>.+):(?P<start>\d+\.\d+),(?P<end>\d+\.\d+) (?P<stmts>\d+) (?P<count>\d+)")
_Block = tuple[str, str, str]  # file, start line.col, end line.col


def read(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CoverageSnapshot:
    """Go measures statements, not lines: here lines_valid/lines_covered are statements, as `go tool cover` counts.

    A block listed more than once (the same package in several test binaries with -coverpkg, or concatenated
    profiles) counts once, covered if any listing has count > 0. Go reports no branches. Paths are import paths
    (example.com/mod/pkg/file.go) and are left for normalise() to match to the repository.
    """
    check_size(path, max_bytes)
    blocks: dict[_Block, tuple[int, bool]] = {}
    mode: str | None = None
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            text = _decode(raw, number).strip()
            if text.startswith("mode:"):
                mode = _mode(number, text, mode)
            elif text:
                _add_block(blocks, number, text, mode)
    if mode is None:
        raise ReportError("not a Go coverage profile: no 'mode:' line")
    return from_files("gocover", _files(blocks))


def _decode(raw: bytes, number: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ReportError(f"gocover: line {number}: not UTF-8 text") from None


def _mode(number: int, text: str, seen: str | None) -> str:
    mode = text.removeprefix("mode:").strip()
    if mode not in MODES:
        raise ReportError(f"gocover: line {number}: unknown mode {mode!r} (expected set, count or atomic)")
    if seen is not None and mode != seen:
        raise ReportError(f"gocover: line {number}: mode {mode!r} after mode {seen!r}")
    return mode


def _add_block(blocks: dict[_Block, tuple[int, bool]], number: int, text: str, mode: str | None) -> None:
    if mode is None:
        raise ReportError(f"not a Go coverage profile: line {number} comes before a 'mode: set|count|atomic' line")
    match = _BLOCK.fullmatch(text)
    if match is None:
        shape = "<file>:<line>.<col>,<line>.<col> <statements> <count>"
        raise ReportError(f"gocover: line {number}: expected {shape}, got {text[:80]!r}")
    key = (match["file"], match["start"], match["end"])
    stmts, covered = int(match["stmts"]), int(match["count"]) > 0
    seen = blocks.get(key)
    if seen is not None and seen[0] != stmts:
        raise ReportError(f"gocover: line {number}: block has {stmts} statements here but {seen[0]} before")
    blocks[key] = (stmts, covered or (seen is not None and seen[1]))


def _files(blocks: dict[_Block, tuple[int, bool]]) -> list[FileCoverage]:
    totals: dict[str, tuple[int, int]] = {}
    for (name, _, _), (stmts, covered) in blocks.items():
        done, valid = totals.get(name, (0, 0))
        totals[name] = (done + (stmts if covered else 0), valid + stmts)
    return [FileCoverage(path=name, lines_covered=c, lines_valid=v) for name, (c, v) in totals.items()]
