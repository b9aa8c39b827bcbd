"""Delivery-metrics benchmark: every DORA and CAICT delivery metric over a store of many commits and deployments.

Generates (or reuses) a SQLite store over 730 days with N commits (default 10,000,000) on one trunk, M production
deployments (default 1,000,000) with incidents, about 2M pipeline runs (a deploy run per deployment, a CI run of
about one commit in ten with re-runs of red ones), 0.2M work items (stories and bugs) and a release a week, then
times over a 90-day window ending at the last deployment:
  devmaturity   load the evidence from the store and compute every delivery metric (services + metrics/delivery)
  baseline      the same figures from straightforward SQL in the style of the popular open-source tools
                (a deployment_commits mapping table joined to commits and deployments, correlated subqueries,
                aggregates in SQL, percentiles by ORDER BY ... LIMIT/OFFSET)
and prints both times (best of --repeat passes each) and the ratio baseline / devmaturity. Targets: devmaturity
<= 2 s and >= 10x the baseline. Before the passes it runs, and times apart, what devmaturity does when evidence
arrives (attributing commits to deployments, packing columns): that is a sync's or an ingest's cost, paid once.

    python bench/delivery_metrics.py [--commits 10000000] [--deployments 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from devmaturity.config import Config  # noqa: E402
from devmaturity.metrics.delivery import DEFECT_TYPES, PRODUCTION, REQUIREMENT_TYPES  # noqa: E402
from devmaturity.metrics.registry import COMPUTE, Inputs  # noqa: E402
from devmaturity.model.delivery import JobRun, PipelineRun, RunStatus  # noqa: E402
from devmaturity.model.metric import EvidenceKind, Window  # noqa: E402
from devmaturity.model.metric_catalogue import METRICS  # noqa: E402
from devmaturity.services.delivery import delivery_inputs, rules_from  # noqa: E402
from devmaturity.store.db import Store  # noqa: E402
from devmaturity.store.delivery import run_row  # noqa: E402
from devmaturity.store.frames import refresh_parts  # noqa: E402
from devmaturity.store.leads import refresh_leads  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
DELIVERY_KINDS = {EvidenceKind.DEPLOYMENTS, EvidenceKind.INCIDENTS, EvidenceKind.WORK_ITEMS, EvidenceKind.PIPELINE_RUNS}
WEEK = 7 * 86_400
RUN_FAILURE = 0.1  # share of pipeline runs, and of re-runs of a red one, that fail
SECURITY_SHARE = 0.3  # share of pipeline runs with a security-scan job
SECURITY_JOBS = (("semgrep", "test"), ("image-scan", "security-scan"))  # found by job name, by stage
WORK_ITEMS_PER_DEPLOYMENT = 0.2  # 200,000 work items at the default 1,000,000 deployments


def sha(i: int) -> str:
    return f"{i:040x}"


def _at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def generate(path: Path, commits: int, deployments: int) -> None:
    store = Store.open(f"sqlite:///{path}")
    project = store.project("bench", str(path))
    run = store.start_run(project, "collect", {"bench": True})
    store.engine.dispose()
    rng = random.Random(3)
    # pipeline runs draw from their own stream, so commits, deployments and incidents stay what they were
    runs_rng = random.Random(4)
    owner = {"project_id": project, "run_id": run}
    # one deploy run per deployment and about as many CI runs again (re-runs of red ones included)
    ci_share = (1 - RUN_FAILURE) * deployments / commits
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
    runs: list[dict[str, object]] = []
    last = dep_count = inc_count = run_count = last_deployed = 0
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
        if runs_rng.random() < ci_share:
            runs.extend({**owner, **run_row(r)} for r in _ci_runs(runs_rng, f"ci{i}", sha(i), when))
        if (i + 1) % every == 0 and dep_count < deployments:
            dep_id = f"d{dep_count}"
            dep_count += 1
            # one deployment pipeline: each starts 5 min to 2 h after its commit, never before the previous one
            deployed = max(when + rng.randint(300, 7200), last_deployed + 30)
            last_deployed = deployed
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
            deploy_run = _pipeline_run(runs_rng, f"deploy-{dep_id}", "deploy", sha(i), deployed, failed, deploy=True)
            runs.append({**owner, **run_row(deploy_run)})
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
            run_count += len(runs)
            _flush(con, batch, deps, mapping, incidents, runs)
            print(f"  {i + 1:,} commits, {dep_count:,} deployments, {run_count:,} pipeline runs written", flush=True)
    if batch:
        run_count += len(runs)
        _flush(con, batch, deps, mapping, incidents, runs)
        print(f"  {commits:,} commits, {dep_count:,} deployments, {run_count:,} pipeline runs written", flush=True)
    weekly = list(range(start + 15 * 3600, start + int(SPAN.total_seconds()), WEEK))  # Mondays 15:00 UTC
    _insert(con, "releases", _releases(owner, weekly, start, step, commits))
    items = round(deployments * WORK_ITEMS_PER_DEPLOYMENT)
    _write_work_items(con, _work_items(random.Random(5), owner, items, start, weekly))
    print(f"  {len(weekly):,} releases, {items:,} work items written", flush=True)
    con.execute("CREATE INDEX IF NOT EXISTS ix_bdc ON bench_deployment_commits (deployment)")
    con.commit()
    con.close()


def _pipeline_run(
    rng: random.Random, key: str, pipeline: str, commit: str, at: int, failed: bool, *, deploy: bool = False
) -> PipelineRun:
    """build, then unit-test with (on ~30% of runs) a security scan beside it; a deploy run ends with the deploy
    job, which starts at `at` and takes the deployment's 5 minutes, and a CI run starts at `at`. A red CI run
    failed its tests, a red deploy run its deployment. Every run takes 3 to 15 minutes."""
    build, test = rng.randint(60, 180), rng.randint(120, 420)
    began = at - build - test if deploy else at
    spans = [("build", "build", began, began + build), ("unit-test", "test", began + build, began + build + test)]
    if rng.random() < SECURITY_SHARE:
        name, stage = rng.choice(SECURITY_JOBS)
        spans.append((name, stage, began + build, began + build + rng.randint(30, min(test, 120))))
    if deploy:
        spans.append(("deploy", "deploy", at, at + 300))
    failing = "deploy" if deploy else "unit-test"
    jobs = tuple(
        JobRun(
            id=f"{key}.{n}",
            name=name,
            stage=stage,
            status=RunStatus.FAILURE if failed and name == failing else RunStatus.SUCCESS,
            started_at=_at(begin),
            finished_at=_at(end),
        )
        for n, (name, stage, begin, end) in enumerate(spans)
    )
    return PipelineRun(
        source="bench",
        id=key,
        pipeline=pipeline,
        status=RunStatus.FAILURE if failed else RunStatus.SUCCESS,
        created_at=_at(began - rng.randint(5, 30)),  # queued before a runner picked it up
        commit=commit,
        branch="main",
        event="push",
        started_at=_at(began),
        finished_at=_at(max(end for *_, end in spans)),
        jobs=jobs,
    )


def _ci_runs(rng: random.Random, key: str, commit: str, when: int) -> list[PipelineRun]:
    """The CI run of a pushed commit and, while it stays red, its re-runs some minutes after each failure."""
    out: list[PipelineRun] = []
    at = when + rng.randint(30, 90)
    while True:
        failed = rng.random() < RUN_FAILURE
        out.append(_pipeline_run(rng, f"{key}.{len(out)}", "ci", commit, at, failed))
        if not failed:
            return out
        at = int(out[-1].finished_at.timestamp()) + rng.randint(120, 1800)  # type: ignore[union-attr]


def _releases(
    owner: dict[str, int], times: list[int], start: int, step: float, commits: int
) -> list[dict[str, object]]:
    """A release at each of `times`, of the trunk commit of that moment."""
    return [
        {
            **owner,
            "source": "bench",
            "ext_id": f"r{week}",
            "name": f"1.{week}.0",
            "created_at": at,
            "commit_sha": sha(min(commits - 1, int((at - start) / step))),
            "tag": f"v1.{week}.0",
        }
        for week, at in enumerate(times)
    ]


def _work_items(
    rng: random.Random, owner: dict[str, int], count: int, start: int, releases: list[int]
) -> Iterator[dict[str, object]]:
    """Stories done in 1-21 days and shipped with the next weekly release (not yet when none followed), and
    bugs fixed in hours to days, found in production for ~10% of them and in test otherwise."""
    span = int(SPAN.total_seconds())
    for k in range(count):
        created = start + rng.randrange(span)
        story = rng.random() < 0.7
        resolved = created + (rng.randint(86_400, 21 * 86_400) if story else rng.randint(3600, 10 * 86_400))
        week = bisect.bisect_left(releases, resolved) if story else len(releases)  # bugs ship with no release
        shipped = week < len(releases)
        yield {
            **owner,
            "source": "bench",
            "ext_id": f"w{k}",
            "type": "story" if story else "bug",
            "title": f"{'story' if story else 'bug'} {k}",
            "created_at": created,
            "resolved_at": resolved,
            "released_at": releases[week] if shipped else None,
            "release": f"1.{week}.0" if shipped else "",
            "severity": "" if story else rng.choice(("low", "medium", "high", "critical")),
            "environment": "" if story else ("production" if rng.random() < 0.1 else "test"),
            "labels": "",
        }


def _write_work_items(con: sqlite3.Connection, items: Iterator[dict[str, object]]) -> None:
    while chunk := list(itertools.islice(items, 50_000)):
        _insert(con, "work_items", chunk)
        con.commit()


def _insert(con: sqlite3.Connection, table: str, rows: list[dict[str, object]]) -> None:
    """executemany with named parameters: the columns are the keys of the rows."""
    if rows:
        columns = list(rows[0])
        values = ", ".join(f":{c}" for c in columns)
        con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})", rows)


def _flush(con: sqlite3.Connection, batch: list, deps: list, mapping: list, incidents: list, runs: list) -> None:  # type: ignore[type-arg]
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
    _insert(con, "pipeline_runs", runs)
    con.commit()
    for rows in (batch, deps, mapping, incidents, runs):
        rows.clear()


def window_of(path: Path) -> Window:
    con = sqlite3.connect(path)
    end = con.execute("SELECT MAX(finished_at) FROM deployments").fetchone()[0]
    con.close()
    last = datetime.fromtimestamp(end + 1, UTC)
    return Window(start=last - timedelta(days=90), end=last)


def upkeep(path: Path) -> tuple[float, str]:
    """What devmaturity does when evidence arrives (after a sync or an ingest), not when a metric is asked for:
    attribute commits to deployments and pack the columns. Timed apart: it is the ingest's cost."""
    store = Store.open(f"sqlite:///{path}")
    project = store.project("bench", str(path))
    started = time.perf_counter()
    last = [started]

    def progress(stage: str, count: int) -> None:
        if time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            print(f"  {stage}: {count:,} ({last[0] - started:.0f} s)", flush=True)

    leads = refresh_leads(store, project, rules_from(Config()), progress)
    parts = refresh_parts(store, project)
    store.engine.dispose()
    return time.perf_counter() - started, f"lead times {leads.action}, {parts} parts packed"


