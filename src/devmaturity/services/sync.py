"""The sync use case: read CI/CD and hosting platforms page by page into the store, resumable and incremental."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devmaturity.collectors import gitee, github, gitlab, jenkins, jira, sonarqube, zentao
from devmaturity.collectors.gitee import GiteeSource
from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.gitlab import GitLabSource
from devmaturity.collectors.http import Source
from devmaturity.collectors.jenkins import JenkinsSource
from devmaturity.collectors.jira import JiraSource
from devmaturity.collectors.payload import unknowns
from devmaturity.collectors.redact import Redactor
from devmaturity.collectors.sonarqube import SonarQubeSource
from devmaturity.collectors.streams import StreamSource
from devmaturity.collectors.zentao import ZenTaoSource
from devmaturity.errors import ConfigError, DevmaturityError
from devmaturity.frameworks.vocab import load_pipeline_vocabulary
from devmaturity.model.evidence import Problem
from devmaturity.model.facts import Fact
from devmaturity.model.limits import admit
from devmaturity.services.runs import recorded_run
from devmaturity.settings import environment_value
from devmaturity.store.db import Store
from devmaturity.store.delivery import cursor_of, save_delivery


def _jenkins(job: str, **extra: Any) -> JenkinsSource:
    """A Jenkins source that names each deploy stage's environment with the pipeline vocabulary."""
    return JenkinsSource(job, stage_environment=load_pipeline_vocabulary().deploy_environment, **extra)


# kind -> (the key naming what to read, the keys it requires, the keys it may take, constructor)
SOURCES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], Callable[..., Source]]] = {
    "github": ("repo", (), ("base_url", "token_env"), GitHubSource),
    "gitlab": ("project", (), ("base_url", "token_env"), GitLabSource),
    "jenkins": ("job", ("base_url",), ("user_env", "token_env"), _jenkins),
    "gitee": ("repo", (), ("base_url", "token_env"), GiteeSource),
    "jira": ("project", ("base_url",), ("user_env", "token_env"), JiraSource),
    "zentao": ("product", ("base_url",), ("account_env", "password_env"), ZenTaoSource),
    "sonarqube": ("project_key", ("base_url",), ("token_env",), SonarQubeSource),
}


def local_project(store: Store, name: str, path: Path) -> int:
    """The id of the project `name` whose sources are synced (the folder at `path`), created if new."""
    return store.project(name, str(path.resolve()))


def make_source(spec: Mapping[str, str], env: Mapping[str, str] | None = None) -> Source:
    """A source from one [[devmaturity.sources]] table, e.g. {kind = "github", repo = "acme/shop"}; its credentials
    are read from `env` (the process environment when None) by the names the table gives."""
    kind = spec.get("kind", "")
    if kind not in SOURCES:
        raise ConfigError(f"source kind {kind!r} cannot be synced; use one of {', '.join(SOURCES)}")
    key, required, optional, factory = SOURCES[kind]
    missing = [k for k in (key, *required) if k not in spec]
    if missing:
        raise ConfigError(f"source {kind}: {', '.join(f'`{k}`' for k in missing)} required")
    unknown = set(spec) - {"kind", key, *required, *optional}
    if unknown:
        raise ConfigError(f"source {kind}: unknown key(s) {', '.join(sorted(unknown))}")
    extra: dict[str, Any] = {k: spec[k] for k in (*required, *optional) if k in spec}
    return factory(spec[key], **extra, **credential_values(kind, spec, env))


# kind -> (the variable-naming key, the value argument the source takes, the default variable): a collector is
# handed the values; only here (and for webhooks, services/webhooks.py) is the environment read for credentials
CREDENTIALS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "github": (("token_env", "token", github.TOKEN_ENV),),
    "gitlab": (("token_env", "token", gitlab.TOKEN_ENV),),
    "gitee": (("token_env", "token", gitee.TOKEN_ENV),),
    "jenkins": (("user_env", "user", jenkins.USER_ENV), ("token_env", "token", jenkins.TOKEN_ENV)),
    "jira": (("user_env", "user", jira.USER_ENV), ("token_env", "token", jira.TOKEN_ENV)),
    "zentao": (("account_env", "account", zentao.ACCOUNT_ENV), ("password_env", "password", zentao.PASSWORD_ENV)),
    "sonarqube": (("token_env", "token", sonarqube.TOKEN_ENV),),
}


