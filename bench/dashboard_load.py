"""Dashboard load benchmark: a portfolio of N projects (default 1,000) with a year of assessments, and 50
concurrent clients on the portfolio page, a project page and the project API, on SQLite and on PostgreSQL.

Data: one real report is made first (`devmaturity assess` of this repository). The store is then filled through
the services where they are cheap (organisation, users, projects: one audited transaction each) and by a bulk
path for the rest, as a year of quarterly assessments would have left it: per project four assessment rows (the
newest with the full JSON report, the three older with the report's part and subdomain levels only, since pages
read older assessments through their stored digest), each with its summary digest (services/derived.py
`summarise`, plus a DORA cluster) and the newest with twelve points of each key metric's series. Levels and
metric values vary per project (a fixed random seed).

Load: the service as it is deployed, `devmaturity serve --workers N` (default: one per core) on 127.0.0.1, with
the dashboard's pages kept from earlier visits (a warm-up visits every page four times; each worker keeps its own).
Then wrk (C, one thread, so the load generator takes little of the CPU the server is measured on; Debian's `wrk`)
drives each kind in turn for `--seconds` at `--clients` connections, each picking a random project per request:
the portfolio page, a project's page and the project's API resource. Printed per kind: requests, p50/p95/p99
latency, errors, and the overall throughput. Without wrk, an httpx async driver in this process does the same
(its own CPU then competes with the server's). Target: p95 <= 100 ms. Not part of the test suite.

    python bench/dashboard_load.py [--projects 1000] [--clients 50] [--seconds 20] [--store sqlite|postgres|both] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
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
    # after a bulk load, what autovacuum would do within minutes (and would otherwise do during the measurement)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")
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


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`devmaturity serve --workers N` over the store, as it is deployed, on 127.0.0.1:port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVMATURITY_")}
    env |= {
        "PYTHONPATH": str(ROOT / "src"),
        "DEVMATURITY_SECRET_KEY": KEY,
        "DEVMATURITY_SERVER_MAX_CONNECTIONS": "1000",
    }
    command = [sys.executable, "-m", "devmaturity", "serve", "--db", url, "--port", str(port)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}  # uvicorn logs each worker stopping
    return subprocess.Popen([*command, "--workers", str(workers)], env=env, **quiet)


WRK_SCRIPT = """
local ids = {IDS}
request = function()
  return wrk.format("GET", string.format("PATH", ids[math.random(#ids)]))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %.1f %.1f\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
"""
KINDS = {"portfolio": "/portfolio", "project page": "/projects/%d", "project API": "/api/v1/projects/%d"}


def drive_wrk(
    base: str, cookie: str, ids: list[int], clients: int, seconds: float, work: Path
) -> tuple[dict[str, tuple[int, float, float, float, int]], float]:
    """Each kind for `seconds` at `clients` connections with wrk (C, one thread: it takes little of the CPU the
    server is measured on): requests, p50/p95/p99 ms and errors per kind; and the overall throughput."""
    found: dict[str, tuple[int, float, float, float, int]] = {}
    total, wall = 0, 0.0
    for kind, path in KINDS.items():
        script = work / "wrk.lua"
        # the portfolio's address takes no id: string.format ignores the extra argument
        script.write_text(WRK_SCRIPT.replace("IDS", ",".join(map(str, ids))).replace("PATH", path))
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "--timeout", "30s", "-s", str(script)]
        out = subprocess.run([*command, "-H", f"Cookie: {cookie}", base], capture_output=True, text=True, check=True)
        line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT"))
        requests, errors, p50, p95, p99, duration = line.split()[1:]
        found[kind] = (int(requests), float(p50), float(p95), float(p99), int(errors))
        total, wall = total + int(requests), wall + float(duration)
    return found, total / wall


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


def _wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.3)


async def sign_in(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        signed = await client.post("/sign-in", data={"name": "alice", "password": PASSWORD})
        assert signed.status_code in (200, 303), signed.status_code
        return f"devmaturity_session={client.cookies['devmaturity_session']}"


async def warm(base: str, ids: list[int], *, visits: int) -> None:
    """Earlier visits: every page `visits` times over 8 connections (each server worker keeps its own pages)."""
    cookie = await sign_in(base)
    paths = [p for _ in range(visits) for i in ids for p in (f"/projects/{i}", f"/api/v1/projects/{i}")]
    paths += ["/portfolio"] * 16
    random.Random(7).shuffle(paths)

    async def one(chunk: list[str]) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60, headers={"Cookie": cookie}) as client:
            for path in chunk:
                assert (await client.get(path)).status_code == 200, path

    await asyncio.gather(*(one(paths[n::8]) for n in range(8)))


def report_wrk(name: str, found: dict[str, tuple[int, float, float, float, int]], rate: float) -> None:
    print(f"\n{name} (wrk, one thread): {rate:.1f} requests/s")
    print(f"  {'':14} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, (requests, p50, p95, p99, errors) in found.items():
        print(f"  {kind:14} {requests:8d} {p50:8.1f} {p95:8.1f} {p99:8.1f} {errors:7d}")
    worst = max(v[2] for v in found.values())
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
        server = start_server(url, port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_up(base, server)
            started = time.perf_counter()
            asyncio.run(warm(base, ids, visits=4))
            print(f"  warm-up: every page visited 4 times over 8 connections in {time.perf_counter() - started:.1f} s")
            name = f"{kind}, {args.projects} projects, {args.clients} clients, {args.workers} server workers"
            if shutil.which("wrk"):
                cookie = asyncio.run(sign_in(base))
                found, rate = drive_wrk(base, cookie, ids, args.clients, args.seconds, work)
                report_wrk(name, found, rate)
            else:  # the Python driver: its own CPU competes with the server's on a small machine
                times, errors, wall = asyncio.run(drive(base, ids, args.clients, args.seconds))
                report(f"{name} (httpx driver: wrk not installed)", times, errors, wall)
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:  # requests still queued in the server: stop it hard
                server.kill()
                server.wait(10)
    finally:
        if database is not None:
            import psycopg

            with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="devmaturity serve --workers")
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
