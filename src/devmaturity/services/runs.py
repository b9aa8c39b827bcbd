"""Recorded runs: the one place a use case's run is started, finished or failed, where progress and the end of a
run are reported (the hooks an audit log and the API's progress listen on); and listing the runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from devmaturity.errors import DevmaturityError
from devmaturity.model.evidence import Problem
from devmaturity.store.db import Store
from devmaturity.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True, kw_only=True)
class RunEnded:
    """What a run-end hook is told: which run, of which kind, how it ended and its summary (credentials masked)."""

    run_id: int
    project_id: int
    kind: str
    status: str  # ok | failed
    summary: dict[str, Any]


RunHook = Callable[[RunEnded], None]


@dataclass(slots=True, kw_only=True)
class RunRecord:
    """A run being recorded. The use case adds to `summary` and `problems` as it goes (a failure keeps them),
    reports progress, and ends it with `succeed` inside its unit of work, or lets `recorded_run` do it."""

    store: Store
    run_id: int
    project_id: int
    kind: str
    summary: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    redact: Callable[[str], str] | None = None
    status: str | None = None  # set once the end is committed

    def progress(self, stage: str, done: int) -> None:
        """Best effort: the API and `devmaturity runs` show it; a busy database skips it."""
        self.store.set_progress(self.run_id, stage, done)

    def succeed(self, uow: UnitOfWork, summary: dict[str, Any] | None = None) -> None:
        """Mark the run ok in `uow`, so the use case's last writes and the run's end commit together."""
        if summary is not None:
            self.summary = summary
        uow.store.finish_run(self.run_id, "ok", self.summary, self.problems, redact=self.redact)
        uow.after_commit(lambda: setattr(self, "status", "ok"))


@contextmanager
def recorded_run(
    store: Store,
    project_id: int,
    kind: str,
    inputs: dict[str, Any],
    *,
    run_id: int | None = None,
    redact: Callable[[str], str] | None = None,
    hooks: Sequence[RunHook] = (),
) -> Iterator[RunRecord]:
    """Start a run (or take over `run_id`, one a job has claimed) and end it: ok when the block ends (unless it
    called `succeed`), failed with the error's one line (or "interrupted") when it raises; then tell `hooks`."""
    if run_id is None:
        run_id = store.start_run(project_id, kind, inputs)
    record = RunRecord(store=store, run_id=run_id, project_id=project_id, kind=kind, redact=redact)
    try:
        yield record
    except BaseException as exc:
        if record.status is None:
            error = exc.one_line() if isinstance(exc, DevmaturityError) else "interrupted"
            summary = {"error": error, **record.summary}
            store.finish_run(run_id, "failed", summary, record.problems, redact=redact)
            record.status = "failed"
            _tell(hooks, record, summary)
        else:  # it ended ok (committed by `succeed`) before the error, which is the caller's
            _tell(hooks, record, record.summary)
        raise
    if record.status is None:
        store.finish_run(run_id, "ok", record.summary, record.problems, redact=redact)
        record.status = "ok"
    _tell(hooks, record, record.summary)


def _tell(hooks: Sequence[RunHook], record: RunRecord, summary: dict[str, Any]) -> None:
    mask = record.redact or (lambda text: text)
    shown = {key: mask(value) if isinstance(value, str) else value for key, value in summary.items()}
    ended = RunEnded(
        run_id=record.run_id, project_id=record.project_id, kind=record.kind, status=record.status or "", summary=shown
    )
    for hook in hooks:
        hook(ended)


def recorded_runs(database_url: str, project: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The runs of the store (of one project), newest first; runs whose process is gone show as interrupted."""
    store = Store.open(database_url)
    try:
        return store.list_runs(project, limit)
    finally:
        store.engine.dispose()
