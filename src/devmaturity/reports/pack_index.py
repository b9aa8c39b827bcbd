"""The index.html of an evidence pack: reports, items with their evidence codes, records and answers, linked by
relative paths so it opens offline from the unpacked folder (no script)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, select_autoescape

from devmaturity.reports.evidence import Material
from devmaturity.reports.i18n import s, tx


@cache
def _template() -> Any:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    text = resources.files("devmaturity.reports").joinpath("templates/pack-index.html").read_text(encoding="utf-8")
    return env.from_string(text)


def render_pack_index(
    report: dict[str, Any],
    lang: str,
    *,
    assessment_id: int,
    found: list[Material],
    codes: dict[str, str],
    paths: list[str],
) -> str:
    by_item: dict[str, list[Material]] = {}
    for material in found:
        by_item.setdefault(material.item, []).append(material)
    return str(
        _template().render(
            r=report,
            lang=lang,
            assessment_id=assessment_id,
            codes=codes,
            by_item=by_item,
            reports=[p for p in paths if p.startswith("reports/")],
            records=[p for p in paths if p.startswith("records/")],
            answers=[p for p in paths if p.startswith("answers/")],
            s=lambda key, **kw: s(key, lang, **kw),
            tx=lambda text: tx(text, lang),
        )
    )
