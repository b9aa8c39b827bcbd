"""The platform store on SQLite and PostgreSQL: every change leaves a hash-chained audit entry, tampering is found
at the entry it touched, sign-in locks after repeated failures, tokens and passwords are never kept in clear, and
every read of a tenant table carries the organisation scope (the tenancy guard is on in every test here)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select, text

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.errors import (
    Conflict,
    NotAuthenticated,
    NotFoundError,
    PasswordPolicyError,
    PermissionDenied,
    StoreError,
)
from devmaturity.services import admin
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from devmaturity.store.repos import audit as audit_repo
from devmaturity.store.repos.tenancy import install_guard, scoped, unscoped_tenant_tables

OWNER = Actor.local("local:ops")
KEY = "s" * 40
ALICE_PW = "alice-secret-pass-1"
BOB_PW = "bob-secret-pass-22"
T0 = 1_700_000_000
LOCK = admin.Lockout(failures=3, minutes=10)


@pytest.fixture
def guarded(store: Store) -> Iterator[Store]:
    install_guard(store.engine)
    yield store


def _kinds(store: Store, org_slug: str = "acme") -> list[tuple[int, str, str, str, str]]:
    with store.engine.connect() as conn:
        org_id = conn.execute(select(t.organisations.c.id).where(t.organisations.c.slug == org_slug)).scalar_one()
        return [
            (e.seq, e.kind, e.actor_name, e.target_name, e.result)
            for e in audit_repo.entries(conn, frozenset({org_id}))
        ]


def _people(store: Store) -> None:
    """acme: alice admin (seq 1 org_created, 2 user_created, 3 membership_changed), bob developer (4, 5)."""
    admin.create_user(store, OWNER, org_slug="acme", name="alice", password=ALICE_PW, role=Role.ADMIN, now=T0)
    admin.create_user(store, OWNER, org_slug="acme", name="bob", password=BOB_PW, role=Role.DEVELOPER, now=T0)


def _verify(store: Store, org: str = "acme") -> admin.ChainReport:
    [report] = admin.verify_audit(store, OWNER, org_slug=org, now=T0 + 100)
    return report


def test_every_change_leaves_an_entry_and_the_chain_holds(guarded: Store) -> None:
    store = guarded
    _people(store)
    alice = admin.sign_in(store, "alice", ALICE_PW, lockout=LOCK, source="10.0.0.1", now=T0 + 1)
    assert alice.name == "alice"
    assert dict(alice.roles) == {1: Role.ADMIN}
    assert admin.set_role(store, alice, org_slug="acme", name="bob", role=Role.ASSESSOR, now=T0 + 2) is Role.DEVELOPER
    admin.create_token(store, alice, user_name="alice", org_slug="acme", secret_key=KEY, now=T0 + 3)
    admin.export_audit(store, alice, org_slug="acme", now=T0 + 4)
    assert _kinds(store) == [
        (1, "org_created", "local:ops", "acme", "ok"),
        (2, "user_created", "local:ops", "alice", "ok"),
        (3, "membership_changed", "local:ops", "alice", "ok"),
        (4, "user_created", "local:ops", "bob", "ok"),
        (5, "membership_changed", "local:ops", "bob", "ok"),
        (6, "sign_in", "alice", "alice", "ok"),
        (7, "membership_changed", "alice", "bob", "ok"),
        (8, "token_created", "alice", "alice", "ok"),
        (9, "export", "alice", "acme", "ok"),
    ]
    report = _verify(store)
    assert (report.entries, report.broken) == (9, None)
    with store.engine.connect() as conn:
        row = conn.execute(select(t.audit_log).where(scoped(t.audit_log, [1]), t.audit_log.c.seq == 6)).one()
    assert (row.source, row.actor_ref, row.actor_user_id) == ("10.0.0.1", alice.user_id, alice.user_id)
    with store.engine.connect() as conn:  # filters; entry 10 is the check above (local:ops, at T0 + 100)
        assert [e.seq for e in audit_repo.entries(conn, frozenset({1}), kind="membership_changed")] == [3, 5, 7]
        assert [e.seq for e in audit_repo.entries(conn, frozenset({1}), actor_name="alice")] == [6, 7, 8, 9]
        assert [e.seq for e in audit_repo.entries(conn, frozenset({1}), since=T0 + 3)] == [8, 9, 10]
        assert list(audit_repo.entries(conn, frozenset({2}))) == []
    # deleting alice clears the foreign key; the snapshots (and so the chain) stay as written
    with store.engine.begin() as conn:
        conn.execute(t.users.delete().where(t.users.c.name == "alice"))
    with store.engine.connect() as conn:
        row = conn.execute(select(t.audit_log).where(scoped(t.audit_log, [1]), t.audit_log.c.seq == 6)).one()
    assert (row.actor_ref, row.actor_user_id, row.actor_name) == (alice.user_id, None, "alice")
    after = _verify(store)
    assert (after.entries, after.broken) == (10, None)


def test_duplicates_and_weak_passwords_are_refused_without_entries(guarded: Store) -> None:
    store = guarded
    _people(store)
    with pytest.raises(Conflict, match="user 'bob' exists already"):
        admin.create_user(store, OWNER, org_slug="acme", name="bob", password=BOB_PW, role=Role.TESTER, now=T0)
    with pytest.raises(PasswordPolicyError, match="at least 12 characters"):
        admin.create_user(store, OWNER, org_slug="acme", name="carol", password="short", role=Role.TESTER, now=T0)
    assert len(_kinds(store)) == 5  # nothing of either attempt, not even half of it


def _break(store: Store, sql: str) -> admin.ChainReport:
    with store.engine.begin() as conn:
        conn.execute(text(sql))
    return _verify(store)


@pytest.mark.parametrize(
    ("sql", "seq", "why"),
    [
        ("UPDATE audit_log SET target_name = 'mallory' WHERE seq = 4", 4, "changed after it was written"),
        ("UPDATE audit_log SET at = at + 1 WHERE seq = 2", 2, "changed after it was written"),
        ("UPDATE audit_log SET entry_hash = prev_hash WHERE seq = 3", 3, "changed after it was written"),
        ("DELETE FROM audit_log WHERE seq = 3", 3, "entry 3 is missing"),
        ("DELETE FROM audit_log WHERE seq = 5", 5, "entry 5 is missing"),
    ],
)
def test_tampering_breaks_the_chain_at_that_entry(guarded: Store, sql: str, seq: int, why: str) -> None:
    """Five entries (see _people). Editing a column or the stored hash of entry N, deleting a middle entry, or
    deleting the newest one (the organisation row keeps the head) is reported at N."""
    _people(guarded)
    assert _verify(guarded).broken is None
    report = _break(guarded, sql)
    assert report.broken is not None
    assert report.broken.seq == seq
    assert why in report.broken.sentence()
    assert report.broken.sentence("zh").startswith("organisation acme: entry ")


def test_rewriting_the_next_link_is_named_at_the_relinked_entry(guarded: Store) -> None:
    """Entry 3 removed and entry 4 renumbered 3: the hash of entry 3 is stale, so the relinked row is named."""
    _people(guarded)
    with guarded.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
        conn.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = 4"))
    report = _verify(guarded)
    assert report.broken is not None
    assert report.broken.seq == 3
    assert "previous-entry hash does not match" in report.broken.sentence()


def test_lockout_after_repeated_failures_is_audited(guarded: Store) -> None:
    """Three wrong passwords lock bob for 10 minutes: the right one is refused during the lock (t+60) and
    accepted after it (t + 601 s); each attempt is an entry in acme's log."""
    store = guarded
    _people(store)
    for i in range(3):
        with pytest.raises(NotAuthenticated):
            admin.sign_in(store, "bob", "wrong-password-x", lockout=LOCK, source="1.2.3.4", now=T0 + i)
    with pytest.raises(NotAuthenticated):
        admin.sign_in(store, "bob", BOB_PW, lockout=LOCK, source="1.2.3.4", now=T0 + 60)
    bob = admin.sign_in(store, "bob", BOB_PW, lockout=LOCK, source="1.2.3.4", now=T0 + 2 + 601)
    assert dict(bob.roles) == {1: Role.DEVELOPER}
    with pytest.raises(NotAuthenticated):
        admin.sign_in(store, "nobody", BOB_PW, lockout=LOCK, source="1.2.3.4", now=T0)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log.c.kind, t.audit_log.c.result, t.audit_log.c.details)
            .where(scoped(t.audit_log, [1]), t.audit_log.c.seq > 5)
            .order_by(t.audit_log.c.seq)
        ).all()
        user = conn.execute(select(t.users.c.failed_count, t.users.c.locked_until).where(t.users.c.name == "bob")).one()
    assert [tuple(r) for r in rows] == [
        ("sign_in_failed", "failed", '{"reason": "wrong password"}'),
        ("sign_in_failed", "failed", '{"reason": "wrong password"}'),
        ("sign_in_failed", "failed", '{"reason": "wrong password, now locked"}'),
        ("locked_out", "denied", '{"failures": 3, "minutes": 10}'),
        ("sign_in_failed", "failed", '{"reason": "locked"}'),
        ("sign_in", "ok", "{}"),
    ]
    assert (user.failed_count, user.locked_until) == (0, None)


