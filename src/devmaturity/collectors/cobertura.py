"""Cobertura XML coverage (coverage.py, gcovr, Istanbul, Java Cobertura), read streaming in flat memory."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import IO, Protocol

from lxml import etree

from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import LineTally, epoch, from_files, xml_root
from devmaturity.collectors.xmlsafe import (
    DEFAULT_MAX_BYTES,
    feed_parser,
    iterparse,
    open_checked,
    release,
    syntax_error,
)
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage

Lines = list[Mapping[str, str]]  # the attributes of a class's <line> elements, in document order
CHUNK_BYTES = 64 * 1024
_FRACTION = re.compile(r"\((\d+)/(\d+)\)")
_TAGS = ("class", "package")
_CONDITION = "condition-coverage"
_hits_of = itemgetter("hits")
_numbers_of = itemgetter("number")
_conditions_of = itemgetter(_CONDITION)
# within the class's own <lines> the DTD allows only <line> and a line's branch detail (Java Cobertura, gcovr);
# the next class or package start means the class is over
_IN_LINE = frozenset(("conditions", "condition"))
_CLASS_OVER = frozenset(("class", "classes", "package", "packages"))


class _Classes(Protocol):
    """Where a reading pass sends each <class>, in document order."""

    def add(self, path: str, lines: Lines, branch_lines: Lines) -> None: ...

    def end_package(self) -> None: ...


def read(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CoverageSnapshot:
    """Line and branch coverage per file, counted from the <line> elements.

    Several <class> elements may name one file (Java: inner and anonymous classes), and one class may list a line
    number twice; each line number counts once per file, covered when any class hit it, and a line's branches
    are the most any class reports for it. Branch counts come from `condition-coverage="50% (1/2)"`, written
    only on lines with branch="true".
    """
    with open_checked(path, max_bytes) as stream:
        try:
            timestamp = _check_root(stream)
            grouper = _Grouper()
            reading: Callable[[IO[bytes], _Classes], None] = _read_starts
            try:
                _read_starts(stream, grouper)
            except _OffShape:
                stream.seek(0)
                grouper, reading = _Grouper(), _read_tree
                _read_tree(stream, grouper)
            if grouper.scattered:
                stream.seek(0)
                union = _Union(grouper.scattered)
                reading(stream, union)
                grouper.files.update(union.files())
        except etree.XMLSyntaxError as exc:
            raise syntax_error(exc) from None
    return from_files("cobertura", grouper.files.values(), timestamp)


def _check_root(stream: IO[bytes]) -> datetime | None:
    tag, attributes = xml_root(stream)
    if tag != "coverage":
        raise ReportError(f"not a Cobertura report: root element is <{tag}>")
    if "line-rate" not in attributes:
        raise ReportError("not a Cobertura report: <coverage> has no line-rate attribute (a Clover report?)")
    return epoch(attributes.get("timestamp"))


class _OffShape(Exception):
    """The start tags left the Cobertura DTD's order: the file is read again, as a tree."""


def _read_starts(stream: IO[bytes], classes: _Classes) -> None:
    reader = _StartReader(classes)
    parser = feed_parser(reader)
    while chunk := stream.read(CHUNK_BYTES):
        parser.feed(chunk)
    parser.close()
    reader.close_class()
    classes.end_package()


class _StartReader:
    """Feed-parser target of start tags only, placing each <line> by the DTD's element order.

    Building and freeing a tree takes a quarter longer, even with the lines read by XPath, and end events alone
    would add a sixth (200 MB report). The DTD orders the start tags
    (class > methods > method > lines > line; class > lines > line), so a <lines> right after a <method> is that
    method's copy and the other <lines> of a class is the class's own. Anything else the DTD does not allow raises
    _OffShape, for the tree reader to start over; only a <line> where the DTD has none (outside <lines>, or inside
    another <line>) cannot be told from start tags, and counts as one of its class's lines. The <line> path runs
    for every line and is only an append; a class is counted once it is over.
    """

    def __init__(self, classes: _Classes) -> None:
        self.classes = classes
        self.path: str | None = None  # filename of the open class
        self.own = False  # inside the open class's own <lines>
        self.in_method = False  # a <method> started and its <lines> has not yet
        self.has_lines = self.has_methods = False
        self.lines: Lines = []
        self.branch_lines: Lines = []
        self.add, self.add_branch = self.lines.append, self.branch_lines.append

    def close(self) -> None:
        return None

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if tag == "line":
            if self.own:
                self.add(attrib)
                if _CONDITION in attrib:
                    self.add_branch(attrib)
            return
        if tag in _IN_LINE:
            return
        if self.own and tag not in _CLASS_OVER:
            raise _OffShape  # an element inside a <line>, say: lines after it may still be the class's own
        self.own = False
        if self.in_method:
            if tag != "lines":
                raise _OffShape
            self.in_method = False
        elif tag == "class":
            self.close_class()
            self.path = _filename(attrib)
        elif tag in _CLASS_OVER:
            self.close_class()
            if tag == "package":
                self.classes.end_package()
        elif self.path is None:
            return  # outside any class (<sources>, say): nothing to count
        elif tag == "lines" and not self.has_lines:
            self.own = self.has_lines = True
        elif tag == "method":
            self.in_method = self.has_methods = True
        elif tag != "methods":
            raise _OffShape

    def close_class(self) -> None:
        if self.path is None:
            return
        if self.has_methods and not self.has_lines:
            raise _OffShape  # a <method/> without <lines> would have taken the class's own <lines> for its copy
        self.classes.add(self.path, self.lines, self.branch_lines)
        self.path, self.has_lines, self.has_methods = None, False, False
        self.lines, self.branch_lines = [], []
        self.add, self.add_branch = self.lines.append, self.branch_lines.append


