"""Opens the store (SQLite file or PostgreSQL), brings its schema to the latest migration, and reads/writes it."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from devmaturity.errors import ConfigError, StoreError
from devmaturity.model.evidence import (
    CaseOutcome,
    Commit,
    CoverageReport,
    CoverageSnapshot,
    FileCoverage,
    Problem,
    Ref,
    RefKind,
    ReportKind,
    ReportMeta,
    Scan,
    SecurityFinding,
    Severity,
    TestCaseResult,
    TestKind,
    TestOutcome,
    TestRun,
    TestSuiteResult,
)
from devmaturity.model.facts import Fact
from devmaturity.store import tables as t

MIGRATIONS = Path(__file__).parent / "migrations"
BATCH = 5000
HEARTBEAT_SECONDS = 5.0  # how often a running run says its process is alive
STALE_AFTER = 15 * 60  # a run of another host unseen this long (seconds) is taken as crashed


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _tz_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _aware(stamp: int, minutes: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC if minutes == 0 else timezone(timedelta(minutes=minutes)))


class Store:
    """The database behind devmaturity. Every write method runs in one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._heartbeats: dict[int, _Heartbeat] = {}

    @staticmethod
    def open(url: str) -> Store:
        try:
            # SQLite: a writer waits up to 60 s for another (a refresh of derived data can take that long)
            extra = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
            engine = create_engine(url, future=True, **extra)
        except (ArgumentError, ImportError, ValueError) as exc:
            raise ConfigError(f"database_url {_safe_url(url)!s} cannot be used: {exc}") from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_sqlite_connect)
        store = Store(engine)
        store.migrate()
        store.recover_runs()
        return store

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (idempotent)."""
        from alembic import command
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open the store at {_safe_url(str(self.engine.url))}: {_first_line(exc)}"
            ) from None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store write failed: {_first_line(exc)}") from None

    def insert_statement(self, table: Any) -> Any:
        """The dialect's INSERT, which knows ON CONFLICT on both SQLite and PostgreSQL."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # --- projects and runs ---

    def project(self, name: str, root: str) -> int:
        with self.transaction() as conn:
            stmt = self.insert_statement(t.projects).values(name=name, root=root, created_at=int(time.time()))
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
            found = conn.execute(select(t.projects.c.id).where(t.projects.c.name == name)).scalar_one()
            return int(found)

    def start_run(self, project_id: int, kind: str, inputs: dict[str, Any]) -> int:
        """A run row marked running, with this process (host, pid, start time) and a first heartbeat; a
        background thread renews the heartbeat until finish_run, so a crash can be told from a slow run."""
        now = int(time.time())
        with self.transaction() as conn:
            result = conn.execute(
                t.runs.insert().values(
                    project_id=project_id,
                    kind=kind,
                    status="running",
                    started_at=now,
                    inputs=json.dumps(inputs, sort_keys=True),
                    heartbeat_at=now,
                    **_this_process(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            run_id = int(key[0])
        self._heartbeats[run_id] = _Heartbeat.start(self, run_id)
        return run_id

    def heartbeat(self, run_id: int) -> bool:
        """Say the run's process is alive now; False when the run is no longer running (nothing to renew)."""
        c = t.runs.c
        with self.transaction() as conn:
            result = conn.execute(
                t.runs.update().where(c.id == run_id, c.status == "running").values(heartbeat_at=int(time.time()))
            )
            return bool(result.rowcount)

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any], problems: Sequence[Problem]) -> None:
        beat = self._heartbeats.pop(run_id, None)
        if beat is not None:
            beat.stop()
        with self.transaction() as conn:
            conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=int(time.time()),
                    summary=json.dumps(summary, sort_keys=True),
                    problems=json.dumps([{"source": p.source, "message": p.message} for p in problems]),
                )
            )

    def recover_runs(self, now: int | None = None) -> list[int]:
        """Mark as interrupted each running run whose process is gone: on this host, a pid that is not alive or
        whose start time differs (the pid was reused); on another host, a heartbeat older than STALE_AFTER.
        Its finished_at becomes the time it was last seen. Returns the ids marked."""
        moment = int(time.time()) if now is None else now
        c = t.runs.c
        query = select(c.id, c.host, c.pid, c.proc_start, c.started_at, c.heartbeat_at).where(c.status == "running")
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
        gone = [(r.id, r.heartbeat_at or r.started_at) for r in rows if _gone(r, moment)]
        if not gone:
            return []
        with self.transaction() as conn:
            for run_id, seen in gone:
                conn.execute(
                    t.runs.update()
                    .where(c.id == run_id, c.status == "running")
                    .values(status="interrupted", finished_at=seen, summary=json.dumps({"error": "process gone"}))
                )
        return [run_id for run_id, _ in gone]

    def list_runs(self, project: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The newest runs first, with their project's name: for `devmaturity runs`."""
        c = t.runs.c
        query = select(
            c.id, t.projects.c.name.label("project"), c.kind, c.status, c.started_at, c.finished_at, c.summary
        ).join(t.projects, t.projects.c.id == c.project_id)
        if project is not None:
            query = query.where(t.projects.c.name == project)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(c.id.desc()).limit(limit))]

    def runs(self, project_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.runs).where(t.runs.c.project_id == project_id).order_by(t.runs.c.id))
            return [dict(r._mapping) for r in rows]

    # --- git evidence ---

    def known_tips(self, project_id: int) -> list[str]:
        """Ref targets stored by the last collection: everything reachable from them is stored already."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.refs.c.target).where(t.refs.c.project_id == project_id).distinct())
            return [r[0] for r in rows]

    def save_git(self, project_id: int, run_id: int, commits: Iterable[Commit], refs: Sequence[Ref]) -> int:
        """Store new commits and the current refs in one transaction; returns how many commits were new."""
        with self.transaction() as conn:
            before = _count(conn, t.commits, t.commits.c.project_id == project_id)
            insert = self.insert_statement(t.commits).on_conflict_do_nothing(index_elements=["project_id", "sha"])
            batch: list[dict[str, Any]] = []
            for commit in commits:
                batch.append(_commit_row(project_id, run_id, commit))
                if len(batch) >= BATCH:
                    conn.execute(insert, batch)
                    batch = []
            if batch:
                conn.execute(insert, batch)
            conn.execute(t.refs.delete().where(t.refs.c.project_id == project_id))
            if refs:
                conn.execute(t.refs.insert(), [_ref_row(project_id, run_id, r) for r in refs])
            return _count(conn, t.commits, t.commits.c.project_id == project_id) - before

    def count_commits(self, project_id: int) -> int:
        with self.engine.connect() as conn:
            return _count(conn, t.commits, t.commits.c.project_id == project_id)

    def load_commits(self, project_id: int, since: datetime) -> list[Commit]:
        """Commits that landed or were authored since `since` (the metrics' history horizon)."""
        stamp = int(since.timestamp())
        c = t.commits.c
        query = select(t.commits).where(
            c.project_id == project_id, (c.committer_time >= stamp) | (c.author_time >= stamp)
        )
        with self.engine.connect() as conn:
            return [_commit_of(row._mapping) for row in conn.execute(query)]

    def load_refs(self, project_id: int) -> list[Ref]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.refs).where(t.refs.c.project_id == project_id))
            return [
                Ref(
                    kind=RefKind(r.kind),
                    name=r.name,
                    target=r.target,
                    time=_aware(r.time, r.tz or 0) if r.time is not None else None,
                    annotated=bool(r.annotated),
                )
                for r in rows
            ]

    # --- facts and assessments ---

    def save_facts(self, project_id: int, run_id: int, snapshot: str, facts: Sequence[Fact]) -> int:
        rows = [
            {
                "project_id": project_id,
                "snapshot": snapshot,
                "fact_id": f.id,
                "value": f.value,
                "detail": f.detail,
                "evidence": json.dumps(list(f.evidence)),
                "run_id": run_id,
            }
            for f in facts
        ]
        if not rows:
            return 0
        with self.transaction() as conn:
            before = _count(conn, t.facts, t.facts.c.project_id == project_id)
            stmt = self.insert_statement(t.facts).on_conflict_do_nothing(
                index_elements=["project_id", "snapshot", "fact_id"]
            )
            conn.execute(stmt, rows)
            return _count(conn, t.facts, t.facts.c.project_id == project_id) - before

    def count_facts(self, project_id: int) -> int:
        with self.engine.connect() as conn:
            return _count(conn, t.facts, t.facts.c.project_id == project_id)

    def save_assessment(
        self,
        run_id: int,
        project_id: int,
        framework: str,
        version: str,
        window: tuple[datetime, datetime],
        levels: dict[str, int],
        report: dict[str, Any],
    ) -> int:
        with self.transaction() as conn:
            result = conn.execute(
                t.assessments.insert().values(
                    run_id=run_id,
                    project_id=project_id,
                    framework=framework,
                    framework_version=version,
                    window_start=int(window[0].timestamp()),
                    window_end=int(window[1].timestamp()),
                    levels=json.dumps(levels, sort_keys=True),
                    report=json.dumps(report, ensure_ascii=False),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def assessments(self, project_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            query = (
                select(t.assessments.c.id, t.assessments.c.framework, t.assessments.c.levels)
                .where(t.assessments.c.project_id == project_id)
                .order_by(t.assessments.c.id)
            )
            return [{"id": r.id, "framework": r.framework, "levels": json.loads(r.levels)} for r in conn.execute(query)]

    # --- report evidence (tests, coverage, security) ---

    def has_report(self, project_id: int, kind: ReportKind, digest: str) -> bool:
        r = t.reports.c
        with self.engine.connect() as conn:
            query = select(r.id).where(r.project_id == project_id, r.kind == kind.value, r.digest == digest)
            return conn.execute(query).first() is not None

    def _report_row(self, conn: Connection, project_id: int, run_id: int, meta: ReportMeta) -> int:
        result = conn.execute(
            t.reports.insert().values(
                project_id=project_id,
                kind=meta.kind.value,
                digest=meta.digest,
                path=meta.path,
                format=meta.format,
                commit_sha=meta.commit,
                observed_at=int(meta.observed_at.timestamp()),
                summary="{}",
                run_id=run_id,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _finish_report(self, conn: Connection, report_id: int, summary: dict[str, Any]) -> None:
        conn.execute(
            t.reports.update().where(t.reports.c.id == report_id).values(summary=json.dumps(summary, sort_keys=True))
        )

    def save_junit(
        self, project_id: int, run_id: int, meta: ReportMeta, items: Iterable[TestCaseResult | TestSuiteResult]
    ) -> dict[str, Any]:
        """Stream one JUnit report into the store in one transaction; an error mid-file leaves nothing."""
        with self.transaction() as conn:
            report_id = self._report_row(conn, project_id, run_id, meta)
            cases: list[dict[str, Any]] = []
            suites: list[dict[str, Any]] = []
            totals = dict.fromkeys(("tests", "passed", "failed", "error", "skipped", "flaky", "suites"), 0)
            ordinal = 0
            for item in items:
                if isinstance(item, TestSuiteResult):
                    suites.append(_suite_row(report_id, len(suites), item))
                    totals["suites"] += 1
                    continue
                cases.append(
                    {
                        "report_id": report_id,
                        "ordinal": ordinal,
                        "case_key": item.key[:2000],
                        "kind": item.kind.value,
                        "outcome": item.outcome.value,
                        "time": item.time,
                        "flaky": item.flaky,
                    }
                )
                ordinal += 1
                totals["tests"] += 1
                totals[item.outcome.value] += 1
                totals["flaky"] += int(item.flaky)
                if len(cases) >= BATCH:
                    conn.execute(t.test_cases.insert(), cases)
                    cases = []
            if cases:
                conn.execute(t.test_cases.insert(), cases)
            if suites:
                conn.execute(t.test_suites.insert(), suites)
            self._finish_report(conn, report_id, totals)
        return totals

    def save_coverage(self, project_id: int, run_id: int, meta: ReportMeta, snap: CoverageSnapshot) -> dict[str, Any]:
        summary = {
            "lines_covered": snap.lines_covered,
            "lines_valid": snap.lines_valid,
            "branches_covered": snap.branches_covered,
            "branches_valid": snap.branches_valid,
            "files": len(snap.files),
        }
        with self.transaction() as conn:
            report_id = self._report_row(conn, project_id, run_id, meta)
            rows = {
                f.path: {
                    "report_id": report_id,
                    "path": f.path,
                    "lines_covered": f.lines_covered,
                    "lines_valid": f.lines_valid,
                    "branches_covered": f.branches_covered,
                    "branches_valid": f.branches_valid,
                }
                for f in snap.files
            }
            for start in range(0, len(rows), BATCH):
                conn.execute(t.coverage_files.insert(), list(rows.values())[start : start + BATCH])
            self._finish_report(conn, report_id, summary)
        return summary

    def save_findings(
        self, project_id: int, run_id: int, meta: ReportMeta, found: Sequence[SecurityFinding]
    ) -> dict[str, Any]:
        summary: dict[str, Any] = {s.name.lower(): 0 for s in Severity}
        summary["suppressed"] = 0
        with self.transaction() as conn:
            report_id = self._report_row(conn, project_id, run_id, meta)
            rows = []
            for ordinal, f in enumerate(found):
                rows.append(
                    {
                        "report_id": report_id,
                        "ordinal": ordinal,
                        "tool": f.tool[:200],
                        "rule": f.rule,
                        "severity": int(f.severity),
                        "level": f.level[:20],
                        "fingerprint": _short(f.fingerprint),
                        "path": f.path,
                        "line": f.line,
                        "suppressed": f.suppressed,
                        "baseline_state": f.baseline_state,
                        "message": f.message[:2000],
                    }
                )
                summary["suppressed" if f.suppressed else f.severity.name.lower()] += 1
            for start in range(0, len(rows), BATCH):
                conn.execute(t.findings.insert(), rows[start : start + BATCH])
            summary["tools"] = sorted({f.tool for f in found})
            self._finish_report(conn, report_id, summary)
        return summary

    def _reports(self, conn: Connection, project_id: int, kind: ReportKind, since: datetime) -> list[Any]:
        r = t.reports.c
        query = (
            select(t.reports)
            .where(r.project_id == project_id, r.kind == kind.value, r.observed_at >= int(since.timestamp()))
            .order_by(r.observed_at, r.id)
        )
        return list(conn.execute(query))

    def load_test_runs(self, project_id: int, since: datetime) -> list[TestRun]:
        with self.engine.connect() as conn:
            out = []
            for rep in self._reports(conn, project_id, ReportKind.JUNIT, since):
                c = t.test_cases.c
                rows = conn.execute(
                    select(c.case_key, c.kind, c.outcome, c.flaky).where(c.report_id == rep.id).order_by(c.ordinal)
                )
                cases = tuple(
                    CaseOutcome(key=k, kind=TestKind(kd), outcome=TestOutcome(o), flaky=bool(fl))
                    for k, kd, o, fl in rows
                )
                out.append(
                    TestRun(report=rep.id, observed_at=_aware(rep.observed_at, 0), commit=rep.commit_sha, cases=cases)
                )
            return out

    def load_coverage(self, project_id: int, since: datetime) -> list[CoverageReport]:
        with self.engine.connect() as conn:
            out = []
            for rep in self._reports(conn, project_id, ReportKind.COVERAGE, since):
                c = t.coverage_files.c
                rows = conn.execute(select(t.coverage_files).where(c.report_id == rep.id).order_by(c.path))
                files = tuple(
                    FileCoverage(
                        path=f.path,
                        lines_covered=f.lines_covered,
                        lines_valid=f.lines_valid,
                        branches_covered=f.branches_covered,
                        branches_valid=f.branches_valid,
                    )
                    for f in rows
                )
                s = json.loads(rep.summary)
                snap = CoverageSnapshot(
                    format=rep.format,
                    lines_covered=s["lines_covered"],
                    lines_valid=s["lines_valid"],
                    branches_covered=s["branches_covered"],
                    branches_valid=s["branches_valid"],
                    files=files,
                )
                out.append(
                    CoverageReport(
                        report=rep.id, observed_at=_aware(rep.observed_at, 0), commit=rep.commit_sha, snapshot=snap
                    )
                )
            return out

    def load_scans(self, project_id: int, since: datetime) -> list[Scan]:
        with self.engine.connect() as conn:
            out = []
            for rep in self._reports(conn, project_id, ReportKind.SARIF, since):
                c = t.findings.c
                rows = conn.execute(select(t.findings).where(c.report_id == rep.id).order_by(c.ordinal))
                found = tuple(
                    SecurityFinding(
                        tool=f.tool,
                        rule=f.rule,
                        severity=Severity(f.severity),
                        message=f.message,
                        fingerprint=f.fingerprint,
                        path=f.path,
                        line=f.line,
                        level=f.level,
                        suppressed=bool(f.suppressed),
                        baseline_state=f.baseline_state,
                    )
                    for f in rows
                )
                out.append(
                    Scan(report=rep.id, observed_at=_aware(rep.observed_at, 0), commit=rep.commit_sha, findings=found)
                )
            return out

    def count_rows(self, table: str, project_id: int) -> int:
        """Rows of one evidence table belonging to the project (for tests and summaries)."""
        target = t.metadata.tables[table]
        with self.engine.connect() as conn:
            if "project_id" in target.c:
                return _count(conn, target, target.c.project_id == project_id)
            query = select(func.count()).select_from(target.join(t.reports)).where(t.reports.c.project_id == project_id)
            return int(conn.execute(query).scalar_one())


def _suite_row(report_id: int, ordinal: int, s: TestSuiteResult) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "ordinal": ordinal,
        "name": s.name[:2000],
        "kind": s.kind.value,
        "tests": s.tests,
        "failures": s.failures,
        "errors": s.errors,
        "skipped": s.skipped,
        "time": s.time,
        "timestamp": int(s.timestamp.timestamp()) if s.timestamp else None,
    }


def _short(fingerprint: str) -> str:
    """Fingerprints longer than the column are stored as their sha256."""
    if len(fingerprint) <= 200:
        return fingerprint
    return "sha256:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def _count(conn: Connection, table: Any, where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return (text.strip().splitlines() or ["unknown error"])[0]


def _commit_row(project_id: int, run_id: int, c: Commit) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "sha": c.sha,
        "parents": " ".join(c.parents),
        "author_name": c.author_name,
        "author_email": c.author_email,
        "author_time": int(c.author_time.timestamp()),
        "author_tz": _tz_minutes(c.author_time),
        "committer_name": c.committer_name,
        "committer_email": c.committer_email,
        "committer_time": int(c.committer_time.timestamp()),
        "committer_tz": _tz_minutes(c.committer_time),
        "subject": c.subject,
        "files": "\n".join(c.files),
        "insertions": c.insertions,
        "deletions": c.deletions,
        "run_id": run_id,
    }


def _commit_of(row: Any) -> Commit:
    return Commit(
        sha=row["sha"],
        parents=tuple(row["parents"].split()),
        author_name=row["author_name"],
        author_email=row["author_email"],
        author_time=_aware(row["author_time"], row["author_tz"]),
        committer_name=row["committer_name"],
        committer_email=row["committer_email"],
        committer_time=_aware(row["committer_time"], row["committer_tz"]),
        subject=row["subject"],
        files=tuple(row["files"].split("\n")) if row["files"] else (),
        insertions=row["insertions"],
        deletions=row["deletions"],
    )


def _ref_row(project_id: int, run_id: int, ref: Ref) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "kind": ref.kind.value,
        "name": ref.name,
        "target": ref.target,
        "time": int(ref.time.timestamp()) if ref.time else None,
        "tz": _tz_minutes(ref.time) if ref.time else None,
        "annotated": ref.annotated,
        "run_id": run_id,
    }


# --- the process behind a run -----------------------------------------------------------------------------------


def _proc_start(pid: int) -> int | None:
    """The process's start time in clock ticks after boot (Linux /proc), None where that cannot be read; a
    zombie (killed, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _this_process() -> dict[str, Any]:
    pid = os.getpid()
    return {"host": socket.gethostname()[:255], "pid": pid, "proc_start": _proc_start(pid)}


def _alive(pid: int, started: int | None) -> bool:
    """Whether the process that recorded (pid, start time) on this host still runs."""
    if Path("/proc/self/stat").exists():
        return started is not None and _proc_start(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _gone(row: Any, now: int) -> bool:
    seen: int = row.heartbeat_at or row.started_at
    if row.host == socket.gethostname()[:255] and row.pid is not None:
        return not _alive(row.pid, row.proc_start)
    return now - seen > STALE_AFTER


class _Heartbeat:
    """A daemon thread renewing one run's heartbeat every HEARTBEAT_SECONDS until stopped, until the run is no
    longer running, or until its Store is gone (it holds the store weakly, so a store dropped without finishing
    its runs leaves no thread behind). A failed renewal (the store busy) is skipped: the next one tries again,
    and recovery allows a generous delay."""

    def __init__(self, store: Store, run_id: int) -> None:
        self._store = weakref.ref(store)
        self._run_id = run_id
        self._stop = threading.Event()
        name = f"devmaturity-heartbeat-{id(store):x}-{run_id}"
        self._thread = threading.Thread(target=self._beat, name=name, daemon=True)

    @staticmethod
    def start(store: Store, run_id: int) -> _Heartbeat:
        beat = _Heartbeat(store, run_id)
        beat._thread.start()
        return beat

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            store = self._store()
            if store is None:
                return
            try:
                if not store.heartbeat(self._run_id):
                    return
            except Exception:  # noqa: S112 - a missed beat is harmless; the thread must never die loudly
                continue
            finally:
                del store

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(HEARTBEAT_SECONDS + 65)
