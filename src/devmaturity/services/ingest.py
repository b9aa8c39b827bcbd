"""The ingest use case: find or take report files, read each safely, store each in one transaction, once."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devmaturity.collectors import coverage_merge, events, jtl, junit, registry, sarif, testreports
from devmaturity.collectors.base import ReportError
from devmaturity.config import Config
from devmaturity.errors import DevmaturityError, ReportAlreadyStored, StoreError, UsageError
from devmaturity.model.evidence import Problem, ReportKind, ReportMeta, TestKind
from devmaturity.model.text import Text
from devmaturity.services.delivery import refresh_derived
from devmaturity.services.runs import recorded_run
from devmaturity.store.db import Store
from devmaturity.store.delivery import delivery_writer

EVENT_KINDS = registry.names(registry.Family.EVENT)
KIND_CHOICES = registry.choices()

# default discovery globs per report kind, matched on the path relative to the working tree (collectors/registry.py)
DEFAULT_GLOBS: dict[ReportKind, tuple[str, ...]] = {ReportKind(spec.key): spec.patterns for spec in registry.reports()}
SKIP_DIRS = {
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hg",
    ".svn",
    ".idea",
}
MAX_DISCOVERED = 5000


@dataclass(slots=True, kw_only=True)
class IngestResult:
    ingested: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    derived: Text | None = None  # event files: what refreshing the derived delivery data did (zh, en)
    notes: list[Text] = field(default_factory=list)  # e.g. a file read as GB18030 because it was not UTF-8


# what `--encoding auto` tries after UTF-8: GB18030, the superset of GBK that Excel writes on Chinese Windows
FALLBACK_ENCODING = "gb18030"


def _glob_match(rel: str, pattern: str) -> bool:
    if pattern.startswith("**/"):
        return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern[3:])
    return fnmatch.fnmatchcase(rel, pattern)


def discover(root: Path, config: Config, tracked: set[str]) -> dict[ReportKind, list[Path]]:
    """Report files under the working tree. Files git tracks are fixtures or samples, not build outputs:
    they are skipped unless a glob in devmaturity.toml names them."""
    globs = {k: config.report_globs.get(k.value, DEFAULT_GLOBS[k]) for k in ReportKind}
    found: dict[ReportKind, list[Path]] = {k: [] for k in ReportKind}
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            full = Path(folder) / name
            rel = full.relative_to(root).as_posix()
            for kind in ReportKind:
                if any(_glob_match(rel, g) for g in globs[kind]):
                    if rel in tracked and kind.value not in config.report_globs:
                        break
                    found[kind].append(full)
                    seen += 1
                    break
            if seen >= MAX_DISCOVERED:
                return found
    return found


def digest_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def kind_rules(config: Config) -> tuple[tuple[TestKind, tuple[str, ...]], ...]:
    """Configured test-kind globs first, then the defaults."""
    configured = tuple((TestKind(kind), globs) for kind, globs in config.test_kinds.items())
    return configured + junit.DEFAULT_KIND_RULES


def _observed(path: Path, at: datetime | None) -> datetime:
    if at is not None:
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def ingest_files(
    store: Store,
    project_id: int,
    run_id: int,
    kind: ReportKind,
    paths: Iterable[Path],
    config: Config,
    *,
    commit: str | None = None,
    at: datetime | None = None,
    repo_root: Path | None = None,
    tracked: set[str] | None = None,
) -> IngestResult:
    """Ingest each file in its own transaction; a bad file becomes a problem and the others go on."""
    result = IngestResult()
    for path in paths:
        try:
            _ingest_one(store, project_id, run_id, kind, path, config, commit, at, repo_root, tracked, result)
        except (ReportError, OSError) as exc:
            result.problems.append(_problem(path, exc))
        except StoreError:
            raise
        except DevmaturityError as exc:
            result.problems.append(Problem(source=str(path), message=exc.message))
    return result


def _problem(path: Path, exc: ReportError | OSError) -> Problem:
    """A rejected file as a problem: the reader's own message, or what the operating system refused."""
    message = str(exc) if isinstance(exc, ReportError) else f"cannot read: {exc.strerror or exc}"
    return Problem(source=str(path), message=message)


def _ingest_one(
    store: Store,
    project_id: int,
    run_id: int,
    kind: ReportKind,
    path: Path,
    config: Config,
    commit: str | None,
    at: datetime | None,
    repo_root: Path | None,
    tracked: set[str] | None,
    result: IngestResult,
) -> None:
    if not path.is_file():
        raise ReportError("not a file" if path.exists() else "no such file")
    digest = digest_file(path)
    try:
        # the check and the write in one unit: the file is stored whole, once, or not at all
        with store.unit_of_work() as uow:
            if uow.store.has_report(project_id, kind, digest):
                result.already.append(str(path))
                return
            summary = _save(uow.store, project_id, run_id, kind, path, config, commit, at, repo_root, tracked, digest)
    except ReportAlreadyStored:
        result.already.append(str(path))  # a concurrent ingest of the same file committed it first
        return
    result.ingested.append((str(path), summary))


