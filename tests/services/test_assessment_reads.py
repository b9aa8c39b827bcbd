"""Reading stored assessments on both stores: levels, criteria, prioritised gaps, cursor pages, the precomputed
summary and series, the portfolio and its heatmap, the refresh of derived data, and tenancy."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from devmaturity.errors import NotFoundError, PermissionDenied, UsageError
from devmaturity.services import assessments, derived
from devmaturity.services.assessments import SortKey
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from tests.services.cast import AS_OF, Cast, assess, assign, make_cast, small_repo


@pytest.fixture
def cast(store: Store, store_url: str, tmp_path: Path) -> Cast:
    return make_cast(store, store_url, tmp_path)


def _latest_id(cast: Cast) -> int:
    view = assessments.latest(cast.store, cast.developer, project_id=cast.project_id)
    assert view is not None
    return view.row.id


class AssessmentTests:
    def test_levels_criteria_and_gaps_come_from_the_stored_report(self, cast: Cast) -> None:
        aid = _latest_id(cast)
        view = assessments.assessment(cast.store, cast.developer, assessment_id=aid)
        tree = assessments.levels(cast.store, cast.developer, assessment_id=aid)
        assert {p["key"]: p["level"] for p in tree} == {p["key"]: p["level"] for p in view.summary["parts"]}
        unknown = assessments.criteria(cast.store, cast.developer, assessment_id=aid, part="cd", status="unknown")
        assert unknown and {c["status"] for c in unknown} == {"unknown"} and {c["part"] for c in unknown} == {"cd"}
        everything = assessments.criteria(cast.store, cast.developer, assessment_id=aid)
        assert len(everything) > len(unknown)
        with pytest.raises(UsageError, match="status must be one of"):
            assessments.criteria(cast.store, cast.developer, assessment_id=aid, status="maybe")

    def test_gaps_are_the_next_levels_open_criteria_weakest_items_first(self, cast: Cast) -> None:
        todo = assessments.gaps(cast.store, cast.developer, assessment_id=_latest_id(cast))
        assert [g["priority"] for g in todo] == list(range(1, len(todo) + 1))
        assert all(g["level"] == g["item_level"] + 1 for g in todo)
        keys = [(g["item_level"], g["open_at_level"], g["status"] != "unknown") for g in todo]
        assert keys == sorted(keys)

    def test_pages_follow_the_cursor_newest_first(self, cast: Cast) -> None:
        for days in (1, 2):
            assess(cast, as_of=AS_OF + timedelta(days=days))
        first = assessments.of_project(cast.store, cast.developer, project_id=cast.project_id, limit=2)
        rest = assessments.of_project(
            cast.store, cast.developer, project_id=cast.project_id, limit=2, before=first[-1].id
        )
        ids = [r.id for r in first + rest]
        assert len(ids) == 3 and ids == sorted(ids, reverse=True)

    def test_another_organisation_finds_nothing(self, cast: Cast) -> None:
        aid = _latest_id(cast)
        for call in (
            lambda: assessments.assessment(cast.store, cast.outsider, assessment_id=aid),
            lambda: assessments.gaps(cast.store, cast.outsider, assessment_id=aid),
            lambda: assessments.latest(cast.store, cast.outsider, project_id=cast.project_id),
            lambda: assessments.series(cast.store, cast.outsider, project_id=cast.project_id),
        ):
            with pytest.raises(NotFoundError):
                call()


class DerivedTests:
    def test_the_series_is_stored_once_per_window_and_a_rerun_replaces_it(self, cast: Cast) -> None:
        def count() -> int:
            with cast.store.transaction() as conn:
                return int(conn.execute(select(func.count()).select_from(t.metric_series)).scalar_one())

        assert count() == derived.SERIES_WINDOWS * len(derived.KEY_METRICS)
        assess(cast)  # the same period again
        assert count() == derived.SERIES_WINDOWS * len(derived.KEY_METRICS)
        series = assessments.series(cast.store, cast.developer, project_id=cast.project_id)
        ends = [p.window_end for p in series["deployment_frequency"].points]
        assert len(ends) == derived.SERIES_WINDOWS and ends[-1] == int(AS_OF.timestamp())
        assert {b - a for a, b in itertools.pairwise(ends)} == {30 * 86400}

    def test_refresh_rebuilds_a_missing_summary_from_the_report(self, cast: Cast) -> None:
        aid = _latest_id(cast)
        before = assessments.assessment(cast.store, cast.admin, assessment_id=aid).summary
        with cast.store.transaction() as conn:
            conn.execute(t.assessment_summaries.delete())  # as stored before 0019: no digest yet
        assert derived.refresh(cast.store, cast.admin, project_id=cast.project_id) == 1
        after = assessments.assessment(cast.store, cast.admin, assessment_id=aid).summary
        assert {k: after[k] for k in ("parts", "subdomains", "metrics", "thresholds")} == {
            k: before[k] for k in ("parts", "subdomains", "metrics", "thresholds")
        }
        assert derived.refresh(cast.store, cast.admin, project_id=cast.project_id) == 0

    def test_the_refresh_job_rebuilds_summaries(self, cast: Cast) -> None:
        from devmaturity.services.jobs import close_stores, run_refresh, run_state

        with cast.store.transaction() as conn:
            conn.execute(t.assessment_summaries.delete())  # as stored before 0019: no digest yet
        run_id = derived.queue_refresh(cast.store, cast.assessor, project_id=cast.project_id)
        url = cast.config.database_url
        try:
            assert run_refresh(url, run_id) == "ok"
            assert run_state(url, run_id).summary == {"rebuilt": 1}
            assert run_refresh(url, run_id) == "skipped"  # a redelivered job finds its run done
        finally:
            close_stores()
        with pytest.raises(PermissionDenied):
            derived.queue_refresh(cast.store, cast.developer, project_id=cast.project_id)

    def test_unknown_metric_series_are_refused(self, cast: Cast) -> None:
        with pytest.raises(UsageError, match="no series is kept for commit_frequency"):
            assessments.series(cast.store, cast.developer, project_id=cast.project_id, metrics=["commit_frequency"])


def _second_project(cast: Cast, tmp: Path, name: str, org_id: int) -> int:
    repo = small_repo(tmp / name, days=5)
    config = cast.config.__class__(database_url=cast.config.database_url, project=name, window=30)
    from devmaturity.services.assess import run_assessment

    result = run_assessment(repo, config, store=cast.store, now=AS_OF, as_of=AS_OF)
    assign(cast.store, result.collect.project_id, org_id)
    return result.collect.project_id


class PortfolioTests:
    def test_every_project_of_my_organisations_with_levels_and_movement(self, cast: Cast, tmp_path: Path) -> None:
        other = _second_project(cast, tmp_path, "svc-b", cast.org_b)
        mine = _second_project(cast, tmp_path, "svc-2", cast.org_a)
        assess(cast, as_of=AS_OF + timedelta(days=1))
        rows = assessments.portfolio(cast.store, cast.developer)
        assert [r.project for r in rows] == ["svc", "svc-2"]
        assert other not in {r.project_id for r in rows}
        svc = rows[0]
        history = assessments.of_project(cast.store, cast.developer, project_id=cast.project_id, limit=2)
        newest, previous = (assessments.assessment(cast.store, cast.developer, assessment_id=h.id) for h in history)
        levels = {p["key"]: p["level"] for p in newest.summary["parts"]}
        earlier = {p["key"]: p["level"] for p in previous.summary["parts"]}
        assert svc.parts == levels and svc.level == min(levels.values())
        assert svc.movement == {k: levels[k] - earlier[k] for k in levels}
        assert svc.org == "org-a" and svc.dora is not None and "level" in svc.dora
        assert rows[1].movement == {} and rows[1].project_id == mine  # one assessment: nothing to compare

    def test_filters_sort_and_the_heatmap(self, cast: Cast, tmp_path: Path) -> None:
        _second_project(cast, tmp_path, "svc-2", cast.org_a)
        by_name = assessments.portfolio(cast.store, cast.admin, sort=SortKey.NAME, descending=True)
        assert [r.project for r in by_name] == ["svc-2", "svc"]
        lowest = min(r.level or 0 for r in by_name)
        assert {r.project for r in assessments.portfolio(cast.store, cast.admin, level=lowest)} == {
            r.project for r in by_name if r.level == lowest
        }
        assert assessments.portfolio(cast.store, cast.admin, team="payments") == []
        heat = assessments.heatmap(cast.store, cast.admin)
        view = assessments.assessment(cast.store, cast.admin, assessment_id=_latest_id(cast))
        assert [c["id"] for c in heat["subdomains"]] == [s["id"] for s in view.summary["subdomains"]]
        row = next(r for r in heat["rows"] if r["project"] == "svc")
        assert row["levels"] == [s["level"] for s in view.summary["subdomains"]]
        with pytest.raises(NotFoundError):
            assessments.portfolio(cast.store, cast.outsider, org="org-a")
        assert assessments.portfolio(cast.store, cast.outsider) == []


# --- the enterprise project: a series with real figures ---

_ENTERPRISE: dict[str, Any] = {}


@pytest.fixture
def enterprise(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The enterprise project ingested and assessed through the CLI into a SQLite store (the CLI's own engines are
    not handed back to be closed, which the PostgreSQL driver reports; the store code is the same)."""
    from devmaturity.cli.main import run
    from tests.enterprise import build_enterprise_project, ingest_all
    from tests.test_enterprise_level import CERTIFIED

    if "project" not in _ENTERPRISE:
        _ENTERPRISE["project"] = build_enterprise_project(tmp_path_factory.mktemp("enterprise"), **CERTIFIED)
    project = _ENTERPRISE["project"]
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.db'}"
    ingest_all(project, url)
    args = ["assess", str(project.repo), "--db", url, "--as-of", "2026-11-29", "--format", "json"]
    assert run([*args, "--out", str(tmp_path_factory.mktemp("out"))]) == 0
    store = Store.open(url)
    yield store
    store.engine.dispose()


