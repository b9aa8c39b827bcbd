"""Shared fixtures: repositories built with fixed dates, and a store on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder

# Hypothesis checks behaviour here, not speed: its 200 ms deadline per example fails examples that read and write
# files when the suite's worker processes outnumber the cores (CI failed so once at 387 ms on a 2-core machine)
settings.register_profile("devmaturity", deadline=None)
settings.load_profile("devmaturity")

PG_ADMIN = os.environ.get("DEVMATURITY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True, scope="session")
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled model files go to a folder of this test session, never to the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEVMATURITY_CACHE_DIR", str(tmp_path_factory.mktemp("model-cache")))
        yield


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    return RepoBuilder(tmp_path / "repo")


def _pg_database() -> Iterator[str]:
    import psycopg

    name = f"devmaturity_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _pg_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.engine.dispose()
