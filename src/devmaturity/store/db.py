"""Opens the store (SQLite file or PostgreSQL), creates a new one at the latest schema or checks an existing one is
there (only `devmaturity db upgrade` migrates: Store.upgrade), and reads/writes it."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import socket
import threading
import time
import weakref

try:
    import fcntl
except ImportError:  # Windows: no flock; concurrent first runs there are not serialised
    fcntl = None  # type: ignore[assignment]
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from devmaturity.errors import (
    ProjectIdentityError,
    ReportAlreadyStored,
    SchemaOutdatedError,
    StoreError,
    StoreUnavailableError,
    UsageError,
)
from devmaturity.model.evidence import (
    CaseOutcome,
    Commit,
    CoverageReport,
    CoverageSnapshot,
    FileCoverage,
    FindingCategory,
    Problem,
    Ref,
    RefKind,
    ReportKind,
    ReportMeta,
    ReportWarning,
    Scan,
    ScanRun,
    ScanStatus,
    SecurityFinding,
    Severity,
    TestCaseResult,
    TestKind,
    TestOutcome,
    TestRun,
    TestSuiteResult,
    merge_attempts,
)
from devmaturity.model.facts import Fact
from devmaturity.model.quality import LabelSummary, PerformanceRun, PerformanceSummary
from devmaturity.store import tables as t
from devmaturity.store.repos import projects as project_repo
from devmaturity.store.repos.tenancy import all_org_ids, scoped

if TYPE_CHECKING:
    from devmaturity.store.uow import UnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x64657661  # the PostgreSQL advisory lock key concurrent first runs wait on ("deva")
BATCH = 5000
PROJECT_LOCK = 0x6A6F6273  # first key of the (key, project id) advisory lock serialising a project's jobs ("jobs")
CLAIMABLE = ("queued", "running", "interrupted")  # what a job may (re)start; ok and failed are done
SQLITE_BUSY_MS = 60_000
LEGACY_SCAN = "stored before scan statuses were recorded"


_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):[^@\s]*@")
HEARTBEAT_SECONDS = 5.0  # how often a running run says its process is alive
STALE_AFTER = 15 * 60  # a run of another host unseen this long (seconds) is taken as crashed


@dataclass(frozen=True, slots=True, kw_only=True)
class Pool:
    """How many connections a process keeps open to its database, and how many more it may open at a peak (the
    process settings db_pool_size and db_max_overflow; these defaults are theirs). A connection is kept for each of
    Starlette's 40 worker threads (an overflow connection is opened and closed per request: measured as a tenth of
    a cached page's time), a few more for a thread that holds two."""

    size: int = 40
    overflow: int = 10


DEFAULT_POOL = Pool()


def _safe_url(url: str) -> str:
    """The URL with its password masked, even when SQLAlchemy cannot parse it (a port that is not a number)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _mask_password(url) if "://" in url else "<unparseable URL>"


def _mask_password(text: str) -> str:
    return _URL_PASSWORD.sub(r"\1:***@", text)


def describe_store(url: str, lang: str = "en") -> str:
    """Where the store is, for every command's output: a SQLite file's absolute path (saying when it is the
    default), or the server URL with its password masked."""
    if url.startswith("sqlite"):
        try:
            database = make_url(url).database or ":memory:"
        except ArgumentError:
            return _safe_url(url)
        where = database if database == ":memory:" else str(Path(database).resolve())
        default = ("（默认）" if lang == "zh" else " (default)") if url == "sqlite:///devmaturity.db" else ""
        return f"SQLite {where}{default}"
    return _safe_url(url)


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_OFFSET_MINUTES: dict[object, int] = {}


def _tz_minutes(moment: datetime) -> int:
    """The UTC offset of `moment` in minutes; a fixed-offset zone's (what git dates carry) is looked up once."""
    zone = moment.tzinfo
    minutes = _OFFSET_MINUTES.get(zone)
    if minutes is None:
        offset = moment.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        if isinstance(zone, timezone):  # the same offset at every moment, unlike a zone with daylight saving
            _OFFSET_MINUTES[zone] = minutes
    return minutes


def _aware(stamp: int, minutes: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC if minutes == 0 else timezone(timedelta(minutes=minutes)))


