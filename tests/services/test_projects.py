"""Organisations, projects and sources as use cases, on SQLite and PostgreSQL with the tenancy guard on: roles
decide, other organisations' objects do not exist, every change and refusal is audited, credentials are stored
only encrypted and never returned, `project import` is idempotent, and rotation re-encrypts under the new key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.errors import BadPayloadError, ConfigError, Conflict, NotFoundError, PermissionDenied
from devmaturity.model.projects import SourceKind
from devmaturity.services import admin
from devmaturity.services import projects as svc
from devmaturity.services import sources as sources_svc
from devmaturity.services.project_import import import_project
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from devmaturity.store.repos import audit as audit_repo
from devmaturity.store.repos.tenancy import install_guard, scoped

OWNER = Actor.local("local:ops")
KEY = "k" * 40
NEW_KEY = "n" * 40
TOKEN = "ghp_s3cr3t-token-value-0123456789"
T0 = 1_700_000_000
LOCK = admin.Lockout()


@pytest.fixture
def guarded(store: Store) -> Iterator[Store]:
    install_guard(store.engine)
    yield store


def _user(store: Store, org: str, name: str, role: Role) -> Actor:
    password = f"{name}-password-123456"
    admin.create_user(store, OWNER, org_slug=org, name=name, password=password, role=role, now=T0)
    return admin.sign_in(store, name, password, lockout=LOCK, source="test", now=T0)


def _cast(store: Store) -> dict[str, Actor]:
    return {
        "alice": _user(store, "acme", "alice", Role.ADMIN),
        "dave": _user(store, "acme", "dave", Role.DEVELOPER),
        "sam": _user(store, "acme", "sam", Role.ASSESSOR),
        "otto": _user(store, "other", "otto", Role.ADMIN),
    }


def _kinds(store: Store, org: str) -> list[tuple[str, str, str]]:
    with store.engine.connect() as conn:
        org_id = conn.execute(select(t.organisations.c.id).where(t.organisations.c.slug == org)).scalar_one()
        return [(e.kind, e.actor_name, e.result) for e in audit_repo.entries(conn, frozenset({org_id}))]


def test_roles_decide_and_other_organisations_see_nothing(guarded: Store) -> None:
    store = guarded
    cast = _cast(store)
    alice, dave, otto = cast["alice"], cast["dave"], cast["otto"]
    shop = svc.create_project(store, alice, org_slug="acme", slug="shop", team="payments", now=T0 + 1)
    assert (shop.key, shop.org_slug, shop.team, shop.title) == ("acme/shop", "acme", "payments", "shop")
    assert svc.get_project(store, dave, shop.id) == shop
    with pytest.raises(PermissionDenied, match="Only administrators may create projects"):
        svc.create_project(store, dave, org_slug="acme", slug="other", now=T0 + 2)
    with pytest.raises(PermissionDenied):
        svc.update_project(store, dave, shop.id, team="x", now=T0 + 2)
    for call in (
        lambda: svc.get_project(store, otto, shop.id),
        lambda: svc.update_project(store, otto, shop.id, team="x"),
        lambda: svc.delete_project(store, otto, shop.id),
        lambda: sources_svc.list_sources(store, otto, shop.id),
        lambda: sources_svc.create_source(store, otto, shop.id, kind="git", name="g", settings={"path": "/x"}),
        lambda: svc.create_project(store, otto, org_slug="acme", slug="mine"),
        lambda: svc.get_org(store, otto, "acme"),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert svc.list_projects(store, otto).items == []
    assert [p.slug for p in svc.list_projects(store, dave).items] == ["shop"]
    kinds = _kinds(store, "acme")
    assert ("project_created", "alice", "ok") in kinds
    assert kinds.count(("permission_denied", "dave", "denied")) == 2
    assert _kinds(store, "other")[-1][0] == "sign_in"  # nothing of acme's leaked into other's log
    [report] = admin.verify_audit(store, OWNER, org_slug="acme", now=T0 + 9)
    assert report.broken is None


def test_the_same_slug_lives_in_two_organisations_but_not_twice_in_one(guarded: Store) -> None:
    cast = _cast(guarded)
    a = svc.create_project(guarded, cast["alice"], org_slug="acme", slug="shop")
    b = svc.create_project(guarded, cast["otto"], org_slug="other", slug="shop")
    assert a.id != b.id and (a.key, b.key) == ("acme/shop", "other/shop")
    with pytest.raises(Conflict, match="exists already"):
        svc.create_project(guarded, cast["alice"], org_slug="acme", slug="shop")
    with pytest.raises(BadPayloadError, match="not a slug"):
        svc.create_project(guarded, cast["alice"], org_slug="acme", slug="Bad Slug")
    with pytest.raises(BadPayloadError, match="unknown key"):
        svc.create_project(guarded, cast["alice"], org_slug="acme", slug="x", settings={"database_url": "sqlite://"})
    with pytest.raises(BadPayloadError, match="window"):
        svc.create_project(guarded, cast["alice"], org_slug="acme", slug="x", settings={"window": "soon"})


def test_projects_page_by_cursor_and_filter_by_team(guarded: Store) -> None:
    alice = _cast(guarded)["alice"]
    for n in range(5):
        svc.create_project(guarded, alice, org_slug="acme", slug=f"p{n}", team="red" if n % 2 else "blue")
    first = svc.list_projects(guarded, alice, limit=2)
    second = svc.list_projects(guarded, alice, limit=2, cursor=first.next_cursor)
    third = svc.list_projects(guarded, alice, limit=2, cursor=second.next_cursor)
    assert [p.slug for p in first.items + second.items + third.items] == ["p0", "p1", "p2", "p3", "p4"]
    assert third.next_cursor is None
    assert [p.slug for p in svc.list_projects(guarded, alice, team="red").items] == ["p1", "p3"]
    with pytest.raises(BadPayloadError, match="cursor"):
        svc.list_projects(guarded, alice, cursor="abc")


def _text_values(store: Store) -> list[str]:
    seen: list[str] = []
    with store.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text)]
            if columns:
                clause = [scoped(table, [1, 2, 3])] if table in t.TENANT_TABLES else []
                seen += [str(v) for row in conn.execute(select(*columns).where(*clause)) for v in row if v]
    return seen


def test_credentials_are_encrypted_never_returned_and_rotate(guarded: Store) -> None:
    alice = _cast(guarded)["alice"]
    shop = svc.create_project(guarded, alice, org_slug="acme", slug="shop")
    made = sources_svc.create_source(
        guarded,
        alice,
        shop.id,
        kind="github",
        name="gh",
        settings={"repo": "acme/shop"},
        credentials={"token": TOKEN},
        secret_keys=(KEY,),
    )
    assert made.has_secret and made.kind is SourceKind.GITHUB and dict(made.settings) == {"repo": "acme/shop"}
    assert TOKEN not in repr(made)
    assert not [v for v in _text_values(guarded) if TOKEN in v]
    assert sources_svc.source_credentials(guarded, alice, made, (KEY,)) == {"token": TOKEN}
    with pytest.raises(BadPayloadError, match="takes no credential `password`"):
        sources_svc.create_source(
            guarded, alice, shop.id, kind="github", name="x", settings={"repo": "a/b"}, credentials={"password": "p"}
        )
    with pytest.raises(BadPayloadError, match="never in settings"):
        sources_svc.create_source(
            guarded, alice, shop.id, kind="github", name="x", settings={"repo": "a/b", "token_env": "T"}
        )
    assert sources_svc.rotate_secrets(guarded, OWNER, (NEW_KEY, KEY)) == 1
    assert sources_svc.source_credentials(guarded, alice, made, (NEW_KEY,)) == {
        "token": TOKEN
    }  # the old key is no longer needed
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        sources_svc.source_credentials(guarded, alice, made, (KEY,))
    with pytest.raises(PermissionDenied):
        sources_svc.rotate_secrets(guarded, alice, (NEW_KEY,))
    cleared = sources_svc.update_source(guarded, alice, shop.id, made.id, credentials=None)
    assert not cleared.has_secret
    assert ("secrets_rotated", "local:ops", "ok") in _kinds(guarded, "acme")


def test_deleting_a_project_takes_its_sources_and_is_audited(guarded: Store) -> None:
    alice = _cast(guarded)["alice"]
    shop = svc.create_project(guarded, alice, org_slug="acme", slug="shop")
    sources_svc.create_source(guarded, alice, shop.id, kind="git", name="git", settings={"path": "/srv/shop"})
    svc.delete_project(guarded, alice, shop.id)
    with pytest.raises(NotFoundError):
        svc.get_project(guarded, alice, shop.id)
    with guarded.engine.connect() as conn:
        assert conn.execute(select(t.sources.c.id).where(scoped(t.sources, [1, 2]))).all() == []
    assert ("project_deleted", "alice", "ok") in _kinds(guarded, "acme")


TOML = """
[devmaturity]
project = "shop"
window = "60d"
answers = "answers.yaml"
trunk = "main"
database_url = "sqlite:///elsewhere.db"

