"""`devmaturity serve`: the web service that receives delivery events by webhook (docs/webhooks.md)."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import click
import uvicorn
from rich.console import Console
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from devmaturity.cli.texts import LANG, pick, say
from devmaturity.config import CONFIG_FILE, load_config
from devmaturity.errors import UsageError
from devmaturity.services.database import check_schema, describe_store
from devmaturity.web.app import create_app

KEEP_ALIVE = 5  # seconds an idle connection stays open between requests
HEADER_TIMEOUT = 10.0  # seconds a new connection has to send its request line and headers
CONCURRENCY = 100  # connections and tasks at once; more are answered 503 at once instead of queueing


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose first request's headers are not complete within
    HEADER_TIMEOUT: h11 alone waits forever for a client that sends half a request line and stops."""

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._headers_overdue)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _headers_overdue(self) -> None:
        if self.scope is None and not self.transport.is_closing():  # no request line + headers yet
            self.transport.close()


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
@LANG
def serve(host: str, port: int, database_url: str | None, config_file: Path | None, lang: str | None) -> None:
    """Receive deployments, incidents and work items by webhook (generic JSON, GitHub, GitLab) into the store."""
    flags = {"database_url": database_url, "lang": lang}
    config = load_config(project_dir=Path.cwd(), flags=flags, config_file=config_file)
    chosen = pick(config)
    store = check_schema(config.database_url)  # an old schema is refused here (schema-outdated), before serving
    if not config.webhooks:
        where = config_file or Path(CONFIG_FILE)
        raise UsageError(say("no_webhooks", "en", file=where), zh=say("no_webhooks", "zh", file=where))
    app = create_app(config, store)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(say("store", chosen, store=describe_store(config.database_url, chosen)), markup=False)
    projects = ("、" if chosen == "zh" else ", ").join(spec.project for spec in config.webhooks)
    console.print(say("serving", chosen, projects=projects, host=host, port=port), markup=False)
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=HeaderTimeoutProtocol,
        log_config=_log_config(),
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE,
        limit_concurrency=CONCURRENCY,
    )


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging, with devmaturity's lines (what each delivery stored or why it was refused) beside it."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["devmaturity"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
