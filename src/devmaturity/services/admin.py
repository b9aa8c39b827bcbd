"""Platform use cases: organisations, users, sign-in with lockout, API tokens, and the audit log (verify, export).

Each use case opens one transaction, checks the policy, writes, and appends its audit entries in that same
transaction. A refused action in the actor's organisation is recorded (`permission_denied`) in a transaction of
its own, because the use case's own transaction does not commit.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection

from devmaturity.auth.audit import AuditEntry, ChainBreak, EventKind, Result
from devmaturity.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from devmaturity.auth.policy import Actor, in_scope
from devmaturity.auth.roles import Action, Role
from devmaturity.auth.tokens import looks_like_token, new_token, token_digest, token_matches
from devmaturity.config import Config
from devmaturity.errors import (
    NotAuthenticated,
    NotFoundError,
    PasswordPolicyError,
    UsageError,
)
from devmaturity.model.text import Lang
from devmaturity.services.access import AuditLog, Gate, org_target
from devmaturity.store.db import Store
from devmaturity.store.repos import accounts
from devmaturity.store.repos import audit as audit_repo
from devmaturity.store.repos.accounts import Organisation


@dataclass(frozen=True, slots=True, kw_only=True)
class Lockout:
    """How many wrong passwords in a row lock a user, and for how long (settings lockout_failures/_minutes)."""

    failures: int = 5
    minutes: int = 15

    @staticmethod
    def of(config: Config) -> Lockout:
        return Lockout(failures=config.lockout_failures, minutes=config.lockout_minutes)


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainReport:
    org_slug: str
    entries: int
    head: str
    broken: ChainBreak | None


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else now


def create_user(
    store: Store,
    actor: Actor,
    *,
    org_slug: str,
    name: str,
    password: str,
    role: Role,
    source: str = "cli",
    now: int | None = None,
    lang: Lang = "en",
) -> int:
    """Create a user with a role in the organisation; the local owner also creates the organisation when new
    (how the first admin is bootstrapped). The password is checked by the policy and only its hash is kept."""
    gate = Gate(store, actor, source=source, now=now)
    problem = password_problem(password, name)
    if problem is not None:
        raise PasswordPolicyError(problem.get(lang))
    digest = hash_password(password)
    with store.transaction() as conn:
        org = accounts.org_by_slug(conn, org_slug)
        new_org = org is None and actor.owner
    if org is not None and in_scope(actor, org.id):
        gate.require(Action.USER_MANAGE, org.id, org_target(org))
    elif not new_org:
        raise NotFoundError(f"organisation {org_slug!r} not found")
    with store.transaction() as conn:
        log, at = gate.audit(conn), gate.at
        if org is None:
            org = accounts.create_org(conn, slug=org_slug, name=org_slug, now=at)
            log.add(EventKind.ORG_CREATED, org.id, org_target(org))
        user_id = accounts.create_user(conn, name=name, password_hash=digest, now=at)
        accounts.set_membership(conn, org_id=org.id, user_id=user_id, role=role, now=at)
        target = ("user", user_id, name)
        log.add(EventKind.USER_CREATED, org.id, target, action=Action.USER_MANAGE)
        details = {"role": role.value, "previous_role": None}
        log.add(EventKind.MEMBERSHIP_CHANGED, org.id, target, action=Action.USER_MANAGE, details=details)
    return user_id


def set_role(
    store: Store, actor: Actor, *, org_slug: str, name: str, role: Role, source: str = "cli", now: int | None = None
) -> Role | None:
    """Give an existing user a role in the organisation; the previous role (None when newly a member)."""
    gate = Gate(store, actor, source=source, now=now)
    org = gate.organisation(org_slug, Action.USER_MANAGE)
    with store.transaction() as conn:
        user = accounts.user_by_name(conn, name)
        if user is None:
            raise NotFoundError(f"user {name!r} not found")
        before = accounts.set_membership(conn, org_id=org.id, user_id=user.id, role=role, now=gate.at)
        details = {"role": role.value, "previous_role": before.value if before else None}
        target = ("user", user.id, name)
        gate.audit(conn).add(EventKind.MEMBERSHIP_CHANGED, org.id, target, action=Action.USER_MANAGE, details=details)
    return before


def _member_orgs(conn: Connection, user_id: int) -> list[Organisation]:
    return accounts.orgs_by_id(conn, frozenset(accounts.roles_of(conn, user_id)))


def sign_in(store: Store, name: str, password: str, *, lockout: Lockout, source: str, now: int | None = None) -> Actor:
    """The actor for a name and password, or NotAuthenticated (the same message whatever was wrong). Wrong
    passwords are counted; `lockout.failures` in a row lock sign-in for `lockout.minutes`, and every attempt
    on a known user is recorded in each of its organisations' audit logs (never the password)."""
    at = _now(now)
    refused = NotAuthenticated("wrong user name or password, or sign-in locked for a while")
    with store.transaction() as conn:
        user = accounts.user_by_name(conn, name)
        good = verify_password(user.password_hash if user else None, password)  # also for unknown names: same time
        if user is None:
            raise refused  # nothing to lock or attribute to an organisation
        locked = user.locked_until is not None and user.locked_until > at
        log, target = AuditLog(conn, Actor(user_id=user.id, name=user.name), at, source), ("user", user.id, user.name)
        orgs = _member_orgs(conn, user.id)
        if good and not locked:
            fresh = hash_password(password) if user.password_hash and needs_rehash(user.password_hash) else None
            accounts.record_success(conn, user, new_hash=fresh)
            for org in orgs:
                log.add(EventKind.SIGN_IN, org.id, target)
            return accounts.actor_of(conn, user)
        if locked:
            reason = "locked"
        elif accounts.record_failure(conn, user, now=at, max_failures=lockout.failures, lock_minutes=lockout.minutes):
            reason = "wrong password, now locked"
        else:
            reason = "wrong password"
        for org in orgs:
            log.add(EventKind.SIGN_IN_FAILED, org.id, target, result=Result.FAILED, details={"reason": reason})
            if reason == "wrong password, now locked":
                details = {"failures": lockout.failures, "minutes": lockout.minutes}
                log.add(EventKind.LOCKED_OUT, org.id, target, result=Result.DENIED, details=details)
    raise refused


