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


def _merge_forward(path: Path, messages: tuple[str, str, str]) -> m.GitHistory:
    """main: c0 2023-01-01; stable forks from c0 with s0 2023-01-05 and gets fixes s1 Feb 5, s2 Feb 12, s3 Feb 20
    (2024), merged into main Feb 6, Feb 13 and Feb 21 with `messages`. Feature a: a1 Feb 7 10:00, merged Feb 9
    10:00 (2 days); feature b: b1 Feb 14 10:00, b2 Feb 15 10:00, merged Feb 18 10:00 (4 days)."""
    from tests.gitbuild import RepoBuilder

    r = RepoBuilder(path)
    r.commit("c0", {"a": "0"}, "2023-01-01T10:00:00+00:00")
    r.branch("stable")
    r.commit("s0", {"s": "0"}, "2023-01-05T10:00:00+00:00")
    r.checkout("main")

    def stable_fix(n: int, day: int, merged: int, message: str) -> None:
        r.checkout("stable")
        r.commit(f"s{n}", {"s": str(n)}, f"2024-02-{day:02d}T10:00:00+00:00")
        r.checkout("main")
        r.merge("stable", f"2024-02-{merged:02d}T10:00:00+00:00", message=message)

    def feature(name: str, days: tuple[int, ...], merged: int) -> None:
        r.branch(name)
        for k, day in enumerate(days):
            r.commit(f"{name}{k}", {f"{name}.txt": str(k)}, f"2024-02-{day:02d}T10:00:00+00:00", BOB)
        r.checkout("main")
        r.merge(name, f"2024-02-{merged:02d}T10:00:00+00:00", message=f"Merge branch '{name}'")

    stable_fix(1, 5, 6, messages[0])
    feature("a", (7,), 9)
    stable_fix(2, 12, 13, messages[1])
    feature("b", (14, 15), 18)
    stable_fix(3, 20, 21, messages[2])
    repo = GitRepository(path)
    trunk = repo.trunk()
    assert trunk is not None
    return m.GitHistory.build(list(repo.commits()), repo.refs(), trunk[0], trunk[1])


BOB = ("Bob", "bob@example.com")


def test_branch_lifetime_leaves_out_a_stable_branch_merged_forward(tmp_path: Path) -> None:
    """The three merges of `stable` (named so by git's own subject) are not feature branches; without that their
    walk reaches s0 (2023-01-05), some 400 days. Feature branches: a 2 days, b 4 days -> median 3."""
    history = _merge_forward(tmp_path / "r", ("Merge branch 'stable'",) * 3)
    value = m.branch_lifetime(history, WINDOW)
    assert value.value == pytest.approx(3.0) and value.sample_size == 2
    assert dict(value.details)["long_lived_merges"] == "3"


def test_long_lived_branch_found_without_its_name(tmp_path: Path) -> None:
    """The stable merges say only "sync": the first starts at s0, 2023-01-05, more than a window (28 days) before
    the window (2024-02-02); the second and third walk through s1 and s2, tips merged into trunk before.
    Still the features only: median 3 days, 3 merges left out."""
    history = _merge_forward(tmp_path / "r", ("sync", "sync", "sync"))
    on_trunk = set(history.trunk_chain)
    merges = [c for c in history.trunk_in(WINDOW) if c.is_merge and c.subject == "sync"]
    reasons = []
    for merge in merges:
        start, walked = m.branch_start(history, merge, on_trunk)
        assert start is not None
        reasons.append(m.long_lived(history, merge, start, walked, WINDOW))
    assert reasons == [
        "started more than a window before the window",
        "merged into trunk before",
        "merged into trunk before",
    ]
    value = m.branch_lifetime(history, WINDOW)
    assert value.value == pytest.approx(3.0) and dict(value.details)["long_lived_merges"] == "3"


@pytest.mark.parametrize(
    ("subject", "branch"),
    [
        ("Merge branch 'stable'", "stable"),
        ("Merge branch 'release/2.0' into 'main'", "release/2.0"),
        ("Merge remote-tracking branch 'origin/3.1-maintenance'", "3.1-maintenance"),
        ("Merge pull request #5012 from pallets/stable", "stable"),
        ("Add thing (#12)", ""),
    ],
)
def test_merged_branch_from_subjects(subject: str, branch: str) -> None:
    assert m.merged_branch(subject) == branch


def test_trunk_based_history_integrates_once_per_developer_per_day(tmp_path: Path) -> None:
    """Ann (09:00) and Bob (15:00) each commit straight to main on every one of the window's 20 workdays
    (2024-02-02 .. 2024-02-29, weekends skipped): 40 integrations / 2 developers / 20 workdays = 1.0; each
    developer 20/20 = 1 (median in the details)."""
    from datetime import timedelta

    from tests.gitbuild import RepoBuilder

    r = RepoBuilder(tmp_path / "r")
    r.commit("base", {"x": "0"}, "2024-01-01T09:00:00+00:00")
    day = datetime(2024, 2, 2, tzinfo=UTC)
    while day < NOW:
        if day.weekday() < 5:
            for who, hour in ((("Ann", "ann@example.com"), 9), (BOB, 15)):
                stamp = day.replace(hour=hour).isoformat()
                r.commit(f"{who[0]} {stamp}", {who[0]: stamp}, stamp, who)
        day += timedelta(days=1)
    repo = GitRepository(tmp_path / "r")
    trunk = repo.trunk()
    assert trunk is not None
    history = m.GitHistory.build(list(repo.commits()), repo.refs(), trunk[0], trunk[1])
    value = m.integration_frequency(history, WINDOW)
    assert value.sample_size == 40 and value.value == pytest.approx(1.0)
    assert dict(value.details)["median_developer"] == "1"
