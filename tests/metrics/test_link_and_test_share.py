"""commit_requirement_link_share and test_change_share on small real git repositories, values worked out by hand.

Window: now = 2024-03-01T00:00Z, 28 days, so [2024-02-02, 2024-03-01).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.collectors.git import GitRepository
from devmaturity.metrics import git as m
from devmaturity.model.metric import Window
from tests.gitbuild import RepoBuilder

NOW = datetime(2024, 3, 1, tzinfo=UTC)
WINDOW = Window.last(28, now=NOW)
BOB = ("Bob", "bob@example.com")


def _history(path: Path, issue_key_pattern: str | None = None) -> m.GitHistory:
    repo = GitRepository(path)
    trunk = repo.trunk()
    assert trunk is not None
    return m.GitHistory.build(
        list(repo.commits()), repo.refs(), trunk[0], trunk[1], issue_key_pattern=issue_key_pattern
    )


def _linked_repo(path: Path) -> None:
    """main: base (Jan, outside the window), then in the window, oldest first:
    d1 "PAY-12 refund rounding"              Jira key                       -> linked
    d2 "fix typo in README"                  nothing                        -> not linked
    d3 "story#88 批量导入"                   ZenTao story                   -> linked
    d4 "Bump UTF-8 handling (#45)"           UTF-8 is no key; (#45) is the PR number of a squash merge -> not linked
    m1 merge of feature/export whose only commit f1 says "需求123 导出报表"  -> linked through the branch
    d5 "closes #7: null check"               GitHub issue                   -> linked
    Trunk first-parent changes in the window: d1, d2, d3, d4, m1, d5 = 6; linked d1, d3, m1, d5 = 4 -> 4/6."""
    r = RepoBuilder(path)
    r.commit("base", {"a": "0"}, "2024-01-10T09:00:00+00:00")
    r.commit("PAY-12 refund rounding", {"a": "1"}, "2024-02-05T09:00:00+00:00")
    r.commit("fix typo in README", {"README": "x"}, "2024-02-06T09:00:00+00:00")
    r.commit("story#88 批量导入", {"a": "2"}, "2024-02-07T09:00:00+00:00")
    r.commit("Bump UTF-8 handling (#45)", {"a": "3"}, "2024-02-08T09:00:00+00:00")
    r.branch("feature/export")
    r.commit("需求123 导出报表", {"e": "1"}, "2024-02-09T09:00:00+00:00", BOB)
    r.checkout("main")
    r.merge("feature/export", "2024-02-12T09:00:00+00:00", message="Merge branch 'feature/export'")
    r.commit("closes #7: null check", {"a": "4"}, "2024-02-13T09:00:00+00:00")


def test_link_share_counts_work_item_keys_not_pr_numbers(tmp_path: Path) -> None:
    _linked_repo(tmp_path / "r")
    value = m.commit_requirement_link_share(_history(tmp_path / "r"), WINDOW)
    assert value.sample_size == 6
    assert value.value == pytest.approx(4 / 6)
    assert dict(value.details) == {"linked": "4", "merges": "1", "direct_commits": "5"}


def test_link_share_uses_the_configured_pattern(tmp_path: Path) -> None:
    """Only `REQ-<n>` counts: none of the six subjects has it -> 0/6 = 0.0, known (not unknown)."""
    _linked_repo(tmp_path / "r")
    value = m.commit_requirement_link_share(_history(tmp_path / "r", r"\bREQ-\d+"), WINDOW)
    assert value.value == 0.0 and value.sample_size == 6


@pytest.mark.parametrize(
    ("subject", "names"),
    [
        ("PAY-12 refund", True),
        ("[OPS-7] rotate keys", True),
        ("bug#31 crash on start", True),
        ("Task #5 docs", True),
        ("缺陷#9 空指针", True),
        ("fix #12", True),
        ("Support SHA-256 and ISO-8601", False),
        ("Add feature (#34)", False),
        ("Merge pull request #34 from ann/x", False),
        ("colour &#35; escape", False),
    ],
)
def test_work_item_references(subject: str, names: bool) -> None:
    assert m.names_work_item(subject, re.compile(m.DEFAULT_ISSUE_KEY)) is names


def test_link_share_unknown_without_trunk_commits() -> None:
    value = m.commit_requirement_link_share(m.GitHistory.build([], [], "main", None), WINDOW)
    assert value.value is None and value.reason == "no trunk commits in the window"


def test_test_change_share_counts_code_changes_that_touch_tests(tmp_path: Path) -> None:
    """In the window, oldest first:
    c1 src/pay.py + tests/test_pay.py          code and test -> counted, with tests
    c2 src/pay.py only                          code          -> counted, without
    c3 docs/guide.md only                       no code       -> left out
    c4 tests/test_pay.py only                   test only     -> left out
    m1 merge of a branch whose commits touch src/main/java/A.java and src/test/java/ATest.java -> with tests
    Code changes c1, c2, m1 = 3; with tests c1, m1 = 2 -> 2/3."""
    r = RepoBuilder(tmp_path / "r")
    r.commit("base", {"src/pay.py": "0"}, "2024-01-10T09:00:00+00:00")
    r.commit("c1", {"src/pay.py": "1", "tests/test_pay.py": "1"}, "2024-02-05T09:00:00+00:00")
    r.commit("c2", {"src/pay.py": "2"}, "2024-02-06T09:00:00+00:00")
    r.commit("c3", {"docs/guide.md": "x"}, "2024-02-07T09:00:00+00:00")
    r.commit("c4", {"tests/test_pay.py": "2"}, "2024-02-08T09:00:00+00:00")
    r.branch("feature")
    r.commit("b1", {"src/main/java/A.java": "class A {}"}, "2024-02-09T09:00:00+00:00", BOB)
    r.commit("b2", {"src/test/java/ATest.java": "class ATest {}"}, "2024-02-09T10:00:00+00:00", BOB)
    r.checkout("main")
    r.merge("feature", "2024-02-12T09:00:00+00:00")
    value = m.code_with_tests_share(_history(tmp_path / "r"), WINDOW)
    assert value.sample_size == 3
    assert value.value == pytest.approx(2 / 3)
    assert dict(value.details) == {"with_tests": "2", "code_changes": "3"}


def test_test_change_share_unknown_when_no_code_changed(tmp_path: Path) -> None:
    r = RepoBuilder(tmp_path / "r")
    r.commit("docs", {"README.md": "x"}, "2024-02-05T09:00:00+00:00")
    value = m.code_with_tests_share(_history(tmp_path / "r"), WINDOW)
    assert value.value is None and "production code" in value.reason
