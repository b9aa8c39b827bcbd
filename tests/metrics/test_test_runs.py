"""A test run is one build, not one file: real Surefire per-class reports and real gotestsum reruns go through
ingest and the store into the test metrics (SQLite and PostgreSQL); retried cases merge into one test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devmaturity.config import Config
from devmaturity.metrics import testing
from devmaturity.model.evidence import CaseOutcome, TestKind, TestOutcome, merge_attempts
from devmaturity.model.metric import Window
from devmaturity.services.ingest import ingest_command
from devmaturity.store.db import Store

JUNIT = Path(__file__).parents[1] / "data" / "junit"
BUILDS = JUNIT / "surefire-builds"
AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WINDOW = Window.last(30, now=AT + timedelta(days=1))
P, F, E, S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED


def _ingest_builds(store: Store) -> int:
    """Each build's three class files in one ingest, one commit per build, one hour apart."""
    for number, commit in ((1, "c1"), (2, "c2"), (3, "c3")):
        files = sorted((BUILDS / f"build{number}").glob("TEST-*.xml"))
        assert len(files) == 3
        at = AT + timedelta(hours=number)
        result = ingest_command(store, Config(), "junit", files, project="shop", commit=commit, at=at)
        assert result.problems == [] and len(result.ingested) == 3
    return store.project("shop", "")


def test_surefire_per_class_files_are_one_run_per_build(store: Store) -> None:
    """build1 green; build2 red (CartTest.totals fails and fails its 2 reruns); build3 green (PriceTest.discount
    fails once, passes on Surefire's rerun: flaky). 9 files, 3 runs: automation success 2/3 (counting files it
    would be 8/9: only build2's CartTest file is red). Each run has 6 tests (CartTest 2, PriceTest 2, StockTest 2).
    Pass rate over executed tests (StockTest.releases is skipped in each build): 5 + 4 + 5 = 14 of 15.
    Flaky: discount is the only flaky case of 6 distinct tests -> 1/6."""
    project = _ingest_builds(store)
    runs = store.load_test_runs(project, AT - timedelta(days=1))
    assert [(r.commit, len(r.reports), len(r.cases), r.green) for r in runs] == [
        ("c1", 3, 6, True),
        ("c2", 3, 6, False),
        ("c3", 3, 6, True),
    ]
    success = testing.automation_success_rate(runs, WINDOW)
    assert success.value == pytest.approx(2 / 3) and success.sample_size == 3
    assert testing.test_pass_rate(runs, WINDOW).value == pytest.approx(14 / 15)
    flaky = testing.flaky_test_rate(runs, WINDOW)
    assert flaky.value == pytest.approx(1 / 6) and flaky.evidence == ("com.acme.shop.PriceTest::discount",)


def test_two_ingests_of_one_commit_stay_two_runs(store: Store) -> None:
    """The grouping key is (ingest run, commit): the same commit built twice and ingested twice is two runs."""
    files = sorted((BUILDS / "build1").glob("TEST-*.xml"))
    ingest_command(store, Config(), "junit", files[:2], project="shop", commit="c1", at=AT)
    ingest_command(store, Config(), "junit", files[2:], project="shop", commit="c1", at=AT)
    runs = store.load_test_runs(store.project("shop", ""), AT - timedelta(days=1))
    assert [len(r.reports) for r in runs] == [2, 1]


def test_gotestsum_reruns_merge_into_one_flaky_test_and_a_green_run(store: Store) -> None:
    """gotestsum --rerun-fails (real output): TestFlaky F, TestStable P, TestBroken P, TestFlaky P -> 3 tests,
    TestFlaky passed and flaky, the run green. The red file: TestFlaky F, TestBroken F F F, TestStable P,
    TestFlaky P -> 3 tests, TestBroken failed (every attempt), so that run is red."""
    green = ingest_command(
        store, Config(), "junit", [JUNIT / "gotestsum-rerun-green.xml"], project="go", commit="g", at=AT
    )
    red = ingest_command(store, Config(), "junit", [JUNIT / "gotestsum-rerun-red.xml"], project="go", commit="r", at=AT)
    summary = green.ingested[0][1]
    assert {k: summary[k] for k in ("tests", "passed", "failed", "flaky", "retried", "attempts")} == {
        "tests": 3,
        "passed": 3,
        "failed": 0,
        "flaky": 1,
        "retried": 1,
        "attempts": 4,
    }
    red_summary = red.ingested[0][1]
    assert (red_summary["tests"], red_summary["passed"], red_summary["failed"], red_summary["flaky"]) == (3, 2, 1, 1)
    runs = store.load_test_runs(store.project("go", ""), AT - timedelta(days=1))
    by_commit = {r.commit: r for r in runs}
    assert by_commit["g"].green and not by_commit["r"].green
    cases = {c.key: (c.outcome, c.flaky) for c in by_commit["g"].cases}
    assert cases == {
        "example.com/shop/retry::TestFlaky": (P, True),
        "example.com/shop/retry::TestStable": (P, False),
        "example.com/shop/retry::TestBroken": (P, False),
    }
    assert {c.key: c.outcome for c in by_commit["r"].cases}["example.com/shop/retry::TestBroken"] is F


def _case(outcome: TestOutcome, flaky: bool = False) -> CaseOutcome:
    return CaseOutcome(key="k", kind=TestKind.UNIT, outcome=outcome, flaky=flaky)


@pytest.mark.parametrize(
    ("attempts", "merged"),
    [
        ((F, P), (P, True)),  # failed, then passed on the retry: flaky, finally passed
        ((E, F, P), (P, True)),
        ((F, F, F), (F, False)),  # failed every time: failed, not flaky
        ((F, E), (E, False)),  # never passed: the last failing outcome
        ((P, P), (P, False)),  # the same passing test twice: one passed test
        ((S, S), (S, False)),
        ((S, F), (F, False)),
        ((S, P), (P, False)),
    ],
)
def test_merge_attempts(attempts: tuple[TestOutcome, ...], merged: tuple[TestOutcome, bool]) -> None:
    (case,) = merge_attempts(_case(outcome) for outcome in attempts)
    assert (case.outcome, case.flaky) == merged


def test_merge_keeps_order_and_a_surefire_flaky_flag() -> None:
    first = CaseOutcome(key="a", kind=TestKind.UNIT, outcome=P, flaky=True)  # <flakyFailure> in one element
    other = CaseOutcome(key="b", kind=TestKind.UI, outcome=F)
    assert merge_attempts([first, other, first]) == (
        CaseOutcome(key="a", kind=TestKind.UNIT, outcome=P, flaky=True),
        other,
    )
