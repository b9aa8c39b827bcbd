"""Dashboard load benchmark: a portfolio of N projects (default 1,000) with a year of assessments, and 50
concurrent clients on the portfolio page, a project page and the project API, on SQLite and on PostgreSQL.

Data: one real report is made first (`devmaturity assess` of this repository). The store is then filled through
the services where they are cheap (organisation, users, projects: one audited transaction each) and by a bulk
path for the rest, as a year of quarterly assessments would have left it: per project four assessment rows (the
newest with the full JSON report, the three older with the report's part and subdomain levels only, since pages
read older assessments through their stored digest), each with its summary digest (services/derived.py
`summarise`, plus a DORA cluster) and the newest with twelve points of each key metric's series. Levels and
metric values vary per project (a fixed random seed).

Load: the app (`create_app`) runs in its own process under uvicorn on 127.0.0.1; an httpx async client signs in
once per client and, for `--seconds`, each of `--clients` tasks requests in turn the portfolio page, a random
project's page and that project's API resource. Printed per kind: requests, p50/p95/p99 latency, errors, and the
overall throughput. Target: p95 <= 100 ms. Not part of the test suite.

    python bench/dashboard_load.py [--projects 1000] [--clients 50] [--seconds 20] [--store sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

KEY = "bench-service-key-0c4f9a2e7d1b5e8a3f6c"
PASSWORD = "correct horse battery staple"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
QUARTER = timedelta(days=91)
KEY_METRICS = (
    ("unit_test_line_coverage", "ratio", 0.2, 0.9),
    ("automated_test_ratio", "ratio", 0.3, 0.95),
    ("automation_success_rate", "ratio", 0.8, 1.0),
    ("pipeline_duration_p50", "minutes", 4, 60),
    ("requirement_delivery_cycle", "days", 3, 45),
    ("deployment_frequency", "deployments/day", 0.01, 3),
    ("change_failure_rate", "ratio", 0.0, 0.4),
    ("failed_deployment_recovery_time", "hours", 0.5, 72),
)


def template_report(work: Path) -> dict[str, Any]:
    """A real report: `devmaturity assess` of this repository into a throw-away SQLite store."""
    from devmaturity.cli.main import run

    out = work / "template"
    code = run(
        ["assess", str(ROOT), "--db", f"sqlite:///{work / 'template.db'}", "--format", "json", "--out", str(out)]
    )
    assert code == 0, f"assess exited {code}"
    loaded: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return loaded


def _levels(report: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The report with this project's levels: subdomains 1-4, parts at their weakest subdomain."""
    for part in report["parts"]:
        for sub in part["subdomains"]:
            sub["level"] = rng.choice((1, 1, 2, 2, 3, 4))
        part["level"] = min((s["level"] for s in part["subdomains"]), default=1)
    return report


def _skeleton(report: dict[str, Any]) -> dict[str, Any]:
    """An older assessment's report as pages read it: framework, window and the part and subdomain levels."""
    parts = [
        {
            **{k: v for k, v in p.items() if k != "subdomains"},
            "subdomains": [{k: v for k, v in s.items() if k != "items"} | {"items": []} for s in p["subdomains"]],
        }
        for p in report["parts"]
    ]
    return {
        **{k: v for k, v in report.items() if k not in ("parts", "metrics", "facts", "answers")},
        "parts": parts,
        "metrics": [],
        "facts": [],
        "answers": [],
    }


def fill(url: str, projects: int, template: dict[str, Any]) -> list[int]:
    """Organisation, users and projects through the services; a year of assessments by the bulk path."""
    from sqlalchemy import insert

    from devmaturity.auth.policy import Actor
    from devmaturity.auth.roles import Role
    from devmaturity.services import admin
    from devmaturity.services import projects as project_service
    from devmaturity.services.derived import summarise
    from devmaturity.store import tables as t
    from devmaturity.store.db import Store

    store = Store.open(url)
    owner = Actor.local("local:bench")
    admin.create_user(store, owner, org_slug="bench", name="alice", password=PASSWORD, role=Role.ADMIN)
    rng = random.Random(20261203)
    teams = [f"team-{n:02d}" for n in range(1, 21)]
    started = time.perf_counter()
    ids = [
        project_service.create_project(
            store, owner, org_slug="bench", slug=f"svc-{n:04d}", title=f"Service {n:04d}", team=rng.choice(teams)
        ).id
        for n in range(1, projects + 1)
    ]
    print(f"  {projects} projects through the projects service in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    org_id = (
        store.engine.connect().execute(t.organisations.select().where(t.organisations.c.slug == "bench")).first().id
    )  # type: ignore[union-attr]
    for chunk in range(0, len(ids), 50):
        with store.transaction() as conn:
            for project_id in ids[chunk : chunk + 50]:
                _project_year(conn, t, insert, project_id, org_id, template, rng, end, summarise)
    print(
        f"  a year of assessments (4 per project) and series by the bulk path in {time.perf_counter() - started:.1f} s"
    )
    store.engine.dispose()
    return ids