class Store:
    """The database behind devmaturity. Every write method runs in one transaction: its own, or, on the store a
    unit of work hands out (`with store.unit_of_work() as uow: uow.store...`), the unit's one transaction."""

    def __init__(self, engine: Engine, *, bound: Connection | None = None, root: Store | None = None) -> None:
        self.engine = engine
        self._bound = bound  # the unit of work's connection: every read and write of this store runs on it
        self._root = root if root is not None else self  # the store that owns the heartbeat threads
        self._heartbeats: dict[int, _Heartbeat] = root._heartbeats if root is not None else {}
        self._after_end: list[Callable[[], None]] = []  # a unit's store: what to do once it committed or rolled back

    @property
    def in_unit_of_work(self) -> bool:
        return self._bound is not None

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """One transaction for one use case: the store it hands out reads and writes on that transaction, which
        commits when the block ends and rolls back, writing nothing, when it raises (store/uow.py)."""
        from devmaturity.store.uow import open_unit

        return open_unit(self)

    @staticmethod
    def open(url: str, pool: Pool = DEFAULT_POOL) -> Store:
        """The store at `url`, ready to use: a new (empty) database is created at the newest schema; an existing
        one must already be there (SchemaOutdatedError otherwise: only `devmaturity db upgrade` migrates)."""
        store = Store.connect(url, pool)
        try:
            store.prepare()
            store.recover_runs()
        except BaseException:
            store.engine.dispose()  # a refused store leaves no connection behind
            raise
        return store

    @staticmethod
    def connect(url: str, pool: Pool = DEFAULT_POOL) -> Store:
        """The store at `url` without looking at its schema: for `db current` and `db upgrade`."""
        try:
            # SQLite: a writer waits up to 60 s for another (a refresh of derived data can take that long)
            extra: dict[str, Any] = (
                {"connect_args": {"timeout": SQLITE_BUSY_MS / 1000}} if url.startswith("sqlite") else {}
            )
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                # connections for every worker thread of the web process (Starlette runs handlers on a 40-thread
                # pool): a request waits for a thread, not for a connection it could time out on
                extra |= {"pool_size": pool.size, "max_overflow": pool.overflow}
            engine = create_engine(url, future=True, **extra)
        except (ArgumentError, ImportError, ValueError) as exc:
            detail = _mask_password(_first_line(exc))
            raise UsageError(
                f"database_url {_safe_url(url)!s} cannot be used: {detail}",
                zh=f"database_url {_safe_url(url)!s} 无法使用（详情请用 --lang en 查看）",
            ) from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_sqlite_connect)
        return Store(engine)

    def prepare(self) -> None:
        """Create a new store from the declared tables, stamped with the newest revision; check an existing one is
        at that revision. Never upgrades: two processes opening one database must not both migrate it."""
        with self._schema_step() as conn:
            if _empty(conn):
                self._create(conn)
            else:
                _check_schema(conn, _safe_url(str(self.engine.url)))

    def upgrade(self) -> SchemaState:
        """Create (a new store) or upgrade the schema to the newest migration; idempotent. What
        `devmaturity db upgrade` runs; the state says where it started and where it is now."""
        from alembic import command

        with self._schema_step() as conn:
            before = current_revision(conn)
            head, known = _revisions()
            if before is not None and before not in known:
                raise _unknown_revision(_safe_url(str(self.engine.url)), before, head)
            if _empty(conn):
                self._create(conn)
            else:
                cfg = _alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            return SchemaState(before=before, current=current_revision(conn), head=head)

    def migrate(self) -> None:
        """Upgrade to the newest migration (the same as `upgrade`), for callers written before `db upgrade`."""
        self.upgrade()

    def schema(self) -> SchemaState:
        """The store's revision and the one this devmaturity needs, without changing anything."""
        try:
            with self.engine.connect() as conn:
                current = current_revision(conn)
        except SQLAlchemyError as exc:
            raise self._cannot_open(exc) from None
        head, known = _revisions()
        return SchemaState(before=current, current=current, head=head, known=current is None or current in known)

    def _create(self, conn: Connection) -> None:
        """A new store: the tables as declared (tests hold them equal to the migrations' schema), stamped."""
        t.metadata.create_all(conn)
        _stamp_head(conn)

    @contextmanager
    def _schema_step(self) -> Iterator[Connection]:
        """One transaction for creating, checking or upgrading the schema, taken in turns with other processes."""
        try:
            with self._migration_lock(), self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # DDL is transactional there: wait for a concurrent creator
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                yield conn
        except SQLAlchemyError as exc:
            raise self._cannot_open(exc) from None

    def _cannot_open(self, exc: SQLAlchemyError) -> StoreError:
        where = _safe_url(str(self.engine.url))
        return StoreError(
            f"cannot open the store at {where}: {_mask_password(_first_line(exc))}",
            zh=f"无法打开存储 {where}（详情请用 --lang en 查看）",
        )

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """SQLite runs each CREATE TABLE in its own implicit transaction, so two first runs on a new file would
        both create tables: they take turns on an exclusive lock of `<file>.lock` (where the OS has flock)."""
        database = self.engine.url.database or ""
        if self.engine.dialect.name != "sqlite" or database in ("", ":memory:") or fcntl is None:
            yield
            return
        try:
            handle = Path(database + ".lock").open("a")  # noqa: SIM115 - held for the whole migration
        except OSError:
            yield  # the folder is missing or read-only: opening the database will say so
            return
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def end_unit(self) -> None:
        """The unit of work this store was bound to has committed or rolled back: finish what waited for that."""
        while self._after_end:
            self._after_end.pop(0)()

    def _outside_unit(self, what: str) -> None:
        if self._bound is not None:
            raise StoreError(f"{what} commits at once and cannot be part of a unit of work")

    @functools.cached_property
    def _reader(self) -> Engine:
        """The engine for reads: on PostgreSQL in autocommit, so a read is one round trip instead of three (BEGIN,
        the query, ROLLBACK); under READ COMMITTED a transaction gave its statements no common snapshot anyway.
        The same pool: a connection's isolation level is put back when it returns."""
        if self.engine.dialect.name == "postgresql":
            return self.engine.execution_options(isolation_level="AUTOCOMMIT")
        return self.engine

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection to read on: the unit of work's (it sees what the use case wrote so far), else a new one."""
        if self._bound is not None:
            yield self._bound
            return
        with self._reader.connect() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        if self._bound is not None:  # part of the unit of work: it commits or rolls back once, at its end
            yield self._bound
            return
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise write_failed(exc) from None

    def insert_statement(self, table: Any) -> Any:
        """The dialect's INSERT, which knows ON CONFLICT on both SQLite and PostgreSQL. Each dialect is imported
        when used: the PostgreSQL one (with asyncio) costs a SQLite run 30 ms."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    # --- projects and runs ---

    def project(self, name: str, root: str, identity: str | None = None) -> int:
        """The project's id, created if new. With an `identity` (where a repository's history comes from), a
        project already bound to another repository is refused, so two histories never mix under one name.
        `name` is the store-wide key: a new one becomes a project of the `local` organisation (created on first
        use); a service project is found by its key <org>/<slug> (store/repos/projects.py)."""
        with self.transaction() as conn:
            now = int(time.time())
            local, _created = project_repo.local_org(conn, now=now)
            stmt = self.insert_statement(t.projects).values(
                name=name, root=root, identity=identity, created_at=now, org_id=local.id, slug=name
            )
            conn.execute(stmt.on_conflict_do_nothing())
            p = t.projects.c
            scope = scoped(t.projects, all_org_ids(conn))  # the local owner sees every organisation
            row = conn.execute(select(p.id, p.identity).where(scope, p.name == name)).one()
            if identity is not None and row.identity is None:
                conn.execute(update(t.projects).where(scope, p.id == row.id).values(identity=identity))
            elif identity is not None and row.identity != identity:
                raise ProjectIdentityError(
                    f"project {name!r} holds the history of {row.identity}, but {root} is {identity}; "
                    "give this repository its own name with --project",
                    path=root,
                    zh=f"项目 {name!r} 保存的是 {row.identity} 的历史，而 {root} 是 {identity}；"
                    "请用 --project 为本版本库另起项目名",
                )
            return int(row.id)

    def find_project(self, name: str) -> int | None:
        """The id of the project `name` (the store-wide key, as `project` takes it), or None; creates nothing."""
        p = t.projects.c
        with self.reading() as conn:
            scope = scoped(t.projects, all_org_ids(conn))  # the local owner sees every organisation
            found = conn.execute(select(p.id).where(scope, p.name == name)).scalar_one_or_none()
        return None if found is None else int(found)

    def start_run(self, project_id: int, kind: str, inputs: dict[str, Any]) -> int:
        """A run row marked running, with this process (host, pid, start time) and a first heartbeat; a
        background thread renews the heartbeat until finish_run, so a crash can be told from a slow run. Not in a
        unit of work: a run is seen running (progress, recovery) from its start, so its row commits at once."""
        self._outside_unit("start_run")
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
        self._heartbeats[run_id] = _Heartbeat.start(self._root, run_id)
        return run_id

    def heartbeat(self, run_id: int) -> bool:
        """Say the run's process is alive now; False when the run is no longer running (nothing to renew)."""
        c = t.runs.c
        with self.transaction() as conn:
            result = conn.execute(
                t.runs.update().where(c.id == run_id, c.status == "running").values(heartbeat_at=int(time.time()))
            )
            return bool(result.rowcount)

    def finish_run(
        self,
        run_id: int,
        status: str,
        summary: dict[str, Any],
        problems: Sequence[Problem],
        *,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        """Close a run; `redact` (the caller's credential masker) runs over the summary and problems first."""
        mask = redact or (lambda text: text)
        self._stop_heartbeat(run_id)
        with self.transaction() as conn:
            conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=int(time.time()),
                    summary=json.dumps(_masked(summary, mask), sort_keys=True),
                    problems=json.dumps([_masked({"source": p.source, "message": p.message}, mask) for p in problems]),
                )
            )

    def recover_runs(self, now: int | None = None) -> list[int]:
        """Mark as interrupted each running run whose process is gone: on this host, a pid that is not alive or
        whose start time differs (the pid was reused); on another host, a heartbeat older than STALE_AFTER.
        Its finished_at becomes the time it was last seen. Returns the ids marked."""
        moment = int(time.time()) if now is None else now
        c = t.runs.c
        query = select(c.id, c.host, c.pid, c.proc_start, c.started_at, c.heartbeat_at).where(c.status == "running")
        with self.reading() as conn:
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
        with self.reading() as conn:
            query = query.where(scoped(t.projects, all_org_ids(conn)))  # the CLI is the local owner: every organisation
            return [dict(r._mapping) for r in conn.execute(query.order_by(c.id.desc()).limit(limit))]

    # --- runs as jobs: queued by a caller, claimed and run by a worker (or inline) ---

    def queue_run(self, project_id: int, kind: str, inputs: dict[str, Any]) -> int:
        """A run waiting for a worker; the job that runs it gets only its id."""
        with self.transaction() as conn:
            result = conn.execute(
                t.runs.insert().values(
                    project_id=project_id,
                    kind=kind,
                    status="queued",
                    started_at=int(time.time()),
                    inputs=json.dumps(inputs, sort_keys=True),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def run(self, run_id: int) -> dict[str, Any] | None:
        with self.reading() as conn:
            row = conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
            return dict(row._mapping) if row is not None else None

    def claim_run(self, run_id: int) -> bool:
        """Mark the run as running, unless it is finished: False when no row changed (done, or unknown). Call it
        under project_lock: a run still `running` there lost its worker (killed), so it is taken over."""
        self._outside_unit("claim_run")
        now = int(time.time())
        with self.transaction() as conn:
            result = conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run_id, t.runs.c.status.in_(CLAIMABLE))
                .values(
                    status="running",
                    attempts=t.runs.c.attempts + 1,
                    stage=None,
                    done=None,
                    finished_at=None,
                    heartbeat_at=now,
                    **_this_process(),
                )
            )
            if result.rowcount != 1:
                return False
        self._heartbeats[run_id] = _Heartbeat.start(self._root, run_id)
        return True

    def _stop_heartbeat(self, run_id: int) -> None:
        beat = self._heartbeats.pop(run_id, None)
        if beat is None:
            return
        if self._bound is None:
            beat.stop()
            return
        # in a unit of work the thread may be waiting on the lock this unit holds (the run's row; SQLite's one
        # writer): tell it to stop now, wait for it once the unit has ended
        beat.signal()
        self._after_end.append(beat.join)

    def requeue_run(self, run_id: int, error: str) -> None:
        """Back to `queued` after a transient failure, so the retried job can claim it again."""
        self._stop_heartbeat(run_id)
        with self.transaction() as conn:
            conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run_id)
                .values(status="queued", finished_at=None, summary=json.dumps({"retrying_after": error}))
            )

    def set_progress(self, run_id: int, stage: str, done: int) -> None:
        """Best effort: on SQLite a long write elsewhere holds the one write lock, and progress must not wait for
        it (that writer may be this very run), so a busy database skips the update."""
        with self.reading() as conn:
            sqlite_db = conn.dialect.name == "sqlite"
            if sqlite_db:
                conn.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(stage=stage, done=done))
                conn.commit()
            except OperationalError:
                conn.rollback()
            finally:
                if sqlite_db:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")

    @contextmanager
    def project_lock(self, project_id: int) -> Iterator[None]:
        """Serialise one project's jobs across processes: a PostgreSQL session advisory lock, or on SQLite an
        exclusive flock of `<file>.project-<id>.lock`. Both are released by the OS or server when the holder
        dies, so a killed worker never leaves a project locked."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(select(func.pg_advisory_lock(PROJECT_LOCK, project_id)))
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(select(func.pg_advisory_unlock(PROJECT_LOCK, project_id)))
                    conn.commit()
            return
        database = self.engine.url.database or ""
        if database in ("", ":memory:") or fcntl is None:
            yield
            return
        with Path(f"{database}.project-{int(project_id)}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def runs(self, project_id: int) -> list[dict[str, Any]]:
        with self.reading() as conn:
            rows = conn.execute(select(t.runs).where(t.runs.c.project_id == project_id).order_by(t.runs.c.id))
            return [dict(r._mapping) for r in rows]

    # --- git evidence ---

    def known_tips(self, project_id: int) -> list[str]:
        """Ref targets stored by the last collection: everything reachable from them is stored already."""
        with self.reading() as conn:
            rows = conn.execute(select(t.refs.c.target).where(t.refs.c.project_id == project_id).distinct())
            return [r[0] for r in rows]

    def save_git(self, project_id: int, run_id: int, commits: Iterable[Commit], refs: Sequence[Ref]) -> int:
        """Store new commits and the current refs in one transaction; returns how many commits were new."""
        with self.transaction() as conn:
            before = _count(conn, t.commits, t.commits.c.project_id == project_id)
            # plain tuples straight to the driver's executemany: SQLAlchemy's per-row parameter processing cost
            # more than SQLite's own work (0.3 s of the 19k commits of pytest)
            rows = (_commit_row(project_id, run_id, commit) for commit in commits)
            if conn.dialect.name == "postgresql":
                _copy_commits(conn, rows)
            else:
                insert = _INSERT_COMMIT["?" if conn.dialect.paramstyle == "qmark" else "%s"]
                batch: list[tuple[Any, ...]] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= BATCH:
                        conn.exec_driver_sql(insert, batch)
                        batch = []
                if batch:
                    conn.exec_driver_sql(insert, batch)
            conn.execute(t.refs.delete().where(t.refs.c.project_id == project_id))
            if refs:
                conn.execute(t.refs.insert(), [_ref_row(project_id, run_id, r) for r in refs])
            return _count(conn, t.commits, t.commits.c.project_id == project_id) - before

    def count_commits(self, project_id: int) -> int:
        with self.reading() as conn:
            return _count(conn, t.commits, t.commits.c.project_id == project_id)

    def load_commits(self, project_id: int, since: datetime) -> list[Commit]:
        """Commits that landed or were authored since `since` (the metrics' history horizon)."""
        stamp = int(since.timestamp())
        c = t.commits.c
        query = select(t.commits).where(
            c.project_id == project_id, (c.committer_time >= stamp) | (c.author_time >= stamp)
        )
        with self.reading() as conn:
            return [_commit_of(row._mapping) for row in conn.execute(query)]

    def load_refs(self, project_id: int) -> list[Ref]:
        with self.reading() as conn:
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

    def latest_facts(self, project_id: int, fact_ids: Sequence[str], until: datetime) -> list[Fact]:
        """The newest stored value of each of `fact_ids` written by a run started before `until` (facts a source
        sync establishes, such as branch protection, read by later assessments)."""
        f, r = t.facts.c, t.runs.c
        query = (
            select(f.fact_id, f.value, f.detail, f.evidence)
            .join(t.runs, t.runs.c.id == f.run_id)
            .where(f.project_id == project_id, f.fact_id.in_(list(fact_ids)), r.started_at < int(until.timestamp()))
            .order_by(f.run_id.desc())
        )
        out: dict[str, Fact] = {}
        with self.reading() as conn:
            for row in conn.execute(query):
                if row.fact_id not in out:
                    value = None if row.value is None else bool(row.value)
                    evidence = tuple(json.loads(row.evidence))
                    out[row.fact_id] = Fact(id=row.fact_id, value=value, detail=row.detail, evidence=evidence)
        return list(out.values())

    def count_facts(self, project_id: int) -> int:
        with self.reading() as conn:
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
            # a job rerun after its worker died between this write and the end of the run replaces, not duplicates
            replaced = select(t.assessments.c.id).where(t.assessments.c.run_id == run_id).scalar_subquery()
            conn.execute(t.assessment_summaries.delete().where(t.assessment_summaries.c.assessment_id.in_(replaced)))
            conn.execute(t.assessments.delete().where(t.assessments.c.run_id == run_id))
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
        with self.reading() as conn:
            query = (
                select(t.assessments.c.id, t.assessments.c.framework, t.assessments.c.levels)
                .where(t.assessments.c.project_id == project_id)
                .order_by(t.assessments.c.id)
            )
            return [{"id": r.id, "framework": r.framework, "levels": json.loads(r.levels)} for r in conn.execute(query)]

    # --- report evidence (tests, coverage, security) ---

    def has_report(self, project_id: int, kind: ReportKind, digest: str) -> bool:
        r = t.reports.c
        with self.reading() as conn:
            query = select(r.id).where(r.project_id == project_id, r.kind == kind.value, r.digest == digest)
            return conn.execute(query).first() is not None

    def _report_row(self, conn: Connection, project_id: int, run_id: int, meta: ReportMeta) -> int:
        """The new report's id; ReportAlreadyStored (rolling the transaction back) when a concurrent ingest of
        the same file committed it first: the unique key decides, the earlier `has_report` check cannot."""
        insert = (
            self.insert_statement(t.reports)
            .values(
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
            .on_conflict_do_nothing(index_elements=["project_id", "kind", "digest"])
            .returning(t.reports.c.id)
        )
        key = conn.execute(insert).scalar_one_or_none()
        if key is None:
            raise ReportAlreadyStored(f"{meta.path}: already ingested (sha256 {meta.digest[:12]}) by another run")
        return int(key)

    def _finish_report(self, conn: Connection, report_id: int, summary: dict[str, Any]) -> None:
        conn.execute(
            t.reports.update().where(t.reports.c.id == report_id).values(summary=json.dumps(summary, sort_keys=True))
        )

    def save_junit(
        self,
        project_id: int,
        run_id: int,
        meta: ReportMeta,
        items: Iterable[TestCaseResult | TestSuiteResult | ReportWarning],
    ) -> dict[str, Any]:
        """Stream one test report into the store in one transaction; an error mid-file leaves nothing.

        Every case element is stored as read; the summary counts tests with their retries merged (merge_attempts)
        and keeps the reader's warnings."""
        with self.transaction() as conn:
            report_id = self._report_row(conn, project_id, run_id, meta)
            cases: list[dict[str, Any]] = []
            suites: list[dict[str, Any]] = []
            warnings: list[str] = []
            merged = _MergedTotals()
            ordinal = 0
            for item in items:
                if isinstance(item, TestSuiteResult):
                    suites.append(_suite_row(report_id, len(suites), item))
                    continue
                if isinstance(item, ReportWarning):
                    warnings.append(item.message)
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
                merged.add(item.key[:2000], item.outcome, item.flaky)
                if len(cases) >= BATCH:
                    conn.execute(t.test_cases.insert(), cases)
                    cases = []
            if cases:
                conn.execute(t.test_cases.insert(), cases)
            if suites:
                conn.execute(t.test_suites.insert(), suites)
            totals: dict[str, Any] = {**merged.totals(), "attempts": ordinal, "suites": len(suites)}
            if warnings:
                totals["warnings"] = warnings
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
        self,
        project_id: int,
        run_id: int,
        meta: ReportMeta,
        found: Sequence[SecurityFinding],
        *,
        runs: Sequence[ScanRun],
    ) -> dict[str, Any]:
        """One SARIF report with how each tool's run ended; severity counts are of unsuppressed security findings."""
        summary: dict[str, Any] = {s.name.lower(): 0 for s in Severity}
        summary["suppressed"] = 0
        summary["quality"] = 0
        with self.transaction() as conn:
            report_id = self._report_row(conn, project_id, run_id, meta)
            statuses = [{"tool": r.tool, "status": r.status.value, "reason": r.reason} for r in runs]
            conn.execute(t.reports.update().where(t.reports.c.id == report_id).values(scan_status=json.dumps(statuses)))
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
                        "category": f.category.value,
                    }
                )
                summary[_summary_key(f)] += 1
            for start in range(0, len(rows), BATCH):
                conn.execute(t.findings.insert(), rows[start : start + BATCH])
            summary["tools"] = sorted({f.tool for f in found})
            summary["runs"] = {s.value: sum(r.status is s for r in runs) for s in ScanStatus}
            self._finish_report(conn, report_id, summary)
        return summary

    def save_performance(
        self, project_id: int, run_id: int, meta: ReportMeta, run: PerformanceSummary
    ) -> dict[str, Any]:
        """One performance test report (JMeter JTL) and its totals, in one transaction."""
        summary: dict[str, Any] = {
            "samples": run.samples,
            "errors": run.errors,
            "error_rate": round(run.error_rate, 6),
            "throughput": None if run.throughput is None else round(run.throughput, 3),
            "p95_ms": run.p95_ms,
            "labels": len(run.labels) + run.other_labels,
        }
        labels = [
            {"label": x.label[:400], "samples": x.samples, "errors": x.errors, "p95_ms": x.p95_ms} for x in run.labels
        ]
        with self.transaction() as conn:
            report_id = self._report_row(conn, project_id, run_id, meta)
            conn.execute(
                t.performance_runs.insert().values(
                    report_id=report_id,
                    samples=run.samples,
                    errors=run.errors,
                    started_at=round(run.started_at.timestamp() * 1000),
                    ended_at=round(run.ended_at.timestamp() * 1000),
                    p50_ms=run.p50_ms,
                    p90_ms=run.p90_ms,
                    p95_ms=run.p95_ms,
                    p99_ms=run.p99_ms,
                    max_ms=run.max_ms,
                    mean_ms=run.mean_ms,
                    labels=json.dumps(labels),
                    other_labels=run.other_labels,
                )
            )
            self._finish_report(conn, report_id, summary)
        return summary

    def load_performance(self, project_id: int, since: datetime) -> list[PerformanceRun]:
        """Performance test runs observed from `since` on, oldest first."""
        with self.reading() as conn:
            out = []
            for rep in self._reports(conn, project_id, ReportKind.PERFORMANCE, since):
                p = conn.execute(select(t.performance_runs).where(t.performance_runs.c.report_id == rep.id)).one()
                summary = PerformanceSummary(
                    format=rep.format,
                    samples=p.samples,
                    errors=p.errors,
                    started_at=datetime.fromtimestamp(p.started_at / 1000, UTC),
                    ended_at=datetime.fromtimestamp(p.ended_at / 1000, UTC),
                    p50_ms=p.p50_ms,
                    p90_ms=p.p90_ms,
                    p95_ms=p.p95_ms,
                    p99_ms=p.p99_ms,
                    max_ms=p.max_ms,
                    mean_ms=p.mean_ms,
                    labels=tuple(LabelSummary(**x) for x in json.loads(p.labels)),
                    other_labels=p.other_labels,
                )
                out.append(
                    PerformanceRun(
                        report=rep.id, observed_at=_aware(rep.observed_at, 0), commit=rep.commit_sha, summary=summary
                    )
                )
            return out

    def _reports(self, conn: Connection, project_id: int, kind: ReportKind, since: datetime) -> list[Any]:
        r = t.reports.c
        query = (
            select(t.reports)
            .where(r.project_id == project_id, r.kind == kind.value, r.observed_at >= int(since.timestamp()))
            .order_by(r.observed_at, r.id)
        )
        return list(conn.execute(query))

    def load_test_runs(self, project_id: int, since: datetime) -> list[TestRun]:
        """Test runs in time order: the JUnit reports one ingest run stored for one commit form one run (a build's
        per-class files), its cases in report order with retried cases merged (merge_attempts)."""
        c = t.test_cases.c
        with self.reading() as conn:
            groups: dict[tuple[int, str | None], list[Any]] = {}
            for rep in self._reports(conn, project_id, ReportKind.JUNIT, since):
                groups.setdefault((rep.run_id, rep.commit_sha), []).append(rep)
            out = []
            for reports in groups.values():
                ids = [rep.id for rep in reports]
                rows = conn.execute(
                    select(c.case_key, c.kind, c.outcome, c.flaky)
                    .where(c.report_id.in_(ids))
                    .order_by(c.report_id, c.ordinal)
                )
                cases = merge_attempts(
                    CaseOutcome(key=k, kind=TestKind(kd), outcome=TestOutcome(o), flaky=bool(fl))
                    for k, kd, o, fl in rows
                )
                out.append(
                    TestRun(
                        report=ids[0],
                        reports=tuple(ids),
                        paths=tuple(rep.path for rep in reports),
                        observed_at=_aware(max(rep.observed_at for rep in reports), 0),
                        commit=reports[0].commit_sha,
                        cases=cases,
                    )
                )
            out.sort(key=lambda run: (run.observed_at, run.report))
            return out

    def load_coverage(self, project_id: int, since: datetime) -> list[CoverageReport]:
        with self.reading() as conn:
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
                        report=rep.id,
                        observed_at=_aware(rep.observed_at, 0),
                        commit=rep.commit_sha,
                        snapshot=snap,
                        path=rep.path,
                    )
                )
            return out

    def load_scans(self, project_id: int, since: datetime) -> list[Scan]:
        with self.reading() as conn:
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
                        category=FindingCategory(f.category),
                    )
                    for f in rows
                )
                out.append(
                    Scan(
                        report=rep.id,
                        observed_at=_aware(rep.observed_at, 0),
                        commit=rep.commit_sha,
                        findings=found,
                        runs=_scan_runs(rep.scan_status, found),
                    )
                )
            return out

    def evidence_span(self, project_id: int) -> dict[str, tuple[datetime, datetime] | None]:
        """The times of the oldest and newest record of each evidence kind (commits, reports by kind, delivery
        events), so an assessment can say which kinds its window holds nothing of, and since when."""
        columns = {
            "commits": (t.commits, t.commits.c.committer_time),
            "pipeline_runs": (t.pipeline_runs, t.pipeline_runs.c.created_at),
            "deployments": (t.deployments, t.deployments.c.created_at),
            "incidents": (t.incidents, t.incidents.c.started_at),
            "workitems": (t.work_items, t.work_items.c.created_at),
            "quality_analyses": (t.quality_analyses, t.quality_analyses.c.analysed_at),
            "drills": (t.drills, t.drills.c.started_at),
        }
        out: dict[str, tuple[datetime, datetime] | None] = {}
        with self.reading() as conn:
            for kind, (table, column) in columns.items():
                span = conn.execute(
                    select(func.min(column), func.max(column)).where(table.c.project_id == project_id)
                ).one()
                out[kind] = _span(span)
            for report_kind in ReportKind:
                column = t.reports.c.observed_at
                span = conn.execute(
                    select(func.min(column), func.max(column)).where(
                        t.reports.c.project_id == project_id, t.reports.c.kind == report_kind.value
                    )
                ).one()
                out[report_kind.value] = _span(span)
        return out

    def count_rows(self, table: str, project_id: int) -> int:
        """Rows of one evidence table belonging to the project (for tests and summaries)."""
        target = t.metadata.tables[table]
        with self.reading() as conn:
            if "project_id" in target.c:
                return _count(conn, target, target.c.project_id == project_id)
            query = select(func.count()).select_from(target.join(t.reports)).where(t.reports.c.project_id == project_id)
            return int(conn.execute(query).scalar_one())


