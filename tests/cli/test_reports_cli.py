"""Report evidence end to end: `assess` discovers build outputs, `ingest` adds CI artefacts, metrics decide criteria."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devmaturity.cli.main import run
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder
from tests.history import build_history

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = RepoBuilder(tmp_path / "svc")
    repo.commit("app", {"src/app.py": "x = 1\n", ".gitignore": "build/\ncoverage.xml\n"}, "2026-11-20T10:00:00+00:00")
    (repo.path / "build" / "test-results").mkdir(parents=True)
    shutil.copy(DATA / "junit" / "pytest.xml", repo.path / "build" / "test-results" / "junit.xml")
    shutil.copy(DATA / "coverage" / "coveragepy-cobertura.xml", repo.path / "coverage.xml")
    shutil.copy(DATA / "sarif" / "bandit.sarif", repo.path / "build" / "bandit.sarif")
    monkeypatch.chdir(tmp_path)
    return repo.path


def _metric(report: dict, metric: str) -> dict:  # type: ignore[type-arg]
    return next(m for m in report["metrics"] if m["id"] == metric)


def test_assess_discovers_reports_and_decides_criteria(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["assess", "svc", "--format", "json", "--out", "out", "--part", "cd"]) == 0
    report = json.loads(Path("out/report.json").read_text(encoding="utf-8"))
    coverage = _metric(report, "unit_test_line_coverage")
    # coveragepy-cobertura.xml: 22 of 27 lines (tests/data/coverage/README.md)
    assert coverage["value"] == pytest.approx(22 / 27)
    pass_rate = _metric(report, "test_pass_rate")
    assert pass_rate["value"] is not None and 0 < pass_rate["value"] < 1
    hm = next(i for s in report["parts"][0]["subdomains"] for i in s["items"] if i["id"] == "CD.TM.TH.HM")
    verdict = next(c for c in hm["levels"][2]["criteria"] if c["metric"] == "unit_test_line_coverage")
    assert verdict["status"] == "met" and "81.5%" in verdict["reason"]["en"]
    err = capsys.readouterr().err
    assert "problem" not in err
    # a second assessment finds the same files and stores nothing new
    assert run(["assess", "svc", "--format", "json", "--out", "out", "--part", "cd"]) == 0


def test_ingest_command_reports_and_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.xml"
    bad.write_text("<testsuites><testsuite", encoding="utf-8")
    good = (
        DATA / "junit" / "surefire.xml" if (DATA / "junit" / "surefire.xml").exists() else DATA / "junit" / "pytest.xml"
    )
    code = run(
        [
            "ingest",
            "--kind",
            "junit",
            "--project",
            "svc",
            "--commit",
            "abc123",
            "--at",
            "2026-11-20T10:00:00+08:00",
            str(good),
            str(bad),
        ]
    )
    captured = capsys.readouterr()
    assert code == 65
    assert "1 ingested, 0 already present, 1 rejected" in captured.out
    assert f"problem: {bad}: malformed XML" in captured.err
    assert "error[data]: 1 problem(s), 1 of 2 file(s) rejected; everything else was ingested" in captured.err
    assert run(["ingest", "--kind", "junit", "--project", "svc", str(good)]) == 0
    assert "0 ingested, 1 already present, 0 rejected" in capsys.readouterr().out
    assert run(["ingest", "--kind", "junit", "--project", "svc", "--at", "yesterday", str(good)]) == 64


def test_ingest_prints_declared_total_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A suite declaring 6 tests with no test cases is ingested (0 tests) with a warning, not silently, and is
    not a rejected file (exit 0)."""
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty.xml"
    empty.write_text('<testsuites><testsuite name="api" tests="6"/></testsuites>', encoding="utf-8")
    assert run(["ingest", "--kind", "junit", "--project", "svc", str(empty)]) == 0
    captured = capsys.readouterr()
    assert f"warning: {empty}: suite 'api' declares tests=6 but holds 0 test case(s)" in captured.err
    assert "1 ingested, 0 already present, 0 rejected" in captured.out


