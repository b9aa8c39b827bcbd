"""`devmaturity db current|upgrade`: the only way a store's schema moves on. A store one migration behind (made by
`alembic downgrade -1`, on SQLite and PostgreSQL) is refused by every other command, `serve` included, with the
`schema-outdated` line in zh and en, until `db upgrade`; a new, empty store is still created on first use."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from devmaturity.cli.main import run
from devmaturity.store.db import MIGRATIONS, Store


def _cfg() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _head() -> str:
    head = ScriptDirectory.from_config(_cfg()).get_current_head()
    assert head is not None
    return head


def _old_store(url: str) -> str:
    """A store created at head, then one migration back (as an older devmaturity left it); its revision."""
    Store.open(url).engine.dispose()
    engine = create_engine(url)
    cfg = _cfg()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    with engine.connect() as conn:
        old = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    assert old is not None
    return old


def test_an_old_store_is_refused_until_db_upgrade(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    old = _old_store(store_url)
    head = _head()
    assert run(["runs", "--db", store_url]) == 74
    err = capsys.readouterr().err
    assert err.startswith("error[schema-outdated]: the store at ")
    assert f"is at schema revision {old}, this devmaturity needs {head}" in err
    assert "run `devmaturity db upgrade`" in err
    assert run(["runs", "--db", store_url, "--lang", "zh"]) == 74
    err = capsys.readouterr().err
    assert err.startswith("错误[schema-outdated]：存储 ") and "请先备份，再运行 `devmaturity db upgrade`" in err

    assert run(["db", "current", "--db", store_url]) == 74
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"current revision: {old}",
        f"needed revision: {head}",
        "the schema is behind: back it up, then run devmaturity db upgrade",
    ]

    assert run(["db", "upgrade", "--db", store_url]) == 0
    assert capsys.readouterr().out == f"upgraded from {old} to {head}\n"
    assert run(["db", "upgrade", "--db", store_url, "--lang", "zh"]) == 0
    assert capsys.readouterr().out == f"已是最新版本 {head}，没有改动\n"
    assert run(["db", "current", "--db", store_url]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "the schema is up to date"
    assert run(["runs", "--db", store_url]) == 0


def test_serve_refuses_an_old_schema_before_serving(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "devmaturity.toml").write_text(
        '[[devmaturity.webhooks]]\nproject = "shop"\nsecret_env = "DM_DB_TEST_HOOK"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DM_DB_TEST_HOOK", "whsec-db-test")
    _old_store(store_url)
    assert run(["serve", "--db", store_url, "--port", "0"]) == 74
    assert capsys.readouterr().err.startswith("error[schema-outdated]: ")


def test_a_new_store_is_created_on_first_use_and_db_current_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert run(["db", "current", "--db", url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "current revision: (none: a new, empty store)",
        f"needed revision: {_head()}",
        "a new store: created at the needed revision on first use or by devmaturity db upgrade",
    ]
    assert run(["runs", "--db", url]) == 0  # the first command creates it at head
    capsys.readouterr()
    assert run(["db", "current", "--db", url, "--lang", "zh"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"当前版本：{_head()}", f"所需版本：{_head()}", "表结构是最新的"]


def test_db_upgrade_creates_a_new_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'made.db'}"
    assert run(["db", "upgrade", "--db", url]) == 0
    assert capsys.readouterr().out == f"upgraded from (none: a new, empty store) to {_head()}\n"