def create_token(
    store: Store,
    actor: Actor,
    *,
    user_name: str,
    org_slug: str | None,
    secret_key: str,
    source: str = "cli",
    now: int | None = None,
) -> str:
    """A new API token for the user, down-scoped to one organisation when `org_slug` is given. Returned once;
    the store keeps only its HMAC. Creating one for someone else needs user.manage as well as token.create."""
    gate = Gate(store, actor, source=source, now=now)
    with store.transaction() as conn:
        user = accounts.user_by_name(conn, user_name)
        if user is None:
            raise NotFoundError(f"user {user_name!r} not found")
        covered = [gate.find_org(conn, org_slug)] if org_slug else _member_orgs(conn, user.id)
        if org_slug and covered[0].id not in accounts.roles_of(conn, user.id):
            raise UsageError(f"user {user_name!r} is not a member of organisation {org_slug!r}")
    if not covered:
        raise UsageError(f"user {user_name!r} is in no organisation: give it a role first")
    for org in covered:
        gate.require(Action.TOKEN_CREATE, org.id, org_target(org))
        if actor.user_id != user.id:
            gate.require(Action.USER_MANAGE, org.id, org_target(org))
    token = new_token()
    with store.transaction() as conn:
        token_id = accounts.add_token(
            conn,
            user_id=user.id,
            digest=token_digest(token, secret_key),
            org_id=covered[0].id if org_slug else None,
            now=gate.at,
        )
        log, details = gate.audit(conn), {"scoped": org_slug is not None}
        for org in covered:
            log.add(
                EventKind.TOKEN_CREATED,
                org.id,
                ("api_token", token_id, user.name),
                action=Action.TOKEN_CREATE,
                details=details,
            )
    return token


def authenticate_token(store: Store, token: str, *, secret_key: str, now: int | None = None) -> Actor:
    """The actor a bearer token stands for (down-scoped as created), or NotAuthenticated; revoked tokens fail."""
    refused = NotAuthenticated("invalid or revoked API token")
    if not looks_like_token(token):
        raise refused
    with store.transaction() as conn:
        row = accounts.token_by_digest(conn, token_digest(token, secret_key))
        # the look-up is by a keyed digest (its timing tells nothing of the token); the match is constant-time
        if row is None or row.revoked or not token_matches(token, row.digest, secret_key):
            raise refused
        accounts.token_used(conn, row.id, _now(now))
        return accounts.actor_of(conn, accounts.user_by_id(conn, row.user_id), token_org=row.org_id)


