"""Recorded runs as use cases: list them (opening the store recovers crashed ones)."""

from __future__ import annotations

from typing import Any

from devmaturity.store.db import Store


def recorded_runs(database_url: str, project: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The runs of the store (of one project), newest first; runs whose process is gone show as interrupted."""
    store = Store.open(database_url)
    try:
        return store.list_runs(project, limit)
    finally:
        store.engine.dispose()
