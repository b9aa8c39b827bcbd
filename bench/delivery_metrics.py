"""Delivery-metrics benchmark: every DORA and CAICT delivery metric over a store of many commits and deployments.

Generates (or reuses) a SQLite store with N commits (default 10,000,000) on one trunk and M production
deployments (default 1,000,000) with incidents, then times over a 90-day window ending at the last deployment:
  devmaturity   load the evidence from the store and compute every delivery metric (services + metrics/delivery)
  baseline      the same figures from straightforward SQL joins in the style of the popular open-source tools
                (a deployment_commits mapping table joined to commits and deployments, aggregates in SQL)
and prints both times and the ratio baseline / devmaturity. Targets: devmaturity <= 2 s and >= 10x the baseline.

    python bench/delivery_metrics.py [--commits 10000000] [--deployments 1000000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devmaturity.config import Config  # noqa: E402
from devmaturity.metrics.catalogue import METRICS  # noqa: E402
from devmaturity.metrics.delivery import Delivery  # noqa: E402
from devmaturity.metrics.registry import COMPUTE, Inputs  # noqa: E402
from devmaturity.model.metric import EvidenceKind, Window  # noqa: E402
from devmaturity.services.delivery import delivery_inputs  # noqa: E402
from devmaturity.store.db import Store  # noqa: E402
from devmaturity.store.delivery import load_delivery  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
DELIVERY_KINDS = {EvidenceKind.DEPLOYMENTS, EvidenceKind.INCIDENTS, EvidenceKind.WORK_ITEMS, EvidenceKind.PIPELINE_RUNS}


def sha(i: int) -> str:
    return f"{i:040x}"


def generate(path: Path, commits: int, deployments: int) -> None:
    store = Store.open(f"sqlite:///{path}")
    project = store.project("bench", str(path))
    run = store.start_run(project, "collect", {"bench": True})
    store.engine.dispose()
    rng = random.Random(3)
    step = SPAN.total_seconds() / commits
    every = max(1, commits // deployments)
    start = int(START.timestamp())
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("CREATE TABLE IF NOT EXISTS bench_deployment_commits (deployment TEXT, sha TEXT)")
    batch: list[tuple[object, ...]] = []
    deps: list[tuple[object, ...]] = []
    mapping: list[tuple[str, str]] = []
    incidents: list[tuple[object, ...]] = []
    last = dep_count = inc_count = 0
    for i in range(commits):
        when = start + int(i * step)
        batch.append(
            (
                project,
                sha(i),
                sha(i - 1) if i else "",
                "Dev",
                f"dev{i % 50}@example.com",
                when,
                0,
                "Dev",
                f"dev{i % 50}@example.com",
                when,
                0,
                f"change {i}",
                "",
                1,
                0,
                run,
            )
        )
        if (i + 1) % every == 0 and dep_count < deployments:
            dep_id = f"d{dep_count}"
            dep_count += 1
            deployed = when + rng.randint(600, 172_800)
            failed = rng.random() < 0.1
            deps.append(
                (
                    project,
                    "bench",
                    dep_id,
                    "production",
                    "failure" if failed else "success",
                    deployed,
                    deployed + 300,
                    sha(i),
                    "deploy",
                    "",
                    False,
                    None,
                    run,
                )
            )
            if not failed:
                mapping.extend((dep_id, sha(k)) for k in range(last, i + 1))
                last = i + 1
            if failed or rng.random() < 0.01:
                inc_count += 1
                incidents.append(
                    (
                        project,
                        "bench",
                        f"i{inc_count}",
                        "outage",
                        deployed + 60,
                        deployed + 3600,
                        "sev2",
                        "shop",
                        dep_id,
                        "",
                        False,
                        run,
                    )
                )
        if len(batch) >= 200_000:
            _flush(con, batch, deps, mapping, incidents)
            print(f"  {i + 1:,} commits, {dep_count:,} deployments written", flush=True)
    _flush(con, batch, deps, mapping, incidents)
    con.execute("CREATE INDEX IF NOT EXISTS ix_bdc ON bench_deployment_commits (deployment)")
    con.commit()
    con.close()


def _flush(con: sqlite3.Connection, batch: list, deps: list, mapping: list, incidents: list) -> None:  # type: ignore[type-arg]
    con.executemany("INSERT INTO commits VALUES (" + ",".join("?" * 16) + ")", batch)
    con.executemany(
        "INSERT INTO deployments (project_id, source, ext_id, environment, status, created_at, "
        "finished_at, commit_sha, pipeline, url, rollback, incident, run_id) VALUES "
        "(" + ",".join("?" * 13) + ")",
        deps,
    )
    con.executemany("INSERT INTO bench_deployment_commits VALUES (?, ?)", mapping)
    con.executemany(
        "INSERT INTO incidents (project_id, source, ext_id, title, started_at, resolved_at, "
        "severity, service, deployment, labels, auto_recovered, run_id) VALUES "
        "(" + ",".join("?" * 12) + ")",
        incidents,
    )
    con.commit()
    for rows in (batch, deps, mapping, incidents):
        rows.clear()


def window_of(path: Path) -> Window:
    con = sqlite3.connect(path)
    end = con.execute("SELECT MAX(finished_at) FROM deployments").fetchone()[0]
    con.close()
    last = datetime.fromtimestamp(end + 1, UTC)
    return Window(start=last - timedelta(days=90), end=last)


def devmaturity_pass(path: Path, window: Window) -> dict[str, float | None]:
    store = Store.open(f"sqlite:///{path}")
    project = store.project("bench", str(path))
    horizon = window.start - timedelta(days=365)
    commits = {c.sha: c for c in store.load_commits(project, horizon)}
    delivery: Delivery = delivery_inputs(load_delivery(store, project, horizon), commits, Config())
    inputs = Inputs(delivery=delivery)
    wanted = [m.id for m in METRICS if m.evidence in DELIVERY_KINDS and m.id in COMPUTE]
    return {m: COMPUTE[m](inputs, window).value for m in wanted}


def baseline_pass(path: Path, window: Window) -> dict[str, float | None]:
    """The SQL-join style: lead time via the deployment-to-commit mapping, aggregates in SQL."""
    con = sqlite3.connect(path)
    lo, hi = int(window.start.timestamp()), int(window.end.timestamp())
    days = window.days
    out: dict[str, float | None] = {}
    out["deployment_frequency"] = (
        con.execute(
            "SELECT COUNT(*) FROM deployments WHERE environment='production' AND status='success' "
            "AND finished_at >= ? AND finished_at < ?",
            (lo, hi),
        ).fetchone()[0]
        / days
    )
    leads = [
        r[0] / 3600
        for r in con.execute(
            "SELECT d.finished_at - c.committer_time FROM deployments d JOIN bench_deployment_commits m "
            "ON m.deployment = d.ext_id JOIN commits c ON c.sha = m.sha WHERE d.status='success' "
            "AND d.finished_at >= ? AND d.finished_at < ?",
            (lo, hi),
        )
    ]
    out["lead_time_for_changes"] = statistics.median(leads) if leads else None
    total, failed = con.execute(
        "SELECT COUNT(*), SUM(CASE WHEN d.status='failure' OR i.ext_id IS NOT NULL THEN 1 ELSE 0 END) FROM deployments d "
        "LEFT JOIN incidents i ON i.deployment = d.ext_id WHERE d.created_at >= ? AND d.created_at < ?",
        (lo, hi),
    ).fetchone()
    out["change_failure_rate"] = (failed or 0) / total if total else None
    mttr = con.execute(
        "SELECT AVG(resolved_at - started_at) FROM incidents WHERE started_at >= ? AND started_at < ?", (lo, hi)
    ).fetchone()[0]
    out["mttr"] = mttr / 3600 if mttr is not None else None
    ok = con.execute(
        "SELECT AVG(status='success') FROM deployments WHERE created_at >= ? AND created_at < ?", (lo, hi)
    ).fetchone()[0]
    out["deployment_success_rate"] = ok
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=10_000_000)
    parser.add_argument("--deployments", type=int, default=1_000_000)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"delivery-{args.commits}-{args.deployments}.db"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate(path, args.commits, args.deployments)
    window = window_of(path)
    started = time.perf_counter()
    base = baseline_pass(path, window)
    base_s = time.perf_counter() - started
    started = time.perf_counter()
    ours = devmaturity_pass(path, window)
    ours_s = time.perf_counter() - started
    print(f"\nstore: {args.commits:,} commits, {args.deployments:,} deployments; window {window.label()}")
    for metric in sorted(set(base) & set(ours)):
        print(f"  {metric:28s} devmaturity {ours[metric]!s:>24}   baseline {base[metric]!s:>24}")
    print(f"baseline (SQL joins, {len(base)} metrics):       {base_s:8.2f}s")
    print(f"devmaturity (all {len(ours)} delivery metrics):  {ours_s:8.2f}s (target <= 2 s)")
    print(f"ratio baseline / devmaturity: {base_s / ours_s:.2f}x (target >= 10x)")


if __name__ == "__main__":
    main()