def _summary_key(f: SecurityFinding) -> str:
    if f.suppressed:
        return "suppressed"
    return f.severity.name.lower() if f.category is FindingCategory.SECURITY else "quality"


def _scan_runs(stored: str | None, found: Sequence[SecurityFinding]) -> tuple[ScanRun, ...]:
    """The stored run statuses; a report saved before they were recorded (NULL) reads as before: one OK run per
    tool with findings, or one OK run of no named tool when it had none."""
    if stored is None:
        tools = sorted({f.tool for f in found}) or [""]
        return tuple(ScanRun(tool=tool, status=ScanStatus.OK, reason=LEGACY_SCAN) for tool in tools)
    return tuple(
        ScanRun(tool=r["tool"], status=ScanStatus(r["status"]), reason=r.get("reason", "")) for r in json.loads(stored)
    )


class _MergedTotals:
    """Outcome counts of a report's tests with retried cases merged; keeps one small entry per distinct case."""

    def __init__(self) -> None:
        self.first: dict[str, CaseOutcome] = {}
        self.retried: dict[str, list[CaseOutcome]] = {}

    def add(self, key: str, outcome: TestOutcome, flaky: bool) -> None:
        case = CaseOutcome(key=key, kind=TestKind.UNIT, outcome=outcome, flaky=flaky)
        seen = self.first.setdefault(key, case)
        if seen is not case:
            self.retried.setdefault(key, [seen]).append(case)

    def totals(self) -> dict[str, int]:
        out = dict.fromkeys(("tests", "passed", "failed", "error", "skipped", "flaky"), 0)
        for key, case in self.first.items():
            group = self.retried.get(key)
            final = merge_attempts(group)[0] if group else case
            out["tests"] += 1
            out[final.outcome.value] += 1
            out["flaky"] += int(final.flaky)
        out["retried"] = len(self.retried)
        return out


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


