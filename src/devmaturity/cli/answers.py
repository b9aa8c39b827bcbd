"""`devmaturity answers template`: write the assessor answers file for criteria no tool can decide."""

from __future__ import annotations

from pathlib import Path

import click

from devmaturity.frameworks.loader import load_framework
from devmaturity.reports.writer import write_text
from devmaturity.services.answers import answers_template, load_answers
from devmaturity.services.catalog import select_parts


@click.group()
def answers() -> None:
    """Assessor answers: the evidence no tool records."""


@answers.command("template")
@click.option("--framework", default="caict-devops", show_default=True, help="Framework id or model path.")
@click.option("--part", "parts", multiple=True, help="Only these parts; repeatable.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@click.option(
    "--merge",
    "merge_from",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the answers already given in this file.",
)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output."
)
def template(framework: str, parts: tuple[str, ...], lang: str, merge_from: Path | None, out: Path | None) -> None:
    """Write an answers file listing every assessor question with room for answer and evidence."""
    fw = load_framework(framework)
    keys = [p.key for p in select_parts(fw, list(parts))]
    existing = load_answers(merge_from, fw) if merge_from else None
    text = answers_template(fw, lang="zh" if lang == "zh" else "en", parts=keys, existing=existing)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_text(out, text)
        click.echo(f"wrote {out}", err=True)
