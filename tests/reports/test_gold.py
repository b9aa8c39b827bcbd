"""Reports compared with gold files. Refresh after an intended change with:
DEVMATURITY_UPDATE_GOLD=1 ./scripts/check tests/reports
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity import __version__
from devmaturity.config import Config
from devmaturity.reports.html import render_html
from devmaturity.reports.json import render_json
from devmaturity.reports.markdown import render_markdown
from devmaturity.services.assess import AssessResult, run_assessment
from devmaturity.store.db import Store
from tests.history import build_history

GOLD = Path(__file__).parents[1] / "data" / "gold"
TINY = str(Path(__file__).parents[1] / "data" / "models" / "tiny")
NOW = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AssessResult:
    root = tmp_path_factory.mktemp("gold")
    build_history(root / "payments")
    store = Store.open(f"sqlite:///{root / 'gold.db'}")
    config = Config(framework=TINY, window=28, project="payments")
    return run_assessment(root / "payments", config, store=store, now=NOW)


def _scrub(text: str) -> str:
    text = text.replace(__version__, "<version>")
    return re.sub(r"/tmp/[^\s\"'<>|)]*", "<tmp>", text)


def _compare(name: str, actual: str) -> None:
    path = GOLD / name
    actual = _scrub(actual)
    if os.environ.get("DEVMATURITY_UPDATE_GOLD") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{name} has no gold file; review the output and write it with DEVMATURITY_UPDATE_GOLD=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its gold file"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_report(result: AssessResult, lang: str) -> None:
    _compare(f"tiny-report.{lang}.md", render_markdown(result.report, lang))


def test_json_report(result: AssessResult) -> None:
    report = json.loads(render_json(result.report))
    assert report["parts"][0]["level"] == 1
    _compare("tiny-report.json", render_json(result.report))


def test_html_report(result: AssessResult) -> None:
    _compare("tiny-report.html", render_html(result.report, "en"))
