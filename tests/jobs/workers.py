"""Real Celery workers for the job tests: `devmaturity worker` subprocesses on the Redis at 127.0.0.1:6379, and
repositories big enough that a collection is still running when a test kills its worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("DEVMATURITY_TEST_BROKER", "redis://127.0.0.1:6379/14")  # a db no other test uses


def worker_env(database_url: str, *, job_time_limit: int = 3600) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVMATURITY_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env["DEVMATURITY_BROKER_URL"] = BROKER
    env["DEVMATURITY_DATABASE_URL"] = database_url
    env["DEVMATURITY_JOB_TIME_LIMIT"] = str(job_time_limit)
    return env


def start_worker(env: dict[str, str], log: Path, concurrency: int = 1) -> subprocess.Popen[bytes]:
    """A worker in its own process group, so killing the group kills the pool's children too."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "devmaturity", "worker", "-c", str(concurrency), "--loglevel", "INFO"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_worker(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def fast_import_repo(path: Path, commits: int) -> None:
    """A linear history of `commits` commits on main (one file changed in each, ten minutes apart), written with
    git fast-import, then checked out so the work tree exists."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    lines: list[bytes] = []
    for i in range(1, commits + 1):
        body = f"revision {i}\n".encode()
        message = f"change {i}".encode()
        stamp = 1_700_000_000 + i * 600
        lines += [
            b"commit refs/heads/main\n",
            b"mark :%d\n" % i,
            b"author Dev <dev@example.com> %d +0800\n" % stamp,
            b"committer Dev <dev@example.com> %d +0800\n" % stamp,
            b"data %d\n%s\n" % (len(message), message),
            b"M 100644 inline src/file%d.txt\n" % (i % 50),
            b"data %d\n%s\n" % (len(body), body),
        ]
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(lines), check=True)
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)