def devmaturity_pass(path: Path, window: Window) -> dict[str, float | None]:
    """What `devmaturity assess` does for the delivery metrics: check that the derived data is current (it
    is, after upkeep), read the window's frames and compute every delivery metric."""
    store = Store.open(f"sqlite:///{path}")
    project = store.project("bench", str(path))
    inputs = Inputs(delivery=delivery_inputs(store, project, Config(), window.start))
    wanted = [m.id for m in METRICS if m.evidence in DELIVERY_KINDS and m.id in COMPUTE]
    out = {m: COMPUTE[m](inputs, window).value for m in wanted}
    store.engine.dispose()
    return out


def _best(run: Callable[[], dict[str, float | None]], repeat: int) -> tuple[float, dict[str, float | None]]:
    times: list[float] = []
    result: dict[str, float | None] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def _any_glob(column: str, globs: Sequence[str]) -> str:
    """SQL for "the column matches one of the rule's globs, ignoring case", as the product's fnmatch does."""
    return "(" + " OR ".join(f"lower({column}) GLOB '{g.lower()}'" for g in globs) + ")"


def _prod(alias: str) -> str:
    return f"{alias}.project_id = :p AND {_any_glob(f'{alias}.environment', PRODUCTION)}"


def _in_window(column: str) -> str:
    return f"{column} >= :lo AND {column} < :hi"


