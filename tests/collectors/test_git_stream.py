"""`parse_log` reads git's output in pieces of any size: blocks, lines or a few bytes give the same commits."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from devmaturity.collectors.git import GitRepository, _widen_pipe, git_env, parse_log
from devmaturity.errors import GitError
from tests.history import build_history


def _git_output(path: Path) -> bytes:
    """The bytes real git writes for the collector's own command over tests/history.py's 8-commit repository."""
    repo = GitRepository(path)
    return subprocess.run(repo.log_command(), capture_output=True, check=True, env=git_env()).stdout


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1 << 16])
def test_any_piece_size_gives_the_commits_of_line_by_line_reading(tmp_path: Path, size: int) -> None:
    """Cuts at every byte offset (size 1), across RS and newlines (2, 3, 7) and whole (64 KiB) must all give
    the 8 commits that reading the same output line by line gives."""
    build_history(tmp_path / "r")
    out = _git_output(tmp_path / "r")
    by_line = list(parse_log(out.splitlines(keepends=True)))
    assert len(by_line) == 8
    assert list(parse_log(out[i : i + size] for i in range(0, len(out), size))) == by_line


def test_collector_reads_what_git_log_gives(tmp_path: Path) -> None:
    build_history(tmp_path / "r")
    out = _git_output(tmp_path / "r")
    assert list(GitRepository(tmp_path / "r").commits()) == list(parse_log([out]))


def test_an_rs_inside_a_subject_does_not_start_a_record() -> None:
    """Only RS at the start of a line starts a commit (as it did when git's output was read by lines)."""
    head = "\x1f\x1fA\x1fa@x\x1f1700000000 +0000\x1fA\x1fa@x\x1f1700000000 +0000\x1f"
    out = f"\x1eabc{head}odd \x1e subject\n\n1\t0\ta.txt\n\x1edef{head}next\n".encode()
    first, second = parse_log([out])
    assert first.subject == "odd \x1e subject" and first.files == ("a.txt",) and first.insertions == 1
    assert second.sha == "def" and second.files == ()


def test_empty_output_is_no_commit_and_text_before_the_first_record_is_an_error() -> None:
    assert list(parse_log([b""])) == []
    with pytest.raises(GitError, match="unexpected git log output"):
        list(parse_log([b"warning: something\n\x1eabc\x1f\n"]))


def test_the_pipe_from_git_is_widened_where_linux_allows() -> None:
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("no F_GETPIPE_SZ here")
    read_end, write_end = os.pipe()
    try:
        _widen_pipe(read_end)
        assert fcntl.fcntl(read_end, fcntl.F_GETPIPE_SZ) >= min(1 << 20, _pipe_max())
    finally:
        os.close(read_end)
        os.close(write_end)


def _pipe_max() -> int:
    try:
        return int(Path("/proc/sys/fs/pipe-max-size").read_text(encoding="ascii"))
    except OSError:
        return 1 << 20
