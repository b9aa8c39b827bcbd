"""Event files into the store: good rows stored, bad rows named, re-ingesting stores nothing twice, and the
delivery metrics of an assessment come from them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from devmaturity.config import Config
from devmaturity.metrics import operations
from devmaturity.model.delivery import DrillKind
from devmaturity.model.metric import Window
from devmaturity.services.assess import run_assessment
from devmaturity.services.delivery import delivery_inputs
from devmaturity.services.ingest import ingest_command
from devmaturity.store.db import Store
from devmaturity.store.delivery import load_delivery
from tests.gitbuild import RepoBuilder

EVENTS = Path(__file__).parents[1] / "data" / "events"


def _ingest(store: Store, kind: str, name: str, project: str = "shop"):  # type: ignore[no-untyped-def]
    return ingest_command(store, Config(), kind, [EVENTS / name], project=project, commit=None, at=None)


def test_event_files_are_upserted_once(store: Store) -> None:
    first = [
        _ingest(store, "deployments", "deployments.csv"),
        _ingest(store, "incidents", "incidents.csv"),
        _ingest(store, "workitems", "work-items.csv"),
    ]
    assert all(r.problems == [] for r in first)
    project = store.project("shop", "")
    counts = {t: store.count_rows(t, project) for t in ("deployments", "incidents", "work_items")}
    assert all(counts.values())
    again = [
        _ingest(store, "deployments", "deployments.json"),
        _ingest(store, "incidents", "incidents.jsonl"),
        _ingest(store, "workitems", "work-items.json"),
    ]
    assert all(r.problems == [] for r in again)
    assert counts == {t: store.count_rows(t, project) for t in counts}  # same records in another format: no dupes
    loaded = load_delivery(store, project, datetime(2000, 1, 1, tzinfo=UTC))
    assert loaded.deployments is not None and loaded.runs is None  # never collected: unknown, not empty


def test_bad_rows_are_named_and_good_rows_kept(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'e.db'}")
    result = _ingest(store, "deployments", "deployments-bad.csv")
    assert result.ingested and result.ingested[0][1]["records"] > 0
    assert result.problems and all(p.message.startswith(("row ", "column ")) for p in result.problems)
    assert any("column" in p.message for p in result.problems)
    broken = tmp_path / "broken.json"
    broken.write_text('{"deployments": [', encoding="utf-8")
    result = ingest_command(store, Config(), "deployments", [broken], project="shop", commit=None, at=None)
    assert result.ingested == [] and "not valid JSON" in result.problems[0].message


def test_assessment_uses_ingested_deployments(tmp_path: Path) -> None:
    """Two deployments of this repository's own commits: the second ships c2 (committed 2 hours before)."""
    repo = RepoBuilder(tmp_path / "svc")
    c1 = repo.commit("one", {"a": "1"}, "2026-11-01T10:00:00+00:00")
    c2 = repo.commit("two", {"a": "2"}, "2026-11-02T08:00:00+00:00")
    csv = tmp_path / "deploys.csv"
    csv.write_text(
        "id,environment,status,created_at,commit\n"
        f"1,production,success,2026-11-01T12:00:00Z,{c1}\n"
        f"2,production,success,2026-11-02T10:00:00Z,{c2}\n",
        encoding="utf-8",
    )
    store = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    ingested = ingest_command(store, Config(), "deployments", [csv], project="svc", commit=None, at=None)
    assert ingested.problems == []
    # history not collected yet: the attribution is built, meets missing commits, and the assessment (which
    # collects the repository) rebuilds it from there
    assert ingested.derived is not None and ingested.derived.en.startswith("lead times built")
    result = run_assessment(
        repo.path,
        Config(framework="dora", window=30),
        store=store,
        now=datetime(2026, 11, 20, tzinfo=UTC),
        parts=["2024"],
    )
    metrics = {(m.metric, round(m.window.days)): m for m in result.assessment.metrics}
    assert metrics[("lead_time_for_changes", 30)].value == 2.0
    assert metrics[("deployment_frequency", 30)].value == 2 / 30


def test_drills_and_postmortems_are_stored_and_measured(store: Store) -> None:
    """drills.csv: DR-1 restore ok, DR-2 failover failed, DR-3 dr ok, DR-4 backup ok (all in November 2026).
    In a 30-day window ending 2026-12-01: dr_drills = 4; restore_drill_success_rate = 2 of 3 (the backup drill is
    left out). incidents-postmortem.csv, all resolved in the window: PM-1 link, PM-2 no, PM-3 yes, PM-4 not
    recorded -> 2 of 4 with a post-mortem."""
    assert _ingest(store, "drills", "drills.csv").problems == []
    assert _ingest(store, "incidents", "incidents-postmortem.csv").problems == []
    assert _ingest(store, "drills", "drills.csv").problems == []  # again: stored once
    project = store.project("shop", "")
    assert store.count_rows("drills", project) == 4
    since = datetime(2026, 10, 1, tzinfo=UTC)
    records = load_delivery(store, project, since)
    assert records.drills is not None
    assert [d.kind for d in records.drills] == [DrillKind.RESTORE, DrillKind.FAILOVER, DrillKind.DR, DrillKind.BACKUP]
    assert records.incidents is not None
    assert [i.postmortem for i in records.incidents] == ["https://wiki.example.com/pm/PM-1", "", "yes", None]
    delivery = delivery_inputs(store, project, Config(), since)
    window = Window.last(30, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert operations.dr_drills(delivery, window).value == 4
    assert operations.restore_drill_success_rate(delivery, window).value == 2 / 3
    share = operations.incident_postmortem_share(delivery, window)
    assert share.value == 0.5 and ("not_recorded", "1") in share.details


def test_bad_drill_rows_are_named(store: Store) -> None:
    result = _ingest(store, "drills", "drills-bad.csv")
    messages = [p.message for p in result.problems]
    assert any("row 2" in m and "kind" in m and "snapshot" in m for m in messages), messages
    assert any("row 3" in m and "finished_at" in m for m in messages), messages
    assert any("row 4" in m and "status" in m and "required but empty" in m for m in messages), messages
    assert store.count_rows("drills", store.project("shop", "")) == 1
