"""The pipeline vocabulary at work: Chinese stage names, publish vs deploy, environments, approvals, unknowns,
and the project's own definitions only (test data, examples and vendored trees never count)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devmaturity.collectors.pipeline_config import parse_gitlab_ci, parse_jenkinsfile
from devmaturity.collectors.tree import TreeScope, collect_tree_facts
from devmaturity.config import load_config
from devmaturity.errors import ConfigError, ModelFileError
from devmaturity.frameworks.vocab import load_pipeline_vocabulary
from devmaturity.model.evidence import Problem
from devmaturity.model.facts import Fact

ROOT = Path(__file__).parents[2]
CI = ROOT / "tests" / "data" / "ci"
VOCAB = load_pipeline_vocabulary()


def _facts(files: dict[str, str], scope: TreeScope | None = None) -> dict[str, Fact]:
    facts, _, problems = collect_tree_facts(sorted(files), files.get, vocabulary=VOCAB, scope=scope)
    assert problems == []
    return {f.id: f for f in facts}


def test_chinese_jenkinsfile_stages_environments_and_approval() -> None:
    """tests/data/ci/zh.Jenkinsfile, stage by stage (line: name -> what decides it):

    7 编译 (build: name 编译, `mvn package`); 8 单元测试 (unit_test: name, `mvn test`); 9 代码扫描
    (static_analysis: name, `sonar:sonar`); 12 安全扫描 (security_scan: name, `dependencyCheck`); 13 制品上传
    (publish: name, `mvn deploy` - an artifact upload, so NOT deploy); 14 部署SIT, 15 部署UAT (deploy: name 部署,
    `helm upgrade`; environments test from SIT, uat from UAT); 16 发布审批 (approval: `input`; its name holds 发布
    but it runs nothing, so it is no deploy); 17 生产发布 (deploy: 发布; production from 生产).
    """
    pipe = parse_jenkinsfile("Jenkinsfile", (CI / "zh.Jenkinsfile").read_text(encoding="utf-8"), [], VOCAB)
    assert pipe is not None
    jobs = {j.name: j for j in pipe.jobs}
    assert {name: sorted(j.stages) for name, j in jobs.items()} == {
        "编译": ["build"],
        "单元测试": ["unit_test"],
        "代码扫描": ["static_analysis"],
        "安全扫描": ["security_scan"],
        "制品上传": ["publish"],
        "部署SIT": ["deploy"],
        "部署UAT": ["deploy"],
        "发布审批": [],
        "生产发布": ["deploy"],
    }
    assert [(j.name, j.env) for j in pipe.jobs if j.env] == [
        ("部署SIT", "test"),
        ("部署UAT", "uat"),
        ("生产发布", "production"),
    ]
    assert [j.name for j in pipe.jobs if j.manual] == ["发布审批"]
    assert [j.line for j in pipe.jobs] == [7, 8, 9, 12, 13, 14, 15, 16, 17]
    assert pipe.shared_library and pipe.triggers == set()


def test_chinese_jenkinsfile_facts() -> None:
    """Facts of a tree holding only that Jenkinsfile (and a pom.xml):

    - manual_approval true: 发布审批 (line 16, `input`) comes before the production deploy 生产发布 (line 17);
    - multi_environment true: deploys go to test, uat and production (three >= two);
    - publish and deploy are different stages: publish = [制品上传], deploy = [部署SIT, 部署UAT, 生产发布];
    - deploy_after_tests true for all three deploys, which come after 单元测试;
    - triggers unknown: there is no `triggers {}` block, and Jenkins jobs may be triggered by server config;
    - ui_test unknown, not false: no stage runs UI tests, but the shared library devops-shared-lib may.
    """
    facts = _facts({"Jenkinsfile": (CI / "zh.Jenkinsfile").read_text(encoding="utf-8"), "pom.xml": "<project/>"})
    approval = facts["pipeline.manual_approval"]
    assert approval.value is True and approval.evidence == ("Jenkinsfile:16#发布审批",)
    assert facts["pipeline.multi_environment"].value is True
    assert (
        facts["pipeline.multi_environment"].detail
        == "deploys to environments: production (生产发布), test (部署SIT), uat (部署UAT)"
    )
    assert facts["pipeline.stage.publish"].evidence == ("Jenkinsfile:13#制品上传",)
    assert facts["pipeline.stage.deploy"].evidence == (
        "Jenkinsfile:14#部署SIT",
        "Jenkinsfile:15#部署UAT",
        "Jenkinsfile:17#生产发布",
    )
    assert facts["pipeline.stage.security_scan"].evidence == ("Jenkinsfile:12#安全扫描",)
    # every deploy stage comes after 单元测试 (line 8); the shared library is named on line 2
    assert facts["pipeline.deploy_after_tests"].evidence == facts["pipeline.stage.deploy"].evidence
    assert facts["pipeline.shared_library"].evidence == ("Jenkinsfile:2",)
    for trigger in ("commit", "pull_request", "schedule", "automatic"):
        fact = facts[f"pipeline.trigger.{trigger}"]
        assert fact.value is None, trigger
        assert "configured on the server" in fact.detail
    ui = facts["pipeline.stage.ui_test"]
    assert ui.value is None and "devops-shared-lib" in ui.detail and ui.evidence == ("Jenkinsfile:2",)


PYTEST_RELEASE = """\
# hand-written in GitHub's workflow syntax, shaped like a Python project's manual release workflow
name: deploy
on:
  workflow_dispatch:
    inputs:
      version:
        required: true
