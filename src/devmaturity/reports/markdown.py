"""The Markdown report: levels, each item's criteria with status and reasons, and the gap to the next level."""

from __future__ import annotations

from typing import Any

from devmaturity.reports.i18n import answered_line, answers_by_criterion, s, tx

_ICON = {"met": "✅", "not_met": "❌", "unknown": "❔", "empty": "—"}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(report: dict[str, Any], lang: str = "en") -> str:
    names = report["framework"]["levels"]
    out = [
        f"# {s('title', lang)}: {report['project']}",
        "",
        f"- {s('framework', lang)}: {tx(report['framework']['name'], lang)} {report['framework']['version']}",
        f"- {s('window', lang)}: {report['window']['start'][:10]} .. {report['window']['end'][:10]}",
        f"- {s('generated', lang)}: {report['generated_at'][:19]}",
        "",
        f"| {s('part', lang)} | {s('level', lang)} | {s('criteria', lang)} |",
        "|---|---|---|",
    ]
    for part in report["parts"]:
        c = part["counts"]
        out.append(
            f"| {part['key'].upper()} {_cell(tx(part['name'], lang))} | {part['level']} "
            f"{_cell(tx(names.get(str(part['level'])), lang))} | "
            f"{s('summary_line', lang, met=c['met'], not_met=c['not_met'], unknown=c['unknown'])} |"
        )
    answers = answers_by_criterion(report)
    for part in report["parts"]:
        out += ["", f"## {part['key'].upper()} {tx(part['name'], lang)}: {part['level']}"]
        for sub in part["subdomains"]:
            out += ["", f"### {tx(sub['name'], lang)}: {sub['level']}", ""]
            for item in sub["items"]:
                out.extend(_item(item, lang, answers))
    return "\n".join(out) + "\n"


def _item(item: dict[str, Any], lang: str, answers: dict[str, dict[str, Any]]) -> list[str]:
    out = [f"#### {item['id']} {tx(item['name'], lang)}: {item['mark']}", ""]
    if item.get("not_applicable"):
        out += [f"{s('not_applicable', lang)}: {_cell(item['not_applicable'])}", ""]
    for level in item["levels"]:
        if level["empty_in_standard"]:
            out.append(f"- L{level['number']} {_ICON['empty']} {_cell(tx(level['text'], lang))}")
            continue
        out.append(f"- L{level['number']} {_ICON[level['status']]} {_cell(tx(level['text'], lang))}")
        for crit in level["criteria"]:
            why = _cell(tx(crit["reason"], lang))
            out.append(f"  - {_ICON[crit['status']]} `{crit['id']}` {_cell(tx(crit['text'], lang))}: {why}")
            if line := answered_line(crit, answers, lang):
                out.append(f"    - {_cell(line)}")
            if crit.get("calibration"):
                out.append(f"    - *{s('calibration', lang)}: {_cell(tx(crit['calibration'], lang))}*")
    if item["gap"]:
        out += ["", f"{s('gap', lang)}:"]
        out += [
            f"- `{g['criterion']}` ({s(g['status'], lang)}): {_cell(tx(g['how_to_decide'], lang))}" for g in item["gap"]
        ]
    out.append("")
    return out