_FINISHED_SQL = "status IN ('success', 'failure')"
# production changes that needed intervention besides a failed status: named by an incident, or the last
# successful change before a rollback (by start, then id, as the product orders deployments)
_FAILED_IDS = f"""
failed_ids AS (
    SELECT deployment AS id FROM incidents WHERE project_id = :p AND deployment IS NOT NULL
    UNION
    SELECT (
        SELECT e.ext_id FROM deployments e
        WHERE {_prod("e")} AND NOT e.rollback AND e.status = 'success' AND e.created_at <= r.created_at
          AND (e.created_at < r.created_at OR e.ext_id < r.ext_id)
        ORDER BY e.created_at DESC, e.ext_id DESC LIMIT 1
    ) FROM deployments r WHERE {_prod("r")} AND r.rollback
)"""
_CHANGES = f"""
FROM deployments d
WHERE {_prod("d")} AND NOT d.rollback AND d.{_FINISHED_SQL} AND {_in_window("d.created_at")}"""
_FINISHED_DEPLOYMENTS = f"""
FROM deployments d WHERE {_prod("d")} AND d.{_FINISHED_SQL} AND {_in_window("d.created_at")}"""
_FINISHED_RUNS = f"""
FROM pipeline_runs WHERE project_id = :p AND {_FINISHED_SQL} AND {_in_window("created_at")}"""
_WHEN = "COALESCE(d.finished_at, d.created_at)"
_SHARE = "SELECT AVG(CASE WHEN {} THEN 1.0 ELSE 0.0 END) {}"  # NULL (unknown) when nothing is counted

