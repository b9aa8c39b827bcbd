"""`devmaturity ingest`: add report files produced elsewhere (CI artefacts) to a project."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.console import Console

from devmaturity.cli.texts import LANG, pick, say
from devmaturity.cli.texts import counts as shown_counts
from devmaturity.config import load_config
from devmaturity.errors import DataError, UsageError
from devmaturity.services.database import describe_store, open_store
from devmaturity.services.ingest import KIND_CHOICES, ingest_command


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--at {value!r}: use an ISO date or time, e.g. 2026-11-20T10:00:00+08:00",
            zh=f"--at {value!r}：请给出 ISO 日期或时间，如 2026-11-20T10:00:00+08:00",
        ) from None


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False, dir_okay=False))
@click.option(
    "--kind",
    required=True,
    type=click.Choice(KIND_CHOICES, case_sensitive=False),
    help="What the files are: test, coverage or security reports, or delivery event files (docs/events.md); "
    "`devmaturity kinds` lists them.",
)
@click.option("--project", required=True, help="Project the reports belong to (created if new).")
@click.option("--commit", help="Commit the reports belong to (enables flaky detection per revision).")
@click.option("--at", "at", help="Time the reports belong to (ISO 8601); default: each file's modification time.")
@click.option(
    "--repo",
    "repo",
    type=click.Path(path_type=Path, file_okay=False),
    help="Repository root, to make coverage paths repository-relative.",
)
@click.option("--source", help="For event files: the system the records come from (default: file).")
@click.option(
    "--encoding",
    type=click.Choice(["auto", "utf-8", "gb18030", "gbk"], case_sensitive=False),
    default="auto",
    show_default=True,
    help="Event files' text encoding; auto reads UTF-8, and a file that is not UTF-8 as GB18030 (Excel on Chinese "
    "Windows writes GBK).",
)
@LANG
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def ingest(
    files: tuple[Path, ...],
    kind: str,
    project: str,
    commit: str | None,
    at: str | None,
    repo: Path | None,
    source: str | None,
    encoding: str,
    lang: str | None,
    database_url: str | None,
) -> None:
    """Ingest report FILES (JUnit XML, coverage, SARIF) or delivery event files into a project's evidence."""
    config = load_config(project_dir=repo, flags={"database_url": database_url, "lang": lang})
    chosen = pick(config)
    store = open_store(config.database_url)
    click.echo(say("store", chosen, store=describe_store(config.database_url, chosen)), err=True)
    result = ingest_command(
        store,
        config,
        kind,
        list(files),
        project=project,
        commit=commit,
        at=_when(at),
        repo_root=repo,
        source=source,
        encoding=encoding.lower(),
    )
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for path, summary in result.ingested:
        console.print(say("ingested", chosen, path=path, summary=shown_counts(summary, chosen)), markup=False)
        for warning in summary.get("warnings", ()):
            console.print(say("warning", chosen, path=path, message=warning), markup=False)
    for path in result.already:
        console.print(say("already", chosen, path=path), markup=False)
    for problem in result.problems:
        console.print(say("problem", chosen, source=problem.source, message=problem.message), markup=False)
    for note in result.notes:
        console.print(note.get(chosen), markup=False)
    if result.derived:
        console.print(result.derived.get(chosen), markup=False)
    counts = {"ingested": len(result.ingested), "already": len(result.already), "rejected": len(result.problems)}
    click.echo(say("ingest_total", chosen, **counts))
    rejected = len(files) - len(result.ingested) - len(result.already)
    if result.problems:
        failed = {"problems": len(result.problems), "rejected": rejected, "files": len(files)}
        raise DataError(say("ingest_failed", "en", **failed), zh=say("ingest_failed", "zh", **failed))