def test_deployments_preview_says_what_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = RepoBuilder(tmp_path / "shop")
    repo.commit("one", {"a": "1"}, "2026-11-01T10:00:00+00:00")
    monkeypatch.chdir(tmp_path)
    assert run(["deployments", "preview", "shop", "--window", "2026-11-01..2026-11-30"]) == 0
    assert "no deployments or pipeline runs collected" in capsys.readouterr().out
    csv = tmp_path / "d.csv"
    csv.write_text(
        "id,environment,status,created_at\n1,production,success,2026-11-02T10:00:00Z\n"
        "2,staging,success,2026-11-03T10:00:00Z\n3,prod,failure,2026-11-04T10:00:00Z\n",
        encoding="utf-8",
    )
    assert run(["ingest", "--kind", "deployments", "--project", "shop", str(csv)]) == 0
    assert run(["deployments", "preview", "shop", "--window", "2026-11-01..2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "these 2 of 3 deployments in 2026-11-01..2026-12-01 count as production deployments" in out
    incidents = tmp_path / "i.csv"
    incidents.write_text(
        "id,title,started_at,deployment\nINC-1,down,2026-11-02T12:00:00Z,\nINC-2,slow,2026-11-05T12:00:00Z,1\n",
        encoding="utf-8",
    )
    assert run(["ingest", "--kind", "incidents", "--project", "shop", str(incidents)]) == 0
    capsys.readouterr()
    assert run(["deployments", "preview", "shop", "--window", "2026-11-01..2026-11-30"]) == 0
    out = capsys.readouterr().out
    # INC-1 by the devlake rule (deployment 1 is the latest change before it), INC-2 by its own field
    assert "2 of 2 incidents in 2026-11-01..2026-12-01 are linked to a production change" in out
    assert "(incident_link = devlake)" in out  # the table cells wrap in a narrow terminal; the summary does not


def test_compare_trend_and_preview_read_the_store_and_never_collect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading never collects: once `collect` has run, compare, trend and deployments preview work with the
    repository folder deleted, and add no run and no commit to the store."""
    build_history(tmp_path / "shop")
    monkeypatch.chdir(tmp_path)
    assert run(["collect", "shop"]) == 0
    csv = tmp_path / "d.csv"
    csv.write_text("id,environment,status,created_at\n1,production,success,2024-02-14T10:00:00Z\n", encoding="utf-8")
    assert run(["ingest", "--kind", "deployments", "--project", "shop", str(csv)]) == 0
    store = Store.open("sqlite:///devmaturity.db")
    project_id = store.find_project("shop")
    assert project_id is not None
    before = (store.runs(project_id), store.count_commits(project_id))
    shutil.rmtree(tmp_path / "shop")
    capsys.readouterr()
    feb, jan = "2024-02-01..2024-02-29", "2024-01-01..2024-01-31"
    assert run(["compare", "shop", "--before", jan, "--after", feb, "--metric", "commit_frequency"]) == 0
    # January: c0 alone (1 commit in 31 days); February: 5 commits in 29 days, read from the store
    out = capsys.readouterr().out
    assert "Commit frequency" in out and "0.0323" in out and "0.172" in out
    trend = ["trend", "shop", "--metric", "commit_frequency", "--every", "month", "--periods", "2"]
    assert run([*trend, "--as-of", "2024-02-29"]) == 0
    out = capsys.readouterr().out  # months of 30 days ending Mar 1: c0 alone (1/30), then the five (5/30)
    assert "0.0333" in out and "0.167" in out
    assert run(["deployments", "preview", "shop", "--window", feb]) == 0
    assert "these 1 of 1 deployments in 2024-02-01..2024-03-01 count" in capsys.readouterr().out
    assert (store.runs(project_id), store.count_commits(project_id)) == before


def test_compare_of_a_project_never_collected_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(["compare", "nothing", "--before", "2024-01-01..2024-01-31", "--after", "2024-02-01..2024-02-29"])
    assert code == 64
    assert "project 'nothing' has nothing collected" in capsys.readouterr().err
    assert Store.open("sqlite:///devmaturity.db").find_project("nothing") is None