# metric -> one SQL statement whose single value is the metric
_SCALARS: dict[str, str] = {
    "deployment_frequency": f"""
        SELECT COUNT(*) / :days FROM deployments d
        WHERE {_prod("d")} AND d.status = 'success' AND {_in_window(_WHEN)}""",
    "change_failure_rate": f"WITH {_FAILED_IDS} "
    + _SHARE.format("d.status = 'failure' OR d.ext_id IN (SELECT id FROM failed_ids WHERE id IS NOT NULL)", _CHANGES),
    "deployment_rework_rate": _SHARE.format("d.rollback OR COALESCE(d.incident, '') <> ''", _FINISHED_DEPLOYMENTS),
    "deployment_success_rate": _SHARE.format("d.status = 'success'", _FINISHED_DEPLOYMENTS),
    "change_first_time_failure_rate": _SHARE.format("d.status = 'failure'", _CHANGES),
    "mttr": f"""
        SELECT AVG((resolved_at - started_at) / 3600.0) FROM incidents
        WHERE project_id = :p AND resolved_at IS NOT NULL AND {_in_window("started_at")}""",
    # the union of the incident intervals clipped to the window: each interval adds what reaches past the
    # furthest end of the intervals that began before it (a running MAX over a window, not a procedural loop)
    "availability": """
        WITH spans AS (
            SELECT MAX(started_at, :lo) AS b, MIN(COALESCE(resolved_at, :hi), :hi) AS e FROM incidents
            WHERE project_id = :p AND started_at < :hi AND COALESCE(resolved_at, :hi) > :lo
        ), reach AS (
            SELECT b, e, MAX(e) OVER (ORDER BY b, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
            FROM spans
        )
        SELECT 1.0 - COALESCE(SUM(MAX(e - MAX(b, COALESCE(before, :lo)), 0)), 0) / (:hi - :lo + 0.0) FROM reach""",
    "incident_auto_recovery_share": _SHARE.format(
        "auto_recovered",
        f"FROM incidents WHERE project_id = :p AND {_in_window('started_at')}",
    ),
    "production_defect_escape_rate": _SHARE.format(
        _any_glob("environment", PRODUCTION),
        f"FROM work_items WHERE project_id = :p AND {_any_glob('type', DEFECT_TYPES)} AND {_in_window('created_at')}",
    ),
    "release_frequency_deployments": f"""
        SELECT COUNT(*) / (:days / 7.0) FROM releases
        WHERE project_id = :p AND {_in_window("created_at")}""",
    "build_success_rate": _SHARE.format("status = 'success'", _FINISHED_RUNS),
    "security_scan_run_share": _SHARE.format("security_scan", _FINISHED_RUNS),
}

