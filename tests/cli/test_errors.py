"""Bad input gets one line naming the problem and a documented exit code (docs/errors.md), never a traceback."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from devmaturity.cli.main import run
from tests.gitbuild import RepoBuilder
from tests.history import build_history


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.err


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _one_line(err: str, slug: str) -> None:
    lines = [line for line in err.strip().splitlines() if line.startswith("error")]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error[{slug}]: ")
    assert "Traceback" not in err


def test_path_that_is_not_a_repository(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    (tmp_path / "plain").mkdir()
    code, err = _run(capsys, "assess", str(tmp_path / "plain"), "--db", db)
    assert code == 66
    _one_line(err, "not-a-repository")
    assert "plain is not a git repository" in err


def test_missing_path(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    code, err = _run(capsys, "assess", str(tmp_path / "nowhere"), "--db", db)
    assert code == 66
    _one_line(err, "input")
    assert "does not exist" in err


def test_symlink_loop_is_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    code, err = _run(capsys, "assess", str(loop), "--db", db)
    assert code == 77
    _one_line(err, "unreadable-path")


def test_permission_denied_is_unreadable() -> None:
    """A folder the user may not read. Root reads everything, so as root a forked child drops to `nobody`."""
    base = Path(tempfile.mkdtemp(prefix="devmaturity-perm-", dir="/tmp"))
    base.chmod(0o755)
    locked = base / "locked"
    build_history(locked)
    locked.chmod(0o000)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop privileges, run the CLI in-process, report through the pipe
        os.close(read_end)
        sys.stderr = os.fdopen(write_end, "w")
        if os.geteuid() == 0:
            os.setgid(65534)
            os.setuid(65534)
        code = run(["assess", str(locked), "--db", f"sqlite:///{base}/never.db"])
        sys.stderr.flush()
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        err = pipe.read()
    _, status = os.waitpid(pid, 0)
    locked.chmod(0o755)
    shutil.rmtree(base)
    assert os.waitstatus_to_exitcode(status) == 77, err
    assert err.strip().startswith("error[unreadable-path]: ") and "permission denied" in err
    assert "Traceback" not in err


def test_empty_repository(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    RepoBuilder(tmp_path / "empty")
    code, err = _run(capsys, "assess", str(tmp_path / "empty"), "--db", db)
    assert code == 66
    _one_line(err, "empty-repository")


def test_unknown_framework(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    build_history(tmp_path / "r")
    code, err = _run(capsys, "assess", str(tmp_path / "r"), "--framework", "cmmi", "--db", db)
    assert code == 64
    _one_line(err, "unknown-framework")
    assert "caict-devops" in err and "dora" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("format: 1\nanswers:\n  - criterion: NOPE.L2.1\n    answer: yes\n    evidence: [x]\n", "unknown criterion id"),
        ("format: 1\nanswers: [\n", "not valid YAML at line"),
        (
            "format: 1\nanswers:\n  - criterion: CD.CM.VC.VCS.L3.2\n    answer: maybe\n    evidence: [x]\n",
            "use yes or no",
        ),
        ("format: 1\nanswers:\n  - criterion: CD.CM.VC.VCS.L3.2\n    answer: yes\n", "an answer needs evidence"),
        ("just text\n", "expected a mapping with `format: 1`"),
    ],
)
def test_malformed_answers_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str, content: str, message: str
) -> None:
    build_history(tmp_path / "r")
    answers = tmp_path / "answers.yaml"
    answers.write_text(content, encoding="utf-8")
    code, err = _run(capsys, "assess", str(tmp_path / "r"), "--answers", str(answers), "--db", db)
    assert code == 65
    _one_line(err, "answers-file")
    assert message in err and "answers.yaml" in err


def test_unknown_part_and_bad_window_are_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str
) -> None:
    build_history(tmp_path / "r")
    code, err = _run(capsys, "assess", str(tmp_path / "r"), "--part", "xyz", "--db", db)
    assert code == 64
    _one_line(err, "usage")
    assert "unknown part 'xyz'" in err
    code, err = _run(capsys, "assess", str(tmp_path / "r"), "--window", "lots", "--db", db)
    assert code == 64
    _one_line(err, "usage")
    code, err = _run(capsys, "assess", "--no-such-flag")
    assert code == 64
    _one_line(err, "usage")


def test_malformed_config_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str) -> None:
    build_history(tmp_path / "r")
    (tmp_path / "r" / "devmaturity.toml").write_text("window = \n", encoding="utf-8")
    code, err = _run(capsys, "assess", str(tmp_path / "r"), "--db", db)
    assert code == 65
    _one_line(err, "config")
    assert "devmaturity.toml: invalid TOML" in err


def test_unreachable_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    build_history(tmp_path / "r")
    url = "postgresql+psycopg://postgres:secret-pw@127.0.0.1:1/none"
    code, err = _run(capsys, "assess", str(tmp_path / "r"), "--db", url)
    assert code == 74
    _one_line(err, "store")
    assert "secret-pw" not in err and "***" in err
