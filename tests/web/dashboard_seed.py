"""A store seeded for the dashboard's tests through the services and the CLI, as an organisation would fill it:
organisation `acme` with an administrator, an assessor and a developer; the enterprise project of
tests/enterprise.py (a Java/Maven trade service with Jenkins builds, JaCoCo, SARIF and delivery events) imported
as `acme/trade-service` and assessed twice (end of October, end of November: movement and series); a second
project `acme/settlement` assessed from the same history without build reports (lower levels)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.cli.main import run
from devmaturity.services import admin, projects, sources
from devmaturity.store.db import Store
from tests.enterprise import EnterpriseProject, build_enterprise_project, ingest_all

PASSWORD = "correct horse battery staple"
ORG = "acme"
USERS = {"alice": Role.ADMIN, "bob": Role.ASSESSOR, "dave": Role.DEVELOPER}


@dataclass(frozen=True, slots=True)
class Seeded:
    url: str
    project: EnterpriseProject
    trade_id: int
    settlement_id: int


def assess(seeded_url: str, project: EnterpriseProject, name: str, as_of: str, out: Path) -> None:
    args = ["assess", str(project.repo), "--db", seeded_url, "--project", name, "--as-of", as_of]
    assert run([*args, "--format", "json", "--out", str(out)]) == 0


def seed(root: Path, url: str) -> Seeded:
    store = Store.open(url)
    owner = Actor.local("local:seed")
    for name, role in USERS.items():
        admin.create_user(store, owner, org_slug=ORG, name=name, password=PASSWORD, role=role)
    trade = projects.create_project(
        store, owner, org_slug=ORG, slug="trade-service", title="Trade service", team="Trading"
    )
    settle = projects.create_project(store, owner, org_slug=ORG, slug="settlement", title="Settlement", team="Clearing")
    built = build_enterprise_project(root / "enterprise")
    sources.create_source(store, owner, trade.id, kind="git", name="trade-service", settings={"path": str(built.repo)})
    ingest_all(built, url, name=trade.key)
    for as_of in ("2026-10-31", "2026-11-29"):
        assess(url, built, trade.key, as_of, root / f"out-{as_of}")
    assess(url, built, settle.key, "2026-11-29", root / "out-settlement")
    store.engine.dispose()
    return Seeded(url=url, project=built, trade_id=trade.id, settlement_id=settle.id)