[devmaturity.thresholds]
"CD-01.L3.deploy_frequency" = 0.5

[devmaturity.not_applicable]
"SRM-DB-01" = "no database"

[[devmaturity.sources]]
kind = "github"
repo = "acme/shop"
token_env = "SHOP_GH_TOKEN"

[[devmaturity.sources]]
kind = "jenkins"
base_url = "https://ci.example.com"
job = "shop/main"
user_env = "SHOP_CI_USER"
token_env = "SHOP_CI_TOKEN"
"""


def test_import_moves_a_cli_project_and_running_it_again_updates(guarded: Store, tmp_path: Path) -> None:
    _cast(guarded)
    path = tmp_path / "shop" / "devmaturity.toml"
    path.parent.mkdir()
    path.write_text(TOML, encoding="utf-8")
    env = {"SHOP_GH_TOKEN": TOKEN}
    first = import_project(guarded, OWNER, path, org_slug="acme", env=env, secret_keys=(KEY,), now=T0)
    assert first.created and first.project.key == "acme/shop"
    assert first.sources_created == ("git", "github:acme/shop", "jenkins:shop/main")
    settings = dict(first.project.settings)
    assert settings["window"] == "60d" and settings["trunk"] == "main"
    assert settings["thresholds"] == {"CD-01.L3.deploy_frequency": 0.5}
    assert settings["not_applicable"] == {"SRM-DB-01": "no database"}
    assert settings["answers"] == str(tmp_path / "shop" / "answers.yaml")
    assert "database_url" not in settings
    assert any("$SHOP_CI_USER is not set" in n for n in first.notes)
    assert any("database_url" in n for n in first.notes)
    sources = {s.name: s for s in sources_svc.list_sources(guarded, OWNER, first.project.id)}
    assert sources["github:acme/shop"].has_secret and not sources["jenkins:shop/main"].has_secret
    assert dict(sources["git"].settings) == {"path": str(tmp_path / "shop"), "trunk": "main"}
    path.write_text(TOML.replace('"60d"', '"30d"'), encoding="utf-8")
    second = import_project(guarded, OWNER, path, org_slug="acme", env={}, secret_keys=(KEY,), now=T0 + 1)
    assert not second.created and second.project.id == first.project.id
    assert second.sources_updated == first.sources_created and second.sources_created == ()
    assert second.project.settings["window"] == "30d"
    again = {s.name: s for s in sources_svc.list_sources(guarded, OWNER, first.project.id)}
    assert set(again) == set(sources) and again["github:acme/shop"].has_secret  # an unset variable keeps the token
    assert sources_svc.source_credentials(guarded, OWNER, again["github:acme/shop"], (KEY,)) == {"token": TOKEN}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[devmaturity\n", "invalid TOML"),
        ('[devmaturity]\nwindow = "soon"\n', "window"),
        ('[[devmaturity.sources]]\nkind = "svn"\n', "`kind` must be one of"),
        ('[[devmaturity.sources]]\nkind = "jenkins"\njob = "x"\n', "`base_url` is required"),
        ('[devmaturity]\nproject = "Not A Slug"\n', "--slug"),
    ],
)
def test_import_names_what_is_wrong_and_writes_nothing(store: Store, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "devmaturity.toml"
    path.write_text(text, encoding="utf-8")
    svc.create_org(store, OWNER, slug="acme")
    with pytest.raises(ConfigError, match=message):
        import_project(store, OWNER, path, org_slug="acme", env={})
    assert svc.list_projects(store, OWNER).items == []


def test_import_into_an_unknown_organisation_is_not_found(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "devmaturity.toml"
    path.write_text("[devmaturity]\n", encoding="utf-8")
    with pytest.raises(NotFoundError, match="organisation 'nope'"):
        import_project(store, OWNER, path, org_slug="nope", env={})


def test_cli_projects_belong_to_the_local_organisation(store: Store) -> None:
    first = store.project("shop", "/srv/shop")
    assert store.project("shop", "/srv/shop") == first
    [local] = svc.list_orgs(store, OWNER)
    assert local.slug == "local"
    [shop] = svc.list_projects(store, OWNER, org_slug="local").items
    assert (shop.id, shop.key, shop.slug) == (first, "shop", "shop")


def test_an_admin_creates_organisations_and_a_developer_may_not(guarded: Store) -> None:
    cast = _cast(guarded)
    made = svc.create_org(guarded, cast["alice"], slug="newco", now=T0 + 5)
    assert made.slug == "newco"
    with pytest.raises(PermissionDenied):
        svc.create_org(guarded, cast["dave"], slug="devco")
    assert [o.slug for o in svc.list_orgs(guarded, cast["alice"])] == ["acme"]  # the actor predates its membership
    assert ("org_created", "alice", "ok") in _kinds(guarded, "newco")
