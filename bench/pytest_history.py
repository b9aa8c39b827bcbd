"""First-assess benchmark on a real history: `devmaturity assess` of pytest-dev/pytest against bare `git log`.

Times, in one run on one machine:
  baseline     `git log --all --numstat` over the repository, its output read and thrown away
  first assess the whole `devmaturity assess PATH` command as a fresh process into a fresh SQLite store (so
               every commit is read, parsed and stored), with the default outputs written to a temporary folder;
               once with an empty model cache (a first run on a new machine) and once with the cache warm
and prints commits/s for each and the ratio baseline time / assess time (the best of --repeat interleaved runs
each), on wall time and on CPU time (the process and its children, git included; steadier than wall time when
other work shares the machine). Target >= 0.8x. --compare-src DIR also times the assess of another checkout's
src/ (the code before a change) in the same rounds.

The repository is bench/.cache/pytest, cloned on first use from --clone-from (a URL or a local mirror); any
other repository works with --repo PATH. bench/.cache is git-ignored.

    python bench/pytest_history.py [--repo PATH] [--clone-from URL] [--repeat 3] [--profile] [--compare-src DIR]
"""

from __future__ import annotations

import argparse
import compileall
import os
import pstats
import resource
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


def _children_cpu() -> float:
    """CPU seconds of the processes this one has waited for (and theirs): git's, and assess's with its git."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_baseline(repo: Path) -> tuple[float, float]:
    """Wall and CPU seconds of bare `git log --all --numstat`."""
    env = dict(os.environ, GIT_PAGER="cat", LC_ALL="C")
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "-C", str(repo), "log", "--all", "--numstat"], stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    while proc.stdout.read(1 << 20):
        pass
    if proc.wait() != 0:
        raise SystemExit("git log failed")
    return time.perf_counter() - started, _children_cpu() - cpu


def compile_bytecode(src: Path) -> None:
    """Write the .pyc files of `src`, as installing a package does: otherwise, with PYTHONDONTWRITEBYTECODE set
    (as in some shells and CI images), every timed run would compile ~100 modules from source first."""
    compileall.compile_dir(str(src), quiet=1)


def assess_command(repo: Path, work: Path, profile: Path | None = None) -> list[str]:
    runner = ["-m", "cProfile", "-o", str(profile)] if profile else []
    db = f"sqlite:///{work / 'store.db'}"
    return [sys.executable, *runner, "-m", "devmaturity", "assess", str(repo), "--db", db, "--out", str(work / "out")]


def time_assess(
    repo: Path, model_cache: Path, profile: Path | None = None, src: Path = ROOT / "src"
) -> tuple[float, float]:
    """Wall and CPU seconds of one first assess (the code of `src`): a fresh store in a temporary folder, the
    model cache given, output discarded."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
        DEVMATURITY_CACHE_DIR=str(model_cache),
    )
    with tempfile.TemporaryDirectory(prefix="dm-assess-") as tmp:
        cpu = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(assess_command(repo, Path(tmp), profile), env=env, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        cpu = _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"devmaturity assess failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO, help="repository to measure")
    default_source = LEAD_MIRROR if Path(LEAD_MIRROR).exists() else UPSTREAM
    parser.add_argument("--clone-from", default=default_source, help="where to clone --repo from when it is missing")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--profile", action="store_true", help="also profile one first assess (cProfile, top 25)")
    parser.add_argument("--compare-src", type=Path, help="also time the assess of another checkout's src/ folder")
    args = parser.parse_args()
    repo = ensure_repo(args.repo.resolve(), args.clone_from)
    for src in (ROOT / "src", args.compare_src):
        if src is not None:
            compile_bytecode(src)
    commits = count_commits(repo)
    # the git objects into the page cache first, so the first timed run is not the one paying for the disk
    time_baseline(repo)
    with tempfile.TemporaryDirectory(prefix="dm-models-") as tmp:
        warm_cache = Path(tmp) / "warm"
        time_assess(repo, warm_cache)  # fills the warm cache
        runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "cold": [], "warm": [], "other": []}
        for round_no in range(1, args.repeat + 1):
            # interleaved, so a load that comes and goes on a shared machine falls on every contender alike
            runs["baseline"].append(time_baseline(repo))
            runs["cold"].append(time_assess(repo, Path(tmp) / f"cold-{round_no}"))
            runs["warm"].append(time_assess(repo, warm_cache))
            if args.compare_src:
                runs["other"].append(time_assess(repo, Path(tmp) / f"other-{round_no}", src=args.compare_src))
            shown = ", ".join(f"{k} {v[-1][0]:.2f}s" for k, v in runs.items() if v)
            print(f"round {round_no}: {shown}", flush=True)
        if args.profile:
            out = Path(tmp) / "assess.prof"
            time_assess(repo, Path(tmp) / "profile-cache", profile=out)
            pstats.Stats(str(out)).sort_stats("cumulative").print_stats(25)
    base_wall = min(w for w, _ in runs["baseline"])
    base_cpu = min(c for _, c in runs["baseline"])
    print()
    print(f"repository: {repo} ({commits:,} commits); best of {args.repeat}, wall and CPU (process and children)")
    print(
        f"baseline git log --all --numstat:  {commits / base_wall:6,.0f} commits/s  {base_wall:6.2f}s  cpu {base_cpu:6.2f}s"
    )
    labels = {"cold": "first assess, cold model cache", "warm": "first assess, warm model cache"}
    labels["other"] = f"first assess, code of {args.compare_src}"
    for key in ("cold", "warm", "other"):
        if not runs[key]:
            continue
        wall, cpu = min(w for w, _ in runs[key]), min(c for _, c in runs[key])
        print(
            f"{labels[key] + ':':<35}{commits / wall:6,.0f} commits/s  {wall:6.2f}s  cpu {cpu:6.2f}s  "
            f"ratio {base_wall / wall:.2f}x wall, {base_cpu / cpu:.2f}x cpu (target >= {TARGET:g}x)"
        )


if __name__ == "__main__":
    main()
