"""Audit event kinds and entries, and the hash that chains each organisation's entries (store/repos/audit.py).

An entry's hash is SHA-256 over the canonical JSON of its snapshot fields and the previous entry's hash, so changing,
removing or reordering an entry breaks the chain at that entry. Payloads carry no secrets: `details` is checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from devmaturity.model.text import Text

GENESIS = "0" * 64
"""The `previous hash` of an organisation's first entry."""


class EventKind(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    LOCKED_OUT = "locked_out"
    SIGN_IN_RATE_LIMITED = "sign_in_rate_limited"
    WEBHOOK_REFUSED = "webhook_refused"
    USER_CREATED = "user_created"
    MEMBERSHIP_CHANGED = "membership_changed"
    ORG_CREATED = "org_created"
    TOKEN_CREATED = "token_created"  # noqa: S105 - an event name
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - an event name
    PROJECT_CREATED = "project_created"
    PROJECT_UPDATED = "project_updated"
    PROJECT_DELETED = "project_deleted"
    SOURCE_CREATED = "source_created"
    SOURCE_UPDATED = "source_updated"
    SOURCE_DELETED = "source_deleted"
    SOURCE_TESTED = "source_tested"
    SECRETS_ROTATED = "secrets_rotated"
    RUN_STARTED = "run_started"
    ANSWER_WRITTEN = "answer_written"
    ASSESSMENT_FROZEN = "assessment_frozen"
    ANSWER_REVIEWED = "answer_reviewed"
    EVIDENCE_UPLOADED = "evidence_uploaded"
    CYCLE_OPENED = "cycle_opened"
    DERIVED_REFRESHED = "derived_refreshed"
    EXPORT = "export"
    AUDIT_VERIFIED = "audit_verified"
    PERMISSION_DENIED = "permission_denied"


class Result(StrEnum):
    OK = "ok"
    FAILED = "failed"
    DENIED = "denied"


EVENT_TEXTS: Mapping[EventKind, Text] = MappingProxyType(
    {
        EventKind.SIGN_IN: Text(zh="登录", en="signed in"),
        EventKind.SIGN_IN_FAILED: Text(zh="登录失败", en="sign-in failed"),
        EventKind.SIGN_OUT: Text(zh="退出登录", en="signed out"),
        EventKind.LOCKED_OUT: Text(zh="登录被锁定", en="sign-in locked"),
        EventKind.SIGN_IN_RATE_LIMITED: Text(zh="登录被限流", en="sign-in rate-limited"),
        EventKind.WEBHOOK_REFUSED: Text(zh="拒绝 Webhook 投递", en="webhook delivery refused"),
        EventKind.USER_CREATED: Text(zh="创建用户", en="user created"),
        EventKind.MEMBERSHIP_CHANGED: Text(zh="成员角色变更", en="membership changed"),
        EventKind.ORG_CREATED: Text(zh="创建组织", en="organisation created"),
        EventKind.TOKEN_CREATED: Text(zh="创建 API 令牌", en="API token created"),
        EventKind.TOKEN_REVOKED: Text(zh="吊销 API 令牌", en="API token revoked"),
        EventKind.PROJECT_CREATED: Text(zh="创建项目", en="project created"),
        EventKind.PROJECT_UPDATED: Text(zh="修改项目", en="project updated"),
        EventKind.PROJECT_DELETED: Text(zh="删除项目", en="project deleted"),
        EventKind.SOURCE_CREATED: Text(zh="添加数据源", en="source created"),
        EventKind.SOURCE_UPDATED: Text(zh="修改数据源", en="source updated"),
        EventKind.SOURCE_DELETED: Text(zh="删除数据源", en="source deleted"),
        EventKind.SOURCE_TESTED: Text(zh="测试数据源连接", en="source connection tested"),
        EventKind.SECRETS_ROTATED: Text(zh="凭据重新加密（密钥轮换）", en="credentials re-encrypted (key rotation)"),
        EventKind.RUN_STARTED: Text(zh="启动运行", en="run started"),
        EventKind.ANSWER_WRITTEN: Text(zh="填写答案", en="answer written"),
        EventKind.ASSESSMENT_FROZEN: Text(zh="冻结评估", en="assessment frozen"),
        EventKind.ANSWER_REVIEWED: Text(zh="审核答案", en="answer reviewed"),
        EventKind.EVIDENCE_UPLOADED: Text(zh="上传证据文件", en="evidence file uploaded"),
        EventKind.CYCLE_OPENED: Text(zh="开启评估周期", en="assessment cycle opened"),
        EventKind.DERIVED_REFRESHED: Text(zh="刷新派生数据", en="derived data refreshed"),
        EventKind.EXPORT: Text(zh="导出", en="export"),
        EventKind.AUDIT_VERIFIED: Text(zh="校验审计链", en="audit chain verified"),
        EventKind.PERMISSION_DENIED: Text(zh="拒绝访问", en="permission denied"),
    }
)

_SECRET_WORDS = ("password", "token", "secret", "credential", "hash")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """What happened, before the store gives it a place in an organisation's chain."""

    kind: EventKind
    org_id: int
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    target_name: str = ""
    result: Result = Result.OK
    details: Mapping[str, str | int | bool | None] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        leaked = [key for key in self.details if any(word in key.lower() for word in _SECRET_WORDS)]
        if leaked:  # a programming error: secrets never enter the log, not even under another name
            raise ValueError(f"audit details must not carry secrets: {', '.join(sorted(leaked))}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One stored entry: the event with its place in the chain and the snapshot of who, where and when."""

    org_id: int
    org_slug: str
    seq: int
    at: int
    kind: str
    action: str
    actor_ref: int | None
    actor_name: str
    target_type: str
    target_id: str
    target_name: str
    result: str
    source: str
    details: Mapping[str, str | int | bool | None]
    prev_hash: str
    entry_hash: str

    def canonical(self) -> dict[str, object]:
        """The fields the hash covers (everything but the hash itself), as plain JSON values."""
        return {
            "org_id": self.org_id,
            "org_slug": self.org_slug,
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "action": self.action,
            "actor_ref": self.actor_ref,
            "actor_name": self.actor_name,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_name": self.target_name,
            "result": self.result,
            "source": self.source,
            "details": dict(self.details),
            "prev_hash": self.prev_hash,
        }


def canonical_json(fields: Mapping[str, object]) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same entry always gives the same bytes."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(fields: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry's fields, `prev_hash` included."""
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainBreak:
    """The first entry at which an organisation's chain does not hold, and why."""

    org_slug: str
    seq: int
    reason: Text

    def sentence(self, lang: str = "en") -> str:
        text = self.reason.zh if lang == "zh" else self.reason.en
        return f"organisation {self.org_slug}: entry {self.seq}: {text}"
