"""JMeter results files (JTL, CSV or XML) read as one performance test run: totals, error rate, percentiles."""

from __future__ import annotations

import csv
import io
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from lxml import etree

from devmaturity.collectors import xmlsafe
from devmaturity.collectors.base import ReportError
from devmaturity.model.quality import LabelSummary, PerformanceSummary

DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024
DEFAULT_MAX_SAMPLES = 50_000_000  # 400 MB of elapsed times at most; a larger run is refused, not half read
DEFAULT_MAX_LABELS = 100
CSV_REQUIRED = ("timeStamp", "elapsed", "label", "success")
CSV_DELIMITERS = (",", "\t", ";", "|")
XML_SAMPLES = ("httpSample", "sample")
_BOOLEANS = {"true": True, "false": False}


@dataclass(slots=True)
class _Label:
    samples: int = 0
    errors: int = 0
    elapsed: array[int] = field(default_factory=lambda: array("q"))


@dataclass(slots=True, kw_only=True)
class _Tally:
    """The samples read so far: every elapsed time (for exact percentiles), per-label ones for the kept labels."""

    max_samples: int
    max_labels: int
    elapsed: array[int] = field(default_factory=lambda: array("q"))
    errors: int = 0
    first_start: int | None = None
    last_end: int | None = None
    labels: dict[str, _Label] = field(default_factory=dict)
    others: set[str] = field(default_factory=set)

    def add(self, start: int, took: int, ok: bool, label: str) -> None:
        if len(self.elapsed) >= self.max_samples:
            raise ReportError(f"more than {self.max_samples:,} samples (refused: split the run or raise the limit)")
        self.elapsed.append(took)
        self.errors += not ok
        self.first_start = start if self.first_start is None else min(self.first_start, start)
        self.last_end = start + took if self.last_end is None else max(self.last_end, start + took)
        entry = self.labels.get(label)
        if entry is None and len(self.labels) >= self.max_labels:
            self.others.add(label)
            return
        if entry is None:
            entry = self.labels[label] = _Label()
        entry.samples += 1
        entry.errors += not ok
        entry.elapsed.append(took)

    def summary(self, fmt: str) -> PerformanceSummary:
        if not self.elapsed or self.first_start is None or self.last_end is None:
            raise ReportError("no samples: the results file holds no sample results")
        data = np.frombuffer(self.elapsed, dtype=np.int64)
        p50, p90, p95, p99 = nearest_rank(data, (50, 90, 95, 99))
        labels = tuple(
            LabelSummary(
                label=name,
                samples=entry.samples,
                errors=entry.errors,
                p95_ms=nearest_rank(np.frombuffer(entry.elapsed, dtype=np.int64), (95,))[0],
            )
            for name, entry in self.labels.items()
        )
        return PerformanceSummary(
            format=fmt,
            samples=len(data),
            errors=self.errors,
            started_at=_moment(self.first_start),
            ended_at=_moment(self.last_end),
            p50_ms=p50,
            p90_ms=p90,
            p95_ms=p95,
            p99_ms=p99,
            max_ms=float(data.max()),
            mean_ms=float(data.mean()),
            labels=labels,
            other_labels=len(self.others - self.labels.keys()),
        )


def nearest_rank(data: np.ndarray[Any, Any], quantiles: tuple[int, ...]) -> tuple[float, ...]:
    """Nearest-rank percentiles of a non-empty sample: the value at rank ceil(q/100 * n) in ascending order."""
    ranks = [max(1, math.ceil(q * len(data) / 100)) - 1 for q in quantiles]
    ordered = np.partition(data, ranks)
    return tuple(float(ordered[rank]) for rank in ranks)