# metric -> (SQL of one column `v`, None for the median or the percentile): ranked by ORDER BY ... LIMIT/OFFSET
_RANKED: dict[str, tuple[str, float | None]] = {
    # DevLake style: the deployment-to-commit mapping joined to commits and deployments
    "lead_time_for_changes": (
        f"""
        SELECT MAX({_WHEN} - c.committer_time, 0) / 3600.0 AS v
        FROM deployments d
        JOIN bench_deployment_commits m ON m.deployment = d.ext_id
        JOIN commits c ON c.project_id = d.project_id AND c.sha = m.sha
        WHERE {_prod("d")} AND d.status = 'success' AND {_in_window(_WHEN)}""",
        None,
    ),
    # recovery: the linked incident's resolution, else the finish of the next successful production deployment
    # that did not fail itself (simplified: the latest resolution when several incidents name one deployment,
    # where the product takes the last-started incident's)
    "failed_deployment_recovery_time": (
        f"""
        WITH {_FAILED_IDS}
        SELECT (COALESCE(
            i.resolved_at,
            (SELECT COALESCE(n.finished_at, n.created_at) FROM deployments n
             WHERE {_prod("n")} AND n.created_at > d.created_at AND n.status = 'success'
               AND n.ext_id NOT IN (SELECT id FROM failed_ids WHERE id IS NOT NULL)
             ORDER BY n.created_at, n.ext_id LIMIT 1)
        ) - d.created_at) / 3600.0 AS v
        FROM deployments d
        LEFT JOIN (
            SELECT deployment, MAX(resolved_at) AS resolved_at FROM incidents
            WHERE project_id = :p AND resolved_at IS NOT NULL GROUP BY deployment
        ) i ON i.deployment = d.ext_id
        WHERE {_prod("d")} AND NOT d.rollback AND d.{_FINISHED_SQL} AND {_in_window("d.created_at")}
          AND (d.status = 'failure' OR d.ext_id IN (SELECT id FROM failed_ids WHERE id IS NOT NULL))""",
        None,
    ),
    "requirement_delivery_cycle": (
        f"""
        SELECT (COALESCE(released_at, resolved_at) - created_at) / 86400.0 AS v FROM work_items
        WHERE project_id = :p AND {_any_glob("type", REQUIREMENT_TYPES)}
          AND {_in_window("COALESCE(released_at, resolved_at)")}""",
        None,
    ),
    "pipeline_duration_p50": (
        f"SELECT (finished_at - started_at) / 60.0 AS v {_FINISHED_RUNS} "
        "AND started_at IS NOT NULL AND finished_at IS NOT NULL",
        50,
    ),
    "pipeline_duration_p90": (
        f"SELECT (finished_at - started_at) / 60.0 AS v {_FINISHED_RUNS} "
        "AND started_at IS NOT NULL AND finished_at IS NOT NULL",
        90,
    ),
    # a red run in the window that follows a green one (or none) of its pipeline and branch, to the finish of the
    # next green run there; both neighbours found by correlated subqueries in (created_at, ext_id) order
    "integration_feedback_cycle": (
        """
        SELECT ((
            SELECT COALESCE(g.finished_at, g.created_at) FROM pipeline_runs g
            WHERE g.project_id = r.project_id AND g.pipeline = r.pipeline
              AND COALESCE(g.branch, '') = COALESCE(r.branch, '') AND g.status = 'success'
              AND g.created_at >= r.created_at AND (g.created_at > r.created_at OR g.ext_id > r.ext_id)
            ORDER BY g.created_at, g.ext_id LIMIT 1
        ) - r.created_at) / 60.0 AS v
        FROM pipeline_runs r
        WHERE r.project_id = :p AND r.status = 'failure' AND r.created_at >= :lo AND r.created_at < :hi
          AND COALESCE((
            SELECT b.status FROM pipeline_runs b
            WHERE b.project_id = r.project_id AND b.pipeline = r.pipeline
              AND COALESCE(b.branch, '') = COALESCE(r.branch, '') AND b.status IN ('success', 'failure')
              AND b.created_at <= r.created_at AND (b.created_at < r.created_at OR b.ext_id < r.ext_id)
            ORDER BY b.created_at DESC, b.ext_id DESC LIMIT 1
          ), 'success') = 'success'""",
        None,
    ),
}


