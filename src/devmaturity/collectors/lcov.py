"""lcov tracefiles (.info): SF/DA/BRDA records of geninfo, gcovr, Istanbul, coverage.py and others."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import LineTally, check_size, from_files
from devmaturity.model.evidence import CoverageSnapshot

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
_OTHER_KEY = re.compile(r"[A-Z]+")  # TN, LF, LH, BRF, BRH, FN, FNDA, FNF, FNH, FNL, FNA, VER, ...: not needed


def read(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CoverageSnapshot:
    """Counts from DA (a line, covered when hits > 0) and BRDA (a branch, taken '-' meaning 0).

    The LF/LH/BRF/BRH summaries are not used. Several records of one SF (one per test name, or per object file)
    are one file: each line and each (line, block, branch) counts once, covered if any record hit it.
    """
    check_size(path, max_bytes)
    parser = _Parser()
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, 1):
            parser.feed(number, _decode(raw, number))
    return parser.finish()


def _decode(raw: bytes, number: int) -> str:
    try:
        return raw.rstrip(b"\r\n").decode("utf-8")
    except UnicodeDecodeError:
        raise ReportError(f"lcov: line {number}: not UTF-8 text") from None


class _Parser:
    """Record state while reading a tracefile line by line."""

    __slots__ = ("current", "current_path", "handlers", "tallies")

    def __init__(self) -> None:
        self.tallies: dict[str, LineTally] = {}
        self.current: LineTally | None = None
        self.current_path = ""
        self.handlers: dict[str, Callable[[int, str], None]] = {
            "SF": self.source_file,
            "DA": self.line_data,
            "BRDA": self.branch_data,
        }

    def feed(self, number: int, text: str) -> None:
        line = text.strip()
        if not line:
            return
        if line == "end_of_record":
            self.end_record(number)
            return
        key, colon, value = line.partition(":")
        handler = self.handlers.get(key)
        if handler is not None:
            handler(number, value)
        elif not (colon and _OTHER_KEY.fullmatch(key)):
            raise ReportError(f"lcov: line {number}: expected KEY:value or end_of_record, got {_clip(line)!r}")

    def source_file(self, number: int, value: str) -> None:
        if self.current is not None:
            raise ReportError(f"lcov: line {number}: SF before the end_of_record of {self.current_path!r}")
        if not value:
            raise ReportError(f"lcov: line {number}: SF without a file name")
        self.current_path = value
        self.current = self.tallies.setdefault(value, LineTally())

    def line_data(self, number: int, value: str) -> None:
        fields = value.split(",")
        if len(fields) not in (2, 3) or not _is_int(fields[0]) or not _is_int(fields[1]):
            raise ReportError(f"lcov: line {number}: expected DA:<line>,<hits>, got {_clip('DA:' + value)!r}")
        self._record(number, "DA").add_line(int(fields[0]), int(fields[1]) > 0)

    def branch_data(self, number: int, value: str) -> None:
        head = value.split(",", 2)
        branch, _, taken = head[-1].rpartition(",")
        if len(head) != 3 or not _is_int(head[0]) or not branch or not (taken == "-" or _is_int(taken)):
            expected = "BRDA:<line>,<block>,<branch>,<taken>"
            raise ReportError(f"lcov: line {number}: expected {expected}, got {_clip('BRDA:' + value)!r}")
        covered = taken != "-" and int(taken) > 0
        self._record(number, "BRDA").add_branch((int(head[0]), head[1], branch), covered)

    def end_record(self, number: int) -> None:
        if self.current is None:
            raise ReportError(f"lcov: line {number}: end_of_record without an SF before it")
        self.current = None

    def _record(self, number: int, key: str) -> LineTally:
        if self.current is None:
            raise ReportError(f"lcov: line {number}: {key} outside a record (no SF before it)")
        return self.current

    def finish(self) -> CoverageSnapshot:
        if self.current is not None:
            raise ReportError(f"lcov: file ends inside the record of {self.current_path!r} (truncated?)")
        if not self.tallies:
            raise ReportError("not an lcov tracefile: no SF record")
        return from_files("lcov", (tally.file(path) for path, tally in self.tallies.items()))


def _is_int(text: str) -> bool:
    digits = text.removeprefix("-")
    return digits.isascii() and digits.isdigit()


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
