"""First-assess benchmark on a real history: `devmaturity assess` of pytest-dev/pytest against bare `git log`.

Times, in one run on one machine:
  baseline     `git log --all --numstat` over the repository, its output read and thrown away
  first assess the whole `devmaturity assess PATH` command as a fresh process into a fresh SQLite store (so
               every commit is read, parsed and stored), with the default outputs written to a temporary folder;
               once with an empty model cache (a first run on a new machine) and once with the cache warm
and prints commits/s for each and the ratio assess / baseline (the best of --repeat runs each). Target >= 0.8x.

The repository is bench/.cache/pytest, cloned on first use from --clone-from (a URL or a local mirror); any
other repository works with --repo PATH. bench/.cache is git-ignored.

    python bench/pytest_history.py [--repo PATH] [--clone-from URL] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
DEFAULT_REPO = CACHE / "pytest"
LEAD_MIRROR = "/work/.mirror/pytest-dev+pytest/repo"
UPSTREAM = "https://github.com/pytest-dev/pytest.git"
TARGET = 0.8


def ensure_repo(path: Path, source: str) -> Path:
    if (path / ".git").exists() or (path / "HEAD").exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"cloning {source} into {path} ...", flush=True)
    subprocess.run(["git", "clone", "--no-hardlinks", "--quiet", source, str(path)], check=True)
    return path


def count_commits(repo: Path) -> int:
    out = subprocess.run(["git", "-C", str(repo), "rev-list", "--all", "--count"], capture_output=True, check=True)
    return int(out.stdout)


def time_baseline(repo: Path) -> float:
    env = dict(os.environ, GIT_PAGER="cat", LC_ALL="C")
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "-C", str(repo), "log", "--all", "--numstat"], stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    while proc.stdout.read(1 << 20):
        pass
    if proc.wait() != 0:
        raise SystemExit("git log failed")
    return time.perf_counter() - started


def assess_command(repo: Path, work: Path, profile: Path | None = None) -> list[str]:
    runner = ["-m", "cProfile", "-o", str(profile)] if profile else []
    db = f"sqlite:///{work / 'store.db'}"
    return [sys.executable, *runner, "-m", "devmaturity", "assess", str(repo), "--db", db, "--out", str(work / "out")]


def time_assess(repo: Path, model_cache: Path, profile: Path | None = None) -> float:
    """One first assess: a fresh store in a temporary folder, the model cache given, output discarded."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        DEVMATURITY_CACHE_DIR=str(model_cache),
    )
    with tempfile.TemporaryDirectory(prefix="dm-assess-") as tmp:
        started = time.perf_counter()
        done = subprocess.run(assess_command(repo, Path(tmp), profile), env=env, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"devmaturity assess failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO, help="repository to measure")
    default_source = LEAD_MIRROR if Path(LEAD_MIRROR).exists() else UPSTREAM
    parser.add_argument("--clone-from", default=default_source, help="where to clone --repo from when it is missing")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--profile", action="store_true", help="also profile one first assess (cProfile, top 25)")
    args = parser.parse_args()
    repo = ensure_repo(args.repo.resolve(), args.clone_from)
    commits = count_commits(repo)
    # the git objects into the page cache first, so the first timed run is not the one paying for the disk
    time_baseline(repo)
    with tempfile.TemporaryDirectory(prefix="dm-models-") as tmp:
        warm_cache = Path(tmp) / "warm"
        time_assess(repo, warm_cache)  # fills the warm cache and writes the .pyc files
        base = cold = warm = float("inf")
        for round_no in range(1, args.repeat + 1):
            b = time_baseline(repo)
            c = time_assess(repo, Path(tmp) / f"cold-{round_no}")
            w = time_assess(repo, warm_cache)
            base, cold, warm = min(base, b), min(cold, c), min(warm, w)
            print(
                f"round {round_no}: git log {b:.2f}s, assess (cold model cache) {c:.2f}s, (warm) {w:.2f}s", flush=True
            )
        if args.profile:
            out = Path(tmp) / "assess.prof"
            time_assess(repo, Path(tmp) / "profile-cache", profile=out)
            pstats.Stats(str(out)).sort_stats("cumulative").print_stats(25)
    print()
    print(f"repository:                         {repo} ({commits:,} commits)")
    print(f"baseline git log --all --numstat:   {commits / base:,.0f} commits/s ({base:.2f}s, best of {args.repeat})")
    for label, best in (("cold", cold), ("warm", warm)):
        print(
            f"first assess, {label} model cache:     {commits / best:,.0f} commits/s ({best:.2f}s), "
            f"{base / best:.2f}x baseline (target >= {TARGET:g}x)"
        )


if __name__ == "__main__":
    main()
