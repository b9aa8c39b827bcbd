"""One table of values at and past the declared field limits (model/limits.py), read from files and from webhooks,
and from a REST sync, on SQLite and on the real PostgreSQL (the store fixture): each case names the same problems and stores the same
rows on both, a webhook answers 207 or 422 for it (never 503), and the good rows beside a bad one are stored.

The limits worked out by hand from model/limits.py: ids and sources 300 characters, a deployment's environment
200, a work item's type 100 and title 1,000, an incident's severity 50, a SARIF line 1 to 2,147,483,647 (int4);
no text may hold NUL or an unpaired surrogate (PostgreSQL refuses both, SQLite kept them). A surrogate pair
(\ud83d\ude80, a rocket) is one good character.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from devmaturity.collectors.http import Page
from devmaturity.collectors.redact import Redactor
from devmaturity.config import Config
from devmaturity.model.delivery import Release
from devmaturity.services.ingest import ingest_command
from devmaturity.services.sync import sync_source
from devmaturity.store import tables as t
from devmaturity.store.db import Store
from tests.web.conftest import PROJECT, Served
from tests.web.test_webhooks import BEARER, DATA, GITHUB, github_headers

WHEN = "2026-11-20T10:00:00+00:00"
LONG_ID = "D-" + "9" * 398  # 400 characters
AT_LIMIT = "I" * 300  # exactly the limit: stored


def _deployment(ident: str, environment: str = "production") -> dict[str, str]:
    return {"id": ident, "environment": environment, "status": "success", "created_at": WHEN}


def _lines(*rows: dict[str, str]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    kind: str  # event kind of the file and of the /events endpoint
    suffix: str  # .json / .jsonl also go to the webhook; .csv only to the file reader
    content: str
    problems: tuple[str, ...]
    stored: tuple[str, ...]  # ext_ids stored, sorted
    status: int  # what the /events webhook answers

    @property
    def table(self) -> str:
        return {"deployments": "deployments", "incidents": "incidents", "workitems": "work_items"}[self.kind]


CASES = [
    Case(
        name="deployment id and environment too long, a good row between",
        kind="deployments",
        suffix=".json",
        content=json.dumps([_deployment(LONG_ID), _deployment("D-2"), _deployment("D-3", "e" * 201)]),
        problems=(
            "item [0], field id: 400 characters, over the limit of 300",
            "item [2], field environment: 201 characters, over the limit of 200",
        ),
        stored=("D-2",),
        status=207,
    ),
    Case(
        name="work item type and title too long, nothing good",
        kind="workitems",
        suffix=".jsonl",
        content=_lines(
            {"id": "W-1", "type": "t" * 150, "title": "a", "created_at": WHEN},
            {"id": "W-2", "type": "story", "title": "x" * 1001, "created_at": WHEN},
        ),
        problems=(
            "line 1, field type: 150 characters, over the limit of 100",
            "line 2, field title: 1,001 characters, over the limit of 1,000",
        ),
        stored=(),
        status=422,
    ),
    Case(
        name="incident severity too long; an id of exactly 300 characters is stored",
        kind="incidents",
        suffix=".jsonl",
        content=_lines(
            {"id": "I-1", "title": "down", "started_at": WHEN},
            {"id": "I-2", "title": "slow", "started_at": WHEN, "severity": "s" * 51},
            {"id": AT_LIMIT, "title": "long id", "started_at": WHEN},
        ),
        problems=("line 2, field severity: 51 characters, over the limit of 50",),
        stored=("I-1", AT_LIMIT),
        status=207,
    ),
    Case(
        name="incident titles PostgreSQL cannot keep: a NUL and an unpaired surrogate, both JSON escapes",
        kind="incidents",
        suffix=".json",
        content='[{"id": "I-1", "title": "a\\u0000b", "started_at": "2026-11-20"},'
        ' {"id": "I-2", "title": "\\ud800x", "started_at": "2026-11-20"},'
        ' {"id": "I-3", "title": "\\ud83d\\ude80 ok", "started_at": "2026-11-20"}]',
        problems=(
            "item [0], field title: holds a NUL character (U+0000), which the store cannot keep",
            "item [1], field title: holds an unpaired surrogate (U+D800), not text",
        ),
        stored=("I-3",),
        status=207,
    ),
    Case(
        name="CSV work items: a source past the limit, a good row",
        kind="workitems",
        suffix=".csv",
        content=f"id,type,title,created_at,source\nW-1,story,a,{WHEN},jira\nW-2,bug,b,{WHEN},{'j' * 301}\n",
        problems=("row 3, column source: 301 characters, over the limit of 300",),
        stored=("W-1",),
        status=0,
    ),
]


def _stored(store: Store, table: str) -> tuple[str, ...]:
    target = t.metadata.tables[table]
    with store.engine.connect() as conn:
        return tuple(sorted(conn.execute(select(target.c.ext_id)).scalars()))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_limits_of_event_files(store: Store, tmp_path: Path, case: Case) -> None:
    path = tmp_path / f"events{case.suffix}"
    path.write_text(case.content, encoding="utf-8")
    result = ingest_command(store, Config(), case.kind, [path], project="shop", commit=None, at=None)
    assert tuple(p.message for p in result.problems) == case.problems
    assert all(p.source == str(path) for p in result.problems)
    assert _stored(store, case.table) == case.stored
    [run] = store.runs(store.project("shop", ""))
    assert run["status"] == "ok"


@pytest.mark.parametrize("case", [c for c in CASES if c.suffix != ".csv"], ids=lambda c: c.name)
def test_limits_of_event_webhooks(served: Served, case: Case) -> None:
    kind = {".json": "application/json", ".jsonl": "application/x-ndjson"}[case.suffix]
    response = served.client.post(
        f"/api/v1/projects/{PROJECT}/events/{case.kind}",
        content=case.content.encode(),
        headers={**BEARER, "Content-Type": kind},
    )
    assert response.status_code == case.status
    assert response.json() == {"stored": len(case.stored), "problems": list(case.problems)}
    assert _stored(served.store, case.table) == case.stored


def test_a_github_deployment_past_a_limit_is_422_not_503(served: Served) -> None:
    """The GitHub payload maps environment straight into the record: 201 characters is one refused record."""
    payload = json.loads((DATA / "webhooks" / "github-deployment-status.json").read_text())
    payload["deployment"]["environment"] = "e" * 201
    body = json.dumps(payload).encode()
    response = served.client.post(GITHUB, content=body, headers=github_headers(body))
    assert (response.status_code, response.json()) == (
        422,
        {
            "stored": 0,
            "problems": ["Deployment '1001' refused, field environment: 201 characters, over the limit of 200"],
        },
    )
    assert _stored(served.store, "deployments") == ()


SARIF_RESULT = {
    "ruleId": "R1",
    "level": "error",
    "message": {"text": "a"},
    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"}, "region": {"startLine": 1}}}],
}


def _sarif_result(message: str, line: int) -> dict[str, object]:
    location = {"physicalLocation": {"artifactLocation": {"uri": "app.py"}, "region": {"startLine": line}}}
    return {**SARIF_RESULT, "message": {"text": message}, "locations": [location]}


def test_a_sarif_line_past_int4_is_the_same_file_problem_on_both_stores(store: Store, tmp_path: Path) -> None:
    """SARIF 2.1.0 (hand-written, the minimal shape of tests/data/sarif/README.md): a startLine of 2**31 does not
    fit the INTEGER column on PostgreSQL. The reader refuses it before any store sees it: one problem naming the
    result and the field, the file not stored, on SQLite and PostgreSQL alike (never a store error, never 503);
    the good file beside it is stored."""
    doc = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "probe"}},
                "results": [_sarif_result("huge", 2_147_483_648), _sarif_result("fine", 7)],
            }
        ],
    }
    path = tmp_path / "scan.sarif"
    path.write_text(json.dumps(doc), encoding="utf-8")
    good = tmp_path / "good.sarif"
    doc["runs"][0]["results"] = [_sarif_result("fine", 7)]  # type: ignore[index]
    good.write_text(json.dumps(doc), encoding="utf-8")
    result = ingest_command(store, Config(), "sarif", [path, good], project="shop", commit=None, at=None)
    assert [p.message for p in result.problems] == [
        "run 1 result 1: 'locations[0].physicalLocation.region.startLine' is 2147483648, not a line number from "
        "1 to 2,147,483,647"
    ]
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.findings.c.message, t.findings.c.line).order_by(t.findings.c.ordinal)).all()
    assert [tuple(r) for r in rows] == [("fine", 7)]


class _OnePage:
    """A REST source (the collectors' Source protocol) serving one page: a release with a 401-character tag
    beside a good one, as a server could send it."""

    name = "gitea:acme/shop"

    def pages(self, cursor: str | None) -> Iterator[Page]:
        at = datetime(2026, 11, 20, tzinfo=UTC)
        good = Release(source=self.name, id="R-1", name="v1", created_at=at, tag="v1")
        long = Release(source=self.name, id="R-2", name="v2", created_at=at, tag="v" * 401)
        yield Page(records=(good, long), cursor='{"page": 1}')

    def redactor(self) -> Redactor:
        return Redactor.of()


def test_limits_of_rest_records(store: Store) -> None:
    project = store.project("shop", "")
    result = sync_source(store, project, _OnePage())
    assert (result.records, result.refused) == (1, 1)
    assert _stored(store, "releases") == ("R-1",)
    [run] = store.runs(project)
    assert (run["status"], json.loads(run["problems"])) == (
        "ok",
        [
            {
                "source": "gitea:acme/shop",
                "message": "Release 'R-2' refused, field tag: 401 characters, over the limit of 400",
            }
        ],
    )
