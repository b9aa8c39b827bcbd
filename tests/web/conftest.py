"""Fixtures of the web tests: a real uvicorn server on 127.0.0.1 and an ephemeral port (webhooks), and
`api_client`, the app under a TestClient on SQLite and PostgreSQL with an organisation and its admin."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.config import Config, WebhookSpec
from devmaturity.services import projects
from devmaturity.services.admin import create_token, create_user
from devmaturity.store.db import Store
from devmaturity.web.app import create_app
from tests.gitbuild import RepoBuilder

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
def serving(app: object, *, lifespan: str = "off") -> Iterator[str]:
    """The app served by uvicorn on a socket bound to 127.0.0.1:0; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan=lifespan, access_log=True))  # type: ignore[arg-type]
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


# --- the API over both stores: an organisation "acme" with an admin, and helpers to sign in as anyone ---------

SERVICE_KEY = "test-service-key-4f1c9a7e2b6d8c0a5e3f1b9d"
ORG = "acme"
ADMIN = "alice"
PASSWORD = "correct horse battery staple"  # every user the fixture makes has this password


@dataclass
class ApiClient:
    """An HTTP client of the app served by uvicorn (lifespan running) over the store fixture, with the
    organisation "acme" and its admin; requests come from 127.0.0.1."""

    client: httpx.Client
    app: Any
    store: Store
    config: Config
    org: str = ORG
    admin: str = ADMIN

    def add_user(self, name: str, role: Role = Role.DEVELOPER, org: str = ORG) -> int:
        """A user with PASSWORD and the role in the organisation (made by the local owner, as the CLI does)."""
        return create_user(self.store, Actor.local("local:test"), org_slug=org, name=name, password=PASSWORD, role=role)

    def login(self, name: str = ADMIN, password: str = PASSWORD) -> str:
        """Sign in (the cookie stays in the client); the session's CSRF token."""
        response = self.client.post("/api/v1/auth/login", json={"name": name, "password": password})
        assert response.status_code == 200, response.text
        token: str = response.json()["csrf_token"]
        return token

    def token_for(self, name: str, org: str | None = None) -> str:
        """A new API token of the user (made by the local owner)."""
        return create_token(self.store, Actor.local("local:test"), user_name=name, org_slug=org, secret_key=SERVICE_KEY)


def make_app(store: Store, config: Config | None = None, **kwargs: Any) -> Any:
    return create_app(config or Config(), store, environ={}, secret_key=SERVICE_KEY, **kwargs)


@contextmanager
def api_with(store: Store, config: Config) -> Iterator[httpx.Client]:
    """A client of another app (other settings) over the same store, served like `api_client`'s."""
    with serving(make_app(store, config), lifespan="on") as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture
def api_client(store: Store) -> Iterator[ApiClient]:
    """The API on SQLite and on PostgreSQL (the store fixture's parameters), with org "acme" and admin "alice"."""
    config = Config()
    create_user(store, Actor.local("local:test"), org_slug=ORG, name=ADMIN, password=PASSWORD, role=Role.ADMIN)
    app = make_app(store, config)
    with serving(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=30) as client:
        yield ApiClient(client=client, app=app, store=store, config=config)


@pytest.fixture
def site(api_client: ApiClient, tmp_path: Path) -> tuple[ApiClient, int, int]:
    """Organisation acme with project svc ("Payments", assessed by the CLI from a small real repository), a
    developer dave, and organisation other with admin olga and project x ("Theirs")."""
    owner = Actor.local("local:test")
    api_client.add_user("dave", Role.DEVELOPER)
    api_client.add_user("olga", Role.ADMIN, org="other")
    svc = projects.create_project(api_client.store, owner, org_slug="acme", slug="svc", title="Payments", team="Core")
    theirs = projects.create_project(api_client.store, owner, org_slug="other", slug="x", title="Theirs")
    repo = RepoBuilder(tmp_path / "svc")
    for day in range(1, 6):
        repo.commit(f"change {day}", {"app.py": f"print({day})\n"}, date=f"2026-11-0{day}T10:00:00+00:00")
    url = api_client.store.engine.url.render_as_string(hide_password=False)
    args = ["assess", str(repo.path), "--db", url, "--project", svc.key, "--as-of", "2026-11-29", "--part", "cd"]
    # the CLI in its own process, as a user runs it (and its database connections end with it)
    subprocess.run([sys.executable, "-m", "devmaturity", *args, "--format", "json", "--out", str(tmp_path)], check=True)
    return api_client, svc.id, theirs.id