def test_denied_action_is_recorded_and_outsiders_get_not_found(guarded: Store) -> None:
    store = guarded
    _people(store)
    admin.create_user(store, OWNER, org_slug="other", name="carol", password="carol-secret-pass", role=Role.ADMIN)
    bob = admin.sign_in(store, "bob", BOB_PW, lockout=LOCK, source="cli", now=T0)
    carol = admin.sign_in(store, "carol", "carol-secret-pass", lockout=LOCK, source="cli", now=T0)
    with pytest.raises(PermissionDenied, match="Only administrators may export the audit log"):
        admin.export_audit(store, bob, org_slug="acme", now=T0 + 5)
    with pytest.raises(NotFoundError, match="organisation 'acme' not found"):
        admin.export_audit(store, carol, org_slug="acme", now=T0 + 5)
    with pytest.raises(NotFoundError):
        admin.create_user(store, carol, org_slug="acme", name="dave", password="dave-secret-pass", role=Role.ADMIN)
    assert _kinds(store)[-2:] == [(6, "sign_in", "bob", "bob", "ok"), (7, "permission_denied", "bob", "acme", "denied")]
    # carol sees only her own organisation when she names none
    assert [r.org_slug for r in admin.verify_audit(store, carol, now=T0)] == ["other"]


def test_tokens_are_shown_once_stored_as_hmac_and_revocable(guarded: Store) -> None:
    store = guarded
    _people(store)
    admin.create_user(store, OWNER, org_slug="other", name="erin", password="erin-secret-pass", role=Role.TESTER)
    admin.set_role(store, OWNER, org_slug="other", name="alice", role=Role.ADMIN)
    token = admin.create_token(store, OWNER, user_name="alice", org_slug="other", secret_key=KEY, now=T0)
    actor = admin.authenticate_token(store, token, secret_key=KEY, now=T0 + 9)
    assert (actor.name, actor.token_org, actor.org_ids()) == ("alice", 2, frozenset({2}))
    with store.engine.connect() as conn:
        row = conn.execute(select(t.api_tokens)).one()
    assert row.digest != token and len(row.digest) == 64
    assert row.last_used_at == T0 + 9
    with pytest.raises(NotAuthenticated):
        admin.authenticate_token(store, token, secret_key="x" * 40)  # another service key
    with pytest.raises(NotAuthenticated):
        admin.authenticate_token(store, token[:-1] + ("A" if token[-1] != "A" else "B"), secret_key=KEY)
    admin.revoke_token(store, actor, token_id=row.id, now=T0 + 10)
    with pytest.raises(NotAuthenticated, match="invalid or revoked"):
        admin.authenticate_token(store, token, secret_key=KEY)
    # other: 1 org_created, 2-3 erin created, 4 alice's membership, then the token's two entries; acme has neither
    assert [k for _, k, *_ in _kinds(store, "acme")] == ["org_created", *["user_created", "membership_changed"] * 2]
    assert _kinds(store, "other")[-2:] == [
        (5, "token_created", "local:ops", "alice", "ok"),
        (6, "token_revoked", "alice", "alice", "ok"),
    ]
    # a tester may not create tokens: refused and recorded
    erin = admin.sign_in(store, "erin", "erin-secret-pass", lockout=LOCK, source="cli")
    with pytest.raises(PermissionDenied, match="API tokens"):
        admin.create_token(store, erin, user_name="erin", org_slug=None, secret_key=KEY)
    assert _kinds(store, "other")[-1][1:] == ("permission_denied", "erin", "other", "denied")


