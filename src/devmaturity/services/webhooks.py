"""The webhook use case: authenticate a delivery, read its events, store them as one run (docs/webhooks.md)."""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from devmaturity.auth.audit import EventKind, Result
from devmaturity.auth.policy import Actor
from devmaturity.collectors import events, webhooks
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.redact import Redactor
from devmaturity.config import Config, WebhookSpec
from devmaturity.errors import (
    BadPayloadError,
    ConfigError,
    DevmaturityError,
    DuplicateDelivery,
    NotFoundError,
    RequestError,
    SourcePayloadError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from devmaturity.model.evidence import Problem
from devmaturity.model.limits import admit
from devmaturity.services.access import AuditLog
from devmaturity.store.db import Store
from devmaturity.store.delivery import DeliveryRecord, delivery_writer
from devmaturity.store.repos import accounts, deliveries

BODY = "request body"  # how problems name what they come from, as a file ingest names the file
DEFAULT_SOURCE = "webhook"
MAX_SOURCE_CHARS = 200  # within the source field limit (model/limits.py ID)

# Content-Type (without parameters) -> event format of the generic endpoint
EVENT_FORMATS: dict[str, str] = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
}
GITHUB_EVENT = "deployment_status"
GITLAB_EVENT = "Deployment Hook"


class Outcome(enum.Enum):
    """What became of an authenticated delivery; the web layer maps each to one HTTP status."""

    STORED = "stored"  # every record stored, or nothing to store (a ping, an empty array)
    PARTIAL = "partial"  # the good rows stored, the bad ones listed
    REJECTED = "rejected"  # rows given, none of them usable
    IGNORED = "ignored"  # an event this endpoint does not read; the problem says why


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One webhook request as the web layer received it. What the sender presented as credentials is kept out
    of repr, so a logged or failed delivery cannot show it."""

    project: str
    body: bytes = field(repr=False)
    content_type: str = ""
    event: str = ""  # X-GitHub-Event or X-Gitlab-Event
    delivery_id: str = ""  # X-GitHub-Delivery or X-Gitlab-Event-UUID, kept with the run for tracing
    authorization: str | None = field(default=None, repr=False)
    signature: str | None = field(default=None, repr=False)  # X-Hub-Signature-256
    gitlab_token: str | None = field(default=None, repr=False)  # X-Gitlab-Token
    client: str = ""  # the sender's address, for the audit entry of a refused delivery


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookResult:
    outcome: Outcome
    stored: int
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Read:
    """A delivery's records and problems; `ignored` when the delivery is understood but holds nothing to store."""

    records: Sequence[DeliveryRecord] = ()
    problems: tuple[str, ...] = ()
    ignored: bool = False


# --- authentication ---------------------------------------------------------------------------------------------


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


def _same(presented: str, secret: bytes) -> bool:
    """Constant time, and comparing digests hides the secret's length too."""
    return hmac.compare_digest(_digest(presented.encode("utf-8")), _digest(secret))


def _bearer_ok(value: str, secret: bytes, body: bytes) -> bool:
    scheme, _, token = value.strip().partition(" ")
    return scheme.lower() == "bearer" and _same(token.strip(), secret)


def _signature_ok(value: str, secret: bytes, body: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), value.strip().lower().encode("utf-8"))


def _token_ok(value: str, secret: bytes, body: bytes) -> bool:
    return _same(value.strip(), secret)


@dataclass(frozen=True, slots=True)
class _Scheme:
    attribute: str
    header: str
    check: Callable[[str, bytes, bytes], bool]


SCHEMES: dict[str, _Scheme] = {
    "bearer": _Scheme("authorization", "Authorization: Bearer <secret>", _bearer_ok),
    "signature": _Scheme("signature", "X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>", _signature_ok),
    "gitlab_token": _Scheme("gitlab_token", "X-Gitlab-Token: <secret>", _token_ok),
}


def _secrets(specs: Sequence[WebhookSpec], environ: Mapping[str, str]) -> dict[str, bytes]:
    """Each configured project's secret, read once; a variable that is unset or empty stops the server from
    starting rather than leaving an endpoint that refuses everything."""
    secrets: dict[str, bytes] = {}
    for spec in specs:
        value = environ.get(spec.secret_env, "")
        if not value.strip():
            raise ConfigError(
                f"webhook for project {spec.project!r}: the environment variable {spec.secret_env} is not set or empty"
            )
        secrets[spec.project] = value.strip().encode("utf-8")
    return secrets


# --- request bodies ---------------------------------------------------------------------------------------------


def _media(content_type: str) -> str:
    """The media type without parameters; a charset other than UTF-8 is refused (bodies are read as UTF-8)."""
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            raise UnsupportedMediaTypeError(f"charset {value.strip()[:40]!r} is not read; send UTF-8")
    return media


def _shown(content_type: str) -> str:
    return repr(content_type[:80]) if content_type else "none"


