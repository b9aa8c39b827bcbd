"""The SonarQube source against the local fake server: paging with p/ps, the gate status from its three places,
bad tokens and bad values as one line naming the source, resume and incremental sync; stored and read back."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from devmaturity.collectors.http import ClientOptions, Record
from devmaturity.collectors.sonarqube import SonarQubeSource
from devmaturity.errors import ConfigError, SourceAuthError, SourcePayloadError
from devmaturity.model.quality import GateStatus, QualityAnalysis
from devmaturity.services.sync import credential_values, make_source, sync_source
from devmaturity.store.db import Store
from devmaturity.store.quality import load_quality
from tests.apiserver import ApiServer
from tests.collectors.test_rest_sources import DATA, TOKEN

ANALYSES = "/api/project_analyses/search"
HISTORY = "/api/measures/search_history"
GATE = "/api/qualitygates/project_status"


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer(DATA) as server:
        yield server


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SONAR_TOKEN", TOKEN)


def routes(server: ApiServer) -> None:
    server.serve(ANALYSES, "sonarqube/analyses-1.json", "sonarqube/analyses-2.json", paging="sonarqube")
    server.serve(HISTORY, "sonarqube/history-1.json", "sonarqube/history-2.json", paging="sonarqube")
    server.serve(GATE, "sonarqube/project-status-AY2.json", paging="none")


def update(server: ApiServer) -> None:
    server.serve(ANALYSES, "sonarqube/analyses-new.json", paging="sonarqube")
    server.serve(HISTORY, "sonarqube/history-new.json", paging="sonarqube")


def source(server: ApiServer, batch: int = 100) -> SonarQubeSource:
    options = ClientOptions(sleep=lambda _s: None, backoff=0.01, connect_timeout=1.0, read_timeout=2.0)
    return SonarQubeSource(
        "acme:shop", base_url=server.url, client=options, batch=batch, **credential_values("sonarqube", {})
    )


def collect(src: SonarQubeSource, cursor: str | None = None) -> tuple[list[QualityAnalysis], list[str]]:
    records: list[Record] = []
    cursors: list[str] = []
    for page in src.pages(cursor):
        records += page.records
        cursors.append(page.cursor)
    assert all(isinstance(r, QualityAnalysis) for r in records)
    return [r for r in records if isinstance(r, QualityAnalysis)], cursors


def test_both_pages_of_analyses_and_history_are_read_and_matched_by_date(api: ApiServer) -> None:
    """Three analyses over two pages each of the analyses and of the history, stored oldest first. Dates are
    +0200 in the files: 08:00+0200 is 06:00Z. The gate of AY1 is alert_status ERROR; AY2 has no alert_status
    value and no QUALITY_GATE event, so it is asked of project_status (OK); AY3's is OK."""
    routes(api)
    analyses, _ = collect(source(api))
    assert [a.id for a in analyses] == ["AY1-analysis-01", "AY2-analysis-02", "AY3-analysis-03"]
    first, second, third = analyses
    assert first.analysed_at == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    assert (first.gate, second.gate, third.gate) == (GateStatus.ERROR, GateStatus.OK, GateStatus.OK)
    assert first.source == "sonarqube:acme:shop" and first.project == "acme:shop"
    assert first.revision == "a1" * 20 and first.version == "1.1"
    assert (first.coverage, first.duplicated_lines_density, first.sqale_index, first.sqale_debt_ratio) == (
        71.5,
        4.0,
        1800.0,
        0.6,
    )
    assert first.security_hotspots is None  # a history point without a value is unknown, not 0
    assert (third.coverage, third.vulnerabilities, third.sqale_debt_ratio, third.ncloc) == (80.0, 2.0, None, 10000.0)
    assert [q["p"] for q in api.queries(ANALYSES)] == ["1", "2"]
    assert [q["p"] for q in api.queries(HISTORY)] == ["1", "2"]
    assert api.queries(ANALYSES)[0] == {"project": "acme:shop", "p": "1", "ps": "500"}
    assert "alert_status" in api.queries(HISTORY)[0]["metrics"].split(",")
    assert [q["analysisId"] for q in api.queries(GATE)] == ["AY2-analysis-02"]


def test_the_token_is_sent_as_the_basic_user_with_an_empty_password(api: ApiServer) -> None:
    routes(api)
    collect(source(api))
    expected = "Basic " + base64.b64encode(f"{TOKEN}:".encode()).decode()
    assert {r.headers.get("authorization") for r in api.requests} == {expected}


def test_a_bad_token_is_one_line_naming_the_source_not_the_token(api: ApiServer) -> None:
    routes(api)
    api.fail(ANALYSES, 401)
    with pytest.raises(SourceAuthError) as caught:
        collect(source(api))
    message = caught.value.one_line()
    assert caught.value.message == (
        f"sonarqube:acme:shop: bad or expired token from $SONAR_TOKEN (HTTP 401 from {ANALYSES})"
    )
    assert TOKEN not in message and "\n" not in message


