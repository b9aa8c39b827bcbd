"""`devmaturity runs`: the recorded runs of the store, newest first, crashed ones shown as interrupted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from devmaturity.config import load_config
from devmaturity.model.text import Lang, Text
from devmaturity.services.runs import recorded_runs

HEADERS: tuple[Text, ...] = (
    Text(zh="编号", en="id"),
    Text(zh="项目", en="project"),
    Text(zh="类型", en="kind"),
    Text(zh="状态", en="status"),
    Text(zh="开始", en="started"),
    Text(zh="结束/最后可见", en="finished / last seen"),
    Text(zh="摘要", en="summary"),
)
STATUS: dict[str, Text] = {
    "running": Text(zh="运行中", en="running"),
    "ok": Text(zh="成功", en="ok"),
    "failed": Text(zh="失败", en="failed"),
    "interrupted": Text(zh="已中断（进程已不在）", en="interrupted (process gone)"),
}
NO_RUNS = Text(zh="没有记录的运行", en="no runs recorded")


def _moment(stamp: int | None) -> str:
    return "" if stamp is None else datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _summary(text: str | None) -> str:
    """The run's summary as key value pairs; long values are cut."""
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        return text[:80]
    if not isinstance(data, dict):
        return str(data)[:80]
    return ", ".join(f"{key} {str(value)[:60]}" for key, value in data.items())


def _row(run: dict[str, Any], lang: Lang) -> list[str]:
    status = STATUS.get(run["status"])
    return [
        str(run["id"]),
        run["project"],
        run["kind"],
        status.get(lang) if status is not None else run["status"],
        _moment(run["started_at"]),
        _moment(run["finished_at"]),
        _summary(run["summary"]),
    ]


@click.command()
@click.option("--project", help="Only the runs of this project.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many runs.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the table (default: the lang setting).")
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def runs(project: str | None, limit: int, lang: str | None, database_url: str | None) -> None:
    """Recorded runs, newest first. Opening the store marks runs whose process is gone as interrupted."""
    config = load_config(flags={"database_url": database_url, "lang": lang})
    pick: Lang = "zh" if config.lang == "zh" else "en"
    found = recorded_runs(config.database_url, project, limit)
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 200  # piped or captured: one line per run rather than cells wrapped at 80 columns
    if not found:
        console.print(NO_RUNS.get(pick), markup=False)
        return
    table = Table(*(header.get(pick) for header in HEADERS))
    for run in found:
        table.add_row(*_row(run, pick))
    console.print(table)
