"""Git metrics on the fixed history of tests/history.py, with the expected values worked out by hand.

Window: now = 2024-03-01T00:00Z, 28 days, so [2024-02-02, 2024-03-01): 20 weekdays
(Feb 2; 5-9; 12-16; 19-23; 26-29).
Non-merge commits authored in the window: c1 (Feb 5 01:00Z), f1, f2, c2, x1 = 5 -> 5 / 28 per day.
Developers: ann, bob, carol = 3.
Trunk first-parent chain: m2 -> c2 -> m1 -> c1 -> c0; in the window m2, c2, m1, c1 (4 integrations).
Integration frequency: 4 integrations / 3 developers / 20 workdays = 1/15 (0.0667); per developer (c1 ann;
m1 bob, tip f2; c2 ann; m2 carol, tip x1) 2/20, 1/20, 1/20 -> median 0.05 in the details.
Branch lifetimes: m1 (Feb 9 10:00) - f1 (Feb 6 10:00) = 3 days; m2 (Feb 14 08:00) - x1 (Feb 13 08:00) = 1 day
-> median 2.0 days.
Reviewed: m1, m2 (merges) and c2 ("(#12)" squash subject); c1 is not -> 3 / 4 = 0.75.
Releases in the window: v1.0.0 and v1.1.0 (v0.9 is older, "nightly" is no version) -> 2 per 4 weeks = 0.5/week.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.collectors.git import GitRepository
from devmaturity.metrics import git as m
from devmaturity.model.metric import Window
from tests.history import build_history

NOW = datetime(2024, 3, 1, tzinfo=UTC)
WINDOW = Window.last(28, now=NOW)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> m.GitHistory:
    path = tmp_path_factory.mktemp("hist") / "r"
    build_history(path)
    repo = GitRepository(path)
    trunk = repo.trunk()
    assert trunk is not None
    return m.GitHistory.build(list(repo.commits()), repo.refs(), trunk[0], trunk[1])


def test_workdays_in_window() -> None:
    assert m.workdays(WINDOW) == 20


def test_commit_frequency(history: m.GitHistory) -> None:
    value = m.commit_frequency(history, WINDOW)
    assert value.sample_size == 5
    assert value.value == pytest.approx(5 / 28)


def test_active_developers(history: m.GitHistory) -> None:
    assert m.active_developers(history, WINDOW).value == 3


def test_integration_frequency_per_developer(history: m.GitHistory) -> None:
    value = m.integration_frequency(history, WINDOW)
    assert value.sample_size == 4
    assert value.value == pytest.approx(4 / 3 / 20)
    details = dict(value.details)
    assert details["median_developer"] == "0.05" and details["direct_commits"] == "2" and details["merges"] == "2"


def test_branch_lifetime_median(history: m.GitHistory) -> None:
    value = m.branch_lifetime(history, WINDOW)
    assert value.sample_size == 2
    assert value.value == pytest.approx(2.0)


def test_reviewed_change_share(history: m.GitHistory) -> None:
    value = m.reviewed_change_share(history, WINDOW)
    assert value.sample_size == 4
    assert value.value == pytest.approx(0.75)


def test_release_frequency(history: m.GitHistory) -> None:
    value = m.release_frequency(history, WINDOW)
    assert value.sample_size == 2
    assert value.value == pytest.approx(0.5)
    assert set(value.evidence) == {"v1.0.0", "v1.1.0"}


def test_empty_window_gives_unknown_with_reason_not_zero(history: m.GitHistory) -> None:
    later = Window.last(7, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert m.integration_frequency(history, later).value is None
    assert "no commits" in m.integration_frequency(history, later).reason
    assert m.branch_lifetime(history, later).value is None
    assert m.reviewed_change_share(history, later).value is None
    assert m.commit_frequency(history, later).value == 0.0
    assert m.release_frequency(history, later).value == 0.0


def test_history_facts(history: m.GitHistory) -> None:
    facts = {f.id: f for f in m.history_facts(history, WINDOW)}
    assert "vcs.git" not in facts and facts["vcs.tags"].value and facts["vcs.merges"].value
    assert "2 merge(s)" in facts["vcs.merges"].detail


def test_no_release_tags_is_unknown() -> None:
    empty = m.GitHistory.build([], [], "main", None)
    value = m.release_frequency(empty, WINDOW)
    assert value.value is None and "release pattern" in value.reason
    assert m.integration_frequency(empty, WINDOW).reason == "no trunk branch found"


def test_long_branch_walk_stops_at_trunk(tmp_path: Path) -> None:
    from tests.gitbuild import RepoBuilder

    r = RepoBuilder(tmp_path / "r")
    r.commit("base", {"a": "1"}, "2024-02-03T00:00:00+00:00")
    r.branch("long")
    for day in range(5, 15):
        r.commit(f"step {day}", {"a": str(day)}, f"2024-02-{day:02d}T00:00:00+00:00", ("Dev", "dev@example.com"))
    r.checkout("main")
    r.commit("trunk moves", {"b": "1"}, "2024-02-10T00:00:00+00:00")
    r.merge("long", "2024-02-20T00:00:00+00:00")
    repo = GitRepository(tmp_path / "r")
    hist = m.GitHistory.build(list(repo.commits()), repo.refs(), "main", repo.head())
    value = m.branch_lifetime(hist, WINDOW)
    assert value.value == pytest.approx(15.0)