def _ranked(con: sqlite3.Connection, values: str, params: dict[str, object], q: float | None) -> float | None:
    """The median (q None; the mean of the middle two of an even count) or the nearest-rank q-th percentile of
    the non-null values of a one-column query, counted and then picked by ORDER BY ... LIMIT/OFFSET."""
    rows = f"SELECT v FROM ({values}) WHERE v IS NOT NULL"
    n = con.execute(f"SELECT COUNT(*) FROM ({rows})", params).fetchone()[0]
    if n == 0:
        return None
    if q is None:
        limit, offset = 2 - n % 2, (n - 1) // 2
    else:
        limit, offset = 1, max(1, math.ceil(q / 100.0 * n)) - 1  # the rank as the product computes it
    picked = f"SELECT AVG(v) FROM ({rows} ORDER BY v LIMIT {limit} OFFSET {offset})"
    value: float = con.execute(picked, params).fetchone()[0]
    return value


def baseline_pass(path: Path, window: Window) -> dict[str, float | None]:
    """Every delivery metric by straightforward SQL, one statement (or a count and an ORDER BY ... LIMIT/OFFSET
    pick) per metric, in the style of the popular open-source tools: lead time via the deployment-to-commit
    mapping, joins, correlated subqueries and aggregates in SQL, over the indexes the product's store has.

    Where it departs from the product: lead time takes the commits a deployment shipped from the mapping table
    (written in commit order) instead of walking the history in deployment order; production, defect and
    requirement types are the default rule's globs and every incident severity counts (the default rule);
    recovery takes the latest resolution when several incidents name one deployment; a frequency is 0, not
    unknown, when nothing of its kind was ever collected; means and ratios are summed by SQLite."""
    con = sqlite3.connect(path)
    project = con.execute("SELECT id FROM projects WHERE name = 'bench'").fetchone()[0]
    params: dict[str, object] = {
        "p": project,
        "lo": int(window.start.timestamp()),
        "hi": int(window.end.timestamp()),
        "days": window.days,
    }
    out: dict[str, float | None] = {m: con.execute(sql, params).fetchone()[0] for m, sql in _SCALARS.items()}
    out |= {m: _ranked(con, sql, params, q) for m, (sql, q) in _RANKED.items()}
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=10_000_000)
    parser.add_argument("--deployments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="passes of each side; the best is reported")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    # v3: deployments in the order of their commits (one deployment pipeline)
    path = CACHE / f"delivery-v3-{args.commits}-{args.deployments}.db"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        started = time.perf_counter()
        generate(path, args.commits, args.deployments)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    upkeep_s, upkeep_what = upkeep(path)
    window = window_of(path)
    base_s, base = _best(lambda: baseline_pass(path, window), args.repeat)
    ours_s, ours = _best(lambda: devmaturity_pass(path, window), args.repeat)
    print(f"\nstore: {args.commits:,} commits, {args.deployments:,} deployments; window {window.label()}")
    for metric in sorted(set(base) | set(ours)):
        mine, theirs = ours.get(metric), base.get(metric)
        same = "" if mine is None or theirs is None or math.isclose(mine, theirs, rel_tol=1e-9) else "  (differs)"
        print(f"  {metric:32s} devmaturity {mine!s:>22}   baseline {theirs!s:>22}{same}")
    print(f"upkeep when evidence arrives ({upkeep_what}): {upkeep_s:.2f}s (once per sync/ingest; not in the pass)")
    print(f"baseline (SQL joins, {len(base)} metrics, best of {args.repeat}):      {base_s:8.3f}s")
    print(f"devmaturity (all {len(ours)} delivery metrics, best of {args.repeat}): {ours_s:8.3f}s (target <= 2 s)")
    print(f"ratio baseline / devmaturity: {base_s / ours_s:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
