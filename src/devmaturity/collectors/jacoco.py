"""JaCoCo XML coverage: LINE and BRANCH counters per <sourcefile>, read streaming in flat memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from lxml import etree

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import count_pair, epoch, from_files, xml_root
from devmaturity.collectors.xmlsafe import DEFAULT_MAX_BYTES, iterparse, open_checked, release, syntax_error
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage

_TAGS = ("sessioninfo", "class", "sourcefile", "package", "group", "report")
_KINDS = ("LINE", "BRANCH")
Counters = dict[str, tuple[int, int]]  # counter type -> (covered, total)


@dataclass(slots=True)
class _Scan:
    """What one pass over a report gathers; mutable because it fills up while streaming."""

    files: dict[str, FileCoverage] = field(default_factory=dict)
    unattributed: Counters = field(default_factory=dict)  # classes with no <sourcefile> of their package
    # the open package's classes (source file name or its guess, counters) and source file names: a class is
    # counted on its own only when its package has no <sourcefile> for it, decided when the package ends
    classes: list[tuple[tuple[str, ...], Counters]] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    declared: Counters = field(default_factory=dict)  # the report-level counters
    timestamp: datetime | None = None


def read(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CoverageSnapshot:
    """Per source file (`package/name` as the report writes it) the LINE and BRANCH counters.

    Totals are the sums over the source files; the report-level counters must equal those sums plus the classes
    their package has no <sourcefile> for, or the report is rejected as inconsistent. A class names its source in
    `sourcefilename`; older JaCoCo wrote no such attribute, so its source is found by name (`a/b/Foo$Inner` in
    `Foo.*`, Kotlin's `FooKt` in `Foo.kt`). Class counters are never added on top of their source file's. In a
    grouped report (report-aggregate) a path found in two groups is counted as the sum of both entries, so
    totals still match the report.
    """
    with open_checked(path, max_bytes) as stream:
        try:
            scan = _scan(stream)
        except etree.XMLSyntaxError as exc:
            raise syntax_error(exc) from None
    _check_totals(scan)
    return from_files("jacoco", scan.files.values(), scan.timestamp)


def _scan(stream: IO[bytes]) -> _Scan:
    tag, _ = xml_root(stream)
    if tag != "report":
        raise ReportError(f"not a JaCoCo report: root element is <{tag}>")
    scan = _Scan()
    for _, element in iterparse(stream, _TAGS):
        _HANDLERS[element.tag](scan, element)
    return scan


def _on_session(scan: _Scan, element: etree._Element) -> None:
    dumped = epoch(element.get("dump"))
    if dumped is not None and (scan.timestamp is None or dumped > scan.timestamp):
        scan.timestamp = dumped


def _on_class(scan: _Scan, element: etree._Element) -> None:
    source = element.get("sourcefilename")
    scan.classes.append(((source,) if source else _source_guesses(element.get("name", "")), counters(element)))
    release(element)


def _source_guesses(name: str) -> tuple[str, ...]:
    """File stems a class without `sourcefilename` may come from: its outer class, and Kotlin's file class."""
    outer = name.rsplit("/", 1)[-1].split("$", 1)[0]
    return (outer, outer[:-2]) if outer.endswith("Kt") and len(outer) > 2 else (outer,)


def _on_package(scan: _Scan, element: etree._Element) -> None:
    stems = {source.rsplit(".", 1)[0] for source in scan.sources}
    for guesses, found in scan.classes:
        if not any(guess in scan.sources or guess in stems for guess in guesses):
            _add(scan.unattributed, found)
    scan.classes.clear()
    scan.sources.clear()
    release(element)


def _on_sourcefile(scan: _Scan, element: etree._Element) -> None:
    parent = element.getparent()
    package = parent.get("name", "") if parent is not None else ""
    name = element.get("name", "")
    if not name:
        raise ReportError(f"<sourcefile> without a name in package {package!r}")
    path = f"{package}/{name}" if package else name
    scan.sources.add(name)
    found = counters(element)
    lines_covered, lines_valid = found.get("LINE", (0, 0))
    branches_covered, branches_valid = found.get("BRANCH", (0, 0))
    seen = scan.files.get(path)
    if seen is not None:
        lines_covered += seen.lines_covered
        lines_valid += seen.lines_valid
        branches_covered += seen.branches_covered
        branches_valid += seen.branches_valid
    scan.files[path] = FileCoverage(
        path=path,
        lines_covered=lines_covered,
        lines_valid=lines_valid,
        branches_covered=branches_covered,
        branches_valid=branches_valid,
    )
    release(element)


def _on_container(scan: _Scan, element: etree._Element) -> None:
    release(element)


def _on_report(scan: _Scan, element: etree._Element) -> None:
    scan.declared = counters(element)


_HANDLERS = {
    "sessioninfo": _on_session,
    "class": _on_class,
    "sourcefile": _on_sourcefile,
    "package": _on_package,
    "group": _on_container,
    "report": _on_report,
}


def counters(element: etree._Element) -> Counters:
    """The element's own LINE and BRANCH <counter> children as (covered, total)."""
    found: Counters = {}
    for counter in element.iterchildren("counter"):
        kind = counter.get("type", "")
        if kind in _KINDS:
            found[kind] = _pair(counter, kind)
    return found


def _pair(counter: etree._Element, kind: str) -> tuple[int, int]:
    missed, covered = counter.get("missed", ""), counter.get("covered", "")
    if not (missed.isascii() and missed.isdigit() and covered.isascii() and covered.isdigit()):
        raise ReportError(f"<counter type={kind!r}> has missed={missed!r} covered={covered!r}, not whole numbers")
    return count_pair(int(covered), int(covered) + int(missed), f"<counter type={kind!r}>")


def _add(total: Counters, more: Counters) -> None:
    for kind, (covered, valid) in more.items():
        seen_covered, seen_valid = total.get(kind, (0, 0))
        total[kind] = (seen_covered + covered, seen_valid + valid)


def _check_totals(scan: _Scan) -> None:
    summed: Counters = {}
    _add(summed, {"LINE": _file_sum(scan, lines=True), "BRANCH": _file_sum(scan, lines=False)})
    _add(summed, scan.unattributed)
    for kind in _KINDS:
        declared, actual = scan.declared.get(kind, (0, 0)), summed.get(kind, (0, 0))
        if declared != actual:
            raise ReportError(
                f"report-level {kind} counter says {declared[0]} of {declared[1]} covered, "
                f"but the source files add up to {actual[0]} of {actual[1]} (truncated or edited?)"
            )


def _file_sum(scan: _Scan, *, lines: bool) -> tuple[int, int]:
    if lines:
        return sum(f.lines_covered for f in scan.files.values()), sum(f.lines_valid for f in scan.files.values())
    return sum(f.branches_covered for f in scan.files.values()), sum(f.branches_valid for f in scan.files.values())
