"""Cobertura XML coverage (coverage.py, gcovr, Istanbul, Java Cobertura), read streaming in flat memory."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, cast

from lxml import etree

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import LineTally, epoch, from_files, xml_root
from devmaturity.collectors.xmlsafe import DEFAULT_MAX_BYTES, iterparse, open_checked, release, syntax_error
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage

# Only the <class>'s own <lines>: the copies under <methods> (Java Cobertura, gcovr) are left out.
_HITS = etree.XPath("lines/line/@hits", smart_strings=False)
_NUMBERS = etree.XPath("lines/line/@number", smart_strings=False)
_CONDITIONS = etree.XPath("lines/line/@condition-coverage", smart_strings=False)
_BRANCH_LINES = etree.XPath("lines/line[@condition-coverage]")
_FRACTION = re.compile(r"\((\d+)/(\d+)\)")
_TAGS = ("class", "package")


def read(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CoverageSnapshot:
    """Line and branch coverage per file, counted from the <line> elements.

    Several <class> elements may name one file (Java: inner and anonymous classes); each line number counts once
    per file, covered when any class hit it, and a line's branches are the most any class reports for it. Branch
    counts come from `condition-coverage="50% (1/2)"`, written only on lines with branch="true".
    """
    with open_checked(path, max_bytes) as stream:
        try:
            timestamp = _check_root(stream)
            files, scattered = _first_pass(stream)
            if scattered:
                stream.seek(0)
                files.update(_union_pass(stream, scattered))
        except etree.XMLSyntaxError as exc:
            raise syntax_error(exc) from None
    return from_files("cobertura", files.values(), timestamp)


def _check_root(stream: IO[bytes]) -> datetime | None:
    tag, attributes = xml_root(stream)
    if tag != "coverage":
        raise ReportError(f"not a Cobertura report: root element is <{tag}>")
    if "line-rate" not in attributes:
        raise ReportError("not a Cobertura report: <coverage> has no line-rate attribute (a Clover report?)")
    return epoch(attributes.get("timestamp"))


def _first_pass(stream: IO[bytes]) -> tuple[dict[str, FileCoverage], set[str]]:
    grouper = _Grouper()
    for _, element in iterparse(stream, _TAGS):
        if element.tag == "class":
            grouper.add(element)
        else:
            grouper.flush()
            release(element)
    grouper.flush()
    return grouper.files, grouper.scattered


class _Grouper:
    """Keeps the consecutive <class> elements of one file until the file changes, then counts them.

    A lone class (the usual case) is counted by XPath without touching each line in Python. A file whose classes
    are not consecutive is noted in `scattered` and recounted by a second pass.
    """

    __slots__ = ("files", "group", "scattered")

    def __init__(self) -> None:
        self.files: dict[str, FileCoverage] = {}
        self.scattered: set[str] = set()
        self.group: list[etree._Element] = []

    def add(self, element: etree._Element) -> None:
        if self.group and _filename(element) != _filename(self.group[0]):
            self.flush()
        self.group.append(element)

    def flush(self) -> None:
        if not self.group:
            return
        path = _filename(self.group[0])
        if path in self.files:
            self.scattered.add(path)
        self.files[path] = _count_lone(path, self.group[0]) if len(self.group) == 1 else _count_union(path, self.group)
        release(self.group[-1])
        self.group = []


def _union_pass(stream: IO[bytes], scattered: set[str]) -> dict[str, FileCoverage]:
    tallies = {path: LineTally() for path in scattered}
    for _, element in iterparse(stream, _TAGS):
        tally = tallies.get(_filename(element)) if element.tag == "class" else None
        if tally is not None:
            _tally_class(tally, element)
        release(element)
    return {path: tally.file(path) for path, tally in tallies.items()}


def _filename(element: etree._Element) -> str:
    name = element.get("filename")
    if not name:
        raise ReportError(f"<class name={element.get('name')!r}> has no filename attribute")
    return name


def _count_lone(path: str, element: etree._Element) -> FileCoverage:
    """Counts of one class, taking each <line> as a distinct line number (true of every producer we know)."""
    hits = _line_attributes(_HITS, element, path, "hits")
    if hits and not _all_digits(hits):
        raise ReportError(f"{path}: a <line> has a hits value that is not a whole number")
    branches_covered = branches_valid = 0
    for text in cast(list[str], _CONDITIONS(element)):
        covered, valid = _fraction(text, path)
        branches_covered += covered
        branches_valid += valid
    return FileCoverage(
        path=path,
        lines_covered=len(hits) - hits.count("0"),
        lines_valid=len(hits),
        branches_covered=branches_covered,
        branches_valid=branches_valid,
    )


def _count_union(path: str, group: list[etree._Element]) -> FileCoverage:
    tally = LineTally()
    for element in group:
        _tally_class(tally, element)
    return tally.file(path)


def _tally_class(tally: LineTally, element: etree._Element) -> None:
    path = _filename(element)
    numbers = _line_attributes(_NUMBERS, element, path, "number")
    hits = _line_attributes(_HITS, element, path, "hits")
    for number, count in zip(numbers, hits, strict=True):
        tally.add_line(_whole(number, path), _whole(count, path) > 0)
    for line in cast(list[etree._Element], _BRANCH_LINES(element)):
        line_number = _whole(line.get("number", ""), path)
        covered, valid = _fraction(line.get("condition-coverage", ""), path)
        for branch in range(valid):
            tally.add_branch((line_number, branch), branch < covered)


def _line_attributes(xpath: etree.XPath, element: etree._Element, path: str, name: str) -> list[str]:
    values = cast(list[str], xpath(element))
    declared = sum(len(lines) for lines in element.iterchildren("lines"))
    if len(values) != declared:
        raise ReportError(f"{path}: a <line> has no {name} attribute")
    return values


def _all_digits(values: list[str]) -> bool:
    joined = "".join(values)
    return joined.isascii() and joined.isdigit() and all(values)


def _whole(text: str, path: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ReportError(f"{path}: {text!r} in a <line> is not a whole number")
    return int(text)


def _fraction(text: str, path: str) -> tuple[int, int]:
    """`covered/valid` out of condition-coverage such as "50% (1/2)"."""
    found = _parse_fraction(text)
    if found is None:
        raise ReportError(f"{path}: condition-coverage {text!r} is not like '50% (1/2)'")
    return found


@lru_cache(maxsize=4096)
def _parse_fraction(text: str) -> tuple[int, int] | None:
    match = _FRACTION.search(text)
    if match is None:
        return None
    covered, valid = int(match[1]), int(match[2])
    return (covered, valid) if covered <= valid else None