jobs:
  package:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: python -m build
  publish-to-pypi:
    if: github.repository == 'pytest-dev/pytest'
    needs: [package]
    runs-on: ubuntu-latest
    environment: deploy
    steps:
      - uses: actions/download-artifact@v4
      - name: Publish package to PyPI
        uses: pypa/gh-action-pypi-publish@release/v1
"""


def test_publish_to_pypi_is_publish_not_unit_test() -> None:
    """In a repository called pytest the job's `if:` names pytest-dev/pytest; the old reader matched `pytest`
    there and called the release job a unit test. Only names and what steps run count now: `publish-to-pypi`
    and `pypa/gh-action-pypi-publish` say publish. Its `environment: deploy` does not make it a deploy, because
    it only publishes. So: unit_test false, publish true (line 14), deploy false."""
    facts = _facts({".github/workflows/deploy.yml": PYTEST_RELEASE})
    assert facts["pipeline.stage.unit_test"].value is False
    assert facts["pipeline.stage.publish"].evidence == (".github/workflows/deploy.yml:14#publish-to-pypi",)
    assert facts["pipeline.stage.deploy"].value is False
    assert facts["pipeline.stage.build"].evidence == (".github/workflows/deploy.yml:9#package",)


def test_mvn_deploy_alone_is_publish_not_deploy() -> None:
    """A GitLab job called deploy in stage deploy whose only command is `mvn deploy` uploads to a Maven
    repository: publish (the command) overrides deploy (only the names say it). No deploy job means no
    approval to look for: the repository shows the pipeline whole, so manual_approval is false, not unknown."""
    gitlab = "stages: [build, deploy]\nbuild:\n  stage: build\n  script: [mvn -B package]\n"
    gitlab += "deploy:\n  stage: deploy\n  script:\n    - mvn -B deploy -s ci_settings.xml\n"
    problems: list[Problem] = []
    pipe = parse_gitlab_ci(".gitlab-ci.yml", gitlab, problems, VOCAB)
    assert pipe is not None and problems == []
    assert {j.name: sorted(j.stages) for j in pipe.jobs} == {"build": ["build"], "deploy": ["publish"]}
    facts = _facts({".gitlab-ci.yml": gitlab})
    assert facts["pipeline.stage.deploy"].value is False
    assert facts["pipeline.stage.publish"].evidence == (".gitlab-ci.yml:5#deploy",)
    assert facts["pipeline.manual_approval"].value is False
    schedule = facts["pipeline.trigger.schedule"]
    assert schedule.value is None and "CI/CD settings" in schedule.detail
    assert facts["pipeline.trigger.commit"].value is True  # GitLab runs on every push by default


def test_gitlab_deploy_without_manual_step_or_environment_is_false_with_environment_unknown() -> None:
    """`deploy_prod` runs `kubectl apply` with no `when: manual`: with no environment nothing outside the file
    can hold an approval, so false; given `environment: production`, GitLab's protected environments may
    require approvals in the project settings, so unknown."""
    bare = "deploy_prod:\n  stage: deploy\n  script:\n    - kubectl apply -f k8s/\n"
    assert _facts({".gitlab-ci.yml": bare})["pipeline.manual_approval"].value is False
    with_env = bare + "  environment: production\n"
    fact = _facts({".gitlab-ci.yml": with_env})["pipeline.manual_approval"]
    assert fact.value is None and "protected environments" in fact.detail
    assert fact.evidence == (".gitlab-ci.yml:1#deploy_prod",)


def test_workflow_dispatch_release_to_production_is_unknown_not_false() -> None:
    """Only `workflow_dispatch` starts it and it deploys to environment production: a person starts it, and the
    environment may require reviewers; neither is in the files, so manual_approval is unknown. The commit
    trigger is false: a workflow's `on:` is all there is to its events."""
    workflow = "on: workflow_dispatch\njobs:\n  release:\n    runs-on: ubuntu-latest\n    environment: production\n"
    workflow += "    steps:\n      - run: ./scripts/deploy.sh\n"
    facts = _facts({".github/workflows/release.yml": workflow})
    approval = facts["pipeline.manual_approval"]
    assert approval.value is None and "workflow_dispatch" in approval.detail
    assert approval.evidence == (".github/workflows/release.yml:3#release",)
    assert facts["pipeline.stage.deploy"].value is True
    assert facts["pipeline.trigger.commit"].value is False


