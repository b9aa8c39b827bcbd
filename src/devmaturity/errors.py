"""The one exception tree of devmaturity; every error carries a slug documented in docs/errors.md.

DevmaturityError                 (slug "error", exit 1)
├── UsageError                   ("usage", exit 64): bad flags or option values
│   └── UnknownFrameworkError    ("unknown-framework", exit 64)
├── InputError                   ("input", exit 66): a path that cannot be used
│   ├── NotARepositoryError      ("not-a-repository", exit 66)
│   ├── EmptyRepositoryError     ("empty-repository", exit 66)
│   ├── UnreadablePathError      ("unreadable-path", exit 77)
│   └── ProjectIdentityError     ("project-identity", exit 66): a repository other than the project's own
├── DataError                    ("data", exit 65): a file whose content is wrong
│   ├── ModelFileError           ("model-file", exit 65): names file, key path and bad value
│   ├── AnswersFileError         ("answers-file", exit 65)
│   ├── ConfigError              ("config", exit 65)
│   ├── EvidencePackError        ("evidence-pack", exit 65): not a pack we can read safely (zip, paths, sizes)
│   ├── PackTampered             ("pack-tampered", exit 65): a file or the manifest changed after signing
│   └── PackUntrusted            ("pack-untrusted", exit 65): signed, but not by the key it is checked against
├── SourceError                  ("source", exit 69): a tool or server we read from failed
│   ├── GitError                 ("git", exit 69)
│   ├── SourceAuthError          ("source-auth", exit 69): the server refused the credentials
│   ├── SourceUnreachableError   ("source-unreachable", exit 69): no answer, DNS, TLS, timeouts
│   └── SourcePayloadError       ("source-payload", exit 69): an answer we cannot read
├── StoreError                   ("store", exit 74): the database refused or is unreachable
│   ├── ReportAlreadyStored      ("already-stored"): another writer stored the same report first
│   ├── StoreUnavailableError    ("store-unavailable"): connection lost or database busy; a job retries it
│   └── SchemaOutdated           ("schema-outdated"): the database is not at the schema this code expects
├── BrokerError                  ("broker", exit 69): no job broker configured, or it does not answer
├── GateFailed                   ("gate-failed", exit 2): the assessment is below the bar
├── FormatUnavailable            ("format-unavailable", exit 69): a report format whose package is not installed
├── AuditChainBroken             ("audit-chain", exit 1): an organisation's audit log was changed after writing
└── RequestError                 ("bad-request"): a web request refused; the web layer answers 4xx (exit 1)
    ├── BadPayloadError          ("bad-payload"): a body that is not the documented JSON
    ├── UnauthorizedError        ("unauthorized"): missing or wrong webhook credentials
    ├── NotAuthenticated         ("not-authenticated"): no signed-in user or valid API token (401)
    ├── PermissionDenied         ("permission-denied"): the role may not take the action there (403)
    ├── Conflict                 ("conflict"): the name is taken or the state changed meanwhile (409)
    │   ├── AssessmentFrozen     ("assessment-frozen"): the cycle is frozen; its answers and files are final
    │   └── DuplicateDelivery    ("duplicate-delivery"): a webhook delivery id received before (409)
    ├── CsrfRejected             ("csrf-failed"): a session request without its CSRF token, or a foreign login (403)
    ├── RateLimited              ("rate-limited"): too many failed sign-ins from an address or for a name (429)
    ├── PasswordPolicyError      ("password-policy"): a password the policy refuses
    ├── NotFoundError            ("not-found"): no such webhook or kind, or outside the actor's organisations
    ├── PayloadTooLargeError     ("payload-too-large"): a body over webhook_max_bytes
    ├── HeadersTooLarge          ("headers-too-large"): a request line and headers over server_max_header_bytes
    ├── RequestTimeoutError      ("request-timeout"): a body that did not arrive in time
    └── UnsupportedMediaTypeError ("unsupported-media-type"): a Content-Type that is not read

Messages are written in English at the raise site; a raise site may also give the zh form (`zh=`), values such as
paths kept as they are. With `--lang zh` the CLI prints that form, else the zh headline of the error's slug (ZH), the
path if known, and a hint to rerun with `--lang en` for the details, so no zh line is half English.
"""

from __future__ import annotations

from typing import ClassVar


