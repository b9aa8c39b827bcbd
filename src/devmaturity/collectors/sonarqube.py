"""SonarQube Web API: one project's analyses with their quality gate status and measures, read incrementally."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devmaturity.collectors.http import Answer, ClientOptions, Credentials, Page, RestClient
from devmaturity.collectors.payload import Obj, parse_time
from devmaturity.collectors.redact import Redactor
from devmaturity.collectors.streams import query_url
from devmaturity.errors import SourceError, SourcePayloadError, UsageError
from devmaturity.model.quality import MEASURES, GateStatus, QualityAnalysis

TOKEN_ENV = "SONAR_TOKEN"  # noqa: S105 - the name of the variable holding the user token, not a token
CURSOR_FORMAT = 1
ANALYSES = "api/project_analyses/search"
HISTORY = "api/measures/search_history"
GATE = "api/qualitygates/project_status"
GATE_METRIC = "alert_status"
ANALYSES_PAGE = 500  # the API's largest page of analyses
HISTORY_PAGE = 1000  # the API's largest page of measure history (per metric)
MAX_PAGES = 10_000  # a server whose paging never ends is refused, not followed forever
GATES = {status.value: status for status in GateStatus}


@dataclass(frozen=True, slots=True, kw_only=True)
class SonarCursor:
    """The newest stored analysis date and the analysis keys stored at exactly that date."""

    at: datetime | None = None
    ids: frozenset[str] = frozenset()

    def seen(self, analyses: tuple[QualityAnalysis, ...]) -> SonarCursor:
        state = self
        for analysis in analyses:
            when = analysis.analysed_at
            if state.at is None or when > state.at:
                state = SonarCursor(at=when, ids=frozenset({analysis.id}))
            elif when == state.at:
                state = SonarCursor(at=when, ids=state.ids | {analysis.id})
        return state

    def wants(self, when: datetime, key: str) -> bool:
        return self.at is None or when > self.at or (when == self.at and key not in self.ids)

    def encode(self) -> str:
        at = self.at.isoformat() if self.at is not None else None
        return json.dumps({"format": CURSOR_FORMAT, "at": at, "ids": sorted(self.ids)}, sort_keys=True)

    @classmethod
    def decode(cls, cursor: str | None, source: str) -> SonarCursor:
        if cursor is None:
            return cls()
        try:
            data: Any = json.loads(cursor)
            if data.get("format") != CURSOR_FORMAT:
                raise ValueError(f"not a format {CURSOR_FORMAT} cursor")
            at = parse_time(data["at"]) if data["at"] is not None else None
            if data["at"] is not None and at is None:
                raise ValueError(f"bad time {data['at']!r}")
            return cls(at=at, ids=frozenset(str(i) for i in data.get("ids", [])))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise SourceError(f"{source}: cannot resume from the stored cursor ({exc}); sync from the start") from None


def since_param(at: datetime | None) -> str | None:
    """The `from` filter (inclusive) in whole seconds, rounded down, so the filter never loses an analysis."""
    return at.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+0000") if at else None


class SonarQubeSource:
    """One SonarQube project (or SonarCloud), read through the Web API with a user token (HTTP Basic, the token as
    the user; every version since 5.3 accepts it).

    Each sync lists the analyses from the cursor's date on (`api/project_analyses/search`, newest first, paged) and
    the measure history over the same span (`api/measures/search_history`, one request per page for all metrics);
    analyses are stored oldest first, `batch` per page, so an interrupted sync resumes after the last stored one.
    The gate status comes from the `alert_status` history, else the analysis's QUALITY_GATE event, else
    `api/qualitygates/project_status?analysisId=`.
    """

    def __init__(
        self,
        project_key: str,
        *,
        base_url: str,
        token_env: str = TOKEN_ENV,
        token: str = "",
        client: ClientOptions | None = None,
        batch: int = 100,
    ) -> None:
        if not project_key.strip():
            raise UsageError("sonarqube: the project key is empty; give it as project_key, e.g. acme:shop")
        self.project = project_key.strip()
        self.name = f"sonarqube:{self.project}"
        self._base_url = base_url
        self._credentials = Credentials(token_env=token_env, token=token, token_as_user=True)
        self._options = client or ClientOptions()
        self._batch = max(batch, 1)

    def redactor(self) -> Redactor:
        return self._credentials.redactor()

    def __repr__(self) -> str:
        return (
            f"SonarQubeSource({self.project!r}, base_url={self._base_url!r}, token_env={self._credentials.token_env!r})"
        )

    def pages(self, cursor: str | None) -> Iterator[Page]:
        state = SonarCursor.decode(cursor, self.name)
        with RestClient(
            source=self.name, base_url=self._base_url, credentials=self._credentials, options=self._options
        ) as api:
            since = since_param(state.at)
            listed = _all(api, ANALYSES, {"project": self.project, "from": since}, "analyses", ANALYSES_PAGE)
            todo = sorted(
                ((item.time("date"), item.ident("key"), item) for item in listed),
                key=lambda entry: (entry[0], entry[1]),
            )
            todo = [entry for entry in todo if state.wants(entry[0], entry[1])]
            if not todo:
                yield Page(records=(), cursor=state.encode())
                return
            history = self._history(api, since)
            for start in range(0, len(todo), self._batch):
                batch = todo[start : start + self._batch]
                records = tuple(self._analysis(api, when, key, item, history) for when, key, item in batch)
                state = state.seen(records)
                yield Page(records=records, cursor=state.encode())

    def _history(self, api: RestClient, since: str | None) -> dict[datetime, dict[str, float | str]]:
        """Measure values by analysis date, then by metric key: numbers, and the gate status as its text."""
        metrics = ",".join((*MEASURES, GATE_METRIC))
        params = {"component": self.project, "metrics": metrics, "from": since}
        out: dict[datetime, dict[str, float | str]] = {}
        for measure in _all(api, HISTORY, params, "measures", HISTORY_PAGE):
            metric = measure.text("metric")
            for point in measure.children("history"):
                value = point.get("value")
                if value is None:
                    continue  # no value at this analysis (the metric did not exist yet, or was not computed)
                when = point.time("date")
                out.setdefault(when, {})[metric] = (
                    str(value) if metric == GATE_METRIC else _number(value, point, metric)
                )
        return out

    def _analysis(
        self,
        api: RestClient,
        when: datetime,
        key: str,
        item: Obj,
        history: Mapping[datetime, Mapping[str, float | str]],
    ) -> QualityAnalysis:
        values = history.get(when, {})
        measures: dict[str, float | None] = {}
        for metric, field in MEASURES.items():
            value = values.get(metric)
            measures[field] = value if isinstance(value, float) else None
        gate = values.get(GATE_METRIC)
        return QualityAnalysis(
            source=self.name,
            id=key,
            project=self.project,
            analysed_at=when,
            revision=item.opt_text("revision"),
            version=item.opt_text("projectVersion") or "",
            gate=self._gate(api, key, item, gate if isinstance(gate, str) else None),
            **measures,
        )

    def _gate(self, api: RestClient, key: str, item: Obj, measured: str | None) -> GateStatus:
        if measured is not None:
            return _status(measured, item, GATE_METRIC)
        for event in item.children("events") if item.get("events") is not None else []:
            gate = event.opt_child("qualityGate") if event.opt_text("category") == "QUALITY_GATE" else None
            if gate is not None and gate.opt_text("status") is not None:
                return _status(gate.text("status"), gate, "status")
        answer = api.get_optional(query_url(GATE, {"analysisId": key}))
        if answer is None:
            return GateStatus.NONE  # the analysis is gone, or no gate was ever computed for it
        status = answer.object().child("projectStatus")
        return _status(status.text("status"), status, "status")


def _all(api: RestClient, path: str, params: Mapping[str, str | int | None], key: str, size: int) -> list[Obj]:
    """Every item of a listing paged with `p`/`ps` and answered with `paging: {pageIndex, pageSize, total}`."""
    items: list[Obj] = []
    for page in range(1, MAX_PAGES + 1):
        answer = api.get(query_url(path, {**params, "p": page, "ps": size}))
        found = answer.objects(key)
        items += found
        if not found or not _more(answer):
            return items
    raise SourcePayloadError(f"{api.source}: {path}: more than {MAX_PAGES} pages; the paging never ends")


def _more(answer: Answer) -> bool:
    paging = answer.object().child("paging")
    return paging.number("pageIndex") * paging.number("pageSize") < paging.number("total")


def _status(value: str, where: Obj, field: str) -> GateStatus:
    status = GATES.get(value.strip().upper())
    if status is None:
        raise SourcePayloadError(f"{where.where}: {field}: expected one of {', '.join(GATES)}, got {value!r}")
    return status


def _number(value: object, point: Obj, metric: str) -> float:
    """A measure value (the API gives numbers as strings) as a finite number, else a payload error naming it."""
    number = math.nan
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        with contextlib.suppress(ValueError):
            number = float(value)
    if not math.isfinite(number):
        when = point.get("date")
        raise SourcePayloadError(f"{point.where}: measure {metric} at {when}: expected a number, got {value!r}")
    return number
