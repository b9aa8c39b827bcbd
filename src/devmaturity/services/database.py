"""The store's schema as a use case: where it stands, and the one explicit upgrade (`devmaturity db`)."""

from __future__ import annotations

from devmaturity.store.db import DEFAULT_POOL, Pool, SchemaState, Store
from devmaturity.store.db import describe_store as _describe

__all__ = ["SchemaState", "Store", "check_schema", "describe_store", "open_store", "schema_state", "upgrade_schema"]


def schema_state(database_url: str) -> SchemaState:
    """The store's revision and the newest one this devmaturity has; changes nothing (an empty store says none)."""
    store = Store.connect(database_url)
    try:
        return store.schema()
    finally:
        store.engine.dispose()


def upgrade_schema(database_url: str) -> SchemaState:
    """Create a new store, or run the migrations an existing one lacks, in one transaction per step taken in turns
    with other processes; running it again changes nothing."""
    store = Store.connect(database_url)
    try:
        return store.upgrade()
    finally:
        store.engine.dispose()


def open_store(database_url: str, pool: Pool = DEFAULT_POOL) -> Store:
    """The store a command or the server works on, with `pool` connections: a new one is created at the newest
    schema, an old one refused with SchemaOutdatedError (`schema-outdated`) before anything is done; runs left by
    a crashed process are marked interrupted. The one way the CLI and the web layer open a store."""
    return Store.open(database_url, pool)


check_schema = open_store  # what `serve` calls it: the refusal of an old schema comes before serving


def describe_store(database_url: str, lang: str = "en") -> str:
    """The store a command uses, in words (kind, place, default or chosen): every command's first line."""
    return _describe(database_url, lang)
