"""The assessment report as a printable document (HTML; reports/pdf.py prints it): cover, one-page summary,
per part its levels and per item score, evidence and advice, a roadmap to the next level, an evidence appendix."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from devmaturity.reports.charts import FONT, level_bars, mark_strip
from devmaturity.reports.evidence import Material, evidence_digest, materials
from devmaturity.reports.i18n import s, tx

MAX_REFS_SHOWN = 3  # references printed per material; the evidence pack holds them all
MAX_ADVICE = 3  # advice lines per item in the part tables; the roadmap lists every one
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One next step: a requirement that holds items back from the part's next level."""

    key: str
    text: str
    how: str
    status: str
    items: list[str] = field(default_factory=list)
    targets: dict[str, int] = field(default_factory=dict)  # part key → the level these items hold it below

    @property
    def levels(self) -> str:
        """`CD 3, SRM 2`: the parts and next levels this step is on the way to."""
        return ", ".join(f"{part.upper()} {level}" for part, level in self.targets.items())


def _items(part: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for sub in part["subdomains"] for item in sub["items"]]


def _criteria(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for level in item["levels"] for c in level["criteria"]}


def next_steps(report: dict[str, Any], lang: str, limit: int = 3) -> list[Step]:
    """The requirements that lift the most: for each part below the top, the gap entries of the items holding it
    below its next level, grouped by what they measure (one metric or fact blocks several items), ranked by the
    number of items they hold back, then by how close those items are to the next level."""
    top = max(int(k) for k in report["framework"]["levels"])
    found: dict[str, Step] = {}
    closeness: dict[str, int] = {}
    for part in report["parts"]:
        target = part["level"] + 1
        if target > top:
            continue
        for item in _items(part):
            if item.get("not_applicable") or item["level"] >= target:
                continue
            criteria = _criteria(item)
            for gap in item["gap"]:
                crit = criteria.get(gap["criterion"], {})
                key = crit.get("metric") or crit.get("fact") or gap["criterion"]
                step = found.get(key)
                if step is None:
                    step = found[key] = Step(
                        key=key,
                        text=tx(gap["text"], lang),
                        how=tx(gap["how_to_decide"], lang),
                        status=gap["status"],
                    )
                    closeness[key] = len(item["gap"])
                step.items.append(item["id"])
                step.targets.setdefault(part["key"], target)
                closeness[key] = min(closeness[key], len(item["gap"]))
    ranked = sorted(found.values(), key=lambda st: (-len(st.items), closeness[st.key], st.key))
    return ranked[:limit]


def strengths(report: dict[str, Any], limit: int = 3) -> list[dict[str, Any]]:
    """The subdomains standing highest, ties broken by their share of criteria met."""
    rows = []
    for part in report["parts"]:
        for sub in part["subdomains"]:
            met = total = 0
            for item in sub["items"]:
                met += item["counts"]["met"]
                total += sum(item["counts"].values())
            if sub["level"] > 0:
                rows.append({"part": part, "sub": sub, "met": met, "total": total})
    rows.sort(key=lambda r: (-r["sub"]["level"], -(r["met"] / (r["total"] or 1)), r["sub"]["id"]))
    return rows[:limit]


def roadmap(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per part below the top level: its next level and every item below it with what it still lacks."""
    top = max(int(k) for k in report["framework"]["levels"])
    out = []
    for part in report["parts"]:
        target = part["level"] + 1
        if target > top:
            continue
        items = [i for i in _items(part) if not i.get("not_applicable") and i["level"] < target and i["gap"]]
        out.append({"part": part, "target": target, "items": items})
    return out


def _by_item(found: list[Material]) -> dict[str, list[Material]]:
    out: dict[str, list[Material]] = defaultdict(list)
    for material in found:
        out[material.item].append(material)
    return out


def _short(ref: str) -> str:
    """A commit sha as its first 12 characters (the pack keeps it whole); anything else as it is."""
    return ref[:12] if _SHA.match(ref) else ref


def _refs(material: Material, lang: str) -> str:
    shown = "; ".join(_short(ref) for ref in material.refs[:MAX_REFS_SHOWN])
    more = len(material.refs) - MAX_REFS_SHOWN
    if more > 0:
        shown += " " + s("more_refs", lang, count=more)
    return shown or s("answer_only", lang)


def css_string(text: str) -> Markup:
    """`text` as the inside of a double-quoted CSS string in a <style> element: quotes, backslashes and `<` escaped
    by code point, so no project name ends the string or the element."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup("".join(out))  # noqa: S704 - every special character is escaped above


@cache
def _template() -> Any:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    text = resources.files("devmaturity.reports").joinpath("templates/document.html").read_text(encoding="utf-8")
    return env.from_string(text)


def render_document(report: dict[str, Any], lang: str = "en", *, font_url: str | None = None) -> str:
    """The document as one HTML page with its print CSS. `font_url` (the PDF renderer passes the bundled font)
    adds an @font-face so CJK text needs no system font; without it the page names common CJK system fonts."""
    max_level = max(int(k) for k in report["framework"]["levels"])
    found = materials(report)
    parts = report["parts"]
    charts = {
        p["key"]: level_bars([(tx(sub["name"], lang), sub["level"]) for sub in p["subdomains"]], max_level)
        for p in parts
    }
    overview = level_bars([(f"{p['key'].upper()} {tx(p['name'], lang)}", p["level"]) for p in parts], max_level)
    meta = report.get("document") or {}
    return str(
        _template().render(
            r=report,
            lang=lang,
            meta=meta,
            font_url=font_url,
            css_project=css_string(report["project"]),
            font_stack=Markup(FONT),  # noqa: S704 - a constant
            digest=evidence_digest(report),
            overview=overview,
            charts=charts,
            strips={p["key"]: mark_strip(p["counts"]) for p in parts},
            strengths=strengths(report),
            steps=next_steps(report, lang),
            roadmap=roadmap(report),
            materials=found,
            by_item=_by_item(found),
            max_advice=MAX_ADVICE,
            refs=lambda m: _refs(m, lang),
            level_name=lambda n: tx(report["framework"]["levels"].get(str(n)), lang),
            s=lambda key, **kw: s(key, lang, **kw),
            tx=lambda text: tx(text, lang),
        )
    )