class DevmaturityError(Exception):
    """Base of every error devmaturity raises on purpose."""

    slug: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, path: str | None = None, zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.zh = zh

    def one_line(self, lang: str = "en") -> str:
        """The message as one line, the way the CLI prints it, in zh or en."""
        if lang != "zh":
            return f"error[{self.slug}]: {' '.join(self.message.split())}"
        if self.zh:
            return f"错误[{self.slug}]：{' '.join(self.zh.split())}"
        where = f"：{self.path}" if self.path else ""
        return f"错误[{self.slug}]：{ZH[self.slug]}{where}（详情请用 --lang en 查看）"


class UsageError(DevmaturityError):
    slug = "usage"
    exit_code = 64


class UnknownFrameworkError(UsageError):
    slug = "unknown-framework"


class InputError(DevmaturityError):
    slug = "input"
    exit_code = 66


class NotARepositoryError(InputError):
    slug = "not-a-repository"


class EmptyRepositoryError(InputError):
    slug = "empty-repository"


class UnreadablePathError(InputError):
    slug = "unreadable-path"
    exit_code = 77


class ProjectIdentityError(InputError):
    slug = "project-identity"


class DataError(DevmaturityError):
    slug = "data"
    exit_code = 65


class ModelFileError(DataError):
    """A model file is invalid; the message names the file, the key path and the bad value."""

    slug = "model-file"

    def __init__(self, file: str, key_path: str, value: object, problem: str) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(
            f"{file}: at {key_path or '<root>'}: {problem} (got {shown})",
            path=file,
            zh=f"{file}：位置 {key_path or '<root>'} 的值无效（实际值 {shown}；详情请用 --lang en 查看）",
        )
        self.file = file
        self.key_path = key_path
        self.value = value
        self.problem = problem


class AnswersFileError(DataError):
    slug = "answers-file"


class ConfigError(DataError):
    slug = "config"


class EvidencePackError(DataError):
    """A file given as an evidence pack that cannot be read safely: not a zip, a member outside the pack (absolute
    path, `..`), too many or too large members, no manifest."""

    slug = "evidence-pack"


class PackTampered(DataError):
    """A pack whose files do not match its manifest, or whose manifest does not match its signature; the message
    names the file."""

    slug = "pack-tampered"


class PackUntrusted(DataError):
    """A pack whose signature is sound but made by a key other than the one it is checked against."""

    slug = "pack-untrusted"


class SourceError(DevmaturityError):
    slug = "source"
    exit_code = 69


class GitError(SourceError):
    slug = "git"


class SourceAuthError(SourceError):
    slug = "source-auth"


class SourceUnreachableError(SourceError):
    slug = "source-unreachable"


class SourcePayloadError(SourceError):
    slug = "source-payload"


class StoreError(DevmaturityError):
    slug = "store"
    exit_code = 74


class ReportAlreadyStored(StoreError):
    """A concurrent ingest stored the same report (same project, kind and digest) first; ingest says "already"."""

    slug = "already-stored"


class StoreUnavailableError(StoreError):
    """The database could not be reached or was busy (an operational error): transient, so a job retries it."""

    slug = "store-unavailable"


class SchemaOutdated(StoreError):
    """The database answers but carries another schema revision than this code's newest (run the migrations)."""

    slug = "schema-outdated"


class BrokerError(DevmaturityError):
    slug = "broker"
    exit_code = 69


class GateFailed(DevmaturityError):
    slug = "gate-failed"
    exit_code = 2


class FormatUnavailable(DevmaturityError):
    """A report format whose optional package (the `pdf` extra's WeasyPrint) is not installed."""

    slug = "format-unavailable"
    exit_code = 69


class RequestError(DevmaturityError):
    """A web request refused; the message never repeats credentials the request presented."""

    slug = "bad-request"


class BadPayloadError(RequestError):
    slug = "bad-payload"


class UnauthorizedError(RequestError):
    slug = "unauthorized"


class NotFoundError(RequestError):
    slug = "not-found"


class PayloadTooLargeError(RequestError):
    slug = "payload-too-large"


class HeadersTooLarge(RequestError):
    slug = "headers-too-large"


class UnsupportedMediaTypeError(RequestError):
    slug = "unsupported-media-type"


class RequestTimeoutError(RequestError):
    slug = "request-timeout"


class AuditChainBroken(DevmaturityError):
    """`audit verify` found an entry that is not what was written; the message names the organisation and entry."""

    slug = "audit-chain"


class NotAuthenticated(RequestError):
    slug = "not-authenticated"


class PermissionDenied(RequestError):
    """In the actor's organisation, but its role may not take the action; the message is the action's denial."""

    slug = "permission-denied"

    def __init__(self, message: str, *, action: str = "", path: str | None = None, zh: str | None = None) -> None:
        super().__init__(message, path=path, zh=zh)
        self.action = action


