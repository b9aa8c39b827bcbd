"""`devmaturity admin` and `devmaturity audit`: bootstrap an admin, print a token once, verify and export the log."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from devmaturity.cli.main import run
from devmaturity.services.admin import authenticate_token
from devmaturity.store.db import Store

KEY = "c" * 40
PASSWORD = "first-admin-password"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _run(capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdin", io.StringIO(stdin))
            code = run(list(args))
    else:
        code = run(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _bootstrap(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, err = _run(
        capsys, "admin", "create-user", "root", "--org", "acme", "--password-stdin", "--db", db, stdin=PASSWORD + "\n"
    )
    assert (code, err.strip()) == (0, "user root (id 1) is admin of acme")


def test_create_user_reads_the_password_from_stdin_only(capsys: pytest.CaptureFixture[str], db: str) -> None:
    _bootstrap(capsys, db)
    code, _, err = _run(capsys, "admin", "create-user", "x", "--org", "acme", "--password", PASSWORD, "--db", db)
    assert code == 64  # there is no way to give it in argv
    assert "No such option '--password'" in err
    code, _, err = _run(capsys, "admin", "create-user", "x", "--org", "acme", "--db", db, stdin="")
    assert code == 64  # not a terminal (a StringIO) and no --password-stdin
    assert err.strip() == "error[usage]: no terminal to ask the password on: pipe it in with --password-stdin"
    code, _, err = _run(
        capsys, "admin", "create-user", "x", "--org", "acme", "--password-stdin", "--db", db, stdin="short\n"
    )
    assert code == 1
    assert err.strip() == "error[password-policy]: The password must have at least 12 characters."
    code, _, err = _run(
        capsys, "admin", "create-user", "root", "--org", "acme", "--password-stdin", "--db", db, stdin=PASSWORD + "\n"
    )
    assert (code, err.strip()) == (1, "error[conflict]: user 'root' exists already")


def test_create_token_prints_it_once_and_it_authenticates(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bootstrap(capsys, db)
    monkeypatch.delenv("DEVMATURITY_SECRET_KEY", raising=False)
    code, _, err = _run(capsys, "admin", "create-token", "--user", "root", "--db", db)
    assert code == 65
    assert err.startswith("error[config]: DEVMATURITY_SECRET_KEY is not set")
    monkeypatch.setenv("DEVMATURITY_SECRET_KEY", KEY)
    code, out, err = _run(capsys, "admin", "create-token", "--user", "root", "--org", "acme", "--db", db)
    assert code == 0
    token = out.strip()
    assert token.startswith("dm_") and "\n" not in token
    assert "not shown again" in err and token not in err
    store = Store.open(db)
    actor = authenticate_token(store, token, secret_key=KEY)
    assert (actor.name, actor.token_org) == ("root", 1)
    store.engine.dispose()
    code, _, err = _run(capsys, "admin", "create-token", "--user", "nobody", "--db", db)
    assert (code, err.strip()) == (1, "error[not-found]: user 'nobody' not found")


def test_audit_verify_exit_codes_name_the_broken_entry(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    """create-user writes entries 1-3 (org_created, user_created, membership_changed); verify writes entry 4
    after checking. Changing entry 2 makes the next verify exit 1 naming entry 2."""
    _bootstrap(capsys, db)
    code, out, _ = _run(capsys, "audit", "verify", "--db", db)
    assert code == 0
    assert out.startswith("acme: chain intact: 3 entries, head ")
    code, out, _ = _run(capsys, "audit", "verify", "--org", "acme", "--db", db)
    assert (code, out.split(",")[0]) == (0, "acme: chain intact: 4 entries")
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute("UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 2")
    code, _, err = _run(capsys, "audit", "verify", "--db", db)
    assert code == 1
    assert err.strip() == (
        "error[audit-chain]: organisation acme: entry 2: the entry was changed after it was written (hash mismatch)"
    )
    code, _, err = _run(capsys, "audit", "verify", "--org", "elsewhere", "--db", db)
    assert (code, err.strip()) == (1, "error[not-found]: organisation 'elsewhere' not found")


def test_audit_export_jsonl_and_csv(capsys: pytest.CaptureFixture[str], db: str) -> None:
    _bootstrap(capsys, db)
    code, out, _ = _run(capsys, "audit", "export", "--db", db)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(e["seq"], e["kind"]) for e in lines] == [
        (1, "org_created"),
        (2, "user_created"),
        (3, "membership_changed"),
    ]
    assert lines[2]["details"] == {"previous_role": None, "role": "admin"}
    assert lines[1]["prev_hash"] == lines[0]["entry_hash"]
    assert PASSWORD not in out
    code, out, _ = _run(capsys, "audit", "export", "--format", "csv", "--db", db)
    rows = out.splitlines()
    assert rows[0].startswith("org_slug,seq,at,kind,")
    assert [r.split(",")[3] for r in rows[1:]] == ["org_created", "user_created", "membership_changed", "export"]
    code, out, _ = _run(capsys, "audit", "export", "--since", "2999-01-01", "--db", db)
    assert (code, out) == (0, "")
    code, _, err = _run(capsys, "audit", "export", "--since", "yesterday", "--db", db)
    assert code == 64
    assert "--since 'yesterday'" in err
