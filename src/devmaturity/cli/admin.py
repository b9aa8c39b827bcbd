"""`devmaturity admin`: bootstrap users and issue API tokens, acting as the local owner of the store."""

from __future__ import annotations

import getpass
import sys

import click

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.config import load_config, secret_keys
from devmaturity.errors import UsageError
from devmaturity.services.admin import create_token as create_token_service
from devmaturity.services.admin import create_user as create_user_service
from devmaturity.services.database import open_store


def local_actor() -> Actor:
    """Whoever can open the store owns it; the audit log records the operating-system user."""
    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    return Actor.local(f"local:{who}")


def _read_password(from_stdin: bool) -> str:
    """From standard input (one line) with --password-stdin, else asked twice on a terminal; never from argv."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input held no password")
        return password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask the password on: pipe it in with --password-stdin")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group()
def admin() -> None:
    """Users, roles and API tokens of the platform (local owner of the store)."""


@admin.command("create-user")
@click.argument("name")
@click.option("--org", "org_slug", required=True, help="Organisation (created when new).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def create_user(name: str, org_slug: str, role: str, password_stdin: bool, database_url: str | None) -> None:
    """Create user NAME with a role in an organisation (the first admin is made this way)."""
    config = load_config(flags={"database_url": database_url})
    password = _read_password(password_stdin)
    store = open_store(config.database_url)
    user_id = create_user_service(
        store, local_actor(), org_slug=org_slug, name=name, password=password, role=Role(role), lang="en"
    )
    click.echo(f"user {name} (id {user_id}) is {role} of {org_slug}", err=True)


@admin.command("create-token")
@click.option("--user", "user_name", required=True, help="The user the token acts as.")
@click.option("--org", "org_slug", help="Limit the token to this organisation.")
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def create_token(user_name: str, org_slug: str | None, database_url: str | None) -> None:
    """Print a new API token for a user, once: it cannot be shown again (the store keeps only its HMAC)."""
    config = load_config(flags={"database_url": database_url})
    key = secret_keys()[0]
    store = open_store(config.database_url)
    token = create_token_service(store, local_actor(), user_name=user_name, org_slug=org_slug, secret_key=key)
    click.echo(token)
    click.echo("store this token now: it is not shown again", err=True)


@admin.command("rotate-secrets")
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def rotate_secrets(database_url: str | None) -> None:
    """Re-encrypt every stored source credential under DEVMATURITY_SECRET_KEY (old keys in
    DEVMATURITY_OLD_SECRET_KEYS still decrypt until this has run)."""
    from devmaturity.services.sources import rotate_secrets as rotate_service

    config = load_config(flags={"database_url": database_url})
    count = rotate_service(open_store(config.database_url), local_actor(), secret_keys())
    click.echo(f"{count} credential(s) re-encrypted under the current key", err=True)