def _project_year(
    conn: Any,
    t: Any,
    insert: Any,
    project_id: int,
    org_id: int,
    template: dict[str, Any],
    rng: random.Random,
    end: datetime,
    summarise: Any,
) -> None:
    for quarter in range(3, -1, -1):
        stop = end - QUARTER * quarter
        start = stop - timedelta(days=90)
        report = _levels(template, rng)
        newest = quarter == 0
        values = {m: rng.uniform(low, high) for m, _, low, high in KEY_METRICS}
        stored = report if newest else _skeleton(report)
        run_id = conn.execute(
            insert(t.runs).values(
                project_id=project_id,
                kind="assess",
                status="ok",
                started_at=int(stop.timestamp()),
                finished_at=int(stop.timestamp()),
                inputs="{}",
                attempts=1,
            )
        ).inserted_primary_key[0]
        summary = summarise(report)
        summary["metrics"] = {m: {"value": values[m], "unit": unit, "days": 90} for m, unit, _, _ in KEY_METRICS}
        level = rng.choice((1, 2, 3, 4, None))
        summary["dora"] = {"year": "2024", "level": level, "name": None, "partial": False}
        assessment_id = conn.execute(
            insert(t.assessments).values(
                run_id=run_id,
                project_id=project_id,
                framework=report["framework"]["id"],
                framework_version=report["framework"]["version"],
                window_start=int(start.timestamp()),
                window_end=int(stop.timestamp()),
                levels=json.dumps({p["key"]: p["level"] for p in report["parts"]}),
                report=json.dumps(stored, ensure_ascii=False),
                created_at=int(stop.timestamp()),
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(t.assessment_summaries).values(
                assessment_id=assessment_id,
                project_id=project_id,
                summary=json.dumps(summary, ensure_ascii=False, sort_keys=True),
            )
        )
        if newest:
            conn.execute(
                insert(t.metric_series),
                [
                    {
                        "org_id": org_id,
                        "project_id": project_id,
                        "metric": m,
                        "days": 90,
                        "unit": unit,
                        "sample_size": 20,
                        "window_end": int((stop - timedelta(days=90 * k)).timestamp()),
                        "assessment_id": assessment_id,
                        "value": rng.uniform(low, high),
                    }
                    for m, unit, low, high in KEY_METRICS
                    for k in range(12)
                ],
            )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int) -> None:
    """The server process: the app over the store, uvicorn on 127.0.0.1:port."""
    import uvicorn

    from devmaturity.config import Config
    from devmaturity.store.db import Store
    from devmaturity.web.app import create_app

    app = create_app(Config(database_url=url), Store.open(url), secret_key=KEY)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def _client(
    base: str,
    cookies: httpx.Cookies,
    ids: list[int],
    until: float,
    seed: int,
    times: dict[str, list[float]],
    errors: dict[str, int],
) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30, cookies=cookies) as client:
        n = seed
        while time.perf_counter() < until:
            project = rng.choice(ids)
            kind, path = [
                ("portfolio", "/portfolio"),
                ("project page", f"/projects/{project}"),
                ("project API", f"/api/v1/projects/{project}"),
            ][n % 3]
            n += 1
            began = time.perf_counter()
            try:
                answer = await client.get(path)
                ok = answer.status_code == 200
            except httpx.HTTPError:
                ok = False
            times[kind].append((time.perf_counter() - began) * 1000)
            if not ok:
                errors[kind] += 1


async def drive(
    base: str, ids: list[int], clients: int, seconds: float
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    kinds = ("portfolio", "project page", "project API")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    errors = dict.fromkeys(kinds, 0)
    async with httpx.AsyncClient(base_url=base, timeout=60) as first:  # one session, shared by every client
        signed = await first.post("/sign-in", data={"name": "alice", "password": PASSWORD})
        assert signed.status_code in (200, 303), signed.status_code
        cookies = first.cookies
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(_client(base, cookies, ids, until, n, times, errors) for n in range(clients)))
    return times, errors, time.perf_counter() - started


def report(name: str, times: dict[str, list[float]], errors: dict[str, int], wall: float) -> None:
    total = sum(len(v) for v in times.values())
    print(f"\n{name}: {total} requests in {wall:.1f} s ({total / wall:.1f}/s)")
    print(f"  {'':14} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, values in times.items():
        if len(values) < 2:
            print(f"  {kind:14} {len(values):8d}        -        -        - {errors[kind]:7d}")
            continue
        cuts = quantiles(values, n=100)
        print(f"  {kind:14} {len(values):8d} {cuts[49]:8.1f} {cuts[94]:8.1f} {cuts[98]:8.1f} {errors[kind]:7d}")
    measured = [quantiles(v, n=100)[94] for v in times.values() if len(v) > 1]
    if len(measured) < len(times):
        print("  target p95 <= 100 ms: not measured (too few requests of some kind)")
        return
    worst = max(measured)
    print(f"  target p95 <= 100 ms: {'met' if worst <= 100 else 'NOT met'} (worst p95 {worst:.1f} ms)")


def run_store(kind: str, work: Path, template: dict[str, Any], args: argparse.Namespace) -> None:
    database = None
    if kind == "sqlite":
        url = f"sqlite:///{work / 'dashboard.db'}"
    else:
        import psycopg

        database = f"dash_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        url = PG + database
    try:
        print(f"\n== {kind}: filling {args.projects} projects")
        ids = fill(url, args.projects, template)
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        server = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
            asyncio.run(drive(base, ids, 3, 3))  # warm-up: first imports, caches
            times, errors, wall = asyncio.run(drive(base, ids, args.clients, args.seconds))
            report(f"{kind}, {args.projects} projects, {args.clients} clients", times, errors, wall)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:  # requests still queued in the server: stop it hard
                server.kill()
                server.wait(10)
    finally:
        if database is not None:
            import psycopg

            with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    print(f"load before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="dashboard-load-") as tmp:
        work = Path(tmp)
        template = template_report(work)
        print(f"template report: {len(json.dumps(template)) / 1e6:.1f} MB of JSON")
        for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
            run_store(kind, work, template, args)


if __name__ == "__main__":
    main()