def test_passwords_and_tokens_never_stored_or_logged_in_clear(
    guarded: Store, store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With SQL and parameters logged, a full round: neither the password nor the token is in the log, in any
    text column of any table, nor (SQLite) anywhere in the database file's bytes; the hash is argon2id."""
    store = guarded
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        _people(store)
        admin.sign_in(store, "alice", ALICE_PW, lockout=LOCK, source="cli")
        with pytest.raises(NotAuthenticated):
            admin.sign_in(store, "alice", "alice-wrong-pass-9", lockout=LOCK, source="cli")
        token = admin.create_token(store, OWNER, user_name="alice", org_slug=None, secret_key=KEY)
        admin.authenticate_token(store, token, secret_key=KEY)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "INSERT INTO users" in caplog.text  # the log really holds the SQL
    for secret in (ALICE_PW, BOB_PW, "alice-wrong-pass-9", token, token[3:]):
        assert secret not in caplog.text
    seen: list[str] = []
    with store.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text)]
            if columns:
                clause = [scoped(table, [1, 2])] if table in t.TENANT_TABLES else []
                seen += [str(v) for row in conn.execute(select(*columns).where(*clause)) for v in row if v]
        hashes = conn.execute(select(t.users.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert len(hashes) == 2
    for secret in (ALICE_PW, BOB_PW, token, token[3:]):
        assert not [v for v in seen if secret in v]
    if store_url.startswith("sqlite"):
        store.engine.dispose()
        path = Path(store_url.removeprefix("sqlite:///"))
        data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())
        assert b"$argon2id$" in data  # the file is really read
        for secret in (ALICE_PW, BOB_PW, token):
            assert secret.encode() not in data


def test_the_tenancy_guard_refuses_a_tenant_query_without_the_scope(guarded: Store) -> None:
    _people(guarded)
    with (
        guarded.engine.connect() as conn,
        pytest.raises(StoreError, match="without the organisation scope on audit_log"),
    ):
        conn.execute(select(t.audit_log.c.seq).where(t.audit_log.c.org_id == 1))
    with guarded.engine.connect() as conn:
        assert len(conn.execute(select(t.audit_log.c.seq).where(scoped(t.audit_log, [1]))).all()) == 5
    joined = select(t.users.c.name).join_from(t.users, t.memberships, t.users.c.id == t.memberships.c.user_id)
    assert unscoped_tenant_tables(joined) == ["memberships"]
    assert unscoped_tenant_tables(joined.where(scoped(t.memberships, [1]))) == []
    assert unscoped_tenant_tables(t.audit_log.delete().where(t.audit_log.c.seq == 1)) == ["audit_log"]
    assert unscoped_tenant_tables(select(t.users.c.name)) == []


def test_concurrent_appends_to_one_chain_take_turns(guarded: Store) -> None:
    """Four threads append five entries each to acme (after its five): the chain has 25 entries, 1..25, intact."""
    import threading

    from devmaturity.auth.audit import AuditEvent, EventKind

    _people(guarded)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                with guarded.transaction() as conn:
                    event = AuditEvent(kind=EventKind.EXPORT, org_id=1, target_name=f"{n}-{i}")
                    audit_repo.append(conn, OWNER, event, now=T0, source="test")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with guarded.engine.connect() as conn:
        assert audit_repo.verify_chain(conn, 1) == (25, None)
        assert [e.seq for e in audit_repo.entries(conn, frozenset({1}))] == list(range(1, 26))


def test_lockout_settings_come_from_the_config() -> None:
    from devmaturity.config import load_config

    config = load_config(env={"DEVMATURITY_LOCKOUT_FAILURES": "3", "DEVMATURITY_LOCKOUT_MINUTES": "10"})
    assert admin.Lockout.of(config) == LOCK
    assert admin.Lockout.of(load_config(env={})) == admin.Lockout(failures=5, minutes=15)


def test_migration_0011_downgrades_and_upgrades(store: Store) -> None:
    """Down to 0010 drops exactly the five platform tables; up again recreates them (an empty chain verifies)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import inspect

    from devmaturity.store.db import MIGRATIONS

    platform = {"organisations", "users", "memberships", "api_tokens", "audit_log"}
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    assert platform.isdisjoint(inspect(store.engine).get_table_names())
    store.migrate()
    assert platform <= set(inspect(store.engine).get_table_names())
    admin.create_user(store, OWNER, org_slug="acme", name="alice", password=ALICE_PW, role=Role.ADMIN, now=T0)
    assert _verify(store).broken is None
