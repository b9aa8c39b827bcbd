"""Where a queued job runs: in this process (InlineRunner, the default) or on Celery workers (CeleryRunner)."""

from __future__ import annotations

from typing import Protocol

from devmaturity.config import Config
from devmaturity.errors import DevmaturityError
from devmaturity.jobs.tasks import TASKS
from devmaturity.services.jobs import QueuedJob


class JobRunner(Protocol):
    """Takes a job whose run row is committed; the outcome is read from that row, never from the runner."""

    def submit(self, job: QueuedJob) -> None: ...


class InlineRunner:
    """Runs each job at once in the calling process: the same claim, lock and idempotent work as a worker, no
    retries. An error is recorded on the run row (failed) and the next job still runs."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def submit(self, job: QueuedJob) -> None:
        try:
            TASKS[job.task](self.database_url, job.run_id)
        except DevmaturityError:
            return  # the run row says failed and why


class CeleryRunner:
    """Sends each job by task name to the broker; `devmaturity worker` processes run it."""

    def __init__(self, broker_url: str, job_time_limit: int) -> None:
        from devmaturity.jobs.celery_app import build_app

        self.app = build_app(broker_url, job_time_limit=job_time_limit, database_url=None)

    def submit(self, job: QueuedJob) -> None:
        self.app.send_task(job.task, args=(job.run_id,))


def make_runner(config: Config) -> JobRunner:
    """Celery when `broker_url` is set (DEVMATURITY_BROKER_URL), else inline."""
    if config.broker_url:
        return CeleryRunner(config.broker_url, config.job_time_limit)
    return InlineRunner(config.database_url)
