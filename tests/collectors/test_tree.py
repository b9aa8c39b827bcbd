"""Facts from tracked files and CI definitions (fixtures in tests/data/ci follow each provider's syntax)."""

from __future__ import annotations

from pathlib import Path

from devmaturity.collectors.pipeline_config import parse_github_workflow, parse_gitlab_ci, parse_jenkinsfile
from devmaturity.collectors.tree import collect_tree_facts
from devmaturity.frameworks.vocab import load_pipeline_vocabulary
from devmaturity.model.evidence import Problem
from devmaturity.model.facts import Fact

CI = Path(__file__).parents[1] / "data" / "ci"
VOCAB = load_pipeline_vocabulary()


def _tree_facts(files: dict[str, str]) -> dict[str, Fact]:
    facts, _, problems = collect_tree_facts(sorted(files), files.get, vocabulary=VOCAB)
    assert problems == []
    return {f.id: f for f in facts}


def _tree(files: dict[str, str]) -> dict[str, bool | None]:
    facts, _, problems = collect_tree_facts(sorted(files), files.get, vocabulary=VOCAB)
    assert problems == []
    return {f.id: f.value for f in facts}


def test_github_workflow_jobs_stages_and_triggers() -> None:
    problems: list[Problem] = []
    pipe = parse_github_workflow("ci.yml", (CI / "github-ci.yml").read_text(encoding="utf-8"), problems, VOCAB)
    assert pipe is not None and problems == []
    assert pipe.triggers == {"commit", "pull_request", "schedule"}
    stages = {j.name: j.stages for j in pipe.jobs}
    assert stages["lint"] == {"static_analysis"}
    assert stages["test"] == {"unit_test", "build"}
    assert stages["codeql"] == {"security_scan"}
    assert stages["e2e"] == {"ui_test"}
    assert stages["deploy-prod"] == {"deploy"}
    assert {j.environment for j in pipe.jobs} == {None, "staging", "production"}


def test_gitlab_jobs_skip_templates_and_reserved_keys() -> None:
    problems: list[Problem] = []
    pipe = parse_gitlab_ci(".gitlab-ci.yml", (CI / "gitlab-ci.yml").read_text(encoding="utf-8"), problems, VOCAB)
    assert pipe is not None
    assert [j.name for j in pipe.jobs] == ["build", "unit", "sast", "migrate", "deploy_prod"]
    assert pipe.shared_library and pipe.triggers == {"commit", "pull_request"}
    jobs = {j.name: j for j in pipe.jobs}
    assert jobs["deploy_prod"].manual and "deploy" in jobs["deploy_prod"].stages
    assert "db_migration" in jobs["migrate"].stages and "security_scan" in jobs["sast"].stages


def test_jenkinsfile_stages_in_order() -> None:
    pipe = parse_jenkinsfile("Jenkinsfile", (CI / "Jenkinsfile").read_text(encoding="utf-8"), [], VOCAB)
    assert pipe is not None
    assert [j.name for j in pipe.jobs] == ["Build", "Unit tests", "Static analysis", "Deploy to production"]
    assert pipe.triggers == {"commit"} and pipe.shared_library
    assert [sorted(j.stages) for j in pipe.jobs] == [["build"], ["unit_test"], ["static_analysis"], ["deploy"]]
    assert pipe.jobs[3].manual


def test_facts_from_a_github_project() -> None:
    files = {
        ".github/workflows/ci.yml": (CI / "github-ci.yml").read_text(encoding="utf-8"),
        "pyproject.toml": "[project]\nname='x'\n[tool.coverage.report]\nfail_under = 80\n",
        "uv.lock": "",
        "Dockerfile": "FROM python:3.12\n",
        "chart/Chart.yaml": "name: app\n",
        "tests/test_app.py": "",
        "alembic.ini": "",
        "migrations/env.py": "",
    }
    facts = _tree(files)
    expected_true = [
        "ci.present",
        "ci.github_actions",
        "pipeline.trigger.commit",
        "pipeline.trigger.pull_request",
        "pipeline.trigger.schedule",
        "pipeline.trigger.automatic",
        "pipeline.stage.unit_test",
        "pipeline.stage.ui_test",
        "pipeline.stage.static_analysis",
        "pipeline.stage.security_scan",
        "pipeline.stage.deploy",
        "pipeline.deploy_after_tests",
        "pipeline.multi_environment",
        "build.scripted",
        "deps.lockfile",
        "container.dockerfile",
        "iac.present",
        "tests.unit",
        "db.migrations",
        "quality.gate_defined",
        "vcs.config_versioned",
    ]
    assert {k for k in expected_true if not facts[k]} == set()
    expected_false = [
        "ci.gitlab_ci",
        "ci.jenkins",
        "tests.ui",
        "tests.performance",
        "pipeline.stage.performance_test",
        "vcs.codeowners",
        "deps.update_automation",
    ]
    assert {k for k in expected_false if facts[k] is not False} == set()
    # a content-decided fact names the line: fail_under on pyproject.toml's line 4, --cov-fail-under in job test
    gate = _tree_facts(files)["quality.gate_defined"]
    assert gate.evidence == ("pyproject.toml:4", ".github/workflows/ci.yml:15#test")
    # deploy-prod runs in GitHub environment `production`, whose required reviewers live in the repository's
    # settings, not its files: the approval is unknown, not "no" (it read as false before: the bug of issue 8)
    assert facts["pipeline.manual_approval"] is None


def test_deploy_without_tests_is_not_gated() -> None:
    workflow = "on: push\njobs:\n  ship:\n    runs-on: x\n    steps:\n      - run: kubectl apply -f k8s/\n"
    facts = _tree({".github/workflows/ship.yml": workflow})
    assert facts["pipeline.stage.deploy"] and not facts["pipeline.deploy_after_tests"]


def test_empty_tree_has_everything_false_not_unknown() -> None:
    facts, _, _ = collect_tree_facts(["README.md"], lambda _p: "", vocabulary=VOCAB)
    assert facts and all(f.value is False for f in facts)
    assert all(f.detail for f in facts)


def test_broken_ci_file_is_a_problem_and_others_still_count() -> None:
    files = {
        ".github/workflows/broken.yml": (CI / "broken.yml").read_text(encoding="utf-8"),
        ".github/workflows/reusable.yml": (CI / "reusable.yml").read_text(encoding="utf-8"),
        "Jenkinsfile": (CI / "Jenkinsfile").read_text(encoding="utf-8"),
    }
    facts, pipelines, problems = collect_tree_facts(sorted(files), files.get, vocabulary=VOCAB)
    assert [p.source for p in problems] == [".github/workflows/broken.yml"]
    assert "invalid YAML at line" in problems[0].message
    assert len(pipelines) == 2
    values = {f.id: f.value for f in facts}
    assert values["pipeline.shared_library"] and values["ci.jenkins"] and values["pipeline.manual_approval"]


def test_unreadable_ci_file_is_a_problem() -> None:
    facts, _, problems = collect_tree_facts([".gitlab-ci.yml"], lambda _p: None, vocabulary=VOCAB)
    assert problems and "not read" in problems[0].message
    assert not {f.id: f.value for f in facts}["ci.present"]
