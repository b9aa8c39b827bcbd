"""A real uvicorn server on 127.0.0.1 and an ephemeral port, in a background thread, over the store fixture."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from devmaturity.config import Config, WebhookSpec
from devmaturity.store.db import Store
from devmaturity.web.app import create_app

SECRET = "whsec-5be1-never-print-me-90af"
SECRET_ENV = "SHOP_WEBHOOK_SECRET"
PROJECT = "shop"
MAX_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Served:
    url: str
    store: Store
    client: httpx.Client


@contextmanager
def serving(app: object) -> Iterator[str]:
    """The app served by uvicorn on a socket bound to 127.0.0.1:0; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off", access_log=True))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def served(store: Store) -> Iterator[Served]:
    """The app for project "shop" (and "svc"), its secret given in the environment the app reads."""
    config = Config(
        webhooks=(
            WebhookSpec(project=PROJECT, secret_env=SECRET_ENV),
            WebhookSpec(project="svc", secret_env=SECRET_ENV),
        ),
        webhook_max_bytes=MAX_BYTES,
    )
    app = create_app(config, store, environ={SECRET_ENV: SECRET})
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield Served(url=url, store=store, client=client)
