"""`devmaturity assess` and `devmaturity gate`: collect a repository, score it, print and write reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from devmaturity.cli.texts import say
from devmaturity.config import Config, load_config
from devmaturity.errors import FormatUnavailable, GateFailed, UsageError
from devmaturity.reports.registry import FORMATS

if TYPE_CHECKING:
    from rich.console import Console

    from devmaturity.services.assess import AssessResult

# the renderers (reports/registry.py imports each when it renders), the services and rich are imported when a
# command runs, so `assess --help` stays light


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def _options(fn: Any) -> Any:
    fn = click.option("--framework", help="Framework id (caict-devops, dora) or path to a custom model.")(fn)
    fn = click.option("--window", help="Metric window, e.g. 90d (default from config, else 90d).")(fn)
    fn = click.option("--answers", "answers", type=click.Path(dir_okay=False), help="Assessor answers file (YAML).")(fn)
    fn = click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        help="Language of tables, reports and messages (default: lang in devmaturity.toml or DEVMATURITY_LANG).",
    )(fn)
    fn = click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")(fn)
    fn = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file (default PATH/devmaturity.toml).",
    )(fn)
    fn = click.option(
        "--as-of", "as_of", help="Assess as the project stood then: the window ends at this date (2026-09-30)."
    )(fn)
    fn = click.option(
        "--period", help="Assess a fixed period, both days included, e.g. 2026-07-01..2026-09-30 (a review period)."
    )(fn)
    return click.option("--project", help="Project name (default: the repository folder name).")(fn)


def _config(path: Path, config_file: Path | None, **flags: Any) -> tuple[Config, dict[str, Any]]:
    """The config, and the period flags (which are not settings): as_of and period, parsed."""
    from devmaturity.services.compare import parse_as_of, parse_window

    when = {"as_of": flags.pop("as_of", None), "period": flags.pop("period", None)}
    config = load_config(project_dir=path, flags=flags, config_file=config_file)
    return config, {
        "as_of": parse_as_of(when["as_of"]) if when["as_of"] else None,
        "period": parse_window(when["period"]) if when["period"] else None,
    }


def _run(path: Path, config: Config, parts: list[str] | None, console: Console, when: dict[str, Any]) -> AssessResult:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from devmaturity.services.assess import run_assessment
    from devmaturity.services.database import describe_store

    lang = config.lang
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(say("progress_start", lang), total=None)

        def progress(stage: str, count: int) -> None:
            if stage == "commits":
                text = say("progress_commits", lang, count=count)
            elif stage in ("attribute", "attributed"):
                text = say("progress_attribute", lang, count=count)
            else:
                text = say("progress_other", lang, stage=stage)
            bar.update(task, description=text)

        result = run_assessment(path, config, parts=parts, progress=progress, **when)
    console.print(say("store", lang, store=describe_store(config.database_url, lang)), markup=False)
    c = result.collect
    trunk = c.trunk or say("no_trunk", lang)
    shown = say("collected", lang, new=c.new_commits, total=c.total_commits, facts=len(c.facts), reports=len(c.reports))
    console.print(f"{shown} {trunk}", markup=False)
    for problem in result.collect.problems:
        console.print(say("problem", lang, source=problem.source, message=problem.message), markup=False)
    for notice in result.notices:
        console.print(say("note", lang, text=notice.get("zh" if lang == "zh" else "en")), markup=False)
    console.print(say("stored_assessment", lang, id=result.assessment_id), markup=False)
    return result


@click.command()
@click.argument("path", type=click.Path(path_type=Path, readable=False), default=".")
@_options
@click.option("--part", "parts", multiple=True, help="Only these parts (e.g. cd); repeatable.")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(tuple(FORMATS)),
    help="Outputs: table (terminal), json, md, html, doc (printable document), pdf; repeatable. "
    "Default: table + json + html.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("devmaturity-report"),
    show_default=True,
    help="Folder for the report files.",
)
@click.option("--brief", is_flag=True, help="Only the part table, not every subdomain.")
def assess(
    path: Path,
    config_file: Path | None,
    parts: tuple[str, ...],
    formats: tuple[str, ...],
    out_dir: Path,
    brief: bool,
    **flags: Any,
) -> None:
    """Assess the git repository at PATH against a maturity model."""
    config, when = _config(path, config_file, **flags)
    from devmaturity.reports.terminal import render_terminal
    from devmaturity.reports.writer import write_bytes, write_text

    chosen = formats or ("table", "json", "html")
    for missing in (FORMATS[name] for name in chosen if not FORMATS[name].available()):
        raise FormatUnavailable(
            say("format_missing", "en", format=missing.name, package=missing.needs),
            zh=say("format_missing", "zh", format=missing.name, package=missing.needs),
        )
    stderr = _console(stderr=True)
    result = _run(path, config, list(parts) or None, stderr, when)
    stdout = _console(stderr=False)
    if "table" in chosen:
        stdout.print(render_terminal(result.report, config.lang, detail=not brief))
    for fmt in (FORMATS[name] for name in chosen):
        if fmt.filename is None:
            continue
        content = fmt.render(result.report, config.lang)
        target = out_dir / fmt.filename
        written = write_bytes(target, content) if fmt.binary else write_text(target, content)
        stderr.print(say("wrote", config.lang, path=written), markup=False)


@click.command()
@click.argument("path", type=click.Path(path_type=Path, readable=False), default=".")
@_options
@click.option("--min-level", type=click.IntRange(1, 5), required=True, help="The bar every selected part must reach.")
@click.option("--part", "parts", multiple=True, help="Only these parts (default: every part); repeatable.")
def gate(path: Path, config_file: Path | None, min_level: int, parts: tuple[str, ...], **flags: Any) -> None:
    """Exit 2 when an assessed part is below --min-level (for CI)."""
    config, when = _config(path, config_file, **flags)
    stderr = _console(stderr=True)
    result = _run(path, config, list(parts) or None, stderr, when)
    lang = config.lang
    below = [p for p in result.assessment.parts if p.level < min_level]
    for part in result.assessment.parts:
        verdict = say("gate_ok" if part.level >= min_level else "gate_below", lang)
        click.echo(say("gate_line", lang, part=part.key, level=part.level, bar=min_level, verdict=verdict))
    if below:
        listed = ", ".join(f"{p.key}={p.level}" for p in below)
        raise GateFailed(
            say("gate_failed", "en", listed=listed, bar=min_level),
            zh=say("gate_failed", "zh", listed=listed, bar=min_level),
        )
    if not result.assessment.parts:
        raise UsageError(say("no_part", "en"), zh=say("no_part", "zh"))
