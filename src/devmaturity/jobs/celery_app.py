"""The Celery app, built on first use from the settings: the only module that imports celery.

`celery -A devmaturity.jobs.celery_app worker` finds the app through the module's `app` attribute, built lazily,
so importing devmaturity never needs celery or a broker.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from devmaturity.config import load_config
from devmaturity.errors import BrokerError, DevmaturityError
from devmaturity.jobs.tasks import MAX_RETRIES, TASKS, Job, backoff
from devmaturity.services.jobs import TRANSIENT, use_pool
from devmaturity.services.platform import pool_of

HARD_LIMIT_GRACE = 5  # seconds between the soft limit (the job records its run as failed) and the kill
REDELIVERY_MARGIN = 5  # an unacknowledged job older than the hard limit plus this lost its worker
logger = logging.getLogger(__name__)
_built: dict[str, Any] = {}


def build_app(broker_url: str, *, job_time_limit: int, database_url: str | None) -> Any:
    """A Celery app on `broker_url`. Workers need `database_url` (their store) to register the tasks; a sender
    does not (it sends by task name). Late ack and prefetch 1, so a job taken by a worker that dies is handed to
    another; the redelivery wait is the hard time limit, past which no live worker still runs it."""
    try:
        from celery import Celery
    except ImportError:  # pragma: no cover - the workers extra is missing
        raise BrokerError("background workers need celery: pip install 'devmaturity[workers]'") from None
    hard_limit = job_time_limit + HARD_LIMIT_GRACE
    app = Celery("devmaturity", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=job_time_limit,
        task_time_limit=hard_limit,
        task_ignore_result=True,
        result_backend=None,
        task_default_queue="devmaturity",
        broker_transport_options={
            "visibility_timeout": hard_limit + REDELIVERY_MARGIN,
            # how often a worker looks for jobs whose worker died: a tenth of the wait, at most the usual 10 s
            "unacked_restore_interval": max(1, min(10, (hard_limit + REDELIVERY_MARGIN) // 10)),
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    if database_url is not None:
        for name, job in TASKS.items():
            _register(app, name, job, database_url)
    return app


def _register(app: Any, name: str, job: Job, database_url: str) -> None:
    def run(task: Any, run_id: int) -> str:
        retries = int(task.request.retries)
        final = retries >= MAX_RETRIES
        try:
            return job(database_url, run_id, final=final)
        except TRANSIENT as exc:
            if final:
                logger.warning("%s run %s failed after %s retries: %s", name, run_id, retries, exc.one_line())
                return "failed"
            raise task.retry(exc=exc, countdown=backoff(retries), max_retries=MAX_RETRIES) from None
        except DevmaturityError as exc:  # an expected failure, recorded on the run row: neither retried nor raised
            logger.info("%s run %s failed: %s", name, run_id, exc.one_line())
            return "failed"

    app.task(name=name, bind=True, max_retries=MAX_RETRIES)(run)


def worker_app() -> Any:
    """The app a worker runs, from the settings in the environment (DEVMATURITY_BROKER_URL, ..._DATABASE_URL)."""
    if "app" not in _built:
        config = load_config()
        if not config.broker_url:
            raise BrokerError("no broker configured: set DEVMATURITY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
        use_pool(pool_of(config))
        _built["app"] = build_app(
            config.broker_url, job_time_limit=config.job_time_limit, database_url=config.database_url
        )
    return _built["app"]


def check_broker(app: Any) -> None:
    """One connection attempt, so a worker with an unreachable broker stops with one line instead of retrying."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except Exception as exc:  # kombu raises its own OperationalError or the socket's error
        raise BrokerError(f"the broker {conn_safe(app)} does not answer: {type(exc).__name__}: {exc}") from None


def conn_safe(app: Any) -> str:
    """The broker URL with its password masked."""
    return re.sub(r"(?<=://)([^:/@\s]*):[^@\s]*@", r"\1:***@", str(app.conf.broker_url))


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        return worker_app()
    raise AttributeError(name)
