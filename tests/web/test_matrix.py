"""The role × endpoint matrix, on SQLite and PostgreSQL: every endpoint of the app (read from the app's own route
table through its OpenAPI document, so a new endpoint without a MATRIX row fails), called by a user of every role
with an API token, answers allowed or 403 exactly as auth/roles.py's table says; anonymous gets 401; a user of
another organisation gets 404 for every object of this one.

To add an endpoint: one MATRIX row "METHOD /path" → the Action it checks (or SIGNED_IN / OWN_AUTH), and, when it
takes a body, one BODIES row. Path parameters are filled from the objects the fixture makes (PARAMS)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Action, Role, permitted
from devmaturity.config import Config
from devmaturity.services import admin, assessments, workbench
from devmaturity.services import projects as svc
from devmaturity.services import sources as sources_svc
from devmaturity.services.assess import run_assessment
from devmaturity.services.workbench import Value
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder
from tests.web.conftest import ApiClient

SIGNED_IN = "signed in"  # any member may call it; it shows only the caller's own organisations
OWN_AUTH = "own auth"  # authenticates itself (sign-in, webhooks); covered by its own tests

MATRIX: dict[str, Action | str] = {
    "GET /health": OWN_AUTH,
    "GET /ready": OWN_AUTH,
    "POST /api/v1/auth/login": OWN_AUTH,
    "POST /api/v1/auth/logout": OWN_AUTH,
    "GET /api/v1/auth/oidc/login": OWN_AUTH,
    "GET /api/v1/auth/oidc/callback": OWN_AUTH,
    "GET /api/v1/auth/me": SIGNED_IN,
    "GET /api/v1/tokens": SIGNED_IN,
    "POST /api/v1/tokens": Action.TOKEN_CREATE,
    "DELETE /api/v1/tokens/{token_id}": SIGNED_IN,  # the caller's own token (another's: 404)
    "GET /api/v1/orgs/{org}/members": Action.ORG_READ,
    "POST /api/v1/orgs/{org}/members": Action.USER_MANAGE,
    "PUT /api/v1/orgs/{org}/members/{name}": Action.USER_MANAGE,
    "DELETE /api/v1/orgs/{org}/members/{name}": Action.USER_MANAGE,
    "GET /api/v1/orgs/{org}/audit": Action.AUDIT_READ,
    "GET /api/v1/orgs/{org}/audit/export": Action.AUDIT_EXPORT,
    "POST /api/v1/orgs/{org}/audit/verify": Action.AUDIT_READ,
    "POST /api/v1/projects/{project}/events/{kind}": OWN_AUTH,
    "POST /api/v1/projects/{project}/webhooks/github": OWN_AUTH,
    "POST /api/v1/projects/{project}/webhooks/gitlab": OWN_AUTH,
    "GET /api/v1/orgs": SIGNED_IN,
    "POST /api/v1/orgs": Action.ORG_CREATE,
    "GET /api/v1/orgs/{org_slug}": Action.ORG_READ,
    "GET /api/v1/projects": SIGNED_IN,
    "POST /api/v1/projects": Action.PROJECT_CREATE,
    "GET /api/v1/projects/{project_id}": Action.PROJECT_READ,
    "PATCH /api/v1/projects/{project_id}": Action.PROJECT_UPDATE,
    "DELETE /api/v1/projects/{project_id}": Action.PROJECT_DELETE,
    "GET /api/v1/projects/{project_id}/sources": Action.SOURCE_READ,
    "POST /api/v1/projects/{project_id}/sources": Action.SOURCE_MANAGE,
    "GET /api/v1/projects/{project_id}/sources/{source_id}": Action.SOURCE_READ,
    "PATCH /api/v1/projects/{project_id}/sources/{source_id}": Action.SOURCE_MANAGE,
    "DELETE /api/v1/projects/{project_id}/sources/{source_id}": Action.SOURCE_MANAGE,
    "POST /api/v1/projects/{project_id}/sources/{source_id}/test": Action.SOURCE_MANAGE,
    "GET /api/v1/projects/{project_id}/runs": Action.RUN_READ,
    "GET /api/v1/runs/{run_id}": Action.RUN_READ,
    "POST /api/v1/projects/{project_id}/collect": Action.RUN_START,
    "POST /api/v1/projects/{project_id}/assess": Action.RUN_START,
    "GET /api/v1/projects/{project_id}/assessments": Action.ASSESSMENT_READ,
    "GET /api/v1/assessments/{assessment_id}": Action.ASSESSMENT_READ,
    "GET /api/v1/assessments/{assessment_id}/criteria": Action.ASSESSMENT_READ,
    "GET /api/v1/assessments/{assessment_id}/gaps": Action.ASSESSMENT_READ,
    "POST /api/v1/assessments/{assessment_id}/freeze": Action.ASSESSMENT_FREEZE,
    "GET /api/v1/portfolio": SIGNED_IN,
    "GET /api/v1/projects/{project_id}/metrics": Action.ASSESSMENT_READ,
    "GET /api/v1/projects/{project_id}/series": Action.ASSESSMENT_READ,
    "GET /api/v1/projects/{project_id}/cycles": Action.ASSESSMENT_READ,
    "POST /api/v1/projects/{project_id}/cycles": Action.ANSWER_WRITE,
    "GET /api/v1/cycles/{cycle_id}/answers": Action.ASSESSMENT_READ,
    "PUT /api/v1/cycles/{cycle_id}/answers/{subject}": Action.ANSWER_WRITE,
    "GET /api/v1/cycles/{cycle_id}/answers/{subject}/history": Action.ASSESSMENT_READ,
    "POST /api/v1/cycles/{cycle_id}/answers/{subject}/review": Action.ANSWER_REVIEW,
    "POST /api/v1/cycles/{cycle_id}/answers/{subject}/files": Action.ANSWER_WRITE,
    "GET /api/v1/files/{file_id}": Action.ASSESSMENT_READ,
}
"""Every endpoint → the action its use case checks in the object's organisation."""