def _stamp_head(conn: Connection) -> None:
    """What `alembic stamp head` writes on a new store, without importing Alembic and loading every migration
    script (a tenth of a second of each first run): its version table, holding the newest revision."""
    t.alembic_version.create(conn)
    conn.execute(t.alembic_version.insert().values(version_num=t.SCHEMA_REVISION))


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaState:
    """A store's schema revision before and after a step, and the newest revision this devmaturity has."""

    before: str | None
    current: str | None
    head: str
    known: bool = True  # False: a revision this devmaturity lacks (a newer version wrote the store)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def write_failed(exc: SQLAlchemyError) -> StoreError:
    """A failed write as our error: transient (a job retries it) or not."""
    if isinstance(exc, OperationalError):
        error = StoreUnavailableError if _transient(exc) else StoreError
        return error(f"store write failed: {_first_line(exc)}")
    return StoreError(f"store write failed: {_first_line(exc)}", zh="写入存储失败（详情请用 --lang en 查看）")


def _alembic_config() -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def _revisions() -> tuple[str, frozenset[str]]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise StoreError("the store migrations are missing from this installation")
    return head, frozenset(r.revision for r in script.walk_revisions())


def current_revision(conn: Connection) -> str | None:
    """The revision in Alembic's version table (None: no table or no row), read without importing Alembic."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table(t.alembic_version.name):
        return None
    rows = conn.execute(select(t.alembic_version.c.version_num)).scalars().all()
    if len(rows) > 1:  # branches: this project's migrations are one line, so this is not ours
        return ",".join(sorted(rows))
    return rows[0] if rows else None


def _unknown_revision(where: str, current: str, head: str) -> StoreError:
    return StoreError(
        f"the store at {where} has schema revision {current}, which this devmaturity does not know "
        f"(a newer version wrote it; this one needs {head}): upgrade devmaturity",
        zh=f"存储 {where} 的表结构版本 {current} 不为当前 devmaturity 所知（由更新的版本写入；本版本需要 {head}）："
        "请升级 devmaturity",
    )


def _check_schema(conn: Connection, where: str) -> None:
    """An existing store must be at the newest revision: older asks for `db upgrade`, unknown for a newer
    devmaturity (a newer version wrote it)."""
    current = current_revision(conn)
    if current == t.SCHEMA_REVISION:  # the usual case, decided without loading the migration scripts
        return
    head, known = _revisions()
    if current == head:
        return
    if current is not None and current not in known:
        raise _unknown_revision(where, current, head)
    shown = current or "none"
    raise SchemaOutdatedError(
        f"the store at {where} is at schema revision {shown}, this devmaturity needs {head}: back it up, then run "
        "`devmaturity db upgrade`",
        zh=f"存储 {where} 的表结构版本为 {shown}，当前 devmaturity 需要 {head}："
        "请先备份，再运行 `devmaturity db upgrade`",
    )


def _empty(conn: Connection) -> bool:
    """No table at all: a store being created, which the declared tables give at once (tests hold the migrations'
    schema equal to them), instead of replaying every migration."""
    from sqlalchemy import inspect

    return not inspect(conn).get_table_names()


def _span(row: Any) -> tuple[datetime, datetime] | None:
    if row[0] is None:
        return None
    return datetime.fromtimestamp(int(row[0]), UTC), datetime.fromtimestamp(int(row[1]), UTC)


def _short(fingerprint: str) -> str:
    """Fingerprints longer than the column are stored as their sha256."""
    if len(fingerprint) <= 200:
        return fingerprint
    return "sha256:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def _count(conn: Connection, table: Any, where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())


def _masked(values: dict[str, Any], mask: Callable[[str], str]) -> dict[str, Any]:
    """The text values masked before they are JSON-encoded (escaping could otherwise hide a secret's form)."""
    return {key: mask(value) if isinstance(value, str) else value for key, value in values.items()}


_TRANSIENT_MESSAGES = ("database is locked", "could not connect", "connection refused", "server closed the connection")


def _transient(exc: OperationalError) -> bool:
    """A lost or refused connection, or a database busy past its timeout: worth a retry. Other operational errors
    (SQLite's "no such table", a full disk) are not."""
    text = str(exc.orig).lower()
    return bool(exc.connection_invalidated) or any(m in text for m in _TRANSIENT_MESSAGES)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return (text.strip().splitlines() or ["unknown error"])[0]


COMMIT_COLUMNS = (
    "project_id",
    "sha",
    "parents",
    "author_name",
    "author_email",
    "author_time",
    "author_tz",
    "committer_name",
    "committer_email",
    "committer_time",
    "committer_tz",
    "subject",
    "files",
    "insertions",
    "deletions",
    "run_id",
)
"""The columns of a commit row, in the order of _commit_row's values."""
_COMMITS_IN = "commits_in"  # a temporary table of the connection, emptied at each commit
_COPY_COMMITS = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_COMMITS_IN} (LIKE commits) ON COMMIT DELETE ROWS",
    f"COPY {_COMMITS_IN} ({', '.join(COMMIT_COLUMNS)}) FROM STDIN",
    f"INSERT INTO commits SELECT * FROM {_COMMITS_IN} ON CONFLICT (project_id, sha) DO NOTHING",  # noqa: S608
    f"TRUNCATE {_COMMITS_IN}",
)


