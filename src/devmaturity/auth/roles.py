"""Roles of a user in an organisation and the ONE table of the actions each role may take, with denial texts."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from devmaturity.model.text import Text


class Role(StrEnum):
    """A user's role in one organisation; the delivery roles read, assessors assess, admins do everything."""

    ADMIN = "admin"
    ASSESSOR = "assessor"
    PRODUCT_MANAGER = "product_manager"
    SCRUM_MASTER = "scrum_master"
    ARCHITECT = "architect"
    DEVELOPER = "developer"
    TESTER = "tester"
    OPERATIONS = "operations"


class Action(StrEnum):
    """Something a user asks to do inside an organisation."""

    ORG_READ = "org.read"
    ORG_CREATE = "org.create"
    ORG_MANAGE = "org.manage"
    PROJECT_READ = "project.read"
    PROJECT_CREATE = "project.create"
    PROJECT_UPDATE = "project.update"
    PROJECT_DELETE = "project.delete"
    SOURCE_READ = "source.read"
    SOURCE_MANAGE = "source.manage"
    RUN_START = "run.start"
    RUN_READ = "run.read"
    ASSESSMENT_READ = "assessment.read"
    ANSWER_WRITE = "answer.write"
    ANSWER_REVIEW = "answer.review"
    ASSESSMENT_FREEZE = "assessment.freeze"
    REPORT_EXPORT = "report.export"
    USER_MANAGE = "user.manage"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    TOKEN_CREATE = "token.create"  # noqa: S105 - an action name


_READ = frozenset({Action.ORG_READ, Action.PROJECT_READ, Action.SOURCE_READ, Action.RUN_READ, Action.ASSESSMENT_READ})
_ASSESS = frozenset(
    {
        Action.RUN_START,
        Action.ANSWER_WRITE,
        Action.ANSWER_REVIEW,
        Action.ASSESSMENT_FREEZE,
        Action.REPORT_EXPORT,
        Action.TOKEN_CREATE,
    }
)

PERMISSIONS: Mapping[Role, frozenset[Action]] = MappingProxyType(
    {
        Role.ADMIN: frozenset(Action),
        Role.ASSESSOR: _READ | _ASSESS,
        Role.PRODUCT_MANAGER: _READ,
        Role.SCRUM_MASTER: _READ,
        Role.ARCHITECT: _READ,
        Role.DEVELOPER: _READ,
        Role.TESTER: _READ,
        Role.OPERATIONS: _READ,
    }
)
"""The one table: role → the actions it may take in its organisation. Nothing else decides."""

ROLE_NAMES: Mapping[Role, Text] = MappingProxyType(
    {
        Role.ADMIN: Text(zh="管理员", en="administrator"),
        Role.ASSESSOR: Text(zh="评估师", en="assessor"),
        Role.PRODUCT_MANAGER: Text(zh="产品经理", en="product manager"),
        Role.SCRUM_MASTER: Text(zh="敏捷教练（Scrum Master）", en="Scrum Master"),
        Role.ARCHITECT: Text(zh="架构师", en="architect"),
        Role.DEVELOPER: Text(zh="开发人员", en="developer"),
        Role.TESTER: Text(zh="测试人员", en="tester"),
        Role.OPERATIONS: Text(zh="运维人员", en="operations engineer"),
    }
)

DENIALS: Mapping[Action, Text] = MappingProxyType(
    {
        Action.ORG_READ: Text(zh="你的角色不能查看该组织。", en="Your role may not view this organisation."),
        Action.ORG_CREATE: Text(
            zh="只有某个组织的管理员可以创建新组织。",
            en="Only an organisation's administrators may create organisations.",
        ),
        Action.ORG_MANAGE: Text(
            zh="只有管理员可以修改组织设置。", en="Only administrators may change the organisation."
        ),
        Action.PROJECT_READ: Text(zh="你的角色不能查看项目。", en="Your role may not view projects."),
        Action.PROJECT_CREATE: Text(zh="只有管理员可以创建项目。", en="Only administrators may create projects."),
        Action.PROJECT_UPDATE: Text(zh="只有管理员可以修改项目。", en="Only administrators may change projects."),
        Action.PROJECT_DELETE: Text(zh="只有管理员可以删除项目。", en="Only administrators may delete projects."),
        Action.SOURCE_READ: Text(zh="你的角色不能查看数据源。", en="Your role may not view sources."),
        Action.SOURCE_MANAGE: Text(
            zh="只有管理员可以添加或修改数据源及其凭据。",
            en="Only administrators may add or change sources and their credentials.",
        ),
        Action.RUN_START: Text(
            zh="只有评估师和管理员可以启动采集或评估。",
            en="Only assessors and administrators may start a collection or assessment.",
        ),
        Action.RUN_READ: Text(zh="你的角色不能查看运行记录。", en="Your role may not view runs."),
        Action.ASSESSMENT_READ: Text(zh="你的角色不能查看评估结果。", en="Your role may not view assessments."),
        Action.ANSWER_WRITE: Text(
            zh="只有评估师和管理员可以填写评估问题的答案。",
            en="Only assessors and administrators may answer assessment questions.",
        ),
        Action.ANSWER_REVIEW: Text(
            zh="只有评估师和管理员可以审核答案。", en="Only assessors and administrators may review answers."
        ),
        Action.ASSESSMENT_FREEZE: Text(
            zh="只有评估师和管理员可以冻结评估结果。", en="Only assessors and administrators may freeze an assessment."
        ),
        Action.REPORT_EXPORT: Text(
            zh="只有评估师和管理员可以导出报告。", en="Only assessors and administrators may export reports."
        ),
        Action.USER_MANAGE: Text(
            zh="只有管理员可以管理用户和角色。", en="Only administrators may manage users and roles."
        ),
        Action.AUDIT_READ: Text(zh="只有管理员可以查看审计日志。", en="Only administrators may read the audit log."),
        Action.AUDIT_EXPORT: Text(
            zh="只有管理员可以导出审计日志。", en="Only administrators may export the audit log."
        ),
        Action.TOKEN_CREATE: Text(
            zh="只有评估师和管理员可以创建 API 令牌。", en="Only assessors and administrators may create API tokens."
        ),
    }
)
"""One sentence per action, shown when a role in scope is refused it (403)."""


def permitted(role: Role, action: Action) -> bool:
    """Whether the table lets `role` take `action`."""
    return action in PERMISSIONS[role]
