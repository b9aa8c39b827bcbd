"""Jira REST API v2 (Cloud, Server and Data Center): one project's issues and its released versions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from devmaturity.collectors.http import Answer, ClientOptions, Credentials, Page, Record, RestClient, credential
from devmaturity.collectors.payload import Obj
from devmaturity.collectors.redact import Redactor
from devmaturity.collectors.streams import Entry, Mark, Stream, SyncState, query_url, sync_streams
from devmaturity.errors import UsageError
from devmaturity.model.delivery import Release, WorkItem

USER_ENV = "JIRA_USER"
TOKEN_ENV = "JIRA_TOKEN"  # noqa: S105 - the name of the variable holding the API token, not a token
FIELDS = "issuetype,summary,created,updated,resolutiondate,fixVersions,priority,labels,environment,status"
HEADERS = {"Accept": "application/json", "User-Agent": "devmaturity"}
CLOUD_HOSTS = (".atlassian.net", ".jira.com")
# Released versions have no update time, so all share this key: a stream mark's `ids` is then the set stored.
SEEN = datetime(1970, 1, 1, tzinfo=UTC)
_WIDEST_OFFSET = timedelta(hours=14)  # when the user's zone is unknown, JQL starts this much earlier
_PROJECT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ENV_LABEL = re.compile(r"(?i)env(?:ironment)?[:=/_-]\s*(.+)")
# Free-text environments, checked in order: "pre-prod" and "预生产" are staging before "prod" and "生产" match.
_ENVIRONMENT_WORDS = (
    ("staging", re.compile(r"(?i)\b(staging|stage|pre-?prod(uction)?)\b|预发|预生产|准生产")),
    ("production", re.compile(r"(?i)\b(production|prod|prd|live)\b|生产|线上|正式环境")),
    ("test", re.compile(r"(?i)\b(test|testing|qa|sit|uat)\b|测试")),
    ("development", re.compile(r"(?i)\b(dev|development|local)\b|开发")),
)


def environment_of(labels: Iterable[str], text: str | None) -> str:
    """Where a defect was found: a label such as "env:production" wins, else a known word in the free text
    ("Production, Chrome 124", "生产环境"); "" when neither says."""
    for label in labels:
        if match := _ENV_LABEL.fullmatch(label.strip()):
            return _environment_word(match[1]) or match[1].strip().lower()
    return _environment_word(text or "")


def _environment_word(text: str) -> str:
    return next((name for name, pattern in _ENVIRONMENT_WORDS if pattern.search(text)), "")


def is_cloud(base_url: str) -> bool:
    return httpx.URL(base_url).host.endswith(CLOUD_HOSTS)


class JiraSource:
    """One Jira project. Issues come from the JQL search, newest update first, `updated >=` the mark's minute
    in the user's time zone; released versions from the project's version list.

    Credentials: $JIRA_USER and $JIRA_TOKEN as HTTP Basic (Cloud API token, or a Server password); with only
    $JIRA_TOKEN set, a Data Center personal access token as Bearer. Cloud (`cloud=None` guesses from the host)
    pages with `/search/jql` and `nextPageToken`, Server and Data Center with `/search` and `startAt`.
    """

    def __init__(
        self,
        project: str = "SHOP",
        *,
        base_url: str,
        user_env: str = USER_ENV,
        token_env: str = TOKEN_ENV,
        cloud: bool | None = None,
        client: ClientOptions | None = None,
    ) -> None:
        if not _PROJECT.fullmatch(project):
            raise UsageError(f"jira: project key {project!r} is not a Jira key such as SHOP")
        self.project = project.upper()
        self.name = f"jira:{self.project}"
        self._base_url = base_url
        self._user_env = user_env
        self._token_env = token_env
        self._cloud = is_cloud(base_url) if cloud is None else cloud
        self._options = client or ClientOptions()

    def __repr__(self) -> str:
        return (
            f"JiraSource({self.project!r}, base_url={self._base_url!r}, user_env={self._user_env!r}, "
            f"token_env={self._token_env!r})"
        )

    def pages(self, cursor: str | None) -> Iterator[Page]:
        marks = SyncState.decode(cursor, self.name).marks
        with RestClient(
            source=self.name,
            base_url=self._base_url,
            credentials=self._credentials(),
            options=self._options,
            headers=HEADERS,
        ) as api:
            run = _JiraSync(self, api, marks)
            yield from sync_streams(api, run.streams(), cursor)

    def redactor(self) -> Redactor:
        return self._credentials().redactor()

    def _credentials(self) -> Credentials:
        if credential(self._user_env).strip():
            return Credentials(token_env=self._token_env, user_env=self._user_env)
        return Credentials(token_env=self._token_env)  # a Data Center personal access token

    def search_url(self, jql: str, page_size: int) -> str:
        params: dict[str, str | int | None] = {"jql": jql, "fields": FIELDS, "maxResults": page_size}
        if self._cloud:
            return query_url("rest/api/2/search/jql", params)
        return query_url("rest/api/2/search", {**params, "startAt": 0})

    def next_page(self, answer: Answer) -> str | None:
        data = answer.object()
        if self._cloud:
            token = data.opt_text("nextPageToken")
            last = data.get("isLast") is True
            return None if last or not token else str(answer.url.copy_set_param("nextPageToken", token))
        shown = len(data.children("issues"))
        following = data.number("startAt") + shown
        return (
            str(answer.url.copy_set_param("startAt", following)) if shown and following < data.number("total") else None
        )


class _JiraSync:
    """One sync's state: the marks it started from, and the version list and user's zone, each read once.

    Releasing a version does not change its issues' `updated`, so the first sync after a release also asks for
    the issues of each newly released version (`fixVersion in (...)`): older than the mark, they are read with no
    key, which lets them through the mark without moving it.
    """

    def __init__(self, source: JiraSource, api: RestClient, marks: Mapping[str, Mark]) -> None:
        self.source = source
        self.api = api
        self.marks = marks
        self._versions: list[Obj] | None = None
        self._newly: frozenset[str] | None = None

    def streams(self) -> tuple[Stream, ...]:
        return (
            Stream(
                name="issues",
                start=self._search_start,
                entries=self._issue_entries,
                convert=self._issue,
                next=self.source.next_page,
            ),
            Stream(
                name="versions",  # after the issues, so its old mark still tells which releases are new
                start=lambda _: self._versions_path(),
                entries=_version_entries,
                convert=self._version,
                next=lambda _: None,
            ),
        )

    def _versions_path(self) -> str:
        return f"rest/api/2/project/{self.source.project}/versions"

    def versions(self) -> list[Obj]:
        if self._versions is None:
            self._versions = self.api.get(self._versions_path()).objects()
        return self._versions

    def newly_released(self) -> frozenset[str]:
        """Ids of the versions released (with a date) since the versions stream's mark; numeric ids only, as
        they go into the JQL unquoted."""
        if self._newly is None:
            released = {
                v.ident("id") for v in self.versions() if _release_date(v) is not None and v.ident("id").isdigit()
            }
            self._newly = frozenset(released - self.marks.get("versions", Mark()).ids)
        return self._newly

    def _search_start(self, mark: Mark) -> str:
        jql = f"project = {self.source.project}"
        if mark.at is not None:
            clause = f'updated >= "{self._jql_time(mark.at)}"'
            if newly := sorted(self.newly_released(), key=lambda ident: (len(ident), ident)):
                clause = f"({clause} OR fixVersion in ({', '.join(newly)}))"
            jql += f" AND {clause}"
        # Newest first: an issue updated while we page moves to the front, so offsets shift onto issues already
        # read (a duplicate), never past one not yet read; its new state is after the mark, read next time.
        return self.source.search_url(f"{jql} ORDER BY updated DESC", self.api.options.page_size)

    def _jql_time(self, at: datetime) -> str:
        """JQL reads dates in the user's time zone, to the minute (rounded down, so the filter loses nothing)."""
        zone = self._user_zone()
        local = at.astimezone(zone) if zone is not None else at - _WIDEST_OFFSET
        return local.strftime("%Y/%m/%d %H:%M")

    def _user_zone(self) -> tzinfo | None:
        name = self.api.get("rest/api/2/myself").object().opt_text("timeZone")
        try:
            return ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def _issue_entries(self, answer: Answer) -> list[Entry]:
        old = self.marks.get("issues", Mark())
        entries = []
        for issue in answer.object().children("issues"):
            updated: datetime | None = issue.child("fields").time("updated")
            if old.at is not None and updated is not None and updated <= old.at and self._in_new_release(issue):
                updated = None
            entries.append(Entry(id=issue.text("key"), key=updated, item=issue))
        return entries

    def _in_new_release(self, issue: Obj) -> bool:
        versions = {version.ident("id") for version in _objects(issue.child("fields"), "fixVersions")}
        return not versions.isdisjoint(self.newly_released())

    def _issue(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        fields = entry.item.child("fields")
        labels = fields.texts("labels")
        priority = fields.opt_child("priority")
        release, released_at = _release(_objects(fields, "fixVersions"))
        item = WorkItem(
            source=self.source.name,
            id=entry.id,
            type=fields.child("issuetype").text("name").lower(),
            title=fields.text("summary"),
            created_at=fields.time("created"),
            resolved_at=fields.opt_time("resolutiondate"),
            released_at=released_at,
            release=release,
            severity=(priority.opt_text("name") or "") if priority else "",
            environment=environment_of(labels, fields.opt_text("environment")),
            labels=labels,
        )
        return item, True

    def _version(self, api: RestClient, entry: Entry) -> tuple[Record | None, bool]:
        date = _release_date(entry.item)
        if date is None:
            return None, True  # not released yet: listed again next time, with no key it never moves the mark
        release = Release(source=self.source.name, id=entry.id, name=entry.item.text("name"), created_at=date)
        return release, True


def _objects(item: Obj, key: str) -> list[Obj]:
    return [] if item.get(key) is None else item.children(key)


def _release_date(version: Obj) -> datetime | None:
    """A released version's `releaseDate` (a date, read as 00:00 UTC); None while unreleased or undated."""
    return version.opt_time("releaseDate") if version.flag("released") else None


def _release(versions: list[Obj]) -> tuple[str, datetime | None]:
    """The fix version an issue shipped in: the earliest released one, else the first (planned) one."""
    released = sorted((date, version.text("name")) for version in versions if (date := _release_date(version)))
    if released:
        return released[0][1], released[0][0]
    return (versions[0].text("name"), None) if versions else ("", None)


def _version_entries(answer: Answer) -> list[Entry]:
    return [
        Entry(id=version.ident("id"), key=SEEN if _release_date(version) else None, item=version)
        for version in answer.objects()
    ]
