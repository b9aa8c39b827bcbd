"""The store handle as the web and CLI layers see it: open one, and ask whether it is ready (`/ready`).

The web layer never imports the store package; it holds the `Store` this module hands out and passes it back to
the services.
"""

from __future__ import annotations

from devmaturity.store.db import Store
from devmaturity.store.health import SchemaState, schema_state

__all__ = ["SchemaState", "Store", "open_store", "readiness"]


def open_store(url: str) -> Store:
    """The store at `url`, created or upgraded to the newest schema."""
    return Store.open(url)


def readiness(store: Store) -> SchemaState:
    """Whether the database answers and is at the schema revision this code expects."""
    return schema_state(store)
