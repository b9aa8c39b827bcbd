"""Collectors never read the environment: credentials are handed in as values (services resolve a source's
`token_env` and friends, services/sync.py credential_values). Checked on the source text of every collector, and
on the wire: a token given as a value is sent, a token only in the environment is not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devmaturity.collectors.github import GitHubSource
from devmaturity.collectors.http import ClientOptions
from devmaturity.services.sync import credential_values, make_source
from tests.apiserver import ApiServer
from tests.collectors.test_rest_sources import DATA, collect, github_routes

COLLECTORS = Path(__file__).parents[2] / "src" / "devmaturity" / "collectors"
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\s*\[|\bfrom\s+os\s+import\b[^\n]*\benviron\b")


def test_no_collector_module_reads_the_environment() -> None:
    modules = sorted(COLLECTORS.rglob("*.py"))
    assert len(modules) > 20  # the check looked where the collectors are
    found = [
        f"{path.relative_to(COLLECTORS)}:{number}: {line.strip()}"
        for path in modules
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if READS_ENVIRONMENT.search(line)
    ]
    assert found == []


def test_the_check_sees_an_environment_read() -> None:
    for line in ('token = os.environ.get("X")', 'os.getenv("X")', "from os import environ, path", 'environ["X"]'):
        assert READS_ENVIRONMENT.search(line), line


def _authorizations(api: ApiServer) -> set[str | None]:
    return {r.headers.get("authorization") for r in api.requests}


def test_a_token_value_is_sent_and_the_environment_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "tok-only-in-the-environment")
    quick = ClientOptions(sleep=lambda _s: None, backoff=0.01)
    with ApiServer(DATA) as api:
        github_routes(api)
        collect(GitHubSource("acme/shop", base_url=api.url, client=quick, token="tok-handed-in"))
        assert _authorizations(api) == {"Bearer tok-handed-in"}
    with ApiServer(DATA) as api:
        github_routes(api)
        collect(GitHubSource("acme/shop", base_url=api.url, client=quick))  # no value: anonymous
        assert _authorizations(api) == {None}


def test_services_resolve_the_named_variables_into_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_CI_TOKEN", "tok-from-shop-ci")
    monkeypatch.setenv("JENKINS_USER", "alice")
    monkeypatch.delenv("JENKINS_TOKEN", raising=False)
    assert credential_values("github", {"token_env": "SHOP_CI_TOKEN"}) == {"token": "tok-from-shop-ci"}
    assert credential_values("jenkins", {}) == {"user": "alice", "token": ""}
    assert credential_values("zentao", {"account_env": "SHOP_CI_TOKEN"}) == {
        "account": "tok-from-shop-ci",
        "password": "",
    }
    source = make_source({"kind": "github", "repo": "acme/shop", "token_env": "SHOP_CI_TOKEN"})
    assert "tok-from-shop-ci" not in repr(source)
    assert source.redactor().text("Bearer tok-from-shop-ci") == "Bearer ***"