@pytest.mark.slow
def test_the_enterprise_series_ends_with_the_assessments_own_figures(enterprise: Store) -> None:
    store = enterprise
    from devmaturity.auth.policy import Actor

    owner = Actor.local("local:test")
    with store.transaction() as conn:
        pid = int(conn.execute(select(t.projects.c.id).where(t.projects.c.name == "trade-service")).scalar_one())
    view = assessments.latest(store, owner, project_id=pid)
    assert view is not None
    series = assessments.series(store, owner, project_id=pid)
    for metric in ("unit_test_line_coverage", "automated_test_ratio", "requirement_delivery_cycle"):
        points = series[metric].points
        assert points[-1].value == view.summary["metrics"][metric]["value"] is not None
        assert points[-1].window_end == int(datetime(2026, 11, 30, tzinfo=UTC).timestamp())
    coverage = view.summary["metrics"]["unit_test_line_coverage"]["value"]
    assert 0.7 < coverage < 0.8  # the case figure built in: 76 % (tests/enterprise.py)
    assert series["deployment_frequency"].points[0].value is not None  # a window long before: counted, none
    ratio = series["automated_test_ratio"].thresholds
    assert ratio and all(th["op"] in (">=", ">", "<=", "<") for th in ratio)
    metrics = assessments.metrics(store, owner, project_id=pid)
    assert metrics["metrics"]["automated_test_ratio"]["thresholds"] == list(ratio)
