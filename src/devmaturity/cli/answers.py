"""`devmaturity answers`: the assessor's answers file, the next level's questions, and the self-assessment workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from devmaturity.cli.texts import LANG, lang_of, say
from devmaturity.config import load_config
from devmaturity.errors import UsageError
from devmaturity.frameworks.loader import load_framework
from devmaturity.model.framework import Framework
from devmaturity.model.text import Lang
from devmaturity.reports.writer import write_bytes, write_text
from devmaturity.services.answers import (
    answers_template,
    answers_yaml,
    load_answers,
    merge_answers,
    next_level_criteria,
)
from devmaturity.services.catalog import select_parts
from devmaturity.services.workbook import answerable, read_workbook, source_report, write_workbook

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def answers() -> None:
    """Assessor answers: the evidence no tool records."""


def _report_options(fn: Any) -> Any:
    fn = click.option(
        "--next-level",
        is_flag=True,
        help="Only what stands between each item and its next level (needs --from-report).",
    )(fn)
    return click.option(
        "--from-report",
        "from_report",
        type=click.Path(path_type=Path),
        help="A report.json of `devmaturity assess`, or a repository folder to assess first.",
    )(fn)


def _report(
    fw: Framework, framework: str, from_report: Path | None, next_level: bool
) -> tuple[dict[str, Any] | None, set[str] | None]:
    """The assessment to work from (a repository folder is assessed with `framework`) and, with --next-level, the
    criteria to ask about."""
    if from_report is None:
        if next_level:
            raise UsageError(
                "--next-level needs --from-report (a report.json or a repository folder)",
                zh="--next-level 需要同时给出 --from-report（report.json 或版本库文件夹）",
            )
        return None, None
    config = load_config(project_dir=from_report if from_report.is_dir() else None, flags={"framework": framework})
    report = source_report(from_report, config)
    if next_level:
        return report, next_level_criteria(report, fw, str(from_report))
    return report, answerable(fw, report)


@answers.command("template")
@click.option("--framework", default="caict-devops", show_default=True, help="Framework id or model path.")
@click.option("--part", "parts", multiple=True, help="Only these parts; repeatable.")
@LANG
@click.option("--merge", "merge_from", type=_FILE, help="Keep the answers already given in this file.")
@_report_options
@click.option("--out", "out", type=_FILE, help="Write here instead of standard output.")
def template(
    framework: str,
    parts: tuple[str, ...],
    lang: str | None,
    merge_from: Path | None,
    from_report: Path | None,
    next_level: bool,
    out: Path | None,
) -> None:
    """Write an answers file listing every assessor question with room for answer and evidence."""
    fw = load_framework(framework)
    keys = [p.key for p in select_parts(fw, list(parts))]
    existing = load_answers(merge_from, fw) if merge_from else None
    _, only = _report(fw, framework, from_report, next_level)
    text = answers_template(fw, lang=_lang(lang), parts=keys, existing=existing, only=only)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_text(out, text)
        click.echo(say("wrote", _lang(lang), path=out), err=True)


@answers.command("workbook")
@click.option("--framework", default="caict-devops", show_default=True, help="Framework id or model path.")
@click.option("--part", "parts", multiple=True, help="Only these parts; repeatable.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@_report_options
@click.option("--out", "out", type=_FILE, required=True, help="The .xlsx file to write.")
def workbook(
    framework: str, parts: tuple[str, ...], lang: str, from_report: Path | None, next_level: bool, out: Path
) -> None:
    """Write the CAICT self-assessment workbook (自评表): one sheet per part, one row per question."""
    fw = load_framework(framework)
    keys = [p.key for p in select_parts(fw, list(parts))]
    report, only = _report(fw, framework, from_report, next_level)
    write_bytes(out, write_workbook(fw, lang=_lang(lang), parts=keys, report=report, only=only))
    click.echo(say("wrote", _lang(lang), path=out), err=True)


@answers.command("import")
@click.argument("workbook_path", metavar="WORKBOOK", type=_FILE)
@click.option("--framework", default="caict-devops", show_default=True, help="Framework id or model path.")
@click.option("--merge", "merge_into", type=_FILE, help="Put the workbook's answers over the answers of this file.")
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), help="Comment and message language (default: the config's lang)."
)
@click.option("--out", "out", type=_FILE, required=True, help="The answers file (YAML) to write.")
def import_(workbook_path: Path, framework: str, merge_into: Path | None, lang: str | None, out: Path) -> None:
    """Read a filled self-assessment workbook into the answers file `devmaturity assess --answers` reads."""
    fw = load_framework(framework)
    given = read_workbook(workbook_path, fw)
    old = load_answers(merge_into, fw) if merge_into else {}
    write_text(out, answers_yaml(merge_answers(old, given), fw, lang=_lang(lang)))
    click.echo(say("wrote_answers", _lang(lang), path=out, count=len(given), source=workbook_path), err=True)


def _lang(lang: str | None) -> Lang:
    return lang_of(lang, Path("."))
