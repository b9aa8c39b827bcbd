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
│   └── ConfigError              ("config", exit 65)
├── SourceError                  ("source", exit 69): a tool or server we read from failed
│   ├── GitError                 ("git", exit 69)
│   ├── SourceAuthError          ("source-auth", exit 69): the server refused the credentials
│   ├── SourceUnreachableError   ("source-unreachable", exit 69): no answer, DNS, TLS, timeouts
│   └── SourcePayloadError       ("source-payload", exit 69): an answer we cannot read
├── StoreError                   ("store", exit 74): the database refused or is unreachable
│   ├── ReportAlreadyStored      ("already-stored"): another writer stored the same report first
│   └── StoreUnavailableError    ("store-unavailable"): connection lost or database busy; a job retries it
├── BrokerError                  ("broker", exit 69): no job broker configured, or it does not answer
├── GateFailed                   ("gate-failed", exit 2): the assessment is below the bar
└── RequestError                 ("bad-request"): a web request refused; the web layer answers 4xx (exit 1)
    ├── BadPayloadError          ("bad-payload"): a body that is not the documented JSON
    ├── UnauthorizedError        ("unauthorized"): missing or wrong webhook credentials
    ├── NotFoundError            ("not-found"): no webhook for that project, or an unknown kind
    ├── PayloadTooLargeError     ("payload-too-large"): a body over webhook_max_bytes
    ├── RequestTimeoutError      ("request-timeout"): a body that did not arrive in time
    └── UnsupportedMediaTypeError ("unsupported-media-type"): a Content-Type that is not read
"""

from __future__ import annotations

from typing import ClassVar


class DevmaturityError(Exception):
    """Base of every error devmaturity raises on purpose."""

    slug: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def one_line(self) -> str:
        """The message as one line, the way the CLI prints it."""
        text = " ".join(self.message.split())
        return f"error[{self.slug}]: {text}"


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
        super().__init__(f"{file}: at {key_path or '<root>'}: {problem} (got {shown})", path=file)
        self.file = file
        self.key_path = key_path
        self.value = value
        self.problem = problem


class AnswersFileError(DataError):
    slug = "answers-file"


class ConfigError(DataError):
    slug = "config"


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


class BrokerError(DevmaturityError):
    slug = "broker"
    exit_code = 69


class GateFailed(DevmaturityError):
    slug = "gate-failed"
    exit_code = 2


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


class UnsupportedMediaTypeError(RequestError):
    slug = "unsupported-media-type"


class RequestTimeoutError(RequestError):
    slug = "request-timeout"
