"""One typed settings table; load_config() applies defaults, devmaturity.toml, DEVMATURITY_* env, then flags."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from devmaturity.errors import ConfigError, DataError, UsageError

CONFIG_FILE = "devmaturity.toml"


def _window(value: object) -> int:
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,5})\s*d?", text)
    if not match or int(match.group(1)) == 0:
        raise ValueError("use a number of days such as 90d")
    return int(match.group(1))


def _lang(value: object) -> str:
    if value not in ("zh", "en"):
        raise ValueError("use zh or en")
    return str(value)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a non-empty string is required")
    return value


def _regex(value: object) -> str:
    text = _text(value)
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return text


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("a whole number is required")
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _secure_mode(value: object) -> str:
    if value not in ("auto", "always"):
        raise ValueError("use auto or always")
    return str(value)


def _positive(value: object) -> int:
    number = _count(value)
    if number == 0:
        raise ValueError("must be at least 1")
    return number


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    parse: Callable[[object], Any]
    default: Any
    doc: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "database_url",
        _text,
        "sqlite:///devmaturity.db",
        "SQLAlchemy URL of the store; a SQLite file by default, postgresql+psycopg://... in production",
    ),
    SettingSpec("framework", _text, "caict-devops", "framework id, or path to a custom model folder"),
    SettingSpec("window", _window, 90, "default metric window in days (e.g. 90d)"),
    SettingSpec("lang", _lang, "en", "language of reports and tables: zh or en"),
    SettingSpec("trunk", _text, None, "trunk branch name; detected from origin/HEAD, main, master, ... when unset"),
    SettingSpec(
        "release_tag_pattern",
        _regex,
        r"^(v|release[-_/]?|rel[-_/]?)?\d+(\.\d+)+([-+.][0-9A-Za-z.\-]+)?$",
        "regular expression selecting the tags that mark releases",
    ),
    SettingSpec(
        "issue_key_pattern",
        _regex,
        None,
        "regular expression of a work-item reference in a commit message (commit_requirement_link_share); "
        "Jira ABC-123, ZenTao story#12 / bug#12 / task#12, #12 and 需求12 by default",
    ),
    SettingSpec("rollup", _text, None, "part roll-up policy: weakest_link (default), mean, median, share:0.8"),
    SettingSpec("answers", _text, None, "path of the assessor answers file"),
    SettingSpec("project", _text, None, "project name; the repository folder name by default"),
    SettingSpec(
        "manual_test_cases",
        _count,
        None,
        "number of manual test cases, the denominator's other half of automated_test_ratio",
    ),
    SettingSpec(
        "webhook_max_bytes",
        _positive,
        1_048_576,
        "largest webhook request body `devmaturity serve` accepts, in bytes (1 MiB); larger ones get 413",
    ),
    SettingSpec(
        "evidence_max_bytes",
        _positive,
        10_485_760,
        "largest evidence file an assessor may upload, in bytes (10 MiB); larger ones get 413",
    ),
    SettingSpec(
        "server_header_timeout",
        _positive,
        10,
        "seconds `devmaturity serve` gives a new connection to send its request line and headers",
    ),
    SettingSpec(
        "server_body_timeout", _positive, 30, "seconds a request body may take to arrive before 408 and disconnect"
    ),
    SettingSpec("server_keep_alive", _positive, 5, "seconds an idle keep-alive connection stays open"),
    SettingSpec(
        "server_max_connections",
        _positive,
        100,
        "connections and tasks served at once; more are answered 503 at once instead of queueing",
    ),
    SettingSpec("server_max_header_bytes", _positive, 16384, "largest request line plus headers accepted, in bytes"),
    SettingSpec("lockout_failures", _positive, 5, "wrong passwords in a row that lock a user's sign-in"),
    SettingSpec("lockout_minutes", _positive, 15, "minutes a locked user cannot sign in"),
    SettingSpec("login_window_minutes", _positive, 15, "window in which failed sign-ins are counted for rate limits"),
    SettingSpec(
        "login_max_per_address", _positive, 20, "failed sign-ins from one client address per window before 429"
    ),
    SettingSpec("login_max_per_name", _positive, 10, "failed sign-ins for one user name per window before 429"),
    SettingSpec("session_idle_minutes", _positive, 60, "minutes without a request after which a web session ends"),
    SettingSpec("session_max_hours", _positive, 12, "hours after sign-in at which a web session ends, used or not"),
    SettingSpec(
        "session_cookie_secure",
        _secure_mode,
        "auto",
        "when the session cookie carries Secure: auto (when the request came over https) or always "
        "(behind a TLS-terminating proxy that forwards plain http)",
    ),
    SettingSpec(
        "oidc_issuer", _text, None, "OIDC provider issuer URL (discovery at /.well-known/openid-configuration)"
    ),
    SettingSpec("oidc_client_id", _text, None, "client id of devmaturity at the OIDC provider"),
    SettingSpec("oidc_scopes", _text, "openid email profile", "scopes asked of the OIDC provider"),
    SettingSpec(
        "oidc_redirect_url",
        _text,
        None,
        "callback URL registered at the provider; default: this server's /api/v1/auth/oidc/callback",
    ),
    SettingSpec(
        "oidc_allowed_domains",
        _text,
        None,
        "comma-separated email domains whose verified addresses may sign in as the user of that name or be "
        "provisioned; unset: any",
    ),
    SettingSpec(
        "oidc_users", _text, None, "comma-separated subject-or-email=user name pairs mapping OIDC accounts to users"
    ),
    SettingSpec(
        "oidc_provision",
        _text,
        None,
        "org:role — create unknown OIDC users (verified email, allowed domain) with this role; unset: refuse them",
    ),
    SettingSpec(
        "broker_url",
        _text,
        None,
        "Celery broker (redis://host:6379/0) that background jobs go to; unset: jobs run in-process",
    ),
    SettingSpec(
        "job_time_limit",
        _positive,
        3600,
        "seconds a background job may run before its worker stops it; also how long an unacknowledged job waits "
        "before it is handed to another worker",
    ),
    SettingSpec(
        "db_pool_size",
        _positive,
        40,
        "database connections a process keeps open (a server database: PostgreSQL, or a SQLite file)",
    ),
    SettingSpec(
        "db_max_overflow",
        _count,
        10,
        "database connections a process may open beyond db_pool_size at a peak, closed again when returned",
    ),
)
REPORT_KINDS = ("junit", "coverage", "sarif", "performance")
RULE_KEYS = (
    "environments",
    "pipelines",
    "jobs",
    "defect_types",
    "requirement_types",
    "production_environments",
    "incident_severities",
    "incident_link",
)
# how incidents are tied to the deployment that caused them (metrics/delivery.py INCIDENT_LINKS, docs/metrics.md)
INCIDENT_LINKS = ("devlake", "middleware", "reference", "none")
SOURCE_KINDS = ("github", "gitlab", "jenkins", "gitee", "zentao", "jira", "sonarqube")
TEST_KINDS = ("unit", "integration", "ui", "performance")


_BY_NAME = {spec.name: spec for spec in SETTINGS}
_SECRET_KEYS = ("token", "password", "secret")


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSpec:
    """One [[devmaturity.webhooks]] table: the project whose events `devmaturity serve` accepts, and the NAME of
    the environment variable holding its secret (the secret itself never appears in a file)."""

    project: str
    secret_env: str
    org: str | None = None  # the organisation whose audit log records refused deliveries (bad signatures)


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeSettings:
    """[devmaturity.tree]: globs (repository paths) that leave out of, or bring back into, the project's own
    definitions (pipelines, IaC, containers, build, migrations); tests/, examples/, vendor/, ... are out by default."""

    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    database_url: str = "sqlite:///devmaturity.db"
    framework: str = "caict-devops"
    window: int = 90
    lang: str = "en"
    trunk: str | None = None
    release_tag_pattern: str = _BY_NAME["release_tag_pattern"].default
    issue_key_pattern: str | None = None
    rollup: str | None = None
    answers: str | None = None
    project: str | None = None
    manual_test_cases: int | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    report_globs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    test_kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[dict[str, str], ...] = ()
    webhook_max_bytes: int = 1_048_576
    evidence_max_bytes: int = 10_485_760
    server_header_timeout: int = 10
    server_body_timeout: int = 30
    server_keep_alive: int = 5
    server_max_connections: int = 100
    server_max_header_bytes: int = 16384
    lockout_failures: int = 5
    lockout_minutes: int = 15
    login_window_minutes: int = 15
    login_max_per_address: int = 20
    login_max_per_name: int = 10
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    session_cookie_secure: str = "auto"
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_scopes: str = "openid email profile"
    oidc_redirect_url: str | None = None
    oidc_allowed_domains: str | None = None
    oidc_users: str | None = None
    oidc_provision: str | None = None
    broker_url: str | None = None
    job_time_limit: int = 3600
    db_pool_size: int = 40
    db_max_overflow: int = 10
    webhooks: tuple[WebhookSpec, ...] = ()
    not_applicable: dict[str, str] = field(default_factory=dict)
    sarif_exclude_tools: tuple[str, ...] = ()
    tree: TreeSettings = field(default_factory=TreeSettings)


# zh of the setting parsers' problems and of the origins, for the zh error line.
_PROBLEM_ZH = {
    "use a number of days such as 90d": "请用天数，如 90d",
    "use zh or en": "请用 zh 或 en",
    "use auto or always": "请用 auto 或 always",
    "a non-empty string is required": "需要非空字符串",
    "a whole number is required": "需要整数",
    "must not be negative": "不能为负数",
    "must be at least 1": "至少为 1",
}
_ORIGIN_ZH = {"command line": "命令行", "environment": "环境变量（DEVMATURITY_*）"}


def _apply(config: Config, values: Mapping[str, object], origin: str) -> Config:
    changes: dict[str, Any] = {}
    where = _ORIGIN_ZH.get(origin, origin)
    for key, raw in values.items():
        if raw is None:
            continue
        error: type[DataError] | type[UsageError] = UsageError if origin == "command line" else ConfigError
        spec = _BY_NAME.get(key)
        if spec is None:
            known = ", ".join(sorted(_BY_NAME))
            raise error(
                f"{origin}: unknown setting {key!r}; known settings: {known}",
                zh=f"{where}：未知的设置 {key!r}；已知的设置：{'、'.join(sorted(_BY_NAME))}",
            )
        try:
            changes[key] = spec.parse(raw)
        except ValueError as exc:
            problem = _PROBLEM_ZH.get(str(exc), "不是有效的正则表达式" if spec.parse is _regex else "取值无效")
            raise error(
                f"{origin}: setting {key}={raw!r}: {exc}", zh=f"{where}：设置 {key}={raw!r}：{problem}"
            ) from None
    return replace(config, **changes)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid TOML: {exc}", path=str(path), zh=f"{path}：TOML 格式无效（详情请用 --lang en 查看）"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}", path=str(path), zh=f"{path}：无法读取") from None


def _thresholds(raw: object, origin: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{origin}: [thresholds] must be a table of criterion id = number",
            zh=f"{origin}：[thresholds] 必须是“评估项 id = 数值”的表",
        )
    out: dict[str, float] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(
                f"{origin}: thresholds.{key} = {value!r}: a number is required",
                zh=f"{origin}：thresholds.{key} = {value!r}：需要数值",
            )
        out[str(key)] = float(value)
    return out


def _globs(raw: object, kinds: tuple[str, ...], origin: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin} must be a table of kind = [globs]", zh=f"{origin} 必须是“种类 = [通配模式]”的表")
    out: dict[str, tuple[str, ...]] = {}
    for kind, globs in raw.items():
        if kind not in kinds:
            raise ConfigError(
                f"{origin}: unknown kind {kind!r}; use one of {', '.join(kinds)}",
                zh=f"{origin}：未知的种类 {kind!r}；可选：{'、'.join(kinds)}",
            )
        listed = [globs] if isinstance(globs, str) else globs
        if not isinstance(listed, list) or not all(isinstance(g, str) and g for g in listed):
            raise ConfigError(
                f"{origin}.{kind}: a list of glob patterns is required", zh=f"{origin}.{kind}：需要通配模式列表"
            )
        out[kind] = tuple(listed)
    return out


def _rules(raw: object, origin: str) -> dict[str, tuple[str, ...]]:
    """The rule globs, and `incident_link`: one of INCIDENT_LINKS."""
    rules = _globs(raw, RULE_KEYS, origin)
    link = rules.get("incident_link")
    if link is not None and (len(link) != 1 or link[0] not in INCIDENT_LINKS):
        raise ConfigError(
            f"{origin}.incident_link: {list(link)!r} is not one of {', '.join(INCIDENT_LINKS)}",
            zh=f"{origin}.incident_link：{list(link)!r} 不是 {'、'.join(INCIDENT_LINKS)} 之一",
        )
    return rules


def _sources(raw: object, origin: str) -> tuple[dict[str, str], ...]:
    if not isinstance(raw, list):
        raise ConfigError(
            f"{origin} must be an array of tables ([[devmaturity.sources]])",
            zh=f"{origin} 必须是表数组（[[devmaturity.sources]]）",
        )
    out = []
    for index, entry in enumerate(raw):
        where = f"{origin}[{index}]"
        if not isinstance(entry, dict) or entry.get("kind") not in SOURCE_KINDS:
            raise ConfigError(
                f"{where}: `kind` must be one of {', '.join(SOURCE_KINDS)}",
                zh=f"{where}：`kind` 只能是 {'、'.join(SOURCE_KINDS)} 之一",
            )
        if any(not isinstance(v, str) for v in entry.values()):
            raise ConfigError(f"{where}: every value must be a string", zh=f"{where}：每个值都必须是字符串")
        if any(k in entry for k in _SECRET_KEYS):
            raise ConfigError(
                f"{where}: do not put secrets in the file; name the environment variable (token_env)",
                zh=f"{where}：不要把密钥写进文件；请写环境变量名（token_env）",
            )
        out.append(dict(entry))
    return tuple(out)


def _webhooks(raw: object, origin: str) -> tuple[WebhookSpec, ...]:
    if not isinstance(raw, list):
        raise ConfigError(
            f"{origin} must be an array of tables ([[devmaturity.webhooks]])",
            zh=f"{origin} 必须是表数组（[[devmaturity.webhooks]]）",
        )
    out: list[WebhookSpec] = []
    for index, entry in enumerate(raw):
        where = f"{origin}[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(
                f"{where}: a table with `project` and `secret_env` is required",
                zh=f"{where}：需要含 `project` 和 `secret_env` 的表",
            )
        if any(k in entry for k in _SECRET_KEYS):
            raise ConfigError(
                f"{where}: do not put secrets in the file; name the environment variable (secret_env)",
                zh=f"{where}：不要把密钥写进文件；请写环境变量名（secret_env）",
            )
        unknown = sorted(set(entry) - {"project", "secret_env", "org"})
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(unknown)}; use project, secret_env and org",
                zh=f"{where}：未知的键 {'、'.join(unknown)}；只能用 project、secret_env 和 org",
            )
        if "org" in entry and not (isinstance(entry["org"], str) and entry["org"].strip()):
            raise ConfigError(f"{where}: `org` must be a non-empty string", zh=f"{where}：`org` 必须是非空字符串")
        if not all(isinstance(entry.get(k), str) and entry[k].strip() for k in ("project", "secret_env")):
            raise ConfigError(
                f"{where}: `project` and `secret_env` must be non-empty strings",
                zh=f"{where}：`project` 和 `secret_env` 必须是非空字符串",
            )
        if any(spec.project == entry["project"] for spec in out):
            raise ConfigError(
                f"{where}: project {entry['project']!r} has a webhook already",
                zh=f"{where}：项目 {entry['project']!r} 已经配置了 webhook",
            )
        org = entry["org"].strip() if "org" in entry else None
        out.append(WebhookSpec(project=entry["project"], secret_env=entry["secret_env"].strip(), org=org))
    return tuple(out)


def _not_applicable(raw: object, origin: str) -> dict[str, str]:
    """[not_applicable]: item id = the reason it does not apply (e.g. "no database")."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin} must be a table of item id = reason", zh=f"{origin} 必须是“能力项 id = 原因”的表")
    out: dict[str, str] = {}
    for key, reason in raw.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f"{origin}.{key}: give the reason the item does not apply, as text",
                zh=f"{origin}.{key}：请用文字写明该能力项不适用的原因",
            )
        out[str(key)] = reason.strip()
    return out