_counter = iter(range(10_000))

BODIES: dict[str, Callable[[Fixture], dict[str, Any]]] = {
    "POST /api/v1/tokens": lambda f: {"org": f.org},
    "POST /api/v1/orgs/{org}/members": lambda f: {
        "name": f"new-{next(_counter)}",
        "password": "a-long-enough-password-1",
    },
    "PUT /api/v1/orgs/{org}/members/{name}": lambda f: {"role": "tester"},
    "POST /api/v1/orgs": lambda f: {"slug": f"org-{next(_counter)}"},
    "POST /api/v1/projects": lambda f: {"org": f.org, "slug": f"made-{next(_counter)}", "team": "t"},
    "PATCH /api/v1/projects/{project_id}": lambda f: {"team": "renamed"},
    "POST /api/v1/projects/{project_id}/sources": lambda f: {
        "kind": "github",
        "name": f"gh-{next(_counter)}",
        "settings": {"repo": "acme/shop"},
    },
    "PATCH /api/v1/projects/{project_id}/sources/{source_id}": lambda f: {"settings": {"path": f.repo}},
    "PUT /api/v1/cycles/{cycle_id}/answers/{subject}": lambda f: {"value": "met", "note": "written rules"},
    "POST /api/v1/projects/{project_id}/cycles": lambda f: {"start": "2024-01-10", "end": "2024-02-08"},
}
"""The request body of endpoints that take one."""

FILES: dict[str, Callable[[Fixture], dict[str, tuple[str, bytes, str]]]] = {
    "POST /api/v1/cycles/{cycle_id}/answers/{subject}/files": lambda f: {
        "file": ("rules.pdf", b"%PDF-1.4\n", "application/pdf")
    },
}
"""The multipart files of endpoints that take an upload."""