def test_a_measure_that_is_not_a_number_is_one_line_naming_metric_and_date(api: ApiServer) -> None:
    routes(api)
    bad = {
        "paging": {"pageIndex": 1, "pageSize": 1000, "total": 1},
        "measures": [{"metric": "coverage", "history": [{"date": "2024-05-01T08:00:00+0200", "value": "n/a"}]}],
    }
    api.serve_body(HISTORY, json.dumps(bad).encode())
    with pytest.raises(SourcePayloadError) as caught:
        collect(source(api))
    message = caught.value.message
    assert message.startswith(f"sonarqube:acme:shop: {HISTORY}")
    assert message.endswith("measure coverage at 2024-05-01T08:00:00+0200: expected a number, got 'n/a'")


def test_a_sync_resumes_after_the_last_stored_page(api: ApiServer) -> None:
    """With two analyses a page, the first page's cursor stands at AY2 (07:30Z); resuming from it asks from that
    second on and stores only AY3, although the server lists AY2 again (its filter is inclusive)."""
    routes(api)
    _, cursors = collect(source(api, batch=2))
    assert len(cursors) == 2
    resumed, _ = collect(source(api), cursors[0])
    assert [a.id for a in resumed] == ["AY3-analysis-03"]
    assert api.queries(ANALYSES)[-1]["from"] == "2024-05-02T07:30:00+0000"


def test_a_second_sync_asks_only_for_new_analyses(api: ApiServer) -> None:
    """The second sync filters from the newest stored date (AY3, 08:00Z); AY3, listed again, is skipped; AY4's gate
    comes from its alert_status (ERROR), and no project_status call is made."""
    routes(api)
    _, cursors = collect(source(api))
    gate_calls = len(api.queries(GATE))
    update(api)
    new, _ = collect(source(api), cursors[-1])
    assert [(a.id, a.gate, a.coverage, a.vulnerabilities) for a in new] == [
        ("AY4-analysis-04", GateStatus.ERROR, 78.5, 3.0)
    ]
    assert api.queries(ANALYSES)[-1]["from"] == "2024-05-03T08:00:00+0000"
    assert api.queries(HISTORY)[-1]["from"] == "2024-05-03T08:00:00+0000"
    assert len(api.queries(GATE)) == gate_calls
    nothing, _ = collect(source(api), collect(source(api), cursors[-1])[1][-1])
    assert nothing == []


def test_make_source_reads_the_config_table() -> None:
    made = make_source({"kind": "sonarqube", "project_key": "acme:shop", "base_url": "https://sonar.example"})
    assert made.name == "sonarqube:acme:shop"
    with pytest.raises(ConfigError, match="`base_url` required"):
        make_source({"kind": "sonarqube", "project_key": "acme:shop"})


def test_synced_analyses_are_upserted_once_and_read_back(store: Store, api: ApiServer) -> None:
    routes(api)
    project = store.project("shop", "")
    first = sync_source(store, project, source(api))
    again = sync_source(store, project, source(api))
    assert (first.records, again.records) == (3, 0)
    assert store.count_rows("quality_analyses", project) == 3
    update(api)
    sync_source(store, project, source(api))
    loaded = load_quality(store, project, datetime(2024, 5, 2, tzinfo=UTC)) or []
    assert [(a.id, a.gate, a.coverage) for a in loaded] == [
        ("AY2-analysis-02", GateStatus.OK, 74.0),
        ("AY3-analysis-03", GateStatus.OK, 80.0),
        ("AY4-analysis-04", GateStatus.ERROR, 78.5),
    ]
    assert loaded[1].revision == "c3" * 20 and loaded[1].sqale_index == 1200.0
    assert load_quality(store, store.project("other", ""), datetime(2024, 1, 1, tzinfo=UTC)) is None


def test_the_sonarqube_token_is_masked_in_every_form_it_travels_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """SonarQube sends the token as the Basic user with an empty password: base64 of "token:" is masked too."""
    import base64

    from devmaturity.collectors.sonarqube import SonarQubeSource

    token = "squ_0123456789abcdef"
    monkeypatch.setenv("SONAR_TOKEN_FOR_MASK", token)
    source = SonarQubeSource(
        "acme:shop",
        base_url="http://127.0.0.1:9",
        token_env="SONAR_TOKEN_FOR_MASK",
        **credential_values("sonarqube", {"token_env": "SONAR_TOKEN_FOR_MASK"}),
    )
    basic = base64.b64encode(f"{token}:".encode()).decode()
    masked = source.redactor().text(f"echo {token} Basic {basic}")
    assert token not in masked and basic not in masked
