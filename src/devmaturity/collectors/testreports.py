"""Test reports of any supported format: sniffs the root element and hands the file to its reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from devmaturity.collectors import junit, nunit, trx, xmlsafe, xunit
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.junit import DEFAULT_KIND_RULES, KindRules, Record

Reader = Callable[..., Iterator[Record]]
SUPPORTED = "JUnit XML, TRX, NUnit 2/3, xUnit.net v2"

# root element (without namespace) -> (format name stored with the report, reader)
READERS: dict[str, tuple[str, Reader]] = {
    "testsuites": ("junit", junit.read_junit),
    "testsuite": ("junit", junit.read_junit),
    trx.ROOT: ("trx", trx.read_trx),
    "test-run": ("nunit3", nunit.read_nunit),
    "test-results": ("nunit2", nunit.read_nunit),
    xunit.ROOT: ("xunit2", xunit.read_xunit),
}


def root_element(path: Path, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> str:
    """The local name of the file's root element, read after the same size and prolog checks as the readers."""
    with xmlsafe.reading(), xmlsafe.open_checked(path, max_bytes) as stream:
        for _event, element in xmlsafe.iterparse(stream, events=("start",)):
            return xmlsafe.local(element.tag)
    raise xmlsafe.UnsafeXml("no root element")


def sniff(path: Path, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> tuple[str, Reader]:
    """(format, reader) of a test report, from its root element; an unknown root is a ReportError naming it."""
    root = root_element(path, max_bytes)
    found = READERS.get(root)
    if found is None:
        raise ReportError(f"unsupported test report format <{root}>; supported: {SUPPORTED}")
    return found


def read_tests(
    path: Path, *, kind_rules: KindRules = DEFAULT_KIND_RULES, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES
) -> Iterator[Record]:
    """Stream the records of one test report of any supported format (see READERS)."""
    _format, reader = sniff(path, max_bytes)
    return reader(path, kind_rules=kind_rules, max_bytes=max_bytes)
