"""A cast for the assessment and workbench use cases: organisation A's admin, assessor and developer, organisation
B's admin as the outsider, and a project of A assessed through the real pipeline (a small git repository)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from sqlalchemy import update

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.config import Config
from devmaturity.services.assess import AssessResult, run_assessment
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts
from devmaturity.store.repos.accounts import org_by_slug
from tests.gitbuild import RepoBuilder

AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
OWNER = Actor.local("local:test")


@dataclass(frozen=True, slots=True)
class Cast:
    store: Store
    org_a: int
    org_b: int
    admin: Actor
    assessor: Actor
    developer: Actor
    outsider: Actor
    project_id: int
    repo: Path
    config: Config


def _actor(store: Store, org: str, name: str, role: Role) -> tuple[Actor, int]:
    """A user with a role in the organisation (created when new), written by the accounts repository: a
    factory, so the tests skip argon2 (sign-in is tested in tests/auth)."""
    with store.transaction() as conn:
        found = org_by_slug(conn, org) or accounts.create_org(conn, slug=org, name=org, now=0)
        user_id = accounts.create_user(conn, name=name, password_hash=None, now=0)
        accounts.set_membership(conn, org_id=found.id, user_id=user_id, role=role, now=0)
    return Actor(user_id=user_id, name=name, roles=MappingProxyType({found.id: role})), found.id


_BUILT: dict[int, Path] = {}


def small_repo(path: Path, days: int = 20) -> Path:
    """Daily commits in April 2026 with a Jenkinsfile: enough history for an assessment to decide some facts.
    Built once per test session and copied (the copy is a real repository of its own)."""
    if days not in _BUILT:
        _BUILT[days] = _build(Path(tempfile.mkdtemp(prefix="cast-repo-")) / "repo", days)
    shutil.copytree(_BUILT[days], path)
    return path


def _build(path: Path, days: int) -> Path:
    repo = RepoBuilder(path)
    repo.commit(
        "pipeline",
        {"Jenkinsfile": "pipeline { agent any\n stages { stage('Build') { steps { sh 'make' } } } }\n"},
        "2026-04-01T09:00:00+00:00",
    )
    for day in range(2, days + 2):
        repo.commit(f"change {day}", {f"src/f{day}.txt": "x\n"}, f"2026-04-{day:02d}T10:00:00+00:00")
    return repo.path


def assess(cast: Cast, *, as_of: datetime = AS_OF, config: Config | None = None) -> AssessResult:
    return run_assessment(cast.repo, config or cast.config, store=cast.store, now=as_of, as_of=as_of)


def assign(store: Store, project_id: int, org_id: int) -> None:
    """Put a project into an organisation (what `devmaturity project import` of branch h-proj does)."""
    with store.transaction() as conn:
        conn.execute(update(t.projects).where(t.projects.c.id == project_id).values(org_id=org_id))


def make_cast(store: Store, store_url: str, tmp: Path, project: str = "svc") -> Cast:
    admin, org_a = _actor(store, "org-a", "alice", Role.ADMIN)
    assessor, _ = _actor(store, "org-a", "ann", Role.ASSESSOR)
    developer, _ = _actor(store, "org-a", "dev", Role.DEVELOPER)
    outsider, org_b = _actor(store, "org-b", "bob", Role.ADMIN)
    repo = small_repo(tmp / project)
    config = Config(database_url=store_url, project=project, window=30)
    first = run_assessment(repo, config, store=store, now=AS_OF, as_of=AS_OF)
    assign(store, first.collect.project_id, org_a)
    return Cast(
        store=store,
        org_a=org_a,
        org_b=org_b,
        admin=admin,
        assessor=assessor,
        developer=developer,
        outsider=outsider,
        project_id=first.collect.project_id,
        repo=repo,
        config=config,
    )
