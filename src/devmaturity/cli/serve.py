"""`devmaturity serve`: the web service (REST API, sign-in, webhooks) on uvicorn, hardened against slow and
greedy clients by settings (docs/api.md#the-server)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import signal
import socket
from pathlib import Path
from typing import Any

import click
import uvicorn
from rich.console import Console
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from devmaturity.config import CONFIG_FILE, Config, load_config, secret_keys
from devmaturity.errors import ConfigError
from devmaturity.model.text import Lang
from devmaturity.services.database import check_schema, describe_store
from devmaturity.services.jobs import use_pool
from devmaturity.services.platform import pool_of
from devmaturity.web.app import create_app

# key -> (zh, en)
LINES: dict[str, tuple[str, str]] = {
    "store": ("存储：{store}", "store: {store}"),
    "serving": (
        "服务地址 http://{host}:{port}（API：/api/v1，健康检查：/health、/ready）",
        "serving http://{host}:{port} (API: /api/v1, health: /health, /ready)",
    ),
    "webhooks": (
        "接收以下项目的 Webhook：{projects}，地址 http://{host}:{port}/api/v1/projects/",
        "serving webhooks for {projects} on http://{host}:{port}/api/v1/projects/",
    ),
    "no_key": (
        "警告：未设置 DEVMATURITY_SECRET_KEY：登录、会话和 API 令牌不可用，只有 Webhook 和健康检查可用",
        "warning: DEVMATURITY_SECRET_KEY is not set: sign-in, sessions and API tokens are off; only webhooks and "
        "health checks work",
    ),
    "workers": (
        "{n} 个工作进程共用同一监听端口",
        "{n} worker processes share the listening socket",
    ),
    "limits": (
        "限制：请求头 {header} 秒，请求体 {body} 秒，空闲连接 {keep} 秒，最多 {conns} 个并发连接",
        "limits: headers {header} s, body {body} s, idle keep-alive {keep} s, at most {conns} connections",
    ),
}


def _say(key: str, lang: str, **values: object) -> str:
    zh, en = LINES[key]
    return (zh if lang == "zh" else en).format(**values)


def header_timeout_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose first request's headers are not complete within
    `seconds`: h11 alone waits forever for a client that sends half a request line and stops."""

    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._header_timer = self.loop.call_later(seconds, self._headers_overdue)

        def connection_lost(self, exc: Exception | None) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            super().connection_lost(exc)

        def _headers_overdue(self) -> None:
            if self.scope is None and not self.transport.is_closing():  # no request line + headers yet
                self.transport.close()

    return HeaderTimeoutProtocol


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
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes sharing the port (one per core uses the whole machine; each keeps its own pool).",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of the lines serve prints (default: lang in the settings or DEVMATURITY_LANG, else en).",
)
def serve(
    host: str, port: int, database_url: str | None, config_file: Path | None, workers: int, lang: str | None
) -> None:
    """Run the web service: REST API, sign-in, and webhooks (generic JSON, GitHub, GitLab) into the store."""
    config = load_config(project_dir=Path.cwd(), flags={"database_url": database_url}, config_file=config_file)
    shown: Lang = "zh" if (lang or config.lang) == "zh" else "en"
    pool = pool_of(config)
    use_pool(pool)  # the stores of jobs run in this process
    store = check_schema(config.database_url, pool)  # an old schema is refused (schema-outdated) here
    app = create_app(config, store, body_timeout=float(config.server_body_timeout))
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(_say("store", shown, store=describe_store(config.database_url, shown)), markup=False)
    console.print(_say("serving", shown, host=host, port=port), markup=False)
    if config.webhooks:
        projects = ", ".join(spec.project for spec in config.webhooks)
        console.print(_say("webhooks", shown, projects=projects, host=host, port=port), markup=False)
    if not _has_key():
        console.print(_say("no_key", shown), markup=False)
    limits = {
        "header": config.server_header_timeout,
        "body": config.server_body_timeout,
        "keep": config.server_keep_alive,
        "conns": config.server_max_connections,
    }
    console.print(_say("limits", shown, **limits), markup=False)
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **server_options(config))
        return
    console.print(_say("workers", shown, n=workers), markup=False)
    store.engine.dispose()  # each worker opens its own connections after the fork
    prefork(app, host, port, workers, server_options(config))


def prefork(app: Any, host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    """Serve `app` from `workers` forked processes accepting on one listening socket (what uvicorn's own
    --workers does, without re-importing the app from a string: the app, its settings and its protocol class are
    inherited by the fork). SIGINT/SIGTERM stop every worker; a worker that dies stops the others too, and the
    command exits non-zero, for the service manager to restart it."""
    sock = socket.create_server((host, port), reuse_port=False, backlog=2048)
    sock.set_inheritable(True)
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker: its own event loop and server over the shared socket
            code = 0
            try:
                uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    sock.close()
    _supervise(children)


def _supervise(children: list[int]) -> None:
    remaining = set(children)

    def stop(_signum: int, _frame: object) -> None:
        for pid in remaining:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failed = False
    while remaining:
        pid, status = os.wait()
        if pid in remaining:  # one ended: the service is down to part of itself, so the rest stop too
            remaining.discard(pid)
            failed |= os.waitstatus_to_exitcode(status) not in (0, -signal.SIGTERM)
            stop(signal.SIGTERM, None)
    if failed:
        raise SystemExit(1)


def server_options(config: Config) -> dict[str, Any]:
    """uvicorn's settings from ours: timeouts, the connection limit and the header size limit."""
    return {
        "http": header_timeout_protocol(float(config.server_header_timeout)),
        "log_config": _log_config(),
        "server_header": False,
        "timeout_keep_alive": config.server_keep_alive,
        "limit_concurrency": config.server_max_connections,
        "h11_max_incomplete_event_size": config.server_max_header_bytes,
    }


def _has_key() -> bool:
    try:
        secret_keys()
    except ConfigError:
        return False
    return True


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging, with devmaturity's lines (what each delivery stored or why it was refused) beside it."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["devmaturity"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