def _json(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BadPayloadError(f"not UTF-8 text (byte 0x{body[exc.start]:02x} at offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BadPayloadError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except (RecursionError, ValueError) as exc:
        raise BadPayloadError(f"not usable JSON: {str(exc)[:80] or 'nested too deeply'}") from None


def _outcome(read: _Read, stored: int) -> Outcome:
    if read.ignored:
        return Outcome.IGNORED
    if not read.problems:
        return Outcome.STORED
    return Outcome.PARTIAL if stored else Outcome.REJECTED


class WebhookService:
    """Receives the deliveries of the projects configured in [[devmaturity.webhooks]]."""

    def __init__(self, store: Store, config: Config, environ: Mapping[str, str] | None = None) -> None:
        self._store = store
        self._secrets = _secrets(config.webhooks, os.environ if environ is None else environ)
        self._orgs = {spec.project: spec.org for spec in config.webhooks}
        self.max_bytes = config.webhook_max_bytes
        # masks the webhook secrets in the runs it records, its errors, and (installed by the app) the log
        self.redactor = Redactor.of(secret.decode("utf-8") for secret in self._secrets.values())

    def __repr__(self) -> str:
        return f"WebhookService(projects={sorted(self._secrets)})"

    @property
    def projects(self) -> tuple[str, ...]:
        return tuple(sorted(self._secrets))

    def check_target(self, project: str, kind: str | None = None) -> None:
        """Raises NotFoundError for a project without a webhook or an unknown kind: nothing there to post to."""
        if project not in self._secrets:
            raise NotFoundError(f"no webhook is configured for project {project[:100]!r}")
        if kind is not None and kind not in events.SCHEMAS:
            raise NotFoundError(f"unknown event kind {kind[:40]!r}; use one of {', '.join(events.SCHEMAS)}")

    # --- the three endpoints ---

    def receive_events(self, delivery: Delivery, kind: str, source: str | None = None) -> WebhookResult:
        """Deployments, incidents or work items in the event-file schema (docs/events.md), JSON or JSON Lines."""
        self.check_target(delivery.project, kind)
        self._authenticate(delivery, ("bearer", "signature"))
        fmt = EVENT_FORMATS.get(_media(delivery.content_type))
        if fmt is None:
            wanted = "application/json or application/x-ndjson"
            raise UnsupportedMediaTypeError(f"Content-Type {_shown(delivery.content_type)} is not read; send {wanted}")
        origin = _source(source)
        inputs = {"endpoint": "events", "kind": kind, "format": fmt, "source": origin}
        replay = f"events/{kind}/{origin}"
        return self._record(delivery, inputs, lambda: _read_events(delivery.body, kind, origin, fmt), replay)

    def receive_github(self, delivery: Delivery) -> WebhookResult:
        """A GitHub webhook: deployment_status events are stored, ping is answered, other events ignored."""
        self.check_target(delivery.project)
        self._authenticate(delivery, ("signature",))
        _require_json(delivery, "set the webhook's content type to application/json")
        if not delivery.event:
            raise RequestError("no X-GitHub-Event header: this endpoint reads GitHub webhooks")
        inputs = {"endpoint": "github", "event": delivery.event[:100]}
        return self._record(delivery, inputs, lambda: _read_github(delivery), "github")

    def receive_gitlab(self, delivery: Delivery) -> WebhookResult:
        """A GitLab webhook: Deployment Hook events are stored, other events ignored."""
        self.check_target(delivery.project)
        self._authenticate(delivery, ("gitlab_token",))
        _require_json(delivery, "GitLab sends application/json")
        if not delivery.event:
            raise RequestError("no X-Gitlab-Event header: this endpoint reads GitLab webhooks")
        inputs = {"endpoint": "gitlab", "event": delivery.event[:100]}
        return self._record(delivery, inputs, lambda: _read_gitlab(delivery), "gitlab")

    # --- shared steps ---

    def _authenticate(self, delivery: Delivery, accepted: tuple[str, ...]) -> None:
        """Every credential presented in an accepted form must match the project's secret; at least one is needed."""
        secret = self._secrets[delivery.project]
        presented = [(SCHEMES[name], getattr(delivery, SCHEMES[name].attribute)) for name in accepted]
        presented = [(scheme, value) for scheme, value in presented if value is not None]
        if not presented:
            how = " or ".join(SCHEMES[name].header for name in accepted)
            self._refused(delivery, "no credentials")
            raise UnauthorizedError(f"no credentials: send {how}")
        for scheme, value in presented:
            if not scheme.check(value, secret, delivery.body):
                header = scheme.header.split(":")[0]
                self._refused(delivery, f"{header} does not match")
                raise UnauthorizedError(f"the {header} header does not match the project's webhook secret")

    def _refused(self, delivery: Delivery, reason: str) -> None:
        """A delivery with missing or wrong credentials is recorded in the audit log of the organisation its
        webhook names (`org` in [[devmaturity.webhooks]]); without one, only the server log has it."""
        org_slug = self._orgs.get(delivery.project)
        if org_slug is None:
            return
        actor = Actor(user_id=None, name=f"webhook:{delivery.project}")
        with self._store.transaction() as conn:
            org = accounts.org_by_slug(conn, org_slug)
            if org is None:
                return
            AuditLog(conn, actor, int(time.time()), (delivery.client or "unknown")[:100]).add(
                EventKind.WEBHOOK_REFUSED,
                org.id,
                ("webhook", delivery.project, delivery.project),
                result=Result.DENIED,
                details={"reason": reason, "delivery": delivery.delivery_id[:100] or None},
            )

    def _record(
        self, delivery: Delivery, inputs: dict[str, Any], read: Callable[[], _Read], replay: str
    ) -> WebhookResult:
        """One run per authenticated delivery, like a file ingest; the records are written in one transaction,
        with the delivery id (when the sender gives one), so a replay of it is refused without writing."""
        delivery_id = delivery.delivery_id[:200]
        if delivery_id:
            with self._store.transaction() as conn:
                if deliveries.seen(conn, delivery.project, replay, delivery_id):
                    raise _duplicate(delivery_id)
        project_id = self._store.project(delivery.project, "")
        details = {**inputs, "bytes": len(delivery.body), "delivery": delivery.delivery_id[:100]}
        run_id = self._store.start_run(project_id, "webhook", details)
        try:
            result = _admitted(read())
            with delivery_writer(self._store, project_id, run_id) as write:
                if delivery_id and not write.remember_delivery(delivery.project, replay, delivery_id):
                    raise _duplicate(delivery_id)  # a concurrent copy of the same delivery won
                stored = write(result.records)
        except DevmaturityError as exc:
            masked = self.redactor.error(exc)
            self._store.finish_run(run_id, "failed", {"error": masked.one_line()}, (), redact=self.redactor.text)
            raise masked from None
        except BaseException:
            self._store.finish_run(run_id, "failed", {"error": "interrupted"}, (), redact=self.redactor.text)
            raise
        messages = tuple(self.redactor.text(message) for message in result.problems)
        problems = [Problem(source=BODY, message=message) for message in messages]
        summary = {"stored": stored, "problems": len(problems), "ignored": result.ignored}
        self._store.finish_run(run_id, "ok", summary, problems, redact=self.redactor.text)
        return WebhookResult(outcome=_outcome(result, stored), stored=stored, problems=messages)


def _duplicate(delivery_id: str) -> DuplicateDelivery:
    return DuplicateDelivery(
        f"delivery {delivery_id[:100]!r} was received before; a replay is not stored again",
        zh=f"投递 {delivery_id[:100]!r} 已经收到过；重放的投递不会再次写入",
    )


def _admitted(read: _Read) -> _Read:
    """The records within the declared field limits (model/limits.py); each refused one is a problem, so the
    delivery is answered 207 or 422 as a bad row of a file would be, never a store failure."""
    kept, refused = admit(read.records)
    if not refused:
        return read
    return _Read(records=kept, problems=(*read.problems, *refused), ignored=read.ignored)


def _source(source: str | None) -> str:
    if source is None:
        return DEFAULT_SOURCE
    text = source.strip()
    if not text or len(text) > MAX_SOURCE_CHARS:
        raise RequestError(f"the source parameter must be 1 to {MAX_SOURCE_CHARS} characters")
    return text


def _require_json(delivery: Delivery, hint: str) -> None:
    if _media(delivery.content_type) != "application/json":
        raise UnsupportedMediaTypeError(f"Content-Type {_shown(delivery.content_type)} is not read; {hint}")


def _read_events(body: bytes, kind: str, source: str, fmt: str) -> _Read:
    try:
        read = events.parse_events(body, kind, source=source, name=BODY, fmt=fmt)
    except ReportError as exc:
        raise BadPayloadError(str(exc)) from None
    return _Read(records=read.records, problems=tuple(p.message for p in read.problems))


def _read_github(delivery: Delivery) -> _Read:
    if delivery.event == "ping":
        return _Read()
    if delivery.event != GITHUB_EVENT:
        return _ignored(f"X-GitHub-Event {delivery.event[:60]!r} is not read; subscribe to deployment statuses only")
    try:
        deployment = webhooks.github_deployment(_json(delivery.body))
    except SourcePayloadError as exc:
        raise BadPayloadError(exc.message) from None
    if deployment is None:
        return _ignored("state 'inactive' only says a newer deployment superseded this one; nothing changed")
    return _Read(records=(deployment,))


def _read_gitlab(delivery: Delivery) -> _Read:
    if delivery.event != GITLAB_EVENT:
        return _ignored(f"X-Gitlab-Event {delivery.event[:60]!r} is not read; enable Deployment events only")
    try:
        return _Read(records=(webhooks.gitlab_deployment(_json(delivery.body)),))
    except SourcePayloadError as exc:
        raise BadPayloadError(exc.message) from None


def _ignored(reason: str) -> _Read:
    return _Read(problems=(reason,), ignored=True)
