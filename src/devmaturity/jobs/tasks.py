"""The job table: each fixed task name and the service function that runs it, given a store URL and a run id."""

from __future__ import annotations

from typing import Protocol

from devmaturity.services.jobs import run_assess, run_collect, run_refresh
from devmaturity.services.report_jobs import run_render


class Job(Protocol):
    def __call__(self, database_url: str, run_id: int, *, final: bool = True) -> str: ...


TASKS: dict[str, Job] = {
    "devmaturity.collect": run_collect,
    "devmaturity.assess": run_assess,
    "devmaturity.refresh": run_refresh,
    "devmaturity.render": run_render,
}
"""Task names are part of the queue's contract with running workers: never rename one, add a new name."""

MAX_RETRIES = 5
BACKOFF_BASE = 2
BACKOFF_MAX = 300


def backoff(retries: int) -> int:
    """Seconds before retry number `retries + 1`: 2, 4, 8, 16, 32, ... capped at five minutes."""
    return int(min(BACKOFF_MAX, BACKOFF_BASE * 2**retries))
