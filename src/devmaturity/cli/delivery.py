"""`devmaturity compare`, `trend` and `deployments preview`: delivery figures over windows, and what counts. All
three read the store; none collects (that is `devmaturity collect` or `assess`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from devmaturity.cli.texts import LANG, pick, say
from devmaturity.config import load_config
from devmaturity.model.metric import Window
from devmaturity.model.metric_catalogue import metric_spec
from devmaturity.services.compare import compare as compare_service
from devmaturity.services.compare import parse_as_of, parse_window, sentence, shown
from devmaturity.services.compare import trend as trend_service
from devmaturity.services.database import describe_store, open_store
from devmaturity.services.delivery import incident_links, preview, preview_records

PATH = click.argument("path", type=click.Path(path_type=Path, readable=False), default=".")
DB = click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
PROJECT = click.option("--project", help="Project name in the store (default: the folder name of PATH).")
METRIC = click.option("--metric", "metrics", multiple=True, help="Only these metrics; repeatable (default: all).")
LINK_CONTEXT = timedelta(days=90)


@click.command()
@PATH
@click.option("--before", required=True, help="First window, e.g. 2026-01-01..2026-03-31.")
@click.option("--after", required=True, help="Second window, e.g. 2026-07-01..2026-09-30.")
@METRIC
@PROJECT
@LANG
@DB
def compare(
    path: Path,
    before: str,
    after: str,
    metrics: tuple[str, ...],
    project: str | None,
    lang: str | None,
    database_url: str | None,
) -> None:
    """Every metric over two windows, with the change and the case-study sentence."""
    config = load_config(project_dir=path, flags={"database_url": database_url, "lang": lang, "project": project})
    chosen = pick(config)
    click.echo(say("store", chosen, store=describe_store(config.database_url, chosen)), err=True)
    changes = compare_service(path, config, parse_window(before), parse_window(after), list(metrics) or None)
    table = Table(
        say("metric", chosen),
        say("before", chosen, window=before),
        say("after", chosen, window=after),
        say("change", chosen),
    )
    for c in changes:
        spec = metric_spec(c.metric)
        change = "" if c.ratio is None else f"{c.ratio * 100:+.0f}%"
        mark = "" if c.improved is None else " " + say("better" if c.improved else "worse", chosen)
        table.add_row(
            spec.name.get(chosen),
            shown(c.before.value, spec.unit, chosen),
            shown(c.after.value, spec.unit, chosen),
            change + mark,
        )
    console = Console(highlight=False, soft_wrap=True)
    console.print(table)
    console.print(sentence(changes, chosen) or say("nothing_known", chosen), markup=False)


@click.command()
@PATH
@METRIC
@click.option("--every", type=click.Choice(["week", "month"]), default="week", show_default=True)
@click.option("--periods", type=click.IntRange(1, 104), default=12, show_default=True)
@click.option("--as-of", "as_of", help="The last period ends at this date (default: now), e.g. 2026-09-30.")
@PROJECT
@LANG
@DB
def trend(
    path: Path,
    metrics: tuple[str, ...],
    every: str,
    periods: int,
    as_of: str | None,
    project: str | None,
    lang: str | None,
    database_url: str | None,
) -> None:
    """Metrics per week or month, oldest first."""
    config = load_config(project_dir=path, flags={"database_url": database_url, "lang": lang, "project": project})
    chosen = pick(config)
    click.echo(say("store", chosen, store=describe_store(config.database_url, chosen)), err=True)
    end = parse_as_of(as_of) if as_of else datetime.now(UTC)
    series = trend_service(path, config, list(metrics) or None, every, periods, end)
    names = [v.metric for v in series[0][1]] if series else []
    table = Table(say("window", chosen), *names)
    for window, values in series:
        table.add_row(window.label(), *(shown(v.value, v.unit, chosen) for v in values))
    Console(highlight=False).print(table)


@click.group()
def deployments() -> None:
    """The deployment rule: which deployments count as production."""


@deployments.command("preview")
@PATH
@click.option("--window", "window_text", help="Window, e.g. 2026-01-01..2026-03-31 (default: the last 90 days).")
@PROJECT
@LANG
@DB
def preview_command(
    path: Path, window_text: str | None, project: str | None, lang: str | None, database_url: str | None
) -> None:
    """List what the deployment rule counts (and leaves out) before you trust a number."""
    config = load_config(project_dir=path, flags={"database_url": database_url, "lang": lang, "project": project})
    chosen = pick(config)
    click.echo(say("store", chosen, store=describe_store(config.database_url, chosen)), err=True)
    window = parse_window(window_text) if window_text else Window.last(config.window, now=datetime.now(UTC))
    # deployments from before the window too: an incident early in it is linked to the change before it
    delivery = preview_records(open_store(config.database_url), config, path, window.start - LINK_CONTEXT)
    if delivery is None or (delivery.deployments is None and delivery.runs is None):
        click.echo(say("no_delivery", chosen))
        return
    rows = preview(delivery, window)
    table = Table(*say("preview_heads", chosen).split("|"))
    for row in rows:
        d = row.deployment
        table.add_row(
            d.created_at.isoformat(timespec="minutes"),
            d.source,
            d.id,
            d.environment,
            d.status.value,
            (d.commit or "")[:10],
            say("yes" if row.counted else "no", chosen),
            row.why.get(chosen),
        )
    Console(highlight=False).print(table)
    counted = [r for r in rows if r.counted]
    click.echo(say("counted", chosen, counted=len(counted), total=len(rows), window=window.label()))
    if delivery.incidents is None:
        return
    links = incident_links(delivery, window)
    incidents = Table(*say("incident_heads", chosen).split("|"))
    for link in links:
        i = link.incident
        incidents.add_row(
            i.started_at.isoformat(timespec="minutes"),
            i.id,
            i.service,
            i.severity,
            link.deployment or "-",
            link.why.get(chosen),
        )
    Console(highlight=False).print(incidents)
    linked = sum(1 for link in links if link.deployment)
    rule = delivery.rules.incident_link
    click.echo(say("linked", chosen, linked=linked, total=len(links), window=window.label(), rule=rule))
