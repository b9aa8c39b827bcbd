"""`devmaturity collect`: queue the collection of repositories as jobs (run inline when no broker is set)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from devmaturity.config import load_config
from devmaturity.errors import DevmaturityError, UsageError
from devmaturity.jobs.runner import InlineRunner, make_runner
from devmaturity.services.jobs import RunState, queue_collect, wait_for


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False, file_okay=False))
@click.option("--project", help="Project name (default: the folder name); only with one PATH.")
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db); workers must use the same.")
@click.option("--wait", is_flag=True, help="With a broker: wait until every queued run has finished.")
@click.option("--timeout", type=click.IntRange(min=1), default=3600, show_default=True, help="Seconds --wait waits.")
def collect(paths: tuple[Path, ...], project: str | None, database_url: str | None, wait: bool, timeout: int) -> None:
    """Collect each repository PATH (commits, refs, tree facts, reports) as one run; prints `run <id> <path>`."""
    if project and len(paths) > 1:
        raise UsageError("--project names one repository: give one PATH with it")
    config = load_config(flags={"database_url": database_url, "project": project})
    runner = make_runner(config)
    out = Console(highlight=False, soft_wrap=True)
    run_ids: list[int] = []
    for path in paths:
        job = queue_collect(
            load_config(project_dir=path, flags={"database_url": config.database_url, "project": project}), path
        )
        runner.submit(job)
        run_ids.append(job.run_id)
        out.print(f"run {job.run_id} {job.path}", markup=False)
    if not wait and not isinstance(runner, InlineRunner):
        return
    states = wait_for(config.database_url, run_ids, timeout=timeout)
    for state in states.values():
        out.print(_line(state), markup=False)
    if any(s.status != "ok" for s in states.values()):
        raise DevmaturityError(f"{sum(s.status != 'ok' for s in states.values())} of {len(states)} run(s) not ok")


def _line(state: RunState) -> str:
    if state.status == "ok":
        return f"run {state.run_id}: ok, {state.summary.get('new_commits', 0)} new commit(s)"
    if state.status == "failed":
        return f"run {state.run_id}: failed: {state.summary.get('error', '')}"
    return f"run {state.run_id}: still {state.status} ({state.stage or 'waiting'} {state.done or 0})"
