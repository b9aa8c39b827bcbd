"""Every metric, fact, setting and error slug is documented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from devmaturity import errors
from devmaturity.config import SETTINGS
from devmaturity.model.facts import FACTS
from devmaturity.model.metric_catalogue import METRICS

DOCS = Path(__file__).parents[1] / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_metric_is_documented() -> None:
    text = _read("metrics.md")
    missing = [m.id for m in METRICS if not re.search(rf"(^|[\s|#`]){re.escape(m.id)}([\s|(`,]|$)", text, re.M)]
    assert missing == []


def test_every_fact_is_documented() -> None:
    text = _read("facts.md")
    missing = []
    for spec in FACTS:
        head, _, tail = spec.id.rpartition(".")
        grouped = spec.id.startswith(("pipeline.stage.", "ci.")) and tail in text and head in text
        if spec.id not in text and not grouped:
            missing.append(spec.id)
    assert missing == []


def test_every_setting_is_documented() -> None:
    text = _read("configuration.md")
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in text] == []


def test_every_error_slug_and_exit_code_is_documented() -> None:
    text = _read("errors.md")
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.DevmaturityError)]
    assert [c.slug for c in classes if f"`{c.slug}`" not in text] == []
    assert [c.exit_code for c in classes if f"| {c.exit_code} |" not in text] == []


def test_every_report_format_is_documented() -> None:
    from devmaturity.reports.registry import DOCUMENT_FORMATS, FORMATS

    text = _read("reports.md")
    assert [name for name in FORMATS if f"| `{name}` |" not in text] == []
    assert [name for name in DOCUMENT_FORMATS if f"`{name}`" not in text] == []
