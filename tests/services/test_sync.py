"""Sync into the store: each page with its cursor, so a failed sync keeps what it stored and the next resumes;
errors reach the CLI as one line naming the source, never the token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from devmaturity.cli.main import run
from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.http import ClientOptions
from devmaturity.errors import SourceUnreachableError
from devmaturity.services.sync import credential_values, make_source, sync_source
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from devmaturity.store.delivery import cursor_of
from tests.apiserver import ApiServer
from tests.collectors.test_rest_sources import DATA, TOKEN, github_routes

TABLES = ("pipeline_runs", "deployments", "work_items", "releases")


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer(DATA) as server:
        yield server


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def source(api: ApiServer) -> GitHubSource:
    return GitHubSource(
        "acme/shop",
        base_url=api.url,
        client=ClientOptions(sleep=lambda _s: None, backoff=0.01),
        **credential_values("github", {}),
    )


def counts(store: Store, project: int) -> dict[str, int]:
    return {t: store.count_rows(t, project) for t in TABLES}


def test_interrupted_sync_keeps_its_pages_and_resumes_without_duplicates(store: Store, api: ApiServer) -> None:
    github_routes(api)
    project = store.project("shop", "")
    api.fail("/repos/acme/shop/deployments", 500, times=4)  # every attempt of this sync fails on deployments
    with pytest.raises(SourceUnreachableError, match="github:acme/shop"):
        sync_source(store, project, source(api))
    partial = counts(store, project)
    assert partial["pipeline_runs"] > 0 and partial["deployments"] == 0
    assert cursor_of(store, project, "github:acme/shop") is not None
    result = sync_source(store, project, source(api))
    assert result.resumed
    full = counts(store, project)
    assert full["deployments"] > 0 and full["pipeline_runs"] == partial["pipeline_runs"]
    again = sync_source(store, project, source(api))  # incremental: nothing new, nothing duplicated
    assert counts(store, project) == full and again.records <= full["pipeline_runs"]


def test_make_source_validates_the_config() -> None:
    from devmaturity.errors import ConfigError

    assert make_source({"kind": "github", "repo": "acme/shop"}).name == "github:acme/shop"
    with pytest.raises(ConfigError, match="`base_url` required"):
        make_source({"kind": "jenkins", "job": "shop"})
    with pytest.raises(ConfigError, match="unknown key"):
        make_source({"kind": "github", "repo": "acme/shop", "user_env": "X"})


def test_cli_errors_name_the_source_not_the_token(
    tmp_path: Path, api: ApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "devmaturity.toml").write_text(
        f'[[devmaturity.sources]]\nkind = "github"\nrepo = "acme/shop"\nbase_url = "{api.url}"\n', encoding="utf-8"
    )
    api.fail("/repos/acme/shop/actions/runs", 401, times=5)
    code = run(["sync", str(tmp_path), "--db", f"sqlite:///{tmp_path / 's.db'}"])
    store_line, error = capsys.readouterr().err.strip().splitlines()  # where the store is, then one error line
    assert code == 69 and store_line.startswith("store: SQLite")
    assert error.startswith("error[source-auth]: github:acme/shop") and "GITHUB_TOKEN" in error
    assert TOKEN not in error
    (tmp_path / "devmaturity.toml").write_text(
        '[[devmaturity.sources]]\nkind = "github"\nrepo = "acme/shop"\nbase_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    code = run(["sync", str(tmp_path), "--db", f"sqlite:///{tmp_path / 's.db'}"])
    err = capsys.readouterr().err
    assert code == 69 and err.strip().splitlines()[-1].startswith("error[source-unreachable]: github:acme/shop")


def test_cli_sync_reports_and_refreshes_the_derived_data(
    tmp_path: Path, api: ApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    github_routes(api)
    (tmp_path / "devmaturity.toml").write_text(
        f'[[devmaturity.sources]]\nkind = "github"\nrepo = "acme/shop"\nbase_url = "{api.url}"\n', encoding="utf-8"
    )
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert run(["sync", str(tmp_path), "--db", db]) == 0
    err = capsys.readouterr().err
    assert "github:acme/shop: full sync" in err and "lead times built" in err
    assert run(["sync", str(tmp_path), "--db", db]) == 0  # nothing new: the derived data is current
    assert "lead times current; 0 part(s) packed" in capsys.readouterr().err


def test_sync_stores_the_branch_protection_facts(store: Store, api: ApiServer) -> None:
    """The sync reads github/protection-main.json and the collaborators after the streams and stores the facts
    under its run's snapshot: protected (True), 2 approvals required (True), 2 of 6 members administer (True)."""
    github_routes(api)
    api.serve("/repos/acme/shop", "github/repo.json")
    api.serve("/repos/acme/shop/branches/main/protection", "github/protection-main.json")
    api.serve("/repos/acme/shop/collaborators", "github/collaborators-1.json", "github/collaborators-2.json")
    project = store.project("shop", "")
    sync_source(store, project, source(api))
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.facts.c.snapshot, t.facts.c.fact_id, t.facts.c.value)).all()
    assert sorted((fact, value) for _, fact, value in rows) == [
        ("vcs.branch_protected", True),
        ("vcs.least_privilege", True),
        ("vcs.reviews_required", True),
    ]
    assert {snapshot.split("@")[0] for snapshot, _, _ in rows} == {"github:acme/shop"}


def test_the_synced_facts_are_read_back_as_of_a_moment(store: Store, api: ApiServer) -> None:
    """The facts a sync stored are the newest ones an assessment sees, and only those of syncs before its moment:
    an assessment as of a day before the sync sees neither."""
    from datetime import UTC, datetime, timedelta

    github_routes(api)
    api.serve("/repos/acme/shop", "github/repo.json")
    api.serve("/repos/acme/shop/branches/main/protection", "github/protection-main.json")
    project = store.project("shop", "")
    sync_source(store, project, source(api))
    now = datetime.now(UTC)
    later = {
        f.id: f.value
        for f in store.latest_facts(
            project, ("vcs.branch_protected", "vcs.reviews_required"), now + timedelta(seconds=5)
        )
    }
    assert later == {"vcs.branch_protected": True, "vcs.reviews_required": True}
    assert store.latest_facts(project, ("vcs.branch_protected",), now - timedelta(days=1)) == []


def test_cli_sync_speaks_zh(tmp_path: Path, api: ApiServer, capsys: pytest.CaptureFixture[str]) -> None:
    """With --lang zh the sync names the store, the kind of sync and the derived-data refresh in Chinese; an
    empty configuration is refused in Chinese too."""
    from tests.test_zh_output import english_left

    github_routes(api)
    (tmp_path / "devmaturity.toml").write_text(
        f'[[devmaturity.sources]]\nkind = "github"\nrepo = "acme/shop"\nbase_url = "{api.url}"\n', encoding="utf-8"
    )
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert run(["sync", str(tmp_path), "--db", db, "--lang", "zh"]) == 0
    err = capsys.readouterr().err
    assert "存储：SQLite" in err and "github:acme/shop：全量同步" in err
    assert [line for line in err.splitlines() if english_left(line)] == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(["sync", str(empty), "--db", db, "--lang", "zh"]) == 64
    assert "没有配置数据源" in capsys.readouterr().err
