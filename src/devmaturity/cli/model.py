"""`devmaturity model`, `metrics` and `facts`: browse and validate maturity models and their vocabularies."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from devmaturity.cli.texts import LANG, lang_of
from devmaturity.model.facts import FACTS
from devmaturity.model.framework import Framework, Part
from devmaturity.model.metric_catalogue import METRICS
from devmaturity.model.text import Lang
from devmaturity.services.catalog import computed_metrics, evidence_kinds, framework_summary, select_parts


def _lang(lang: str | None) -> Lang:
    return lang_of(lang, Path("."))


@click.group()
def model() -> None:
    """Browse and validate maturity models."""


@model.command("list")
@LANG
def list_models(lang: str | None) -> None:
    """List the bundled frameworks."""
    from devmaturity.frameworks.loader import bundled_frameworks, load_framework

    table = Table("id", "version", "name", "parts", "items")
    for fid in bundled_frameworks():
        fw = load_framework(fid)
        table.add_row(
            fw.id,
            fw.version,
            fw.name.get(_lang(lang)),
            ", ".join(p.key for p in fw.parts),
            str(len(fw.items())),
        )
    Console().print(table)


@model.command("show")
@click.argument("framework")
@click.option("--part", "parts", multiple=True, help="Only these parts; repeatable.")
@LANG
@click.option("--levels/--no-levels", default=True, help="Show each item's level texts.")
def show(framework: str, parts: tuple[str, ...], lang: str | None, levels: bool) -> None:
    """Show a framework's tree: parts, subdomains, items and their level criteria."""
    from devmaturity.frameworks.loader import load_framework

    fw = load_framework(framework)
    console = Console(highlight=False)
    for part in select_parts(fw, list(parts)):
        console.print(_part_table(fw, part, lang, levels))


def _part_table(fw: Framework, part: Part, lang: str | None, levels: bool) -> Table:
    pick = _lang(lang)
    table = Table(
        title=f"{part.key.upper()} {part.name.get(pick)} ({part.reference or fw.id})",
        title_justify="left",
        show_lines=levels,
    )
    table.add_column("id", no_wrap=True)
    table.add_column("item")
    if levels:
        for n in sorted(fw.level_names):
            table.add_column(f"L{n} {fw.level_names[n].get(pick)}")
    for sub in part.subdomains:
        table.add_row(f"[bold]{sub.id}[/bold]", f"[bold]{escape(sub.name.get(pick))}[/bold]")
        for item in sub.items:
            cells = [item.id, f"{escape(item.name.get(pick))}\n[dim]{item.source.value}[/dim]"]
            if levels:
                for lv in item.levels:
                    kinds = " ".join(c.kind.value[0].upper() for c in lv.criteria)
                    cells.append(escape(lv.text.get(pick)) + (f"\n[dim]{kinds}[/dim]" if kinds else ""))
            table.add_row(*cells)
    return table


@model.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
def validate(path: Path) -> None:
    """Validate a model folder, framework.yaml or part file; errors name file, key path and value."""
    from devmaturity.frameworks.loader import validate_path

    loaded = validate_path(path)
    if isinstance(loaded, Part):
        click.echo(f"ok: part {loaded.key}: {len(loaded.subdomains)} subdomains, {len(loaded.items())} items")
    else:
        click.echo(f"ok: {framework_summary(loaded)}")


@click.command()
@LANG
def metrics(lang: str | None) -> None:
    """List the metric catalogue (ids usable in model files)."""
    pick = _lang(lang)
    done = set(computed_metrics())  # the compute functions (and NumPy) load here
    heads = ("id", "单位", "越…越好", "证据", "已计算", "名称")
    table = Table(*(heads if pick == "zh" else ("id", "unit", "better", "evidence", "computed", "name")))
    table.columns[0].no_wrap = True
    for spec in METRICS:
        table.add_row(
            spec.id,
            spec.unit,
            {"higher": "高", "lower": "低"}[spec.better.value] if pick == "zh" else spec.better.value,
            spec.evidence.value,
            ("是" if spec.id in done else "尚未") if pick == "zh" else ("yes" if spec.id in done else "not yet"),
            spec.name.get(pick),
        )
    Console().print(table)


@click.command()
@LANG
def facts(lang: str | None) -> None:
    """List the fact catalogue (ids usable in model files)."""
    pick = _lang(lang)
    table = Table(*(("id", "证据", "含义") if pick == "zh" else ("id", "evidence", "meaning")))
    table.columns[0].no_wrap = True
    for spec in FACTS:
        table.add_row(spec.id, spec.evidence.value, spec.name.get(pick))
    Console().print(table)


@click.command()
@LANG
def kinds(lang: str | None) -> None:
    """List the evidence kinds `devmaturity ingest --kind` takes, their formats and discovery patterns."""
    pick = _lang(lang)
    zh_heads = ("种类", "类别", "含义", "格式", "自动发现")
    heads = zh_heads if pick == "zh" else ("kind", "family", "meaning", "formats", "found by")
    table = Table(*heads)
    table.columns[0].no_wrap = True
    for spec in evidence_kinds():
        names = " / ".join((spec.key, *spec.aliases))
        found = ", ".join(spec.patterns) or ("仅 ingest 导入" if pick == "zh" else "ingest only")
        family = {"report": "报告文件", "event": "事件记录"}[spec.family.value] if pick == "zh" else spec.family.value
        table.add_row(names, family, spec.name.get(pick), ", ".join(spec.formats), found)
    Console().print(table)
