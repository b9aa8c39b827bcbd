"""Opening a store that cannot be opened, and two writers at once: one line each, never a traceback or a lost run."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devmaturity.cli.main import run
from tests.conftest import _pg_database

JUNIT = Path(__file__).parents[1] / "data" / "junit" / "cypress-login.xml"

# (store URL, exit code, the start of the one line printed); "secret" is the password that must never show
BAD_URLS = [
    ("sqlite:///nonexistent-dir/x.db", 74, "error[store]: cannot open the store at sqlite:///nonexistent-dir/x.db"),
    (
        "postgresql+psycopg://u:secret@127.0.0.1:99999/x",
        74,
        "error[store]: cannot open the store at postgresql+psycopg://u:***@127.0.0.1:99999/x",
    ),
    (
        "postgresql+psycopg://u:secret@127.0.0.1:1/x",
        74,
        "error[store]: cannot open the store at postgresql+psycopg://u:***@127.0.0.1:1/x",
    ),
    (
        "postgresql+psycopg://u:secret@127.0.0.1:abc/x",
        64,
        "error[usage]: database_url postgresql+psycopg://u:***@127.0.0.1:abc/x cannot be used",
    ),
    ("nosuchdriver://x", 64, "error[usage]: database_url nosuchdriver://x cannot be used"),
    ("garbage", 64, "error[usage]: database_url <unparseable URL> cannot be used"),
]


@pytest.mark.parametrize(("url", "code", "line"), BAD_URLS, ids=[u for u, _, _ in BAD_URLS])
def test_a_bad_store_url_is_one_line(
    url: str, code: int, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The relative SQLite path is resolved in tmp_path, where nonexistent-dir does not exist."""
    monkeypatch.chdir(tmp_path)
    assert run(["ingest", "--kind", "junit", "--project", "p", "--db", url, str(JUNIT)]) == code
    captured = capsys.readouterr()
    assert captured.err.startswith(line)
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert "secret" not in captured.out + captured.err


def _ingest(url: str, folder: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "devmaturity", "ingest", "--kind", "junit", "--project", "p", "--db", url]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [*command, str(JUNIT)], env=env, cwd=folder, capture_output=True, text=True, timeout=180, check=False
    )


def _twice_at_once(url: str, folder: Path) -> list[subprocess.CompletedProcess[str]]:
    """Two processes started together behind a barrier, each ingesting the same file into a store."""
    barrier = threading.Barrier(2)
    done: list[subprocess.CompletedProcess[str]] = []

    def one() -> None:
        barrier.wait()
        done.append(_ingest(url, folder))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done


def _outcome(done: subprocess.CompletedProcess[str]) -> str:
    return "already" if "already ingested" in done.stdout + done.stderr else "ingested"


@pytest.mark.parametrize("attempt", range(3))
def test_two_first_runs_on_a_new_sqlite_file_both_succeed(attempt: int, tmp_path: Path) -> None:
    """Both create the schema at once (serialised by the migration lock): both exit 0, the file is ingested
    once and the other run says already ingested; three attempts because a race may not show every time."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    done = _twice_at_once(url, tmp_path)
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert sorted(_outcome(d) for d in done) == ["already", "ingested"]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database (schema not created yet)."""
    yield from _pg_database()


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_ingests_of_one_file_on_postgresql(attempt: int, pg_url: str, tmp_path: Path) -> None:
    """A new database: both processes migrate and insert at once; one stores the report, the other says
    already ingested (the unique key decides), both exit 0."""
    done = _twice_at_once(pg_url, tmp_path)
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert sorted(_outcome(d) for d in done) == ["already", "ingested"]
