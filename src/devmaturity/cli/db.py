"""`devmaturity db`: the store's schema revision, and the only command that migrates it."""

from __future__ import annotations

import click

from devmaturity.config import load_config
from devmaturity.model.text import Lang, Text
from devmaturity.services.database import schema_state, upgrade_schema

NONE = Text(zh="（无：空的新存储）", en="(none: a new, empty store)")
CURRENT = Text(zh="当前版本：{current}", en="current revision: {current}")
HEAD = Text(zh="所需版本：{head}", en="needed revision: {head}")
UP_TO_DATE = Text(zh="表结构是最新的", en="the schema is up to date")
BEHIND = Text(
    zh="表结构需要升级：请先备份，再运行 devmaturity db upgrade",
    en="the schema is behind: back it up, then run devmaturity db upgrade",
)
NEW = Text(
    zh="新存储：首次使用或 devmaturity db upgrade 时按所需版本创建",
    en="a new store: created at the needed revision on first use or by devmaturity db upgrade",
)
NEWER = Text(
    zh="存储由更新的 devmaturity 写入：请升级 devmaturity",
    en="a newer devmaturity wrote this store: upgrade devmaturity",
)
UPGRADED = Text(zh="已从 {before} 升级到 {current}", en="upgraded from {before} to {current}")
NOTHING = Text(zh="已是最新版本 {current}，没有改动", en="already at {current}; nothing changed")

DB_OPTION = click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
LANG_OPTION = click.option(
    "--lang", type=click.Choice(["zh", "en"]), help="Output language (default: the lang setting)."
)


def _lang(value: str | None) -> Lang:
    return "zh" if value == "zh" else "en"


@click.group()
def db() -> None:
    """The store's schema: show its revision, upgrade it (back it up first)."""


@db.command()
@DB_OPTION
@LANG_OPTION
def current(database_url: str | None, lang: str | None) -> None:
    """Print the store's schema revision and the one this devmaturity needs; exit 74 when they differ."""
    config = load_config(flags={"database_url": database_url, "lang": lang})
    pick = _lang(config.lang)
    state = schema_state(config.database_url)
    click.echo(CURRENT.get(pick).format(current=state.current or NONE.get(pick)))
    click.echo(HEAD.get(pick).format(head=state.head))
    if state.up_to_date:
        click.echo(UP_TO_DATE.get(pick))
    elif state.current is None:
        click.echo(NEW.get(pick))
    else:
        click.echo((BEHIND if state.known else NEWER).get(pick))
        raise click.exceptions.Exit(74)


@db.command()
@DB_OPTION
@LANG_OPTION
def upgrade(database_url: str | None, lang: str | None) -> None:
    """Create the store, or migrate it to the schema this devmaturity needs (back the database up first)."""
    config = load_config(flags={"database_url": database_url, "lang": lang})
    pick = _lang(config.lang)
    state = upgrade_schema(config.database_url)
    if state.before == state.current:
        click.echo(NOTHING.get(pick).format(current=state.current))
    else:
        click.echo(UPGRADED.get(pick).format(before=state.before or NONE.get(pick), current=state.current))