def _sarif(raw: object, origin: str) -> tuple[str, ...]:
    """[devmaturity.sarif]: exclude_tools, the SARIF tools whose runs are not read at all (e.g. a linter)."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{origin} must be a table with exclude_tools = [tool names]",
            zh=f"{origin} 必须是含 exclude_tools = [工具名] 的表",
        )
    unknown = sorted(set(raw) - {"exclude_tools"})
    if unknown:
        raise ConfigError(
            f"{origin}: unknown key(s) {', '.join(unknown)}; use exclude_tools",
            zh=f"{origin}：未知的键 {'、'.join(unknown)}；只能用 exclude_tools",
        )
    tools = raw.get("exclude_tools", [])
    if not isinstance(tools, list) or not all(isinstance(x, str) and x.strip() for x in tools):
        raise ConfigError(
            f"{origin}.exclude_tools: a list of tool names (non-empty strings) is required",
            zh=f"{origin}.exclude_tools：需要工具名（非空字符串）列表",
        )
    return tuple(x.strip() for x in tools)


def _tree(raw: object, origin: str) -> TreeSettings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin} must be a table with `exclude` and/or `include` lists of globs")
    unknown = sorted(set(raw) - {"exclude", "include"})
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) {', '.join(unknown)}; use exclude and include")
    out: dict[str, tuple[str, ...]] = {}
    for key in ("exclude", "include"):
        listed = raw.get(key, [])
        if not isinstance(listed, list) or not all(isinstance(g, str) and g.strip() for g in listed):
            raise ConfigError(f"{origin}.{key}: a list of glob patterns is required")
        out[key] = tuple(g.strip() for g in listed)
    return TreeSettings(exclude=out["exclude"], include=out["include"])


TABLES = ("thresholds", "reports", "test_kinds", "rules", "sources", "webhooks", "not_applicable", "sarif", "tree")


def apply_section(config: Config, section: Mapping[str, Any], origin: str) -> Config:
    """`config` with one [devmaturity] section applied (a file's, or a service project's stored settings, which use
    the same keys); every bad key or value is a ConfigError naming `origin`."""
    path = origin
    plain = {k: v for k, v in section.items() if k not in TABLES}
    config = _apply(config, plain, path)
    if "thresholds" in section:
        config = replace(config, thresholds=_thresholds(section["thresholds"], str(path)))
    if "reports" in section:
        config = replace(config, report_globs=_globs(section["reports"], REPORT_KINDS, f"{path}: [reports]"))
    if "rules" in section:
        config = replace(config, rules=_rules(section["rules"], f"{path}: [rules]"))
    if "sources" in section:
        config = replace(config, sources=_sources(section["sources"], f"{path}: [[sources]]"))
    if "webhooks" in section:
        config = replace(config, webhooks=_webhooks(section["webhooks"], f"{path}: [[webhooks]]"))
    if "not_applicable" in section:
        config = replace(config, not_applicable=_not_applicable(section["not_applicable"], f"{path}: [not_applicable]"))
    if "sarif" in section:
        config = replace(config, sarif_exclude_tools=_sarif(section["sarif"], f"{path}: [sarif]"))
    if "tree" in section:
        config = replace(config, tree=_tree(section["tree"], f"{path}: [tree]"))
    if "test_kinds" in section:
        config = replace(config, test_kinds=_globs(section["test_kinds"], TEST_KINDS, f"{path}: [test_kinds]"))
    return config


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # an unreadable project folder is reported by whoever reads the project, not here
        return False


def load_config(
    project_dir: Path | None = None,
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Config:
    """Defaults, then devmaturity.toml (in the project, or the given file), then DEVMATURITY_* env, then flags."""
    config = Config()
    path = config_file or (project_dir / CONFIG_FILE if project_dir is not None else None)
    if path is not None and _is_file(path):
        doc = _read_toml(path)
        section = doc.get("devmaturity", doc)
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [devmaturity] must be a table", zh=f"{path}：[devmaturity] 必须是表")
        config = apply_section(config, section, str(path))
    environ = os.environ if env is None else env
    from_env = {
        spec.name: environ[f"DEVMATURITY_{spec.name.upper()}"]
        for spec in SETTINGS
        if f"DEVMATURITY_{spec.name.upper()}" in environ
    }
    config = _apply(config, from_env, "environment")
    return _apply(config, flags or {}, "command line")


SECRET_KEY_ENV = "DEVMATURITY_SECRET_KEY"  # noqa: S105 - the variable name
OLD_SECRET_KEYS_ENV = "DEVMATURITY_OLD_SECRET_KEYS"  # noqa: S105 - the variable name
MIN_SECRET_KEY_LENGTH = 32


def secret_keys(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The service key, then the retired keys still accepted for decryption (comma-separated), from the
    environment only: a key never sits in devmaturity.toml nor in `Config` (which may be printed)."""
    environ = os.environ if env is None else env
    current = environ.get(SECRET_KEY_ENV, "").strip()
    if not current:
        raise ConfigError(
            f"{SECRET_KEY_ENV} is not set; make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    old = tuple(k.strip() for k in environ.get(OLD_SECRET_KEYS_ENV, "").split(",") if k.strip())
    short = [
        name
        for name, key in ((SECRET_KEY_ENV, current), *((OLD_SECRET_KEYS_ENV, k) for k in old))
        if len(key) < MIN_SECRET_KEY_LENGTH
    ]
    if short:
        raise ConfigError(f"{short[0]}: a key needs at least {MIN_SECRET_KEY_LENGTH} characters")
    return (current, *old)