def _copy_commits(conn: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL: the rows by COPY into a temporary table, then one INSERT .. ON CONFLICT DO NOTHING (so a commit
    stored already is skipped, as by the plain insert). Measured on 20,000 commits: the driver's own CPU fell from
    0.33 s to 0.02 s and the server's from 0.40 s to 0.16 s (an executemany binds and runs every row apart)."""
    create, copy, insert, empty = _COPY_COMMITS
    driver_error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(create)
        with cursor.copy(copy) as writer:
            for row in rows:
                writer.write_row(row)
        cursor.execute(insert)
        cursor.execute(empty)  # a second batch in the same transaction starts empty
    except driver_error as exc:  # as SQLAlchemy's own error, so the store says what failed like for any write
        raise DBAPIError.instance(copy, None, exc, driver_error) from None
    finally:
        cursor.close()


_INSERT_COMMIT = {
    mark: f"INSERT INTO commits ({', '.join(COMMIT_COLUMNS)}) VALUES ({', '.join([mark] * len(COMMIT_COLUMNS))}) "  # noqa: S608 - constant names
    "ON CONFLICT (project_id, sha) DO NOTHING"
    for mark in ("?", "%s")
}


def _commit_row(project_id: int, run_id: int, c: Commit) -> tuple[Any, ...]:
    """A commit's values in the order of COMMIT_COLUMNS."""
    author, committer = c.author_time, c.committer_time
    return (
        project_id,
        c.sha,
        " ".join(c.parents),
        c.author_name,
        c.author_email,
        int(author.timestamp()),
        _tz_minutes(author),
        c.committer_name,
        c.committer_email,
        int(committer.timestamp()),
        _tz_minutes(committer),
        c.subject,
        "\n".join(c.files),
        c.insertions,
        c.deletions,
        run_id,
    )


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

    def signal(self) -> None:
        self._stop.set()

    def join(self) -> None:
        self._thread.join(HEARTBEAT_SECONDS + 65)

    def stop(self) -> None:
        self.signal()
        self.join()