DESTRUCTIVE = {
    "DELETE /api/v1/projects/{project_id}",
    "DELETE /api/v1/projects/{project_id}/sources/{source_id}",
    "DELETE /api/v1/orgs/{org}/members/{name}",
    "POST /api/v1/assessments/{assessment_id}/freeze",  # a frozen assessment cannot be frozen twice
    "POST /api/v1/projects/{project_id}/cycles",  # one open cycle per project
}
"""Endpoints that remove their object: each call gets fresh objects."""


@dataclass
class Fixture:
    org: str
    project_id: int
    source_id: int
    run_id: int
    repo: str
    member: str
    token_id: int = 0  # set per call: the caller's own token (another's for the outsider)
    assessment_id: int = 0
    cycle_id: int = 0
    file_id: int = 0

    def params(self) -> dict[str, str]:
        return {
            "org_slug": self.org,
            "org": self.org,
            "project_id": str(self.project_id),
            "source_id": str(self.source_id),
            "run_id": str(self.run_id),
            "name": self.member,
            "token_id": str(self.token_id),
            "assessment_id": str(self.assessment_id),
            "cycle_id": str(self.cycle_id),
            "file_id": str(self.file_id),
            "subject": QUESTION,
        }


OWNER = Actor.local("local:test")


QUESTION = "CD.CM.VC.VCS.L3.2"
"""The criterion the workbench endpoints are called on (an assessor question)."""


def _objects(store: Store, org: str, repo: str) -> Fixture:
    """A project with a git source and a queued run, a developer to change or remove, an assessment, and an open
    assessment cycle with an answer and an evidence file, made by the local owner."""
    member = f"member-{next(_counter)}"
    admin.create_user(store, OWNER, org_slug=org, name=member, password="a-long-enough-password-1", role=Role.DEVELOPER)
    project = svc.create_project(store, OWNER, org_slug=org, slug=f"p{next(_counter)}")
    source = sources_svc.create_source(store, OWNER, project.id, kind="git", name="git", settings={"path": repo})
    run_id = store.queue_run(project.id, "collect", {"project_id": project.id, "project": project.key, "path": repo})
    moment = datetime(2024, 1, 10, tzinfo=UTC)
    cycle = workbench.open_cycle(store, OWNER, project_id=project.id, start=moment - timedelta(days=30), end=moment)
    workbench.put_answer(store, OWNER, cycle_id=cycle.id, subject=QUESTION, value=Value.MET, note="rules")
    file = workbench.upload(
        store, OWNER, cycle_id=cycle.id, subject=QUESTION, name="rules.pdf", data=b"%PDF-1.4\n", max_bytes=1000
    )
    config = Config(project=project.key, window=30)
    assessed = run_assessment(Path(repo), config, store=store, now=moment, as_of=moment)
    found = assessments.of_project(store, OWNER, project_id=project.id, limit=1)
    assert found and found[0].run_id == assessed.run_id
    return Fixture(
        org=org,
        project_id=project.id,
        source_id=source.id,
        run_id=run_id,
        repo=repo,
        member=member,
        assessment_id=found[0].id,
        cycle_id=cycle.id,
        file_id=file.id,
    )


def _routes(app: Any) -> list[str]:
    """Every endpoint the app serves, as "METHOD /path" (from the OpenAPI document the app builds from its routes)."""
    paths = app.openapi()["paths"]
    return sorted(f"{method.upper()} {path}" for path, ops in paths.items() for method in ops)


@dataclass
class World:
    api: ApiClient
    tokens: dict[Role, str]
    outsider: str
    mine: Fixture
    theirs: Fixture
    repo: str


