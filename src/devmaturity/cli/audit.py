"""`devmaturity audit`: verify each organisation's hash-chained audit log, and export its entries."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from devmaturity.cli.admin import local_actor
from devmaturity.config import load_config
from devmaturity.errors import AuditChainBroken, UsageError
from devmaturity.services.admin import ExportFormat, export_audit, verify_audit
from devmaturity.services.database import open_store


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command()
@click.option("--org", "org_slug", help="Only this organisation (default: every one).")
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def verify(org_slug: str | None, database_url: str | None) -> None:
    """Exit 0 when every chain is intact; exit 1 naming the first entry that was changed or removed."""
    config = load_config(flags={"database_url": database_url})
    reports = verify_audit(open_store(config.database_url), local_actor(), org_slug=org_slug)
    broken = [r.broken for r in reports if r.broken is not None]
    for report in reports:
        if report.broken is None:
            click.echo(f"{report.org_slug}: chain intact: {report.entries} entries, head {report.head}")
    if broken:
        raise AuditChainBroken("; ".join(b.sentence() for b in broken))


def _since(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {text!r}: use a date or time such as 2026-01-31 or 2026-01-31T08:00+08:00") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


@audit.command()
@click.option("--org", "org_slug", help="Only this organisation (default: every one).")
@click.option("--since", help="Entries from this date or time on (ISO 8601; UTC unless an offset is given).")
@click.option("--format", "fmt", type=click.Choice([f.value for f in ExportFormat]), default="jsonl", show_default=True)
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def export(org_slug: str | None, since: str | None, fmt: str, database_url: str | None) -> None:
    """Print the entries, with their hashes, as JSON lines or CSV."""
    config = load_config(flags={"database_url": database_url})
    text = export_audit(
        open_store(config.database_url), local_actor(), org_slug=org_slug, since=_since(since), fmt=ExportFormat(fmt)
    )
    click.echo(text, nl=False)
