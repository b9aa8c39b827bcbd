"""`devmaturity sync`: read the CI/CD and hosting platforms named in devmaturity.toml into the store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from devmaturity.config import load_config
from devmaturity.errors import UsageError
from devmaturity.services.delivery import refresh_derived
from devmaturity.services.sync import make_source, sync_source
from devmaturity.store.db import Store


@click.command()
@click.argument("path", type=click.Path(path_type=Path, readable=False, file_okay=False), default=".")
@click.option("--project", help="Project name (default: the folder name of PATH).")
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def sync(path: Path, project: str | None, database_url: str | None) -> None:
    """Sync every [[devmaturity.sources]] of PATH/devmaturity.toml (tokens come from environment variables)."""
    config = load_config(project_dir=path, flags={"database_url": database_url, "project": project})
    if not config.sources:
        raise UsageError(f"no sources configured: add [[devmaturity.sources]] to {path / 'devmaturity.toml'}")
    sources = [make_source(spec) for spec in config.sources]
    store = Store.open(config.database_url)
    project_id = store.project(config.project or path.resolve().name, str(path.resolve()))
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for source in sources:
        result = sync_source(store, project_id, source)
        how = "incremental" if result.resumed else "full"
        console.print(f"{result.source}: {how} sync, {result.pages} page(s), {result.records} record(s)", markup=False)
        for problem in result.problems:
            console.print(f"warning: {problem.source}: {problem.message}", markup=False)
    console.print(refresh_derived(store, project_id, config).en, markup=False)
