"""Fixtures for the job tests: a clean Redis database and no broker or store setting leaking from outside."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devmaturity.services.jobs import close_stores
from tests.jobs.workers import BROKER


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DEVMATURITY_BROKER_URL", "DEVMATURITY_DATABASE_URL", "DEVMATURITY_JOB_TIME_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    yield
    close_stores()


@pytest.fixture
def broker() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    yield BROKER
    client.flushdb()
    client.close()
