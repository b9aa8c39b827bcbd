"""coverage.py's own JSON report (`coverage json`): per-file summaries, checked against its totals."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import check_size, count_pair, from_files
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage

DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # parsed whole, so smaller than the streamed formats
SUPPORTED_FORMATS = (1, 2, 3)  # meta.format: 1 (coverage 5, no field), 2 (6.x), 3 (7.x, regions)
_NOT_REPORT = "not a coverage.py JSON report"


def read(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CoverageSnapshot:
    """Lines are statements (num_statements / covered_lines); branches are 0 unless measured with --branch.

    The report's meta.timestamp is local time without a zone, so it is not used.
    """
    check_size(path, max_bytes)
    data = _load(path.read_bytes())
    _check_format(_mapping(data, "meta", _NOT_REPORT))
    files = [_file(name, entry) for name, entry in _mapping(data, "files", _NOT_REPORT).items()]
    snapshot = from_files("coveragepy", files)
    if "totals" in data:
        _check_totals(_mapping(data, "totals", "coverage.py JSON"), snapshot)
    return snapshot


def _load(raw: bytes) -> Mapping[str, Any]:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise ReportError("not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{_NOT_REPORT}: the top level is a {type(data).__name__}, not an object")
    return data


def _mapping(parent: Mapping[str, Any], key: str, what: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        raise ReportError(f"{what}: missing {key!r}")
    if not isinstance(value, dict):
        raise ReportError(f"{what}: {key!r} is a {type(value).__name__}, not an object")
    return value


def _check_format(meta: Mapping[str, Any]) -> None:
    version = meta.get("format", 1)
    if version not in SUPPORTED_FORMATS or isinstance(version, bool):
        supported = ", ".join(map(str, SUPPORTED_FORMATS))
        raise ReportError(f"unsupported coverage.py JSON meta.format {version!r} (supported: {supported})")


def _file(name: str, entry: object) -> FileCoverage:
    if not isinstance(entry, dict):
        raise ReportError(f"files[{name!r}] is not an object")
    summary = _mapping(entry, "summary", f"files[{name!r}]")
    where = f"files[{name!r}].summary"
    lines = count_pair(_count(summary, "covered_lines", where), _count(summary, "num_statements", where), where)
    branches = count_pair(
        _count(summary, "covered_branches", where, 0), _count(summary, "num_branches", where, 0), where
    )
    return FileCoverage(
        path=name,
        lines_covered=lines[0],
        lines_valid=lines[1],
        branches_covered=branches[0],
        branches_valid=branches[1],
    )


def _count(summary: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = summary.get(key, default)
    if value is None:
        raise ReportError(f"{where}: missing {key!r}")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ReportError(f"{where}.{key} is {value!r}, not a count")
    return value


def _check_totals(totals: Mapping[str, Any], snapshot: CoverageSnapshot) -> None:
    expected = {
        "covered_lines": snapshot.lines_covered,
        "num_statements": snapshot.lines_valid,
        "covered_branches": snapshot.branches_covered,
        "num_branches": snapshot.branches_valid,
    }
    for key, summed in expected.items():
        declared = _count(totals, key, "totals", 0)
        if declared != summed:
            raise ReportError(f"totals.{key} is {declared} but the files add up to {summed} (edited or merged?)")
