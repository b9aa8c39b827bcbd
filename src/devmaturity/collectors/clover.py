"""Clover XML coverage (OpenClover, Istanbul, PHPUnit, gcovr): statements and conditionals per <file>, streamed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO

from lxml import etree

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import LineTally, combine, count_pair, epoch, from_files, xml_root
from devmaturity.collectors.xmlsafe import DEFAULT_MAX_BYTES, iterparse, open_checked, release, syntax_error
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage

_TAGS = ("file", "package")


def read(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CoverageSnapshot:
    """Clover counts statements: lines_valid/lines_covered are statements, branches are conditionals.

    Each <file> is counted from its own <metrics statements= coveredstatements= conditionals=
    coveredconditionals=> or, without those, from its <line type="stmt" count=> and <line type="cond"
    truecount= falsecount=> elements (two branches per condition). Files under OpenClover's <testproject> (the
    tests' own code) are left out. The path is the file's path attribute, else its name (PHPUnit writes the full
    path there); a path listed twice is one file and keeps the larger counts, as in coverage_merge.merge().
    """
    with open_checked(path, max_bytes) as stream:
        try:
            timestamp = _check_root(stream)
            files = _scan(stream)
        except etree.XMLSyntaxError as exc:
            raise syntax_error(exc) from None
    return from_files("clover", combine(files), timestamp)


def _check_root(stream: IO[bytes]) -> datetime | None:
    tag, attributes = xml_root(stream)
    if tag != "coverage":
        raise ReportError(f"not a Clover report: root element is <{tag}>")
    if "generated" not in attributes:
        raise ReportError("not a Clover report: <coverage> has no generated attribute (a Cobertura report?)")
    return epoch(attributes["generated"])


def _scan(stream: IO[bytes]) -> list[FileCoverage]:
    files: list[FileCoverage] = []
    for _, element in iterparse(stream, _TAGS):
        if element.tag == "file" and not _in_test_project(element):
            files.append(_file(element))
        release(element)
    return files


def _in_test_project(element: etree._Element) -> bool:
    return any(ancestor.tag == "testproject" for ancestor in element.iterancestors())


def _file(element: etree._Element) -> FileCoverage:
    path = element.get("path") or element.get("name")
    if not path:
        raise ReportError("<file> without a name or path attribute")
    metrics = element.find("metrics")
    if metrics is not None and metrics.get("statements") is not None:
        return _from_metrics(path, metrics)
    return _from_lines(path, element)


def _from_metrics(path: str, metrics: etree._Element) -> FileCoverage:
    where = f"{path}: <metrics>"
    lines = count_pair(_whole(metrics, "coveredstatements", where), _whole(metrics, "statements", where), where)
    branches = count_pair(_whole(metrics, "coveredconditionals", where), _whole(metrics, "conditionals", where), where)
    return FileCoverage(
        path=path,
        lines_covered=lines[0],
        lines_valid=lines[1],
        branches_covered=branches[0],
        branches_valid=branches[1],
    )


def _from_lines(path: str, element: etree._Element) -> FileCoverage:
    tally = LineTally()
    for line in element.iterchildren("line"):
        kind, where = line.get("type"), f"{path}: <line num={line.get('num')!r}>"
        number = _whole(line, "num", where, default="")
        if kind == "stmt":
            tally.add_line(number, _whole(line, "count", where) > 0)
        elif kind == "cond":
            tally.add_branch((number, True), _whole(line, "truecount", where) > 0)
            tally.add_branch((number, False), _whole(line, "falsecount", where) > 0)
    return tally.file(path)


def _whole(element: etree._Element, name: str, where: str, default: str = "0") -> int:
    text = element.get(name, default)
    if not (text.isascii() and text.isdigit()):
        raise ReportError(f"{where}: {name}={text!r} is not a whole number")
    return int(text)