class Conflict(RequestError):
    slug = "conflict"


class AssessmentFrozen(Conflict):
    """An edit of a frozen assessment cycle's answers or evidence files (409); a new period starts a new cycle."""

    slug = "assessment-frozen"


class DuplicateDelivery(Conflict):
    """A webhook delivery id (project, source, id) already received: the replay is refused without writing."""

    slug = "duplicate-delivery"


class CsrfRejected(RequestError):
    """An unsafe request authenticated by the session cookie without the session's CSRF token, or a sign-in
    posted from another site."""

    slug = "csrf-failed"


class RateLimited(RequestError):
    """Too many failed sign-ins from one client address or for one user name; `retry_after` seconds to wait."""

    slug = "rate-limited"

    def __init__(self, message: str, *, retry_after: int = 60, zh: str | None = None, path: str | None = None) -> None:
        super().__init__(message, zh=zh, path=path)
        self.retry_after = retry_after


class PasswordPolicyError(RequestError):
    slug = "password-policy"


# The zh headline of every slug, printed when a raise site gives no zh form of its message.
ZH: dict[str, str] = {
    "error": "出错了",
    "usage": "命令行选项或取值不被接受",
    "unknown-framework": "未知的模型：既不是内置模型（caict-devops、dora），也不是模型文件夹或文件",
    "input": "路径无法使用",
    "not-a-repository": "该路径不在 git 工作区内，也不是裸版本库",
    "empty-repository": "版本库还没有任何提交",
    "unreadable-path": "路径无法读取或写入",
    "project-identity": "该项目名已保存了另一个版本库的历史；请用 --project 为本版本库另起项目名",
    "data": "文件内容有误",
    "model-file": "模型文件无效",
    "answers-file": "答卷文件无效",
    "config": "配置无效（devmaturity.toml 或 DEVMATURITY_* 环境变量）",
    "source": "读取的工具或服务器出错",
    "git": "git 命令失败，或输出无法解析",
    "source-auth": "服务器拒绝了令牌",
    "source-unreachable": "服务器没有应答（连接被拒、DNS、TLS 或重试后超时）",
    "source-payload": "服务器的应答不是文档规定的接口格式",
    "store": "数据库地址无法使用或数据库服务器拒绝了请求",
    "gate-failed": "门禁未通过：有能力域低于要求的级别",
    "bad-request": "请求缺少必需的头部或参数不可用",
    "bad-payload": "请求体不是文档规定的 JSON",
    "unauthorized": "Webhook 凭据缺失、格式错误或与项目的密钥不符",
    "not-found": "没有该项目的 Webhook 配置，或事件类型、路径未知",
    "payload-too-large": "请求体超过 webhook_max_bytes，或上传的证据文件超过 evidence_max_bytes",
    "headers-too-large": "请求行和请求头超过 server_max_header_bytes",
    "unsupported-media-type": "不支持该 Content-Type，或字符集不是 UTF-8",
    "already-stored": "另一个写入者已先存储了同一份报告",
    "request-timeout": "请求体没有按时到达",
    "audit-chain": "审计日志的哈希链被破坏：有条目被修改或删除",
    "not-authenticated": "需要登录或有效的 API 令牌",
    "permission-denied": "当前角色无权执行该操作",
    "conflict": "与已有对象冲突",
    "assessment-frozen": "该评估周期已冻结，其答案和证据文件不能再修改；新的评估期请开启新周期",
    "password-policy": "密码不符合要求（至少 12 个字符，且不能与用户名相同）",
    "store-unavailable": "数据库暂时不可用（连接中断或被锁定），任务会稍后重试",
    "broker": "后台任务的消息代理未配置或无法连接",
    "schema-outdated": "数据库结构不是本版本需要的版本，请先执行数据库迁移",
    "duplicate-delivery": "该 Webhook 投递编号已经收到过，重放的投递不会写入",
    "csrf-failed": "请求缺少会话的 CSRF 令牌，或登录请求来自其他站点",
    "rate-limited": "登录失败次数过多，请稍后再试",
    "evidence-pack": "不是可以安全读取的证据包（不是 zip、成员路径越界、成员过多或过大、缺少清单）",
    "pack-tampered": "证据包被改动：文件与清单不符，或清单与签名不符",
    "pack-untrusted": "证据包的签名有效，但签名密钥不是用来核验的密钥",
    "format-unavailable": "该报告格式所需的 Python 包未安装",
}