def _save(
    store: Store,
    project_id: int,
    run_id: int,
    kind: ReportKind,
    path: Path,
    config: Config,
    commit: str | None,
    at: datetime | None,
    repo_root: Path | None,
    tracked: set[str] | None,
    digest: str,
) -> dict[str, Any]:
    when = _observed(path, at)
    if kind is ReportKind.JUNIT:
        fmt, read = testreports.sniff(path)
        meta = ReportMeta(kind=kind, digest=digest, path=str(path), format=fmt, observed_at=when, commit=commit)
        summary = store.save_junit(project_id, run_id, meta, read(path, kind_rules=kind_rules(config)))
    elif kind is ReportKind.COVERAGE:
        snap = coverage_merge.normalise(coverage_merge.read_any(path), repo_root, tracked)
        meta = ReportMeta(kind=kind, digest=digest, path=str(path), format=snap.format, observed_at=when, commit=commit)
        summary = store.save_coverage(project_id, run_id, meta, snap)
    elif kind is ReportKind.PERFORMANCE:
        run = jtl.read_jtl(path)
        when = _observed(path, at) if at is not None else run.started_at  # the run's own time, not the file's
        meta = ReportMeta(kind=kind, digest=digest, path=str(path), format=run.format, observed_at=when, commit=commit)
        summary = store.save_performance(project_id, run_id, meta, run)
    else:
        scan = sarif.read_scan(path, exclude_tools=config.sarif_exclude_tools)
        meta = ReportMeta(kind=kind, digest=digest, path=str(path), format="sarif", observed_at=when, commit=commit)
        summary = store.save_findings(project_id, run_id, meta, sarif.dedupe(scan.findings), runs=scan.runs)
    return summary


def ingest_command(
    store: Store,
    config: Config,
    kind: str,
    paths: Sequence[Path],
    *,
    project: str,
    commit: str | None,
    at: datetime | None,
    repo_root: Path | None = None,
    source: str | None = None,
    encoding: str = "auto",
) -> IngestResult:
    """`devmaturity ingest`: files produced elsewhere (e.g. CI artefacts), recorded as one run. Event files are
    read in `encoding`; "auto" reads UTF-8, and a file that is not UTF-8 as GB18030 (saying so)."""
    try:
        spec = registry.kind(kind)
    except registry.UnknownKind as exc:
        raise UsageError(str(exc)) from None
    if spec.family is registry.Family.EVENT:
        return _ingest_events(
            store, config, spec.key, paths, project=project, repo_root=repo_root, source=source, encoding=encoding
        )
    report_kind = ReportKind(spec.key)
    project_id = store.project(project, str(repo_root or Path.cwd()))
    with recorded_run(store, project_id, "ingest", {"kind": kind, "files": [str(p) for p in paths]}) as run:
        result = ingest_files(
            store, project_id, run.run_id, report_kind, paths, config, commit=commit, at=at, repo_root=repo_root
        )
        run.summary = {"ingested": len(result.ingested), "already": len(result.already)}
        run.problems = list(result.problems)
    return result


def _read_events(
    store: Store,
    project_id: int,
    run_id: int,
    path: Path,
    kind: str,
    source: str | None,
    encoding: str,
    result: IngestResult,
) -> events.AnyEventsRead:
    """One event file in its own transaction. With "auto", a file that is not UTF-8 is read again as GB18030: the
    reader checks the whole file's encoding before it writes a row, so the first attempt left nothing behind."""
    first = "utf-8" if encoding == "auto" else encoding
    try:
        with delivery_writer(store, project_id, run_id) as write:
            return events.read_events(path, kind, source=source or "file", encoding=first, write=write)
    except ReportError as exc:
        if encoding != "auto" or "not utf-8 text" not in str(exc):
            raise
    with delivery_writer(store, project_id, run_id) as write:
        read = events.read_events(path, kind, source=source or "file", encoding=FALLBACK_ENCODING, write=write)
    result.notes.append(
        Text(
            zh=f"{path}：不是 UTF-8 文本，已按 GB18030（兼容 GBK）读取",
            en=f"{path}: not UTF-8 text, read as GB18030 (which covers GBK)",
        )
    )
    return read


def _ingest_events(
    store: Store,
    config: Config,
    kind: str,
    paths: Sequence[Path],
    *,
    project: str,
    repo_root: Path | None,
    source: str | None,
    encoding: str = "auto",
) -> IngestResult:
    """Deployments, incidents or work items from CSV/JSON: good rows stored (upserted by source and id), bad rows
    reported by row and column; a file that cannot be read at all is a problem of its own."""
    project_id = store.project(project, str(repo_root or Path.cwd()))
    result = IngestResult()
    with recorded_run(store, project_id, "ingest", {"kind": kind, "files": [str(p) for p in paths]}) as run:
        run.problems = result.problems  # the same list: a failure records the problems found before it
        for path in paths:
            try:
                # each file in one transaction, written in batches while it is read: memory stays bounded and
                # a file found broken half way leaves nothing behind
                read = _read_events(store, project_id, run.run_id, path, kind, source, encoding, result)
            except (ReportError, OSError) as exc:
                result.problems.append(_problem(path, exc))
                continue
            result.ingested.append((str(path), {"records": read.rows, "bad_rows": len(read.problems)}))
            result.problems.extend(Problem(source=str(path), message=p.message) for p in read.problems)
        run.summary = {"ingested": len(result.ingested)}
    result.derived = refresh_derived(store, project_id, config)
    return result