def credential_values(kind: str, spec: Mapping[str, str], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The credential values a source of `kind` is handed, read from the variables its table names (or the
    default ones); an unset variable gives "" (anonymous, or the source says which variable to set)."""
    return {arg: environment_value(spec.get(key, default), env) for key, arg, default in CREDENTIALS.get(kind, ())}


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResult:
    source: str
    pages: int
    records: int
    resumed: bool
    problems: tuple[Problem, ...] = ()
    refused: int = 0  # records outside the declared field limits, each a problem of the run


def sync_source(
    store: Store, project_id: int, source: Source, progress: Callable[[str, int], None] | None = None
) -> SyncResult:
    """Store every page with its cursor in one transaction; a failure keeps every page stored before it, and
    the next sync resumes after the last one (or, once complete, asks only for what changed).

    The source's credentials are masked, in every form, from its log lines, the error raised and the run's
    summary; each status value the source's tables did not know is one problem of the run (stored as "other").
    """
    redactor = source.redactor()
    with redactor.installed():
        return _sync(store, project_id, source, redactor, progress)


def _sync(
    store: Store,
    project_id: int,
    source: Source,
    redactor: Redactor,
    progress: Callable[[str, int], None] | None,
) -> SyncResult:
    cursor = cursor_of(store, project_id, source.name)
    inputs = {"source": source.name, "resumed_from": cursor is not None}
    pages = records = 0
    refused: list[Problem] = []
    with recorded_run(store, project_id, "sync", inputs, redact=redactor.text) as run, unknowns() as unknown:
        try:
            for page in source.pages(cursor):
                kept, bad = admit(page.records)  # the same limits as files and webhooks (model/limits.py)
                refused.extend(Problem(source=source.name, message=redactor.text(message)) for message in bad)
                records += save_delivery(store, project_id, run.run_id, kept, (source.name, page.cursor))
                pages += 1
                run.summary = {"pages": pages, "records": records}  # a failure keeps what was stored
                if progress is not None:
                    progress(source.name, records)
            facts = _facts(source, redactor)
        except DevmaturityError as exc:
            run.problems = [*refused, *_unknown(source.name, unknown)]
            raise redactor.error(exc) from None
        except BaseException:
            run.problems = [*refused, *_unknown(source.name, unknown)]
            raise
        problems = (*refused, *_unknown(source.name, unknown))
        run.problems = list(problems)
        summary = {"pages": pages, "records": records, "refused": len(refused), "facts": len(facts)}
        with store.unit_of_work() as uow:  # the platform's facts and the run's end together (the pages are kept)
            if facts:
                uow.store.save_facts(project_id, run.run_id, f"{source.name}@run{run.run_id}", facts)
            run.succeed(uow, summary)
    return SyncResult(
        source=source.name,
        pages=pages,
        records=records,
        resumed=cursor is not None,
        problems=problems,
        refused=len(refused),
    )


def _facts(source: Source, redactor: Redactor) -> Sequence[Fact]:
    """The platform settings' facts of a source that reads any (its repository's protection), to be stored under
    the snapshot `<source>@run<id>`; a failure to read them fails the run like a failed page (the pages stay
    stored)."""
    if not isinstance(source, StreamSource):
        return ()
    try:
        return source.facts()
    except DevmaturityError as exc:
        raise redactor.error(exc) from None


def _unknown(source: str, seen: Set[tuple[str, str]]) -> tuple[Problem, ...]:
    """One problem per distinct (field, value) a status table did not know."""
    return tuple(
        Problem(source=source, message=f'{field}: unknown status {value!r}, stored as "other"')
        for field, value in sorted(seen)
    )
