"""Passwords, API tokens, session ids and CSRF tokens never reach the database or the log in clear: after a real
sign-up, sign-in, token creation and use over HTTP, the SQLite file (or a pg_dump of the PostgreSQL database)
and every captured log line are searched for each plaintext."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.web.conftest import ApiClient

NEW_PASSWORD = "plaintext-password-4d9c2e7f"


def _database_bytes(api_client: ApiClient, store_url: str) -> bytes:
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite":
        api_client.store.engine.dispose()  # checkpoint: everything is in the file
        files = [Path(url.database or ""), *Path(url.database or "").parent.glob("*.db-wal")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    dump = subprocess.run(
        ["pg_dump", "--data-only", "-h", url.host or "127.0.0.1", "-U", url.username or "postgres", url.database or ""],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert b"COPY public.users" in dump.stdout  # the dump really holds the tables
    return dump.stdout


def test_no_secret_is_stored_or_logged_in_clear(
    api_client: ApiClient, store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # the SQL and its parameters, too
    try:
        client = api_client.client
        csrf = api_client.login()
        headers = {"X-CSRF-Token": csrf}
        created = client.post(
            f"/api/v1/orgs/{api_client.org}/members",
            json={"name": "nina", "password": NEW_PASSWORD, "role": "assessor"},
            headers=headers,
        )
        assert created.status_code == 201
        session_id = client.cookies["devmaturity_session"]
        token = client.post("/api/v1/tokens", json={}, headers=headers).json()["token"]
        assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert client.post("/api/v1/auth/login", json={"name": "nina", "password": NEW_PASSWORD}).status_code == 200
        wrong = client.post("/api/v1/auth/login", json={"name": "nina", "password": NEW_PASSWORD + "x"})
        assert wrong.status_code == 401
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    stored = _database_bytes(api_client, store_url)
    assert b"$argon2id$" in stored  # the hashes are there ...
    client_side = ("httpx", "httpcore")  # the test's own HTTP client traces what it sends and receives
    logged = "\n".join(
        caplog.handler.format(record) for record in caplog.records if not record.name.startswith(client_side)
    )
    assert "INSERT INTO users" in logged and "/api/v1/tokens" in logged  # ... and the log saw the requests
    for secret in (NEW_PASSWORD, NEW_PASSWORD + "x", token, session_id, csrf, token.removeprefix("dm_")):
        assert secret.encode() not in stored, "a secret is stored in clear"
        assert secret not in logged, "a secret is logged in clear"
