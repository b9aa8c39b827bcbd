"""A hostile server echoes the credentials it was sent: no form of them reaches the output, the log or the store.

The server (tests/apiserver.py with POST for ZenTao's login) answers every API request with HTTP 400 and a
`message` that repeats the Authorization, PRIVATE-TOKEN and Token headers, the raw query string (Gitee's
`access_token`), the password inside HTTP Basic, and that password again base64- and percent-encoded. The
client shows a server's `message` on a 400, so without masking each of those would be printed and stored.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, urlsplit

import pytest
from sqlalchemy import MetaData, String, Table, Text, inspect, select

from devmaturity.collectors.redact import Redactor
from devmaturity.errors import SourceError
from devmaturity.services.sync import make_source, sync_source
from devmaturity.store.db import Store
from tests.collectors.test_tracker_sources import SESSION, ZT, TrackerServer

DATA = Path(__file__).parents[1] / "data" / "api"
# '/', '+', '=' and ':' make the raw, percent-encoded and base64 forms all differ
TOKEN = "tok/3f9a+never=print:me-7c21"
USER = "alice"
ENV = {
    "GITHUB_TOKEN": TOKEN,
    "GITLAB_TOKEN": TOKEN,
    "GITEE_TOKEN": TOKEN,
    "JENKINS_USER": USER,
    "JENKINS_TOKEN": TOKEN,
    "JIRA_USER": USER,
    "JIRA_TOKEN": TOKEN,
    "ZENTAO_ACCOUNT": USER,
    "ZENTAO_PASSWORD": TOKEN,
}
# kind -> the source table's keys besides kind and base_url (the base URL is the server's, + a suffix)
SOURCES: dict[str, tuple[dict[str, str], str]] = {
    "github": ({"repo": "acme/shop"}, ""),
    "gitlab": ({"project": "acme/shop"}, ""),
    "gitee": ({"repo": "acme/shop"}, ""),
    "jenkins": ({"job": "shop/app"}, ""),
    "jira": ({"project": "SHOP"}, ""),
    "zentao": ({"product": "1"}, "/zentao"),
}


def forms(secret: str, user: str = USER) -> set[str]:
    """Worked out independently of the Redactor: every way the secret may be written."""
    b64 = base64.b64encode(secret.encode()).decode()
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {secret, quote(secret, safe=""), quote_plus(secret), b64, basic, basic.rstrip("=")}


SECRET_FORMS = forms(TOKEN) | forms(SESSION)


class EchoServer(TrackerServer):
    """Every request but ZenTao's login is answered 400 with the credentials it carried, in several forms."""

    def _answer(self, method: str, target: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes, float]:
        answer = super()._answer(method, target, headers)
        if urlsplit(target).path == f"{ZT}/tokens":
            return answer
        presented = [headers.get(name, "") for name in ("authorization", "private-token", "token")]
        query = urlsplit(target).query
        secrets = [value.split(" ", 1)[-1] for value in presented if value]
        secrets += [unquote(part.split("=", 1)[1]) for part in query.split("&") if part.startswith("access_token=")]
        for value in list(secrets):
            with contextlib.suppress(ValueError):  # Basic's password
                secrets.append(base64.b64decode(value, validate=True).decode().split(":", 1)[-1])
        echoed = (
            presented + [query] + [f"{s} {base64.b64encode(s.encode()).decode()} {quote(s, safe='')}" for s in secrets]
        )
        body = json.dumps({"message": "denied for " + " | ".join(echoed), "errorMessages": echoed}).encode()
        return 400, {"Content-Type": "application/json"}, body, 0.0


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    with EchoServer(DATA) as server:
        server.serve_body(f"{ZT}/tokens", (DATA / "zentao/tokens.json").read_bytes(), status=201)
        yield server


def _config(folder: Path, kind: str, base_url: str) -> None:
    keys, suffix = SOURCES[kind]
    lines = ["[[devmaturity.sources]]", f'kind = "{kind}"', f'base_url = "{base_url}{suffix}"']
    lines += [f'{key} = "{value}"' for key, value in keys.items()]
    folder.mkdir(exist_ok=True)
    (folder / "devmaturity.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _store_text(url: str) -> str:
    """Every text column of every row of every table, as one string (the PostgreSQL side of the check)."""
    store = Store.open(url)
    try:
        texts: list[str] = []
        with store.engine.connect() as conn:
            for name in inspect(conn).get_table_names():
                table = Table(name, MetaData(), autoload_with=conn)
                columns = [c for c in table.columns if isinstance(c.type, String | Text)]
                if columns:
                    texts += [str(value) for row in conn.execute(select(*columns)) for value in row]
        return "\n".join(texts)
    finally:
        store.engine.dispose()


def _leaks(text: str) -> list[str]:
    return sorted(form for form in SECRET_FORMS if form in text)


@pytest.mark.parametrize("kind", list(SOURCES))
def test_sync_cli_never_shows_nor_stores_an_echoed_credential(
    kind: str, echo: EchoServer, store_url: str, tmp_path: Path
) -> None:
    """`devmaturity sync` fails on the 400 (exit 69) with one error line after the store's; no form of the token is in stdout, stderr,
    the SQLite file (and its WAL) or any text column of any table, and the server really echoed it."""
    _config(tmp_path / "proj", kind, echo.url)
    command = [sys.executable, "-m", "devmaturity", "sync", str(tmp_path / "proj"), "--db", store_url]
    env = {**os.environ, **ENV, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 69, done.stderr
    store_line, error = done.stderr.strip().splitlines()  # where the store is, then one error line
    assert store_line.startswith("store: ") and "HTTP 400" in error and "***" in error
    assert _leaks(done.stdout + done.stderr) == []
    asked = [r for r in echo.requests if r.path != f"{ZT}/tokens"]
    assert asked, "the source never reached the echo server"
    assert _leaks(_store_text(store_url)) == []
    assert "error[source]" in _store_text(store_url)  # the failed run's summary was written, masked
    if store_url.startswith("sqlite"):
        database = Path(store_url.removeprefix("sqlite:///"))
        raw = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
        assert [form for form in SECRET_FORMS if form.encode() in raw] == []


@pytest.mark.parametrize("kind", list(SOURCES))
def test_sync_service_log_holds_no_credential(
    kind: str, echo: EchoServer, store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """In process, every logger at DEBUG (httpx logs each URL, Gitee's token in it): the log and the error hold
    no form of the token, the session token included."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    keys, suffix = SOURCES[kind]
    source = make_source({"kind": kind, "base_url": echo.url + suffix, **keys})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError) as caught:
        sync_source(store, store.project("shop", ""), source)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged and _leaks(logged) == []
    assert _leaks(caught.value.one_line()) == []
    assert "***" in caught.value.message


def test_redactor_masks_every_form_of_a_secret() -> None:
    """Each form from `forms` (and the lower-case hex percent form) becomes ***; short or empty values mask
    nothing; a longer form is masked whole, not left with a tail."""
    redactor = Redactor.of([], [(USER, TOKEN)])
    for form in forms(TOKEN):
        assert redactor.text(f"<{form}>") == "<***>", form
    assert redactor.text(f"Bearer {TOKEN}") == "Bearer ***"
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda escape: escape[0].lower(), quote(TOKEN, safe=""))
    assert lower_hex != quote(TOKEN, safe="") and redactor.text(lower_hex) == "***"
    assert Redactor.of(["", "abc"]).text("abc and more") == "abc and more"
