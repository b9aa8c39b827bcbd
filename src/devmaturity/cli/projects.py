"""`devmaturity org` and `devmaturity project`: organisations and service projects, as the local owner."""

from __future__ import annotations

import os
from pathlib import Path

import click

from devmaturity.cli.admin import local_actor
from devmaturity.config import load_config, secret_keys
from devmaturity.errors import ConfigError
from devmaturity.model.text import Lang, Text
from devmaturity.services import projects as svc
from devmaturity.services.database import open_store
from devmaturity.services.project_import import import_project

_DB = "Store URL (default: DEVMATURITY_DATABASE_URL, else sqlite:///devmaturity.db)."

ORG_MADE = Text(zh="已创建组织 {slug}（编号 {id}）", en="organisation {slug} created (id {id})")
IMPORTED = Text(zh="项目 {key}（编号 {id}）已{how}", en="project {key} (id {id}) {how}")
HOW = {True: Text(zh="创建", en="created"), False: Text(zh="更新", en="updated")}
SOURCES = Text(zh="数据源：新增 {made}，更新 {changed}", en="sources: {made} created, {changed} updated")
NO_PROJECTS = Text(zh="没有项目", en="no projects")
HEADER = (
    Text(zh="编号", en="id"),
    Text(zh="组织", en="organisation"),
    Text(zh="项目", en="project"),
    Text(zh="团队", en="team"),
    Text(zh="名称", en="title"),
)


def _lang(database_url: str | None) -> tuple[str, Lang]:
    config = load_config(flags={"database_url": database_url})
    return config.database_url, "zh" if config.lang == "zh" else "en"


def _keys() -> tuple[str, ...]:
    """The service key(s) when set; without one, only sources without credentials can be written."""
    try:
        return secret_keys()
    except ConfigError:
        return ()


@click.group()
def org() -> None:
    """Organisations of the service (the tenants that own projects)."""


@org.command("create")
@click.argument("slug")
@click.option("--name", help="Display name (the slug by default).")
@click.option("--db", "database_url", help=_DB)
def org_create(slug: str, name: str | None, database_url: str | None) -> None:
    """Create organisation SLUG."""
    url, lang = _lang(database_url)
    made = svc.create_org(open_store(url), local_actor(), slug=slug, name=name)
    click.echo(ORG_MADE.get(lang).format(slug=made.slug, id=made.id))


@org.command("list")
@click.option("--db", "database_url", help=_DB)
def org_list(database_url: str | None) -> None:
    """List the organisations: slug and name."""
    url, _ = _lang(database_url)
    for found in svc.list_orgs(open_store(url), local_actor()):
        click.echo(f"{found.slug}\t{found.name}")


@click.group()
def project() -> None:
    """Projects of the service: import a CLI project, list them."""


@project.command("import")
@click.argument("toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation the project goes to.")
@click.option("--slug", help="The project's slug (the file's `project`, else its folder's name).")
@click.option("--db", "database_url", help=_DB)
def project_import(toml: Path, org_slug: str, slug: str | None, database_url: str | None) -> None:
    """Move the CLI project of TOML (a devmaturity.toml) into an organisation; running it again updates it.

    Credentials are read from the variables the file names (token_env, ...) and stored encrypted with
    DEVMATURITY_SECRET_KEY."""
    url, lang = _lang(database_url)
    result = import_project(
        open_store(url), local_actor(), toml, org_slug=org_slug, slug=slug, env=os.environ, secret_keys=_keys()
    )
    how = HOW[result.created].get(lang)
    click.echo(IMPORTED.get(lang).format(key=result.project.key, id=result.project.id, how=how))
    made, changed = len(result.sources_created), len(result.sources_updated)
    click.echo(SOURCES.get(lang).format(made=made, changed=changed))
    for note in result.notes:
        click.echo(note, err=True)


@project.command("list")
@click.option("--org", "org_slug", help="Only this organisation's projects.")
@click.option("--team", help="Only this team's projects.")
@click.option("--db", "database_url", help=_DB)
def project_list(org_slug: str | None, team: str | None, database_url: str | None) -> None:
    """List projects: id, organisation, slug, team and title."""
    url, lang = _lang(database_url)
    store, actor = open_store(url), local_actor()
    cursor: str | None = None
    rows: list[list[str]] = []
    while True:
        page = svc.list_projects(store, actor, org_slug=org_slug, team=team, cursor=cursor, limit=200)
        rows += [[str(p.id), p.org_slug, p.slug, p.team or "", p.title] for p in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    if not rows:
        click.echo(NO_PROJECTS.get(lang))
        return
    click.echo("\t".join(h.get(lang) for h in HEADER))
    for row in rows:
        click.echo("\t".join(row))
