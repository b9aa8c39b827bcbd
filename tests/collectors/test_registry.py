"""The evidence-kind registry is the one table every other list of kinds is checked against."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from devmaturity.cli.main import cli
from devmaturity.collectors import events, registry
from devmaturity.config import REPORT_KINDS
from devmaturity.model.evidence import ReportKind
from devmaturity.services.ingest import DEFAULT_GLOBS, EVENT_KINDS


def test_every_reader_named_in_the_table_imports_and_is_callable() -> None:
    for spec in registry.KINDS:
        assert callable(spec.load_reader()), spec.key


def test_the_other_lists_of_kinds_agree_with_the_table() -> None:
    report_keys = registry.names(registry.Family.REPORT)
    assert tuple(k.value for k in ReportKind) == report_keys
    assert report_keys == REPORT_KINDS
    assert tuple(events.SCHEMAS) == registry.names(registry.Family.EVENT) == EVENT_KINDS
    assert {k.value: v for k, v in DEFAULT_GLOBS.items()} == {s.key: s.patterns for s in registry.reports()}


def test_lookup_by_alias_and_case_and_a_clear_error_for_unknown() -> None:
    assert registry.kind("tests").key == "junit"
    assert registry.kind(" SARIF ").key == "sarif"
    with pytest.raises(registry.UnknownKind, match=r"unknown evidence kind 'pdf'; use one of junit, coverage, sarif"):
        registry.kind("pdf")


def test_ingest_takes_the_alias_and_kinds_lists_every_kind(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text('<testsuite name="s" tests="1"><testcase classname="a.B" name="t"/></testsuite>\n')
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'store.db'}"
    done = runner.invoke(cli, ["ingest", "--kind", "tests", "--project", "p", "--db", db, str(report)])
    assert done.exit_code == 0, done.output
    assert "1 ingested" in done.output
    listed = runner.invoke(cli, ["kinds", "--lang", "zh"])
    assert listed.exit_code == 0
    for spec in registry.KINDS:
        assert spec.key in listed.output
    assert "测试结果报告" in listed.output