def _moment(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def read_jtl(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    max_labels: int = DEFAULT_MAX_LABELS,
) -> PerformanceSummary:
    """One JTL file as a run summary; the format (CSV with its header row, or XML) is told from the first byte."""
    xmlsafe.check_file(path, max_bytes)
    tally = _Tally(max_samples=max_samples, max_labels=max_labels)
    with path.open("rb") as stream:
        head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        _read_xml(path, tally, max_bytes)
        return tally.summary("jtl-xml")
    _read_csv(path, tally)
    return tally.summary("jtl-csv")


# --- CSV --------------------------------------------------------------------------------------------------------


def _read_csv(path: Path, tally: _Tally) -> None:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as text:
        header_line = text.readline()
        delimiter = next((d for d in CSV_DELIMITERS if "timeStamp" in header_line.split(d)), None)
        if delimiter is None:
            raise ReportError(
                "no JMeter CSV header row (timeStamp, elapsed, label, ...) on line 1; save results with "
                "jmeter.save.saveservice.print_field_names=true"
            )
        header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
        missing = [name for name in CSV_REQUIRED if name not in header]
        if missing:
            raise ReportError(f"line 1: the header has no {', '.join(missing)} column")
        at = {name: header.index(name) for name in CSV_REQUIRED}
        rows = csv.reader(text, delimiter=delimiter, strict=True)
        for line, row in _rows(rows):
            if len(row) != len(header):
                raise ReportError(
                    f"line {line}: {len(row)} fields where the header has {len(header)} (a truncated or mixed file)"
                )
            tally.add(
                _millis(row[at["timeStamp"]], line, "timeStamp"),
                _elapsed(row[at["elapsed"]], line, "elapsed"),
                _flag(row[at["success"]], line, "success"),
                row[at["label"]],
            )


def _rows(rows: Any) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each non-empty row; a broken quote is a problem naming the line, not a traceback."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ReportError(f"line {rows.line_num + 1}: {exc} (a truncated or malformed file)") from None
        if row:
            yield rows.line_num + 1, row  # +1: the header line was read before the csv reader started


def _millis(value: str, line: int | str, name: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise ReportError(
            f"{_where(line)}, field {name}: expected milliseconds since the epoch, got {value[:40]!r} "
            "(save results with jmeter.save.saveservice.timestamp_format=ms)"
        )
    return int(text)


def _elapsed(value: str, line: int | str, name: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise ReportError(f"{_where(line)}, field {name}: expected whole milliseconds, got {value[:40]!r}")
    return int(text)


def _flag(value: str, line: int | str, name: str) -> bool:
    flag = _BOOLEANS.get(value.strip().lower())
    if flag is None:
        raise ReportError(f"{_where(line)}, field {name}: expected true or false, got {value[:40]!r}")
    return flag


def _where(line: int | str) -> str:
    return f"line {line}" if isinstance(line, int) else line


# --- XML --------------------------------------------------------------------------------------------------------


def _read_xml(path: Path, tally: _Tally, max_bytes: int) -> None:
    """Top-level <httpSample>/<sample> elements of <testResults>; nested ones are sub-results (redirects, embedded
    resources) that JMeter's own listeners do not count either."""
    with xmlsafe.open_checked(path, max_bytes) as stream:
        depth = 0
        try:
            for event, element in xmlsafe.iterparse(stream, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1 and xmlsafe.local(element.tag) != "testResults":
                        raise xmlsafe.UnsafeXml(
                            f"not a JMeter results file: the root element is <{xmlsafe.local(element.tag)}>, "
                            "not <testResults>"
                        )
                    continue
                depth -= 1
                if depth == 1 and xmlsafe.local(element.tag) in XML_SAMPLES:
                    _xml_sample(element, tally)
                    xmlsafe.release(element)
        except etree.XMLSyntaxError as exc:
            raise xmlsafe.syntax_error(exc) from None


def _xml_sample(element: Any, tally: _Tally) -> None:
    where = f"line {element.sourceline}, <{xmlsafe.local(element.tag)}>"
    attrs = element.attrib
    for name in ("ts", "t", "s"):
        if name not in attrs:
            raise ReportError(f"{where}: no {name} attribute")
    tally.add(
        _millis(attrs["ts"], where, "ts"),
        _elapsed(attrs["t"], where, "t"),
        _flag(attrs["s"], where, "s"),
        attrs.get("lb", ""),
    )
