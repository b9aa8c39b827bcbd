from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from devmaturity.collectors.git import GitRepository, parse_log
from devmaturity.errors import EmptyRepositoryError, GitError, InputError, NotARepositoryError
from devmaturity.model.evidence import RefKind
from tests.gitbuild import RepoBuilder
from tests.history import build_history


def test_commits_carry_authors_times_with_timezone_files_and_parents(tmp_path: Path) -> None:
    _, sha = build_history(tmp_path / "r")
    commits = {c.sha: c for c in GitRepository(tmp_path / "r").commits()}
    assert len(commits) == 8  # c0 c1 f1 f2 m1 c2 x1 m2
    c1 = commits[sha["c1"]]
    assert c1.author_email == "ann@example.com"
    assert c1.author_time.utcoffset() == timedelta(hours=8)
    assert c1.author_time.isoformat() == "2024-02-05T09:00:00+08:00"
    assert c1.files == ("b.txt",) and c1.insertions == 2 and c1.deletions == 0
    c2 = commits[sha["c2"]]
    assert c2.committer_time.utcoffset() == timedelta(hours=-5)
    f2 = commits[sha["f2"]]
    assert sorted(f2.files) == ["f.txt", "g.txt"] and f2.insertions == 2 and f2.deletions == 0
    assert f2.parents == (sha["f1"],) and not f2.is_merge
    m1 = commits[sha["m1"]]
    assert m1.is_merge and m1.parents == (sha["c1"], sha["f2"]) and m1.files == ()
    x1 = commits[sha["x1"]]
    assert x1.author_name == "Carol" and x1.insertions == 1 and x1.deletions == 0


def test_incremental_collection_excludes_known_commits(tmp_path: Path) -> None:
    r, sha = build_history(tmp_path / "r")
    repo = GitRepository(tmp_path / "r")
    new = r.commit("later", {"z.txt": "z\n"}, "2024-02-20T10:00:00+00:00")
    assert [c.sha for c in repo.commits(exclude=[sha["m2"]])] == [new]


def test_refs_give_branches_and_tags_with_tagger_dates(tmp_path: Path) -> None:
    _, sha = build_history(tmp_path / "r")
    refs = {(r.kind, r.name): r for r in GitRepository(tmp_path / "r").refs()}
    assert {name for kind, name in refs if kind is RefKind.BRANCH} == {"main", "feature", "fix"}
    v1 = refs[(RefKind.TAG, "v1.0.0")]
    assert v1.annotated and v1.target == sha["m1"] and v1.time is not None
    assert v1.time.isoformat() == "2024-02-09T12:00:00+00:00"
    nightly = refs[(RefKind.TAG, "nightly")]
    assert not nightly.annotated and nightly.target == sha["m2"]


def test_trunk_detection_prefers_configured_then_main(tmp_path: Path) -> None:
    _, sha = build_history(tmp_path / "r")
    repo = GitRepository(tmp_path / "r")
    assert repo.trunk() == ("main", sha["m2"])
    assert repo.trunk("feature") == ("feature", sha["f2"])


def test_existing_filters_rewritten_history(tmp_path: Path) -> None:
    _, sha = build_history(tmp_path / "r")
    repo = GitRepository(tmp_path / "r")
    assert repo.existing([sha["c0"], "0" * 40]) == [sha["c0"]]


def test_not_a_repository_and_missing_and_empty(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(NotARepositoryError):
        GitRepository(tmp_path / "plain")
    with pytest.raises(InputError):
        GitRepository(tmp_path / "missing")
    RepoBuilder(tmp_path / "empty")
    with pytest.raises(EmptyRepositoryError):
        GitRepository(tmp_path / "empty")


def test_parse_log_handles_binary_numstat_and_rejects_garbage() -> None:
    lines = [
        b"\x1eabc\x1f\x1fA\x1fa@x\x1f1700000000 +0000\x1fA\x1fa@x\x1f1700000000 +0000\x1fsubject\n",
        b"\n",
        b"-\t-\timage.png\n",
        b"3\t1\tsrc/x.py\n",
    ]
    (commit,) = list(parse_log(lines))
    assert commit.files == ("image.png", "src/x.py") and commit.insertions == 3 and commit.deletions == 1
    with pytest.raises(GitError):
        list(parse_log([b"\x1eonly\x1ftwo\n"]))
