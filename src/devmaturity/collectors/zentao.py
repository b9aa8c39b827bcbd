"""ZenTao (禅道) REST API v1: one product's stories, bugs and releases."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from devmaturity.collectors.http import Answer, ClientOptions, Credentials, Page, Record, RestClient, credential
from devmaturity.collectors.jira import SEEN, environment_of
from devmaturity.collectors.payload import Obj
from devmaturity.collectors.redact import Redactor
from devmaturity.collectors.streams import Entry, Mark, Stream, SyncState, all_pages, query_url, sync_streams
from devmaturity.errors import SourceAuthError, SourceError, SourcePayloadError, SourceUnreachableError, UsageError
from devmaturity.model.delivery import Release, WorkItem

log = logging.getLogger(__name__)

ACCOUNT_ENV = "ZENTAO_ACCOUNT"
PASSWORD_ENV = "ZENTAO_PASSWORD"  # noqa: S105 - the name of the variable holding the password, not a password
API_PATH = "/api.php/v1"
# A story closed for these reasons was not delivered, so it has no resolved_at.
NOT_DELIVERED = frozenset({"duplicate", "willnotdo", "cancel", "bydesign", "postponed", "subdivided"})
UNRELEASED = frozenset({"wait", "fail"})  # release `status` before it ships (18.x); "normal", "terminate" shipped
_KEYWORDS = re.compile(r"[,，;；\s]+")


def api_root(base_url: str) -> str:
    """The API v1 root of a server given as "https://host", "https://host/zentao" or ".../api.php/v1"."""
    base = base_url.rstrip("/")
    return base if base.endswith(API_PATH) else base + API_PATH


class ZenTaoSource:
    """One ZenTao product, read with the account and password in $ZENTAO_ACCOUNT and $ZENTAO_PASSWORD: each sync
    logs in once (POST /tokens) and sends the session token in the `Token` header.

    The v1 lists have no "changed since" filter, so every sync pages through the product's stories and bugs
    (`id_desc`, `page`/`limit` up to `total`) and keeps those changed since the mark: opened, edited or closed
    after it. Releases are read whole. Mapping (docs/sources.md):

    - story: created = openedDate; resolved = closedDate unless closed as not delivered (NOT_DELIVERED); release
      and released_at from the earliest released release listing it in `stories`;
    - bug: created = openedDate; resolved = resolvedDate (else closedDate); severity = `severity` (1 is worst);
      release from the release listing it in `bugs`; environment "production" when `openedBuild` names the build
      of a shipped release, else "test" ("trunk" and unreleased builds); a keyword "env:<name>" overrides;
    - release: shipped (status not "wait"/"fail"), at `releasedDate`, else `date` (a date, read as 00:00 UTC).

    Times without a zone ("2024-05-02 10:00:00", older servers) are read as UTC; unset ones ("0000-00-00", or the
    epoch in the server's zone) as none.
    """

    def __init__(
        self,
        product: str = "1",
        *,
        base_url: str,
        account_env: str = ACCOUNT_ENV,
        password_env: str = PASSWORD_ENV,
        client: ClientOptions | None = None,
    ) -> None:
        product = str(product)
        if not product.isdigit():
            raise UsageError(f"zentao: product {product!r} is not a product id such as 1")
        self.product = product
        self.name = f"zentao:{product}"
        self._root = api_root(base_url)
        self._names = Credentials(token_env=password_env, user_env=account_env)
        self._options = client or ClientOptions()

    def __repr__(self) -> str:
        return (
            f"ZenTaoSource({self.product!r}, base_url={self._root!r}, account_env={self._names.user_env!r}, "
            f"password_env={self._names.token_env!r})"
        )

    def pages(self, cursor: str | None) -> Iterator[Page]:
        marks = SyncState.decode(cursor, self.name).marks
        token = _Login(self.name, self._root, self._names, self._options).token()
        with _SessionClient(
            source=self.name, base_url=self._root, names=self._names, options=self._options, token=token
        ) as api:
            run = _ZenTaoSync(self, api, marks)
            yield from sync_streams(api, run.streams(), cursor)

    def redactor(self) -> Redactor:
        return self._names.redactor()

    def url(self, kind: str, page_size: int | None, status: str) -> str:
        paging: dict[str, str | int | None] = {"order": "id_desc", "page": 1, "limit": page_size} if page_size else {}
        return query_url(f"products/{self.product}/{kind}", {"status": status, **paging})


# --- logging in -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Login:
    """POST /tokens with the account and password; RestClient only GETs. Neither secret is logged or kept."""

    source: str
    root: str
    names: Credentials
    options: ClientOptions

    def token(self) -> str:
        account = credential(self.names.user_env).strip()
        password = credential(self.names.token_env)
        if not account or not password:
            raise SourceAuthError(f"{self.source}: ZenTao wants an account; set {self.names.names()}")
        response = self._post(f"{self.root}/tokens", {"account": account, "password": password})
        path = httpx.URL(self.root).path + "/tokens"
        if response.status_code in (400, 401, 403):
            raise SourceAuthError(
                f"{self.source}: ZenTao refused the account from {self.names.names()} "
                f"(HTTP {response.status_code} from {path})"
            )
        if response.status_code >= 300:
            raise SourceError(f"{self.source}: HTTP {response.status_code} from {path}")
        try:
            token = response.json().get("token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise SourcePayloadError(f"{self.source}: {path}: the answer holds no token")
        return token

    def _post(self, url: str, body: Mapping[str, str]) -> httpx.Response:
        """The answer, retried with the client's backoff on connection errors, timeouts, 5xx and 429."""
        opts = self.options
        timeout = httpx.Timeout(opts.read_timeout, connect=opts.connect_timeout)
        problem = ""
        with httpx.Client(timeout=timeout, verify=opts.verify, follow_redirects=False) as http:
            for attempt in range(1, opts.attempts + 1):
                try:
                    response = http.post(url, json=body)
                except httpx.TransportError as exc:
                    problem = f"{type(exc).__name__} ({exc or 'no detail'})"
                else:
                    if response.status_code < 500 and response.status_code != 429:
                        return response
                    problem = f"HTTP {response.status_code}"
                if attempt < opts.attempts:
                    delay = min(opts.backoff * 2 ** (attempt - 1), opts.max_backoff)
                    log.warning("%s: %s from the login; retry %d in %.1f s", self.source, problem, attempt, delay)
                    opts.sleep(delay)
        raise SourceUnreachableError(
            f"{self.source}: no usable answer from {url} after {opts.attempts} attempts (last: {problem})"
        )


class _SessionClient(RestClient):
    """The shared client, sending the login's session token in the `Token` header instead of a secret read
    from a variable; its errors name the variables the token came from."""

    def __init__(self, *, source: str, base_url: str, names: Credentials, options: ClientOptions, token: str) -> None:
        super().__init__(
            source=source,
            base_url=base_url,
            credentials=Credentials(token_env=""),  # no variable: the token below is the only credential
            options=options,
            headers={"Token": token, "Accept": "application/json"},
            redactor=names.redactor() | Redactor.of([token]),  # the session token is a credential too
        )
        self._credentials = names
        self._has_token = True


# --- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Shipped:
    name: str
    at: datetime


class _ZenTaoSync:
    """One sync's state: the marks it started from and the release list, read once.

    A release does not change its stories' and bugs' dates, so the first sync after a release passes the ones
    it lists with no key: through the mark, without moving it.
    """

    def __init__(self, source: ZenTaoSource, api: RestClient, marks: Mapping[str, Mark]) -> None:
        self.source = source
        self.api = api
        self.marks = marks
        self._releases: list[Obj] | None = None
        self._shipped: dict[str, dict[str, _Shipped]] = {}
        self._newly: dict[str, frozenset[str]] = {}

    def streams(self) -> tuple[Stream, ...]:
        size = self.api.options.page_size
        return (
            Stream(
                name="stories",
                start=lambda _: self.source.url("stories", size, "allstory"),
                entries=lambda answer: self._entries(answer, "stories"),
                convert=self._story,
                next=page_next,
            ),
            Stream(
                name="bugs",
                start=lambda _: self.source.url("bugs", size, "all"),
                entries=lambda answer: self._entries(answer, "bugs"),
                convert=self._bug,
                next=page_next,
            ),
            Stream(
                name="releases",  # last, so its old mark still tells which releases are new
                start=lambda _: self.source.url("releases", None, "all"),
                entries=lambda answer: [
                    Entry(id=item.ident("id"), key=SEEN if _shipped_at(item) else None, item=item)
                    for item in answer.objects("releases")
                ],
                convert=self._release,
                next=page_next,
            ),
        )

    def releases(self) -> list[Obj]:
        if self._releases is None:
            self._releases = all_pages(self.api, self.source.url("releases", None, "all"), "releases", page_next)
        return self._releases

    def shipped(self, kind: str) -> dict[str, _Shipped]:
        """Story or bug id -> the earliest shipped release listing it under `kind` ("stories" or "bugs")."""
        if kind not in self._shipped:
            found: dict[str, _Shipped] = {}
            for release in self.releases():
                if (at := _shipped_at(release)) is None:
                    continue
                for ident in _ids(release.get(kind)):
                    if ident not in found or at < found[ident].at:
                        found[ident] = _Shipped(name=release.text("name"), at=at)
            self._shipped[kind] = found
        return self._shipped[kind]

    def newly_listed(self, kind: str) -> frozenset[str]:
        """Story or bug ids listed by releases shipped since the releases stream's mark."""
        if kind not in self._newly:
            stored = self.marks.get("releases", Mark()).ids
            new = [r for r in self.releases() if _shipped_at(r) is not None and r.ident("id") not in stored]
            self._newly[kind] = frozenset().union(*(_ids(release.get(kind)) for release in new))
        return self._newly[kind]

    def released_builds(self) -> frozenset[str]:
        shipped = [r for r in self.releases() if _shipped_at(r) is not None]
        return frozenset().union(*(_ids(r.get("build")) | _ids(r.get("builds")) for r in shipped))

    def _entries(self, answer: Answer, kind: str) -> list[Entry]:
        old = self.marks.get(kind, Mark())
        entries = []
        for item in answer.object().children(kind):
            ident = item.ident("id")
            key: datetime | None = _changed(item)
            if old.at is not None and key is not None and key <= old.at and ident in self.newly_listed(kind):
                key = None
            entries.append(Entry(id=ident, key=key, item=item))
        return entries

    def _story(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        if _deleted(item):
            return None, True
        closed = _when(item, "closedDate")
        shipped = self.shipped("stories").get(entry.id)
        story = WorkItem(
            source=self.source.name,
            id=f"story-{entry.id}",
            type="story",
            title=item.text("title"),
            created_at=item.time("openedDate"),
            resolved_at=closed if (item.opt_text("closedReason") or "") not in NOT_DELIVERED else None,
            released_at=shipped.at if shipped else None,
            release=shipped.name if shipped else "",
            labels=_keywords(item),
        )
        return story, True

    def _bug(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        item = entry.item
        if _deleted(item):
            return None, True
        labels = _keywords(item)
        in_release = not _ids(item.get("openedBuild")).isdisjoint(self.released_builds())
        shipped = self.shipped("bugs").get(entry.id)
        bug = WorkItem(
            source=self.source.name,
            id=f"bug-{entry.id}",
            type="bug",
            title=item.text("title"),
            created_at=item.time("openedDate"),
            resolved_at=_when(item, "resolvedDate") or _when(item, "closedDate"),
            released_at=shipped.at if shipped else None,
            release=shipped.name if shipped else "",
            severity=str(item.get("severity") or ""),
            environment=environment_of(labels, None) or ("production" if in_release else "test"),
            labels=labels,
        )
        return bug, True

    def _release(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        at = _shipped_at(entry.item)
        if at is None:
            return None, True  # not shipped: listed again next time, with no key it never moves the mark
        return Release(source=self.source.name, id=entry.id, name=entry.item.text("name"), created_at=at), True


def page_next(answer: Answer) -> str | None:
    """ZenTao's `page`, `limit` and `total` in the answer; one without them (the release list) is one page.
    Past the last page ZenTao answers page 1 again, so only `total` can end the listing."""
    data = answer.object()
    page, limit, total = (_number(data, key) for key in ("page", "limit", "total"))
    if page is None or limit is None or total is None or limit <= 0 or page * limit >= total:
        return None
    return str(answer.url.copy_set_param("page", page + 1))


def _number(data: Obj, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return data.number(key)


def _when(item: Obj, key: str) -> datetime | None:
    """A time field, None when unset: null, "", "0000-00-00 ..." or the epoch (ZenTao's unset, in its zone)."""
    value = item.get(key)
    if value is None or value == "" or (isinstance(value, str) and value.startswith("0000-00-00")):
        return None
    when = item.time(key)
    return None if when.year < 1971 else when


def _changed(item: Obj) -> datetime:
    """When a story or bug last changed: the latest of its opened, edited, resolved and closed times."""
    times = [_when(item, key) for key in ("lastEditedDate", "resolvedDate", "closedDate")]
    return max([item.time("openedDate"), *(when for when in times if when is not None)])


def _shipped_at(release: Obj) -> datetime | None:
    if _deleted(release) or release.get("status") in UNRELEASED:
        return None
    return _when(release, "releasedDate") or _when(release, "date")


def _deleted(item: Obj) -> bool:
    return item.get("deleted") in (True, 1, "1")


def _ids(value: Any) -> frozenset[str]:
    """Ids written as a number, "1,2,3" (also ",1,2,"), an object with an `id`, or a list of those."""
    if isinstance(value, bool) or value is None:
        return frozenset()
    if isinstance(value, int):
        return frozenset({str(value)}) if value else frozenset()
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(",") if part.strip() not in ("", "0"))
    if isinstance(value, dict):
        return _ids(value.get("id"))
    if isinstance(value, list):
        return frozenset().union(*(_ids(part) for part in value))
    return frozenset()


def _keywords(item: Obj) -> tuple[str, ...]:
    value = item.get("keywords")
    return tuple(word for word in _KEYWORDS.split(value) if word) if isinstance(value, str) else ()
