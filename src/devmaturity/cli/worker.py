"""`devmaturity worker`: run background jobs from the configured broker (Celery on Redis)."""

from __future__ import annotations

import click

from devmaturity.jobs.celery_app import check_broker, worker_app


@click.command()
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes (jobs run at once); up to the core count scales.",
)
@click.option("--loglevel", default="INFO", show_default=True, help="Celery log level.")
def worker(concurrency: int, loglevel: str) -> None:
    """Run jobs queued by `devmaturity collect` (DEVMATURITY_BROKER_URL and DEVMATURITY_DATABASE_URL name the
    broker and the store; the store must be the one the jobs were queued in)."""
    app = worker_app()
    check_broker(app)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            "--queues=devmaturity",
            "--without-gossip",
            "--without-mingle",
        ]
    )