def revoke_token(store: Store, actor: Actor, *, token_id: int, source: str = "cli", now: int | None = None) -> None:
    """Revoke one of the actor's own tokens (recorded in the organisation it was scoped to, or in all of the
    actor's organisations)."""
    at = _now(now)
    if actor.user_id is None:
        raise UsageError("the local owner has no tokens of its own")
    with store.transaction() as conn:
        revoked = accounts.revoke_token(conn, token_id=token_id, user_id=actor.user_id, now=at)
        if revoked is None:
            raise NotFoundError(f"token {token_id} not found")
        covered = frozenset({revoked.org_id}) if revoked.org_id is not None else None
        for org in accounts.orgs_by_id(conn, covered) if covered else _member_orgs(conn, actor.user_id):
            AuditLog(conn, actor, at, source).add(EventKind.TOKEN_REVOKED, org.id, ("api_token", token_id, actor.name))


def _visible(conn: Connection, gate: Gate, org_slug: str | None) -> list[Organisation]:
    if org_slug is not None:
        return [gate.find_org(conn, org_slug)]
    return accounts.orgs_by_id(conn, None if gate.actor.owner else gate.actor.org_ids())


def verify_audit(
    store: Store, actor: Actor, *, org_slug: str | None = None, source: str = "cli", now: int | None = None
) -> list[ChainReport]:
    """Verify the chain of the organisation (or of every one the actor sees); the check itself is recorded."""
    gate = Gate(store, actor, source=source, now=now)
    with store.transaction() as conn:
        orgs = _visible(conn, gate, org_slug)
    for org in orgs:
        gate.require(Action.AUDIT_READ, org.id, org_target(org))
    reports = []
    with store.transaction() as conn:
        for org in orgs:
            count, broken = audit_repo.verify_chain(conn, org.id)
            head = accounts.audit_head(conn, org.id)
            reports.append(ChainReport(org_slug=org.slug, entries=count, head=head, broken=broken))
            details: dict[str, str | int | bool | None] = {"entries": count}
            if broken is not None:
                details["broken_at"] = broken.seq
            result = Result.FAILED if broken else Result.OK
            gate.audit(conn).add(
                EventKind.AUDIT_VERIFIED,
                org.id,
                ("audit_log", org.id, org.slug),
                action=Action.AUDIT_READ,
                result=result,
                details=details,
            )
    return reports


EXPORT_FIELDS = (
    "org_slug",
    "seq",
    "at",
    "kind",
    "action",
    "actor_ref",
    "actor_name",
    "target_type",
    "target_id",
    "target_name",
    "result",
    "source",
    "details",
    "prev_hash",
    "entry_hash",
)


def _as_row(entry: AuditEntry) -> dict[str, object]:
    fields = {**entry.canonical(), "entry_hash": entry.entry_hash}
    return {name: fields[name] for name in EXPORT_FIELDS}


def _render(entries: Iterable[AuditEntry], fmt: ExportFormat) -> str:
    if fmt is ExportFormat.JSONL:
        return "".join(json.dumps(_as_row(e), ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = _as_row(entry)
        writer.writerow({**row, "details": json.dumps(row["details"], ensure_ascii=False, sort_keys=True)})
    return out.getvalue()


def export_audit(
    store: Store,
    actor: Actor,
    *,
    org_slug: str | None = None,
    since: int | None = None,
    fmt: ExportFormat = ExportFormat.JSONL,
    source: str = "cli",
    now: int | None = None,
) -> str:
    """The entries (with their hashes, so an export can be re-verified elsewhere) as JSON lines or CSV; the
    export is recorded after it was read, so it does not contain its own entry."""
    gate = Gate(store, actor, source=source, now=now)
    with store.transaction() as conn:
        orgs = _visible(conn, gate, org_slug)
    for org in orgs:
        gate.require(Action.AUDIT_EXPORT, org.id, org_target(org))
    with store.transaction() as conn:
        text = _render(audit_repo.entries(conn, frozenset(o.id for o in orgs), since=since), fmt)
        for org in orgs:
            gate.audit(conn).add(
                EventKind.EXPORT,
                org.id,
                ("audit_log", org.id, org.slug),
                action=Action.AUDIT_EXPORT,
                details={"format": fmt.value, "since": since},
            )
    return text
