"""Assessment periods (--as-of, --period), the evidence a window lacks, shallow clones, project identity and the
store location, on real repositories built with fixed dates."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.cli.main import run
from devmaturity.config import Config
from devmaturity.errors import ProjectIdentityError, UsageError
from devmaturity.model.metric import Window
from devmaturity.services.assess import run_assessment
from devmaturity.services.compare import parse_as_of
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder

JENKINS = "pipeline {\n  agent any\n  stages {\n    stage('Build') { steps { sh 'mvn -B package' } }\n  }\n}\n"


def _repo(path: Path) -> RepoBuilder:
    """Two months of daily commits in 2026-03 and 2026-04; a Jenkinsfile appears only on 2026-04-15."""
    repo = RepoBuilder(path)
    for month in (3, 4):
        for day in range(1, 29):
            files = {f"src/m{month}d{day}.txt": "x\n"}
            if (month, day) == (4, 15):
                files["Jenkinsfile"] = JENKINS
            repo.commit(f"change {month}-{day}", files, f"2026-{month:02d}-{day:02d}T10:00:00+00:00")
    return repo


def _metric(result_report: dict[str, object], metric: str) -> object:
    values = [m for m in result_report["metrics"] if m["id"] == metric]  # type: ignore[attr-defined]
    return values[0]["value"] if values else None


def test_as_of_reads_the_tree_of_that_time_and_reproduces_a_stored_assessment(tmp_path: Path) -> None:
    """As of 2026-04-01 the trunk had no Jenkinsfile (it came on 04-15): ci.present is false then, true now. An
    assessment made on 2026-04-01 and one made later `--as-of 2026-03-31` (the end of that day) agree on every
    metric figure, although 28 more commits arrived in between."""
    repo = _repo(tmp_path / "svc")
    config = Config(database_url=f"sqlite:///{tmp_path / 'store.db'}", window=30)
    store = Store.open(config.database_url)
    then = datetime(2026, 4, 1, tzinfo=UTC)
    early = run_assessment(repo.path, config, store=store, now=then, as_of=then)
    later = run_assessment(repo.path, config, store=store, now=datetime(2026, 11, 1, tzinfo=UTC), as_of=then)
    assert (
        early.report["period"]
        == later.report["period"]
        == {
            "kind": "as_of",
            "start": "2026-03-02T00:00:00+00:00",
            "end": "2026-04-01T00:00:00+00:00",
            "days": 30,
        }
    )
    assert {f.id: f.value for f in later.collect.facts}["ci.present"] is False
    now = run_assessment(repo.path, config, store=store, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert {f.id: f.value for f in now.collect.facts}["ci.present"] is True
    assert early.report["metrics"] == later.report["metrics"]
    assert _metric(early.report, "integration_frequency") is not None


def test_a_fixed_period_and_a_window_without_evidence_says_so(tmp_path: Path) -> None:
    """The commits end on 2026-04-28; the period 2026-07-01..2026-09-30 holds none, and the assessment says when
    the newest one was, instead of deciding nothing in silence."""
    repo = _repo(tmp_path / "svc")
    config = Config(database_url=f"sqlite:///{tmp_path / 'store.db'}")
    period = Window(start=datetime(2026, 7, 1, tzinfo=UTC), end=datetime(2026, 10, 1, tzinfo=UTC))
    result = run_assessment(repo.path, config, now=datetime(2026, 11, 1, tzinfo=UTC), period=period)
    assert result.report["period"]["kind"] == "period" and result.report["period"]["days"] == 92  # type: ignore[index]
    assert [n.en for n in result.notices] == [
        "no commits in the window 2026-07-01..2026-10-01; the newest is from 2026-04-28"
    ]
    assert result.notices[0].zh == "窗口 2026-07-01..2026-10-01 内没有提交；最新的一条在 2026-04-28"
    with pytest.raises(UsageError, match="not both"):
        run_assessment(repo.path, config, as_of=datetime(2026, 4, 1, tzinfo=UTC), period=period)


def test_as_of_dates_mean_the_end_of_that_day() -> None:
    assert parse_as_of("2026-09-30") == datetime(2026, 10, 1, tzinfo=UTC)
    assert parse_as_of("2026-09-30T18:00:00+08:00") == datetime(2026, 9, 30, 10, tzinfo=UTC)
    with pytest.raises(UsageError, match="--as-of 'last week'"):
        parse_as_of("last week")


def test_a_shallow_clone_is_named(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "svc")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "5", f"file://{repo.path}", str(clone)], check=True)
    config = Config(database_url=f"sqlite:///{tmp_path / 'store.db'}")
    result = run_assessment(clone, config, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert any("shallow clone" in n.en and "git fetch --unshallow" in n.en for n in result.notices)
    assert any("浅克隆" in n.zh for n in result.notices)


def test_two_repositories_never_mix_under_one_project_name(tmp_path: Path) -> None:
    """Two unrelated repositories in folders both called `app`: the second is refused, and goes in under its own
    name. A clone of the first (same origin) is the same project."""
    first = _repo(tmp_path / "a" / "app")
    other = RepoBuilder(tmp_path / "b" / "app")
    other.commit("unrelated", {"x.txt": "y\n"}, "2026-04-01T10:00:00+00:00")
    config = Config(database_url=f"sqlite:///{tmp_path / 'store.db'}")
    now = datetime(2026, 5, 1, tzinfo=UTC)
    run_assessment(first.path, config, now=now)
    with pytest.raises(ProjectIdentityError, match="project 'app' holds the history of root:") as caught:
        run_assessment(other.path, config, now=now)
    assert "--project" in caught.value.message
    run_assessment(other.path, Config(database_url=config.database_url, project="app-b"), now=now)
    first.git("remote", "add", "origin", "git@gitlab.corp.example:trade/app.git")
    clone = tmp_path / "c" / "app"
    subprocess.run(["git", "clone", "-q", str(first.path), str(clone)], check=True)
    subprocess.run(
        ["git", "-C", str(clone), "remote", "set-url", "origin", "https://gitlab.corp.example/trade/app"], check=True
    )
    cloned = Config(database_url=config.database_url, project="app-remote")
    run_assessment(first.path, cloned, now=now)
    run_assessment(clone, cloned, now=now)  # ssh and https of one repository are one identity


def test_every_assess_states_where_the_store_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _repo(tmp_path / "svc")
    monkeypatch.chdir(tmp_path)
    assert run(["assess", "svc", "--format", "json", "--out", "out", "--period", "2026-04-01..2026-04-30"]) == 0
    err = capsys.readouterr().err
    assert f"store: SQLite {tmp_path / 'devmaturity.db'} (default)" in err
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["period"]["start"] == "2026-04-01T00:00:00+00:00" and report["period"]["days"] == 30
    assert run(["assess", "svc", "--format", "json", "--out", "out", "--lang", "zh", "--as-of", "2026-04-10"]) == 0
    assert f"存储：SQLite {tmp_path / 'devmaturity.db'}（默认）" in capsys.readouterr().err
