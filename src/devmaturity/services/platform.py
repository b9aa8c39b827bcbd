"""The store handle as the web and CLI layers see it: open one, and ask whether it is ready (`/ready`).

The web layer never imports the store package; it holds the `Store` this module hands out and passes it back to
the services.
"""

from __future__ import annotations

from devmaturity.config import Config
from devmaturity.services.database import open_store
from devmaturity.store.db import Pool, Store
from devmaturity.store.health import SchemaState, schema_state

__all__ = ["Pool", "SchemaState", "Store", "open_store", "pool_of", "readiness"]


def pool_of(config: Config) -> Pool:
    """The database connection pool of this process, from the process settings db_pool_size and db_max_overflow."""
    return Pool(size=config.db_pool_size, overflow=config.db_max_overflow)


def readiness(store: Store) -> SchemaState:
    """Whether the database answers and is at the schema revision this code expects."""
    return schema_state(store)
