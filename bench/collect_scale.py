"""Scale-out benchmark: collect N generated repositories on Celery workers with 1, 2 and 4 worker processes.

Each repository has its own history (default 2,000 commits, written with git fast-import) and a few report files
made by real producers (a JUnit file from jest-junit, a Cobertura file from coverage.py, copied from tests/data).
For each worker count k the benchmark opens a fresh store (PostgreSQL by default, `--store sqlite` for a file),
binds one service project per repository (an organisation's project with a git source, set-up not timed),
starts `devmaturity worker -c k` on the Redis broker, queues one collect run per project as the REST API does
(project_runs.queue_run: audited, no git work in the queueing process), waits for every run row to end, and prints wall time, repositories/s and the scaling ratio throughput(k) / (k x throughput(1)),
the baseline being the 1-worker run of the same invocation, plus the time 1,000 repositories would take.
Targets: 1,000 repositories in <= 1 h; scaling >= 0.8 x linear up to the core count.

    python bench/collect_scale.py [--repos 40] [--commits 2000] [--workers 1,2,4] [--store postgres|sqlite]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devmaturity.auth.policy import Actor  # noqa: E402
from devmaturity.config import load_config  # noqa: E402
from devmaturity.jobs.runner import CeleryRunner  # noqa: E402
from devmaturity.services import project_runs, projects, sources  # noqa: E402
from devmaturity.services.jobs import close_stores, store_for, wait_for  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
REPORTS = {
    "build/test-results/junit.xml": ROOT / "tests" / "data" / "junit" / "jest-junit.xml",
    "build/coverage/coverage.xml": ROOT / "tests" / "data" / "coverage" / "coveragepy-cobertura.xml",
}
PG_ADMIN = os.environ.get("DEVMATURITY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _history(seed: int, commits: int) -> bytes:
    """fast-import commands: a main line with a topic branch merged back every 20 commits, five authors."""
    out: list[bytes] = []
    main_mark = 0
    for i in range(1, commits + 1):
        stamp = 1_650_000_000 + seed * 7_919 + i * 900
        author = b"Dev %d <dev%d@example.com> %d +0800\n" % (i % 5, i % 5, stamp)
        topic = i % 20 == 10 and main_mark
        out.append(b"commit refs/heads/%s\nmark :%d\n" % (b"topic" if topic else b"main", i))
        out.append(b"author " + author + b"committer " + author)
        message = f"repo {seed} change {i}".encode()
        out.append(b"data %d\n%s\n" % (len(message), message))
        if topic:
            out.append(b"from :%d\n" % main_mark)
        elif i % 20 == 11 and main_mark:
            out.append(b"from :%d\nmerge :%d\n" % (main_mark, i - 1))
        body = f"# {seed}/{i}\n".encode()
        out.append(b"M 100644 inline src/mod%d/file%d.py\ndata %d\n%s\n" % (i % 30, i % 7, len(body), body))
        if not topic:
            main_mark = i
    return b"".join(out)


def build_repos(count: int, commits: int) -> list[Path]:
    base = CACHE / f"scale-{commits}"
    paths = []
    for seed in range(count):
        path = base / f"repo{seed:04d}"
        paths.append(path)
        if (path / ".git" / "HEAD").exists():
            continue
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
        subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=_history(seed, commits), check=True)
        subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)
        for rel, source in REPORTS.items():
            (path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, path / rel)
    return paths


def fresh_store(kind: str, scratch: Path) -> tuple[str, str | None]:
    """(store URL, PostgreSQL database to drop afterwards)."""
    if kind == "sqlite":
        return f"sqlite:///{scratch / f'store-{uuid.uuid4().hex[:8]}.db'}", None
    import psycopg

    name = f"devmaturity_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}", name


def drop_store(name: str | None) -> None:
    if name is None:
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_worker(broker: str, database_url: str, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVMATURITY_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        DEVMATURITY_BROKER_URL=broker,
        DEVMATURITY_DATABASE_URL=database_url,
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devmaturity", "worker", "-c", str(workers), "--loglevel", "INFO"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return proc


OWNER = Actor.local("local:bench")


def bind_projects(url: str, paths: list[Path]) -> list[int]:
    """One organisation with a service project per repository, each with its git source (the path): the
    platform's way, whose collect job reads the project's stored settings."""
    store = store_for(url)
    projects.create_org(store, OWNER, slug="bench", name="Bench")
    ids = []
    for path in paths:
        project = projects.create_project(store, OWNER, org_slug="bench", slug=path.name)
        sources.create_source(store, OWNER, project.id, kind="git", name="git", settings={"path": str(path)})
        ids.append(project.id)
    return ids


def _busy() -> tuple[float, float]:
    """(busy, total) clock ticks of the whole machine since boot, from /proc/stat (every process: workers, git,
    the database server, the broker and this one)."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def measure(
    paths: list[Path], workers: int, broker: str, store_kind: str, scratch: Path
) -> tuple[float, float, float, float]:
    """Seconds from queueing the first job to the last run row ending, with `workers` worker processes; of them
    the seconds spent queueing (in this process, overlapping the work); and the CPU seconds the worker processes
    (with their git children) used, the database server's not included."""
    import redis

    redis.Redis.from_url(broker).flushdb()
    url, pg_name = fresh_store(store_kind, scratch)
    config = load_config(env={}, flags={"database_url": url})
    project_ids = bind_projects(url, paths)  # set-up, not timed: the organisation's projects with a git source each
    proc = start_worker(broker, url, workers, scratch / f"worker-{workers}.log")
    try:
        runner = CeleryRunner(broker, config.job_time_limit)
        store = store_for(url)
        busy_before = _busy()
        started = time.perf_counter()
        run_ids = []
        for project_id in project_ids:  # what the REST API's POST /projects/{id}/runs does, audited
            queued = project_runs.queue_run(store, OWNER, project_id, "collect", source="bench")
            runner.submit(queued.job)
            run_ids.append(queued.run.id)
        queued_s = time.perf_counter() - started
        states = wait_for(url, run_ids, timeout=3600, poll=0.2)
        elapsed = time.perf_counter() - started
        busy_after = _busy()
        bad = [s for s in states.values() if s.status != "ok"]
        if bad:
            raise SystemExit(f"{len(bad)} run(s) not ok, e.g. {bad[0]}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _pid, _status, usage = os.wait4(proc.pid, 0)
        close_stores()
        drop_store(pg_name)
    machine = (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1.0)
    return elapsed, queued_s, usage.ru_utime + usage.ru_stime, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=40)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts; the first is the baseline")
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--broker", default=os.environ.get("DEVMATURITY_BENCH_BROKER", "redis://127.0.0.1:6379/13"))
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    print(f"building {args.repos} repositories of {args.commits:,} commits (cached in {CACHE}) ...", flush=True)
    paths = build_repos(args.repos, args.commits)
    print(f"cores: {os.cpu_count()}; store: {args.store}; broker: {args.broker}")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"{'workers':>7} {'wall s':>8} {'repos/s':>8} {'commits/s':>10} {'scaling':>8} {'1,000 repos':>12} "
        f"{'worker CPU s/repo':>18} {'queueing s':>10} {'machine busy':>12}"
    )
    baseline = None
    with tempfile.TemporaryDirectory(prefix="collect-scale-") as scratch:
        for workers in counts:
            elapsed, queued, cpu, machine = measure(paths, workers, args.broker, args.store, Path(scratch))
            throughput = len(paths) / elapsed
            baseline = baseline or throughput / workers
            scaling = throughput / (workers * baseline)
            thousand = 1000 / throughput
            print(
                f"{workers:>7} {elapsed:>8.1f} {throughput:>8.2f} {throughput * args.commits:>10,.0f} "
                f"{scaling:>8.2f} {thousand / 60:>8.1f} min {cpu / len(paths):>18.2f} {queued:>10.1f} {machine:>11.0%}",
                flush=True,
            )


if __name__ == "__main__":
    main()