def _read_tree(stream: IO[bytes], classes: _Classes) -> None:
    """The same pass over a tree: slower, and exact whatever the element order."""
    for _, element in iterparse(stream, _TAGS):
        if element.tag == "class":
            # only the class's own <lines>: the copies under <methods> are left out; any other child of <lines>
            # has no hits attribute, and is reported so
            lines: Lines = [
                dict(line.items()) if line.tag == "line" else {}
                for own in element.iterchildren("lines")
                for line in own.iterchildren()
            ]
            classes.add(_filename(element), lines, [line for line in lines if _CONDITION in line])
        else:
            classes.end_package()
        release(element)
    classes.end_package()


class _Grouper:
    """Keeps the consecutive classes of one file in one package until the file changes, then counts them.

    A lone class (the usual case) is counted without looking at each line in Python. A file whose classes are
    not consecutive is noted in `scattered` and recounted by a second pass.
    """

    __slots__ = ("files", "group", "path", "scattered")

    def __init__(self) -> None:
        self.files: dict[str, FileCoverage] = {}
        self.scattered: set[str] = set()
        self.path = ""
        self.group: list[tuple[Lines, Lines]] = []

    def add(self, path: str, lines: Lines, branch_lines: Lines) -> None:
        if self.group and path != self.path:
            self.end_package()
        self.path = path
        self.group.append((lines, branch_lines))

    def end_package(self) -> None:
        if not self.group:
            return
        path = self.path
        if path in self.files:
            self.scattered.add(path)
        if len(self.group) == 1:
            self.files[path] = _count_lone(path, *self.group[0])
        else:
            tally = LineTally()
            for lines, branch_lines in self.group:
                _tally_class(tally, path, lines, branch_lines)
            self.files[path] = tally.file(path)
        self.group = []


class _Union:
    """The second pass: every class of the scattered files, tallied per file."""

    def __init__(self, scattered: set[str]) -> None:
        self.tallies = {path: LineTally() for path in scattered}

    def add(self, path: str, lines: Lines, branch_lines: Lines) -> None:
        tally = self.tallies.get(path)
        if tally is not None:
            _tally_class(tally, path, lines, branch_lines)

    def end_package(self) -> None:
        return None

    def files(self) -> dict[str, FileCoverage]:
        return {path: tally.file(path) for path, tally in self.tallies.items()}


def _filename(element: etree._Element | Mapping[str, str]) -> str:
    name = element.get("filename")
    if not name:
        raise ReportError(f"<class name={element.get('name')!r}> has no filename attribute")
    return name


def _count_lone(path: str, lines: Lines, branch_lines: Lines) -> FileCoverage:
    """Counts of one class; a line number its <lines> repeat counts once (covered if any copy was hit)."""
    numbers = _line_attributes(_numbers_of, lines, path, "number")
    if len(set(numbers)) != len(numbers):
        tally = LineTally()
        _tally_class(tally, path, lines, branch_lines)
        return tally.file(path)
    hits = _line_attributes(_hits_of, lines, path, "hits")
    if hits and not _all_digits(hits):
        raise ReportError(f"{path}: a <line> has a hits value that is not a whole number")
    branches_covered = branches_valid = 0
    for text in map(_conditions_of, branch_lines):
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


def _tally_class(tally: LineTally, path: str, lines: Lines, branch_lines: Lines) -> None:
    numbers = _line_attributes(_numbers_of, lines, path, "number")
    hits = _line_attributes(_hits_of, lines, path, "hits")
    for number, count in zip(numbers, hits, strict=True):
        tally.add_line(_whole(number, path), _whole(count, path) > 0)
    for line in branch_lines:
        line_number = _whole(line.get("number", ""), path)
        covered, valid = _fraction(line[_CONDITION], path)
        for branch in range(valid):
            tally.add_branch((line_number, branch), branch < covered)


def _line_attributes(getter: itemgetter[str], lines: Lines, path: str, name: str) -> list[str]:
    try:
        return list(map(getter, lines))  # in C, not a Python loop: this runs for every line of the report
    except KeyError:
        raise ReportError(f"{path}: a <line> has no {name} attribute") from None


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
