"""`devmaturity org create`, `project import` (idempotent, credentials from the named variables) and `project list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from devmaturity.cli.main import run

TOML = """[devmaturity]
project = "shop"
window = "60d"

[[devmaturity.sources]]
kind = "github"
repo = "acme/shop"
token_env = "SHOP_GH_TOKEN"
"""


def test_org_import_and_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'dm.db'}"
    monkeypatch.setenv("DEVMATURITY_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("SHOP_GH_TOKEN", "ghp_cli-secret-value-123")
    toml = tmp_path / "shop" / "devmaturity.toml"
    toml.parent.mkdir()
    toml.write_text(TOML, encoding="utf-8")
    assert run(["org", "create", "acme", "--db", db]) == 0
    assert "organisation acme created" in capsys.readouterr().out
    assert run(["project", "import", str(toml), "--org", "acme", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "project acme/shop (id 1) created" in out and "sources: 2 created, 0 updated" in out
    assert run(["project", "import", str(toml), "--org", "acme", "--db", db]) == 0
    assert "sources: 0 created, 2 updated" in capsys.readouterr().out
    assert run(["project", "list", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["1\tacme\tshop\t\tshop"]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("dm.db*") if p.is_file())
    assert b"acme/shop" in stored  # the file (and its write-ahead log) really is read
    assert b"ghp_cli-secret-value-123" not in stored
    assert run(["project", "import", str(toml), "--org", "nope", "--db", db]) == 1
    assert "organisation 'nope' not found" in capsys.readouterr().err
    monkeypatch.setenv("DEVMATURITY_OLD_SECRET_KEYS", "k" * 40)
    monkeypatch.setenv("DEVMATURITY_SECRET_KEY", "n" * 40)
    assert run(["admin", "rotate-secrets", "--db", db]) == 0
    assert "1 credential(s) re-encrypted" in capsys.readouterr().err
