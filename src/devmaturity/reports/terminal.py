"""The terminal report: Rich tables of part and subdomain levels, and each item's mark."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from devmaturity.reports.i18n import s, tx

_STYLE = {0: "red", 1: "red", 2: "yellow", 3: "green", 4: "bold green", 5: "bold cyan"}


def _level(level: int, names: dict[str, Any], lang: str) -> Text:
    name = tx(names.get(str(level)), lang)
    return Text(f"{level} {name}".strip(), style=_STYLE.get(level, ""))


def _counts(counts: dict[str, int], lang: str) -> str:
    return s("summary_line", lang, met=counts["met"], not_met=counts["not_met"], unknown=counts["unknown"])


def render_terminal(report: dict[str, Any], lang: str = "en", detail: bool = True) -> RenderableType:
    """Parts with their levels, then per part the subdomains with every item's mark."""
    names = report["framework"]["levels"]
    head = Text.assemble(
        (f"{s('title', lang)}\n", "bold"),
        f"{s('project', lang)}: {report['project']}   {s('framework', lang)}: "
        f"{tx(report['framework']['name'], lang)} {report['framework']['version']}\n",
        f"{s('window', lang)}: {report['window']['start'][:10]} .. {report['window']['end'][:10]} "
        f"({report['window']['days']}d)",
    )
    parts = Table(title=s("part", lang), title_justify="left")
    parts.add_column(s("part", lang))
    parts.add_column(s("level", lang))
    parts.add_column(s("criteria", lang))
    parts.add_column(s("policy", lang))
    for part in report["parts"]:
        parts.add_row(
            f"{part['key'].upper()} {tx(part['name'], lang)}",
            _level(part["level"], names, lang),
            _counts(part["counts"], lang),
            part["policy"],
        )
    blocks: list[RenderableType] = [head, parts]
    if detail:
        for part in report["parts"]:
            blocks.append(_part_table(part, names, lang))
    return Group(*blocks)


def _part_table(part: dict[str, Any], names: dict[str, Any], lang: str) -> Table:
    table = Table(title=f"{part['key'].upper()} {tx(part['name'], lang)}", title_justify="left", show_lines=False)
    table.add_column(s("subdomain", lang))
    table.add_column(s("level", lang))
    table.add_column(s("item", lang) + " (" + s("mark", lang) + ")")
    for sub in part["subdomains"]:
        marks = Text()
        for i, item in enumerate(sub["items"]):
            if i:
                marks.append("  ")
            short = item["id"].rsplit(".", 1)[-1]
            style = "dim" if item["blocked_by"] == "unknown" else _STYLE.get(item["level"], "")
            marks.append(f"{short} {item['mark']}", style=style)
        table.add_row(tx(sub["name"], lang), _level(sub["level"], names, lang), marks)
    return table
