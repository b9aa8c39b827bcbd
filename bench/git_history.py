"""History-mining benchmark: devmaturity's git collection vs bare `git log --numstat` over the same commits.

Builds (or reuses) a repository of N commits (default 100,000) with git fast-import, then times:
  baseline     the very same `git log --all --numstat ...` command, its output read and thrown away
  devmaturity  GitRepository.commits(): the same git process, parsed into Commit records
  + store      collect_repository() into a fresh SQLite store (informative: parsing + inserting)
and prints throughput (commits/s) and the ratio devmaturity / baseline. Target: >= 0.8x.

    python bench/git_history.py [--commits 100000] [--repeat 3] [--with-store]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devmaturity.collectors.git import GitRepository, git_env  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
START = 1_600_000_000


def _blob(text: str) -> bytes:
    data = text.encode()
    return b"data %d\n%s\n" % (len(data), data)


def _stream(n: int) -> Iterator[bytes]:
    """fast-import commands: a main line with a topic branch merged back every 10 commits."""
    authors = [(f"Dev {i}", f"dev{i}@example.com") for i in range(25)]
    main_mark = 0
    for i in range(1, n + 1):
        ts = START + i * 600
        name, email = authors[i % len(authors)]
        on_topic = i % 10 == 5
        ref = b"refs/heads/topic" if on_topic else b"refs/heads/main"
        out = [b"commit %s\nmark :%d\n" % (ref, i)]
        out.append(b"author %s <%s> %d +0800\n" % (name.encode(), email.encode(), ts))
        out.append(b"committer %s <%s> %d +0800\n" % (name.encode(), email.encode(), ts))
        out.append(_blob(f"change {i}"))
        if on_topic and main_mark:
            out.append(b"from :%d\n" % main_mark)
        elif not on_topic and i % 10 == 6 and main_mark:
            out.append(b"from :%d\nmerge :%d\n" % (main_mark, i - 1))
        for k in range(1 + i % 3):
            path = f"src/module{(i * 7 + k) % 400}/file{(i + k) % 13}.py"
            out.append(b"M 100644 inline %s\n" % path.encode())
            out.append(_blob(f"# revision {i}\n" + "x = 1\n" * (1 + (i + k) % 5)))
        out.append(b"\n")
        if not on_topic:
            main_mark = i
        yield b"".join(out)


def build_repo(n: int) -> Path:
    path = CACHE / f"repo-{n}"
    if (path / "HEAD").exists() or (path / ".git" / "HEAD").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    print(f"building a {n:,}-commit repository in {path} ...", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for i, chunk in enumerate(_stream(n), start=1):
        proc.stdin.write(chunk)
        if i % 20_000 == 0:
            print(f"  {i:,} commits written", flush=True)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)
    print(f"built in {time.perf_counter() - started:.1f}s", flush=True)
    return path


def time_baseline(repo: GitRepository) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(repo.log_command(), stdout=subprocess.PIPE, env=git_env())
    assert proc.stdout is not None
    records = 0
    while chunk := proc.stdout.read(1 << 20):
        records += chunk.count(b"\x1e")
    proc.wait()
    return time.perf_counter() - started, records


def time_devmaturity(repo: GitRepository) -> tuple[float, int]:
    started = time.perf_counter()
    count = sum(1 for _ in repo.commits())
    return time.perf_counter() - started, count


def time_store(path: Path) -> tuple[float, int]:
    from devmaturity.config import Config
    from devmaturity.services.assess import collect_repository
    from devmaturity.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.db")
        started = time.perf_counter()
        result = collect_repository(store, GitRepository(path), Config())
        elapsed = time.perf_counter() - started
        store.engine.dispose()
    return elapsed, result.new_commits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--with-store", action="store_true", help="also time collection into a SQLite store")
    args = parser.parse_args()
    path = build_repo(args.commits)
    repo = GitRepository(path)
    best_base = best_dm = float("inf")
    for round_no in range(1, args.repeat + 1):
        base, n_base = time_baseline(repo)
        dm, n_dm = time_devmaturity(repo)
        if n_base != n_dm:
            raise SystemExit(f"commit counts differ: git log {n_base}, devmaturity {n_dm}")
        best_base, best_dm = min(best_base, base), min(best_dm, dm)
        print(f"round {round_no}: baseline {base:.2f}s, devmaturity {dm:.2f}s ({n_dm:,} commits)", flush=True)
    print()
    print(f"commits:                         {n_dm:,}")
    print(
        f"baseline (bare git log --numstat): {n_base / best_base:,.0f} commits/s ({best_base:.2f}s, best of {args.repeat})"
    )
    print(f"devmaturity git collection:        {n_dm / best_dm:,.0f} commits/s ({best_dm:.2f}s, best of {args.repeat})")
    print(f"ratio devmaturity / baseline:      {best_base / best_dm:.2f}x (target >= 0.80x)")
    if args.with_store:
        elapsed, stored = time_store(path)
        print(
            f"collect into SQLite store:         {stored / elapsed:,.0f} commits/s ({elapsed:.2f}s, "
            f"{best_base / elapsed:.2f}x baseline)"
        )


if __name__ == "__main__":
    main()
