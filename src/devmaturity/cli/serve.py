"""`devmaturity serve`: the web service that receives delivery events by webhook (docs/webhooks.md)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import click
import uvicorn
from rich.console import Console
from uvicorn.config import LOGGING_CONFIG

from devmaturity.config import CONFIG_FILE, load_config
from devmaturity.errors import UsageError
from devmaturity.store.db import Store
from devmaturity.web.app import create_app


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind; 0.0.0.0 exposes it to the network."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--database", "--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Settings file (default ./{CONFIG_FILE}); its [[devmaturity.webhooks]] name the projects served.",
)
def serve(host: str, port: int, database_url: str | None, config_file: Path | None) -> None:
    """Receive deployments, incidents and work items by webhook (generic JSON, GitHub, GitLab) into the store."""
    config = load_config(project_dir=Path.cwd(), flags={"database_url": database_url}, config_file=config_file)
    if not config.webhooks:
        where = config_file or Path(CONFIG_FILE)
        raise UsageError(f"no webhooks configured: add [[devmaturity.webhooks]] (project, secret_env) to {where}")
    app = create_app(config, Store.open(config.database_url))
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    projects = ", ".join(spec.project for spec in config.webhooks)
    console.print(f"serving webhooks for {projects} on http://{host}:{port}/api/v1/projects/", markup=False)
    uvicorn.run(app, host=host, port=port, log_config=_log_config(), server_header=False)


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging, with devmaturity's lines (what each delivery stored or why it was refused) beside it."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["devmaturity"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
