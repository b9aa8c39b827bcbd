"""Before/after comparison, its sentence, trends, and the deployment-rule preview."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.collectors.git import GitRepository
from devmaturity.config import INCIDENT_LINKS, Config, load_config
from devmaturity.errors import ConfigError, UsageError
from devmaturity.metrics import delivery as d
from devmaturity.model.delivery import Deployment, Incident, JobRun, PipelineRun, RunStatus
from devmaturity.model.metric import MetricValue, Window
from devmaturity.services.assess import collect_repository
from devmaturity.services.collected import StoredProject, find_stored
from devmaturity.services.compare import Change, compare, parse_window, sentence, trend
from devmaturity.services.delivery import incident_links, preview, rules_from
from devmaturity.store.db import Store
from tests.history import build_history

W = Window.last(30, now=datetime(2026, 3, 1, tzinfo=UTC))


def mv(metric: str, value: float | None, unit: str) -> MetricValue:
    return MetricValue(metric=metric, value=value, unit=unit, window=W)


def test_sentence_reads_like_the_published_cases() -> None:
    changes = [
        Change(
            metric="unit_test_line_coverage",
            before=mv("unit_test_line_coverage", 0.30, "ratio"),
            after=mv("unit_test_line_coverage", 0.75, "ratio"),
        ),
        Change(
            metric="requirement_delivery_cycle",
            before=mv("requirement_delivery_cycle", 19, "days"),
            after=mv("requirement_delivery_cycle", 5.7, "days"),
        ),
        Change(metric="mttr", before=mv("mttr", None, "hours"), after=mv("mttr", 2, "hours")),
    ]
    assert sentence(changes) == ("Unit-test line coverage 30% → 75%; Requirement delivery cycle 19 → 5.7 days, −70%")
    assert sentence(changes, "zh").startswith("单元测试行覆盖率 30% → 75%")
    assert changes[1].improved is True and changes[0].improved is True and changes[2].improved is None


def test_parse_window() -> None:
    window = parse_window("2026-01-01..2026-03-31")
    assert window.start == datetime(2026, 1, 1, tzinfo=UTC) and window.end == datetime(2026, 4, 1, tzinfo=UTC)
    for bad in ("2026-01-01", "2026-03-31..2026-01-01", "last quarter"):
        with pytest.raises(UsageError):
            parse_window(bad)


def test_compare_and_trend_on_a_repository(tmp_path: Path) -> None:
    build_history(tmp_path / "r")
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    collect_repository(store, GitRepository(tmp_path / "r"), Config())  # collecting is its own step
    changes = compare(
        tmp_path / "r",
        Config(),
        parse_window("2024-01-01..2024-01-31"),
        parse_window("2024-02-01..2024-02-29"),
        ["commit_frequency", "release_frequency"],
        store,
    )
    by = {c.metric: c for c in changes}
    # January: c0 only (1 commit in 31 days); February: c1 f1 f2 c2 x1 (5 in 29 days)
    assert by["commit_frequency"].before.value == pytest.approx(1 / 31)
    assert by["commit_frequency"].after.value == pytest.approx(5 / 29)
    series = trend(tmp_path / "r", Config(), ["commit_frequency"], "week", 4, datetime(2024, 2, 19, tzinfo=UTC), store)
    # weeks ending Feb 19: [Jan 22, Jan 29) 0, [Jan 29, Feb 5) c1 (Feb 5 01:00Z is outside) -> 0, [Feb 5, 12) c1 f1 f2
    # -> 3, [Feb 12, 19) c2 x1 -> 2
    assert [round(v[0].value * 7) for _, v in series] == [0, 0, 3, 2]
    with pytest.raises(UsageError):
        compare(tmp_path / "r", Config(), W, W, ["velocity"], store)


def test_compare_and_trend_read_the_store_and_never_collect(tmp_path: Path) -> None:
    """Reading never collects: a commit made after the collection is not seen, no run or commit is added, and the
    figures come back the same once the repository folder is gone."""
    builder, _ = build_history(tmp_path / "r")
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    collected = collect_repository(store, GitRepository(tmp_path / "r"), Config())
    builder.commit("after the collection", {"late.txt": "x\n"}, "2024-02-20T10:00:00+00:00")
    feb = parse_window("2024-02-01..2024-02-29")

    def frequency() -> float | None:
        return compare(tmp_path / "r", Config(), feb, feb, ["commit_frequency"], store)[0].after.value

    # c1 f1 f2 c2 x1: five commits in February as collected; the sixth, made later, is not collected by reading
    assert frequency() == pytest.approx(5 / 29)
    trend(tmp_path / "r", Config(), ["commit_frequency"], "week", 2, datetime(2024, 2, 26, tzinfo=UTC), store)
    assert store.count_commits(collected.project_id) == collected.total_commits
    assert [r["kind"] for r in store.runs(collected.project_id)] == ["collect"]
    shutil.rmtree(tmp_path / "r")
    assert frequency() == pytest.approx(5 / 29)


def test_compare_of_a_project_never_collected_says_how_to_collect(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(UsageError, match="devmaturity collect"):
        compare(tmp_path / "nothing", Config(), W, W, ["commit_frequency"], store)
    assert store.find_project("nothing") is None  # reading created no project


def test_the_trunk_of_an_older_collection_comes_from_the_stored_branches(tmp_path: Path) -> None:
    """A collect run recorded before runs named their trunk: the stored `main` branch is the trunk."""
    _, sha = build_history(tmp_path / "r")
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    collected = collect_repository(store, GitRepository(tmp_path / "r"), Config())
    assert find_stored(store, Config(), tmp_path / "r") == StoredProject(
        project_id=collected.project_id, name="r", trunk="main", trunk_tip=sha["m2"]
    )
    store.finish_run(collected.run_id, "ok", {"new_commits": 9}, ())  # the summary as older versions wrote it
    stored = find_stored(store, Config(), tmp_path / "r")
    assert stored is not None and (stored.trunk, stored.trunk_tip) == ("main", sha["m2"])


def test_preview_lists_counted_and_excluded_deployments() -> None:
    t = datetime(2026, 2, 10, tzinfo=UTC)
    deps = [
        Deployment(source="gh", id="1", environment="production", status=RunStatus.SUCCESS, created_at=t),
        Deployment(source="gh", id="2", environment="staging", status=RunStatus.SUCCESS, created_at=t),
    ]
    runs = [
        PipelineRun(
            source="jenkins",
            id="7",
            pipeline="release",
            status=RunStatus.SUCCESS,
            created_at=t,
            jobs=(JobRun(id="3", name="Deploy to PRD", status=RunStatus.SUCCESS),),
        )
    ]
    rules = rules_from(Config(rules={"jobs": ("deploy to prd",)}))
    rows = preview(d.Delivery(deployments=deps, runs=runs, rules=rules), W)
    assert [(r.deployment.id, r.counted) for r in rows] == [("1", True), ("2", False), ("run:7:job:3", True)]
    assert "staging" in rows[1].why.en and "matches none of" in rows[1].why.en


def test_preview_says_which_deployment_each_incident_is_linked_to() -> None:
    """D1 Feb 10 00:00, D2 Feb 12 00:00 (production, successful). I1 Feb 11 names nothing: linked by the devlake
    rule to D1, the latest change finished before it. I2 Feb 13 names D1: linked to D1 by its own field. I3
    Feb 14, severity sev4, not counted by incident_severities = ["sev1"]: linked to nothing. With
    incident_link = "reference" only I2 is linked."""

    def at(day: int) -> datetime:
        return datetime(2026, 2, day, tzinfo=UTC)

    deps = [
        Deployment(source="f", id=f"D{k}", environment="production", status=RunStatus.SUCCESS, created_at=at(day))
        for k, day in ((1, 10), (2, 12))
    ]
    incidents = [
        Incident(source="f", id="I1", title="a", started_at=at(11), severity="sev1"),
        Incident(source="f", id="I2", title="b", started_at=at(13), severity="sev1", deployment="D1"),
        Incident(source="f", id="I3", title="c", started_at=at(14), severity="sev4"),
    ]
    config = Config(rules={"incident_severities": ("sev1",)})
    rows = incident_links(d.Delivery(deployments=deps, incidents=incidents, rules=rules_from(config)), W)
    assert [(r.incident.id, r.deployment) for r in rows] == [("I1", "D1"), ("I2", "D1"), ("I3", "")]
    assert "incident_link = devlake" in rows[0].why.en and rows[1].why.en == "the incident names it"
    assert "not counted" in rows[2].why.en
    config = Config(rules={"incident_severities": ("sev1",), "incident_link": ("reference",)})
    rows = incident_links(d.Delivery(deployments=deps, incidents=incidents, rules=rules_from(config)), W)
    assert [r.deployment for r in rows] == ["", "D1", ""]


def test_incident_link_setting_is_checked(tmp_path: Path) -> None:
    (tmp_path / "devmaturity.toml").write_text('[devmaturity.rules]\nincident_link = "middleware"\n')
    assert rules_from(load_config(project_dir=tmp_path)).incident_link == "middleware"
    assert set(d.INCIDENT_LINKS) == set(INCIDENT_LINKS)  # the setting and the metric read one list of rules
    (tmp_path / "devmaturity.toml").write_text('[devmaturity.rules]\nincident_link = "closest"\n')
    with pytest.raises(ConfigError, match=r"\[rules\]\.incident_link: \['closest'\] is not one of devlake"):
        load_config(project_dir=tmp_path)
