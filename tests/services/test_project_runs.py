"""Runs of service projects by id, on SQLite and PostgreSQL: queued by an assessor (recorded), run by the same job
code as a worker with the project's stored settings, read back with status; refused for a developer and unknown
to another organisation; deleting the project takes the evidence with it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.errors import NotFoundError, PermissionDenied, UsageError
from devmaturity.services import admin, project_runs
from devmaturity.services import projects as svc
from devmaturity.services import sources as sources_svc
from devmaturity.services.jobs import run_assess, run_collect
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder

OWNER = Actor.local("local:test")


def _actor(store: Store, org: str, name: str, role: Role) -> Actor:
    password = f"{name}-password-123456"
    admin.create_user(store, OWNER, org_slug=org, name=name, password=password, role=role)
    return admin.sign_in(store, name, password, lockout=admin.Lockout(), source="test")


def test_a_service_project_is_collected_and_assessed_by_id(store: Store, store_url: str, repo: RepoBuilder) -> None:
    for i in range(3):
        repo.commit(f"c{i}", {"f.txt": f"{i}\n"}, date=f"2026-01-{i + 1:02d}T10:00:00+08:00")
    sam = _actor(store, "acme", "sam", Role.ASSESSOR)
    dave = _actor(store, "acme", "dave", Role.DEVELOPER)
    otto = _actor(store, "other", "otto", Role.ADMIN)
    shop = svc.create_project(store, OWNER, org_slug="acme", slug="shop", settings={"window": "30d"})
    with pytest.raises(UsageError, match="no git source"):
        project_runs.queue_run(store, sam, shop.id, "collect")
    sources_svc.create_source(store, OWNER, shop.id, kind="git", name="git", settings={"path": str(repo.path)})
    with pytest.raises(PermissionDenied):
        project_runs.queue_run(store, dave, shop.id, "collect")
    with pytest.raises(NotFoundError):
        project_runs.queue_run(store, otto, shop.id, "collect")
    queued = project_runs.queue_run(store, sam, shop.id, "collect")
    assert queued.run.status == "queued" and queued.job.task == "devmaturity.collect"
    assert run_collect(store_url, queued.job.run_id) == "ok"
    done = project_runs.get_run(store, dave, queued.run.id)
    assert done.status == "ok" and done.summary["total_commits"] == 3
    assessed = project_runs.queue_run(store, sam, shop.id, "assess")
    assert run_assess(store_url, assessed.job.run_id) == "ok"
    assert project_runs.get_run(store, sam, assessed.run.id).status == "ok"
    history = project_runs.list_runs(store, dave, shop.id)
    ids = [r.id for r in history.items]
    assert ids == sorted(ids, reverse=True) and {queued.run.id, assessed.run.id} <= set(ids)  # newest first
    with pytest.raises(NotFoundError):
        project_runs.get_run(store, otto, queued.run.id)
    with store.engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(t.commits).where(t.commits.c.project_id == shop.id)
            ).scalar_one()
            == 3
        )
    svc.delete_project(store, OWNER, shop.id)
    with store.engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(t.commits).where(t.commits.c.project_id == shop.id)
            ).scalar_one()
            == 0
        )