def test_jenkins_parameters_name_environments_and_triggers_block_settles_schedule() -> None:
    """A `choice` parameter listing sit/uat/prod gives a parameterised deploy three environments; a `triggers`
    block with only pollSCM shows the commit trigger (line 3) and that there is no cron (schedule false), while
    pull-request builds stay unknown (multibranch discovery is server configuration)."""
    jenkinsfile = "pipeline {\n  agent any\n  triggers { pollSCM('H/5 * * * *') }\n"
    jenkinsfile += "  parameters { choice(name: 'ENV', choices: ['sit', 'uat', 'prod']) }\n"
    jenkinsfile += "  stages {\n    stage('Deploy') { steps { sh 'ansible-playbook site.yml -l ${params.ENV}' } }\n"
    jenkinsfile += "  }\n}\n"
    facts = _facts({"Jenkinsfile": jenkinsfile})
    assert facts["pipeline.multi_environment"].value is True
    assert facts["pipeline.trigger.commit"].evidence == ("Jenkinsfile:3",)
    assert facts["pipeline.trigger.schedule"].value is False
    assert facts["pipeline.trigger.pull_request"].value is None


def test_gitlab_local_include_is_read_wherever_it_lives() -> None:
    """`include: local: ci/deploy.yml` makes ci/deploy.yml part of the pipeline although it is not at a
    conventional place; its job deploys (helm upgrade, line 1 of that file)."""
    files = {
        ".gitlab-ci.yml": "include:\n  - local: /ci/deploy.yml\nbuild:\n  script: [make]\n",
        "ci/deploy.yml": "release:\n  stage: deploy\n  script: [helm upgrade --install app ./chart]\n",
    }
    facts = _facts(files)
    assert facts["pipeline.stage.deploy"].evidence == ("ci/deploy.yml:1#release",)


FIXTURE_TREE = {
    "README.md": "",
    "tests/data/ci/Jenkinsfile": "pipeline { stages { stage('Deploy') { steps { sh 'kubectl apply -f x' } } } }",
    "examples/x.tf": 'resource "null_resource" "x" {}',
    "vendor/github.com/acme/lib/Dockerfile": "FROM scratch\n",
    "src/test/resources/db/migration/V1__init.sql": "",
}


def test_test_data_examples_and_vendored_files_are_not_the_projects_definitions() -> None:
    """Each file sits at a place the collector used to count (a Jenkinsfile anywhere, *.tf, Dockerfile, a
    Flyway folder), but under tests/, examples/, vendor/ or src/test/: all those facts are false."""
    facts = _facts(FIXTURE_TREE)
    for fid in ("ci.present", "ci.jenkins", "iac.present", "container.dockerfile", "db.migrations"):
        assert facts[fid].value is False, fid
    assert facts["pipeline.stage.deploy"].value is False


def test_tree_include_brings_a_path_back_and_exclude_leaves_one_out() -> None:
    """include = ["examples/*.tf", "tests/data/ci/Jenkinsfile"] brings those two back (iac.present and
    ci.present true, naming them); exclude = ["deploy/*"] leaves out a Dockerfile at a place that counts."""
    scope = TreeScope(include=("examples/*.tf", "tests/data/ci/Jenkinsfile"), exclude=("deploy/*",))
    facts = _facts({**FIXTURE_TREE, "deploy/Dockerfile": "FROM scratch\n"}, scope)
    assert facts["iac.present"].evidence == ("examples/x.tf",)
    assert facts["ci.present"].evidence == ("tests/data/ci/Jenkinsfile",)
    assert facts["pipeline.stage.deploy"].evidence == ("tests/data/ci/Jenkinsfile:1#Deploy",)
    assert facts["container.dockerfile"].value is False


