"""The audit entry hash is SHA-256 of a canonical JSON that any other tool can rebuild; secrets are kept out."""

from __future__ import annotations

import hashlib

import pytest

from devmaturity.auth.audit import GENESIS, AuditEntry, AuditEvent, EventKind, canonical_json, entry_hash


def _entry(**changes: object) -> AuditEntry:
    fields: dict[str, object] = {
        "org_id": 1,
        "org_slug": "acme",
        "seq": 1,
        "at": 1700000000,
        "kind": "user_created",
        "action": "user.manage",
        "actor_ref": None,
        "actor_name": "local:ops",
        "target_type": "user",
        "target_id": "2",
        "target_name": "张三",
        "result": "ok",
        "source": "cli",
        "details": {"role": "admin"},
        "prev_hash": GENESIS,
        "entry_hash": "",
        **changes,
    }
    return AuditEntry(**fields)  # type: ignore[arg-type]


def test_canonical_json_is_sorted_compact_utf8() -> None:
    """Written out by hand: keys in order, no spaces, 张三 kept as UTF-8, the genesis hash 64 zeros."""
    expected = (
        '{"action":"user.manage","actor_name":"local:ops","actor_ref":null,"at":1700000000,'
        '"details":{"role":"admin"},"kind":"user_created","org_id":1,"org_slug":"acme",'
        f'"prev_hash":"{"0" * 64}","result":"ok","seq":1,"source":"cli","target_id":"2",'
        '"target_name":"张三","target_type":"user"}'
    )
    entry = _entry()
    assert canonical_json(entry.canonical()) == expected
    assert entry_hash(entry.canonical()) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_every_field_and_the_previous_hash_change_the_hash() -> None:
    base = entry_hash(_entry().canonical())
    for change in ({"seq": 2}, {"actor_name": "x"}, {"details": {"role": "tester"}}, {"prev_hash": "1" * 64}):
        assert entry_hash(_entry(**change).canonical()) != base, change


def test_details_that_look_like_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="must not carry secrets: password"):
        AuditEvent(kind=EventKind.USER_CREATED, org_id=1, details={"password": "x"})
    with pytest.raises(ValueError, match="api_token"):
        AuditEvent(kind=EventKind.TOKEN_CREATED, org_id=1, details={"api_token": "dm_x"})
    assert AuditEvent(kind=EventKind.EXPORT, org_id=1, details={"format": "csv"}).details["format"] == "csv"
