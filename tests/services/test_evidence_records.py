"""The records an evidence pack extracts come from the store, on SQLite and on PostgreSQL: a small repository with
daily commits and production deployments (CSV in the schema of docs/events.md), assessed, then packed."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.auth.policy import Actor
from devmaturity.cli.main import run
from devmaturity.config import load_config
from devmaturity.services.assess import run_assessment
from devmaturity.services.evidence_pack import export_evidence_pack, verify_evidence_pack
from devmaturity.services.ingest import ingest_command
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder
from tests.services.conftest import SECRET


def _project(root: Path) -> tuple[RepoBuilder, list[str], Path]:
    repo = RepoBuilder(root / "app")
    shas = []
    for day in range(1, 29):
        repo.commit(f"change {day}", {f"src/d{day}.txt": "x\n"}, f"2026-04-{day:02d}T10:00:00+00:00")
        shas.append(repo.git("rev-parse", "HEAD").strip())
    events = root / "deployments.csv"
    with events.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "environment", "status", "created_at", "finished_at", "commit", "pipeline", "incident"])
        for i, day in enumerate(range(2, 29, 3)):
            at = f"2026-04-{day:02d}T12:00:00+00:00"
            out.writerow(
                [f"D-{i}", "production", "success", at, at.replace("12:00", "12:10"), shas[day - 1], "app/main", ""]
            )
    return repo, shas, events


def test_the_pack_extracts_cited_commits_and_deployments(store: Store, tmp_path: Path) -> None:
    repo, shas, events = _project(tmp_path)
    config = load_config(project_dir=repo.path, flags={"project": "app"})
    ingest_command(
        store,
        config,
        "deployments",
        [events],
        project="app",
        commit=None,
        at=None,
        repo_root=repo.path,
        source="ci:app",
    )
    result = run_assessment(
        repo.path, config, store=store, parts=["cd"], as_of=datetime(2026, 4, 29, 23, 59, tzinfo=UTC)
    )
    report = result.report
    cited = {
        ref
        for part in report["parts"]
        for sub in part["subdomains"]
        for item in sub["items"]
        for level in item["levels"]
        for crit in level["criteria"]
        for ref in crit["evidence"]
    }
    pack = export_evidence_pack(store, Actor.local("t"), "latest", project="app", secret_key=SECRET, pdf=False)
    with zipfile.ZipFile(io.BytesIO(pack.content)) as archive:
        commits = json.loads(archive.read("records/commits.json"))
        deployments = json.loads(archive.read("records/deployments.json"))
    assert {c["sha"] for c in commits} == cited & set(shas) != set()
    assert all(c["subject"].startswith("change ") and c["author_time_iso"].startswith("2026-04-") for c in commits)
    assert {d["ext_id"] for d in deployments} == {ref for ref in cited if ref.startswith("D-")} != set()
    assert all(d["environment"] == "production" and d["source"] == "ci:app" for d in deployments)
    target = tmp_path / "pack.zip"
    target.write_bytes(pack.content)
    assert verify_evidence_pack(target, secret_keys=(SECRET,)).project == "app"


@pytest.mark.parametrize("ref", ["latest"])
def test_latest_without_a_project_is_a_usage_error(
    ref: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    assert run(["report", ref, "--format", "html", "--db", db]) == 64
    assert "--project" in capsys.readouterr().err