def test_devmaturity_own_repository_takes_no_fact_from_tests() -> None:
    """devmaturity's own tracked files (`git ls-files` of this checkout) include pipelines, Terraform and
    Jenkinsfiles under tests/data; none of them may decide a fact. tests.* facts are about test code and may
    name tests/; every other fact's evidence must not. devmaturity tracks no CI file of its own, so ci.present
    is false (it was true, from tests/data/ci, before)."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    paths = listed.splitlines()
    assert "tests/data/ci/Jenkinsfile" in paths and "tests/data/sarif/infra/main.tf" in paths

    def read(rel: str) -> str | None:
        path = ROOT / rel
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None

    facts, pipelines, _ = collect_tree_facts(paths, read, vocabulary=VOCAB)
    leaks = {f.id: e for f in facts if not f.id.startswith("tests.") for e in f.evidence if e.startswith("tests/")}
    assert leaks == {}
    assert pipelines == []
    by_id = {f.id: f for f in facts}
    assert by_id["ci.present"].value is False and by_id["iac.present"].value is False
    assert by_id["tests.unit"].value is True


def test_tree_table_in_devmaturity_toml(tmp_path: Path) -> None:
    """[devmaturity.tree] exclude/include reach Config.tree; a string where a list belongs names the file."""
    (tmp_path / "devmaturity.toml").write_text(
        '[devmaturity.tree]\nexclude = ["legacy/*"]\ninclude = ["examples/deploy/*"]\n', encoding="utf-8"
    )
    config = load_config(tmp_path, env={})
    assert config.tree.exclude == ("legacy/*",) and config.tree.include == ("examples/deploy/*",)
    (tmp_path / "devmaturity.toml").write_text('[devmaturity.tree]\nexclude = "legacy/*"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"devmaturity\.toml: \[tree\]\.exclude: a list of glob patterns"):
        load_config(tmp_path, env={})


def test_vocabulary_errors_name_file_key_and_value(tmp_path: Path) -> None:
    """A broken regular expression in a vocabulary file is refused naming the file, the key path and the value."""
    text = (CI.parents[2] / "src/devmaturity/frameworks/vocabulary/pipeline.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "pipeline.yaml"
    bad.write_text(text.replace("'编译|构建|打包'", "'编译|(构建'"), encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"pipeline\.yaml: at stages\.build\.names\[1\]: not a valid regular"):
        load_pipeline_vocabulary(bad)


def test_jenkins_wfapi_stages_get_their_environment() -> None:
    """wfapi stages (the Pipeline Stage View's documented `stages` entries: id, name, status, times) named
    部署SIT, 部署UAT and 生产发布 deploy to test, uat and production; 单元测试 names 测试 but deploys nowhere, so
    it gets no environment. The environment survives the store's jobs column (run_row -> jobs_of)."""
    from datetime import UTC, datetime

    from devmaturity.collectors.jenkins import _stage
    from devmaturity.collectors.payload import Obj
    from devmaturity.model.delivery import PipelineRun, RunStatus
    from devmaturity.store.delivery import run_row
    from devmaturity.store.frames import jobs_of

    def stage(sid: str, name: str) -> Obj:
        data = {"id": sid, "name": name, "status": "SUCCESS", "startTimeMillis": 1714644000000, "durationMillis": 1}
        return Obj(data=data, where="wfapi")

    names = {"6": "单元测试", "7": "部署SIT", "8": "部署UAT", "9": "生产发布"}
    jobs = tuple(_stage(stage(sid, name), VOCAB.deploy_environment) for sid, name in names.items())
    assert [(j.name, j.environment) for j in jobs] == [
        ("单元测试", ""),
        ("部署SIT", "test"),
        ("部署UAT", "uat"),
        ("生产发布", "production"),
    ]
    run = PipelineRun(
        source="jenkins:shop/app",
        id="12",
        pipeline="shop/app",
        status=RunStatus.SUCCESS,
        created_at=datetime(2024, 5, 2, 10, 0, tzinfo=UTC),
        jobs=jobs,
    )
    assert [j.environment for j in jobs_of(str(run_row(run)["jobs"]))] == ["", "test", "uat", "production"]


def test_gitlab_jobs_inherit_from_templates_in_the_file() -> None:
    """deploy_uat and deploy_prod take script and `when: manual` from .deploy, so both deploy (helm upgrade),
    to uat and production (two environments), and the production deploy waits for a person (line 8). ship
    lists .base then .push: the later template wins, as GitLab merges them, so its script is `docker push`
    (publish), not .base's `echo`."""
    gitlab = """\
.deploy:
  stage: deploy
  script: [helm upgrade --install app ./chart]
  when: manual
deploy_uat:
  extends: .deploy
  environment: uat
deploy_prod:
  extends: .deploy
  environment: production
.base:
  script: [echo base]
.push:
  script: [docker push registry.example.com/app]
ship:
  extends: [.base, .push]
"""
    facts = _facts({".gitlab-ci.yml": gitlab})
    assert facts["pipeline.manual_approval"].value is True
    assert facts["pipeline.manual_approval"].evidence == (".gitlab-ci.yml:8#deploy_prod",)
    assert facts["pipeline.multi_environment"].detail == "deploys to environments: production, uat"
    assert facts["pipeline.stage.publish"].evidence == (".gitlab-ci.yml:15#ship",)