@pytest.fixture
def world(api_client: ApiClient, repo: RepoBuilder) -> Iterator[World]:
    repo.commit("one", {"a.txt": "one"}, "2024-01-02T10:00:00+00:00")
    api = api_client
    tokens: dict[Role, str] = {}
    for role in Role:
        name = f"user-{role.value}"
        api.add_user(name, role)
        tokens[role] = api.token_for(name)
    api.add_user("otto", Role.ADMIN, org="other")
    mine = _objects(api.store, "acme", str(repo.path))
    theirs = _objects(api.store, "other", str(repo.path))
    yield World(api=api, tokens=tokens, outsider=api.token_for("otto"), mine=mine, theirs=theirs, repo=str(repo.path))


def _own_token(world: World, user: str) -> tuple[str, int]:
    """A fresh API token of the user and its id (read from the user's own token list)."""
    token = world.api.token_for(user)
    listed = world.api.client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}).json()
    return token, max(item["id"] for item in listed["items"])


def _call(world: World, route: str, token: str | None, target: Fixture) -> Any:
    method, template = route.split(" ", 1)
    path = template.format(**target.params())
    body = BODIES[route](target) if route in BODIES else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    files = FILES[route](target) if route in FILES else None
    return world.api.client.request(method, path, json=body, files=files, headers=headers)


def _covered(world: World) -> list[str]:
    """The app's endpoints that have a MATRIX row (a missing row fails test_every_endpoint_has_a_row, once)."""
    return [route for route in _routes(world.api.app) if route in MATRIX]


def test_every_endpoint_has_a_row(world: World) -> None:
    routes = _routes(world.api.app)
    assert [r for r in routes if r not in MATRIX] == [], "add a MATRIX row for each new endpoint"
    assert [r for r in MATRIX if r not in routes] == [], "a MATRIX row names an endpoint that no longer exists"


def test_every_role_is_allowed_or_denied_as_the_table_says(world: World) -> None:
    wrong: list[str] = []
    for route in _covered(world):
        rule = MATRIX[route]
        if rule == OWN_AUTH:
            continue
        for role, token in world.tokens.items():
            target = _objects(world.api.store, "acme", world.repo) if route in DESTRUCTIVE else world.mine
            if route == "POST /api/v1/projects/{project_id}/cycles":  # the open cycle must be frozen first
                workbench.freeze(world.api.store, OWNER, assessment_id=target.assessment_id)
            caller = token
            if "{token_id}" in route:
                caller, target.token_id = _own_token(world, f"user-{role.value}")
            response = _call(world, route, caller, target)
            allowed = rule == SIGNED_IN or permitted(role, Action(rule))
            ok = response.status_code < 300 if allowed else response.status_code == 403
            if not ok:
                wrong.append(f"{route} as {role.value}: {response.status_code} {response.text[:200]}")
            if not allowed and response.status_code == 403:
                assert response.json()["slug"] == "permission-denied"
    assert wrong == []


def test_anonymous_gets_401_everywhere(world: World) -> None:
    for route in _covered(world):
        if MATRIX[route] == OWN_AUTH:
            continue
        response = _call(world, route, None, world.mine)
        assert response.status_code == 401, route
        assert response.json()["slug"] == "not-authenticated"


def test_another_organisation_gets_404_for_every_object(world: World) -> None:
    _, world.mine.token_id = _own_token(world, "user-developer")  # a token of org A's member is not the outsider's
    for route in _covered(world):
        if (MATRIX[route] in (OWN_AUTH, SIGNED_IN) and "{token_id}" not in route) or route == "POST /api/v1/orgs":
            continue
        response = _call(world, route, world.outsider, world.mine)
        assert response.status_code == 404, f"{route}: {response.status_code} {response.text[:200]}"
        assert response.json()["slug"] == "not-found"
    listed = world.api.client.get("/api/v1/projects", headers={"Authorization": f"Bearer {world.outsider}"}).json()
    assert [p["org"] for p in listed["items"]] == ["other"]
    orgs = world.api.client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {world.outsider}"}).json()
    assert [o["slug"] for o in orgs] == ["other"]
