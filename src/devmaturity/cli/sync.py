"""`devmaturity sync`: read the CI/CD and hosting platforms named in devmaturity.toml into the store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from devmaturity.cli.texts import LANG, pick, say
from devmaturity.config import load_config
from devmaturity.errors import UsageError
from devmaturity.services.database import describe_store, open_store
from devmaturity.services.delivery import refresh_derived
from devmaturity.services.sync import local_project, make_source, sync_source


@click.command()
@click.argument("path", type=click.Path(path_type=Path, readable=False, file_okay=False), default=".")
@click.option("--project", help="Project name (default: the folder name of PATH).")
@LANG
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def sync(path: Path, project: str | None, lang: str | None, database_url: str | None) -> None:
    """Sync every [[devmaturity.sources]] of PATH/devmaturity.toml (tokens come from environment variables)."""
    config = load_config(project_dir=path, flags={"database_url": database_url, "project": project, "lang": lang})
    chosen = pick(config)
    if not config.sources:
        file = path / "devmaturity.toml"
        raise UsageError(say("no_sources", "en", file=file), zh=say("no_sources", "zh", file=file))
    sources = [make_source(spec) for spec in config.sources]
    store = open_store(config.database_url)
    project_id = local_project(store, config.project or path.resolve().name, path)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(say("store", chosen, store=describe_store(config.database_url, chosen)), markup=False)
    for source in sources:
        result = sync_source(store, project_id, source)
        how = say("sync_incremental" if result.resumed else "sync_full", chosen)
        shown = say("sync_done", chosen, source=result.source, how=how, pages=result.pages, records=result.records)
        console.print(shown, markup=False)
        for problem in result.problems:
            console.print(say("sync_warning", chosen, source=problem.source, message=problem.message), markup=False)
    console.print(refresh_derived(store, project_id, config).get(chosen), markup=False)
