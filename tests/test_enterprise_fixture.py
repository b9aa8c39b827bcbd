"""The enterprise fixture end to end: `devmaturity ingest` of every build and event file, then `assess`, as a
user would run them on 2026-11-30, and each fact and metric of the JSON report against hand-worked values.

The project (tests/enterprise.py, defaults, with week 5's production release failing):
- window: now = 2026-11-30T00:00Z, 90 days: [2026-09-01T00:00Z, 2026-11-30T00:00Z). Working days: 13 weeks
  Mon 2026-08-31 .. Fri 2026-11-27 = 65; Aug 31 lies before the window, so 64 are inside.
- git: master only; day 0 two scaffold commits, then every working day 张伟 10:00, 李娜 14:00, 王强 16:00 (+08:00)
  commit once each.
- builds: one per working day at 16:30 of that day's last commit, #1 on Aug 31 (outside) .. #65 on Nov 27:
  64 inside. Each has the 5 Surefire files of a real run (11 cases: 10 unit, 1 `OrderFlowIT`); #25 (Fri Oct 2)
  is red (`commissionRounding` failed on both reruns), #41 (Mon Oct 26) has `singleOrderLimit` failing once
  and passing on its rerun (`<flakyFailure>`). Builds #2 (Sep 1) and #65 also carry JaCoCo and SARIF.
- deployments: SIT at 17:00 after every build but the red one: 65 - 1 = 64, minus Aug 31 = 63 inside; UAT on
  Tuesdays and Thursdays 10:00: 26; production Thursdays 20:00-20:10 of Wednesday's last commit: 13
  Thursdays Sep 3 .. Nov 26, of which week 5's (Thu Oct 8) fails (20:00-20:12) with incident INC-5
  (20:05-20:15) and is redeployed Fri Oct 9 20:00-20:10: 13 successful + 1 failed production deployments.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from devmaturity.cli.main import run
from tests.enterprise import EnterpriseProject, build_enterprise_project

NOW = datetime.fromisoformat("2026-11-30T00:00:00+00:00")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[EnterpriseProject, dict[str, Any], dict[str, Any]]:
    """Build the project, ingest everything through the CLI, assess with the CAICT model and with DORA."""
    root = tmp_path_factory.mktemp("enterprise")
    project = build_enterprise_project(root, failed_release_week=5)
    db = f"sqlite:///{root / 'devmaturity.db'}"
    repo = str(project.repo)
    common = ["--project", "trade-service", "--repo", repo, "--db", db]
    for build in project.builds:
        at = ["--commit", build.commit, "--at", build.at.isoformat()]
        assert run(["ingest", "--kind", "junit", *common, *at, *map(str, build.surefire)]) == 0
        if build.jacoco is not None:
            assert run(["ingest", "--kind", "coverage", *common, *at, str(build.jacoco)]) == 0
        if build.sarif is not None:
            assert run(["ingest", "--kind", "sarif", *common, *at, str(build.sarif)]) == 0
    events = [("deployments", project.deployments_csv), ("workitems", project.workitems_csv)]
    if project.incidents_csv is not None:
        events.append(("incidents", project.incidents_csv))
    for kind, path in events:
        assert run(["ingest", "--kind", kind, *common, "--source", "jenkins:trade-service", str(path)]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("devmaturity.services.assess.datetime", _Clock)
        reports = []
        for framework in ("caict-devops", "dora"):
            out = root / f"report-{framework}"
            args = ["assess", repo, "--db", db, "--framework", framework, "--format", "json", "--out", str(out)]
            assert run(args) == 0
            reports.append(json.loads((out / "report.json").read_text(encoding="utf-8")))
    return project, reports[0], reports[1]


class _Clock(datetime):
    """`devmaturity assess` on 2026-11-30 at midnight UTC: the day the fixture's history ends."""

    @classmethod
    def now(cls, tz: Any = None) -> _Clock:  # type: ignore[override]
        return cls.fromtimestamp(NOW.timestamp(), tz)


def _metric(report: dict[str, Any], metric: str) -> dict[str, Any]:
    """The metric over the default 90-day window."""
    return next(m for m in report["metrics"] if m["id"] == metric and m["window"]["days"] == 90)


def _fact(report: dict[str, Any], fact: str) -> dict[str, Any]:
    return next(f for f in report["facts"] if f["id"] == fact)


def test_the_builder_built_what_the_docstring_says(built: tuple[EnterpriseProject, Any, Any]) -> None:
    """The counts above, from the returned object: 64 builds inside, 63 SIT, 26 UAT, 13 good production
    deployments, 1 incident; and the untracked `target/` of the newest build, as a real build leaves it."""
    project, _, _ = built
    e = project.expected
    assert (e["builds"], e["red_builds"], e["flaky_builds"], e["working_days_in_window"]) == (64, 1, 1, 64)
    assert (e["sit_deployments"], e["uat_deployments"], e["production_deployments"], e["incidents"]) == (63, 26, 13, 1)
    assert len(project.builds) == 65 and project.now == NOW
    target = project.repo / "target"
    assert len(list((target / "surefire-reports").glob("TEST-*.xml"))) == 5
    assert (target / "site" / "jacoco" / "jacoco.xml").is_file()
    assert (target / "dependency-check-report.sarif").is_file()


def test_pipeline_facts_from_the_jenkinsfile(built: tuple[EnterpriseProject, Any, Any]) -> None:
    """Jenkinsfile: `@Library('devops-shared-lib')`, a `gitlab(...)` push trigger, stages 拉取代码, 编译 (mvn
    package) = build, 单元测试 (mvn test) = unit_test, 代码扫描 (sonar) = static_analysis, 安全扫描
    (dependency-check) = security_scan, 制品上传 (mvn deploy to Nexus, docker push) = publish and NOT deploy,
    部署SIT / 部署UAT (ansible-playbook) and 生产发布 (helm upgrade) = deploy to sit, uat and production,
    发布审批 (`input`) = a person approves the production release."""
    _, report, _ = built
    for fact in (
        "ci.jenkins",
        "pipeline.shared_library",
        "pipeline.trigger.commit",
        "pipeline.stage.build",
        "pipeline.stage.unit_test",
        "pipeline.stage.static_analysis",
        "pipeline.stage.security_scan",
        "pipeline.stage.publish",
        "pipeline.stage.deploy",
        "pipeline.manual_approval",
        "pipeline.multi_environment",
        "iac.present",
        "container.dockerfile",
        "db.migrations",
        "quality.gate_defined",
        "build.scripted",
    ):
        assert _fact(report, fact)["value"] is True, fact
    deploy = set(_fact(report, "pipeline.stage.deploy")["evidence"])
    assert deploy == {"Jenkinsfile#部署SIT", "Jenkinsfile#部署UAT", "Jenkinsfile#生产发布"}
    assert "Jenkinsfile#制品上传" in _fact(report, "pipeline.stage.publish")["evidence"]
    assert "Jenkinsfile#编译" in _fact(report, "pipeline.stage.build")["evidence"]
    assert "Jenkinsfile#安全扫描" in _fact(report, "pipeline.stage.security_scan")["evidence"]
    environments = _fact(report, "pipeline.multi_environment")["detail"].lower()
    assert "sit" in environments and "uat" in environments and "prod" in environments


def test_test_and_coverage_metrics(built: tuple[EnterpriseProject, Any, Any]) -> None:
    """Per BUILD, not per file: 64 builds inside, only #25 red -> automation success 63/64 = 0.984375 (reading
    each of the 320 files as a run would give 319/320). Pass rate: 64 x 11 = 704 case results, 1 failed (the
    flaky case passed on its rerun and counts once, as passed) -> 703/704. Flaky: 1 of 11 cases. Interface
    (integration) tests: OrderFlowIT -> 1. Automated ratio: 11 / (11 + 3 manual, devmaturity.toml) = 11/14.
    Coverage: the newest build (#65) counts: the real run's 54 of 68 lines, lowered to round(0.76 x 68) = 52
    -> 52/68 = 0.7647 (build #2's 54/68 is older)."""
    project, report, _ = built
    assert _metric(report, "automation_success_rate")["value"] == pytest.approx(63 / 64)
    assert _metric(report, "test_pass_rate")["value"] == pytest.approx(703 / 704)
    assert _metric(report, "flaky_test_rate")["value"] == pytest.approx(1 / 11)
    assert _metric(report, "interface_test_count")["value"] == 1
    assert _metric(report, "automated_test_ratio")["value"] == pytest.approx(11 / 14)
    assert _metric(report, "unit_test_line_coverage")["value"] == pytest.approx(52 / 68)
    e = project.expected
    assert (e["automation_success_rate"], e["test_pass_rate"], e["flaky_test_rate"]) == pytest.approx(
        (63 / 64, 703 / 704, 1 / 11)
    )
    assert (e["automated_test_ratio"], e["unit_test_line_coverage"]) == pytest.approx((11 / 14, 52 / 68))


def test_security_findings_of_the_newest_dependency_check_scan(built: tuple[EnterpriseProject, Any, Any]) -> None:
    """Newest scan (#65): snakeyaml 1.30 with CVE-2022-1471 (CVSS 9.8, critical), CVE-2022-25857 (7.5, high),
    CVE-2022-38749 (6.5, medium). Build #2's scan also had CVE-2022-42003 (7.5, high) on jackson-databind,
    gone since: open critical 1, open high 1."""
    _, report, _ = built
    assert _metric(report, "open_critical_findings")["value"] == 1
    assert _metric(report, "open_high_findings")["value"] == 1


def test_delivery_metrics(built: tuple[EnterpriseProject, Any, Any]) -> None:
    """Production ("PROD" matches the default `prod`): 13 successful deployments finishing inside / 90 days =
    0.1444 a day, i.e. weekly. Change failure: 1 failed of 14 finished production changes = 1/14.

    Lead time: Thursday's release ships Wednesday's last commit, so each release after the first (the baseline,
    Sep 3) ships the 15 commits from the previous Thursday 10:00 to Wednesday 16:00; finished at Thursday 20:10
    their ages are 28, 30, 34, 52, 54, 58, 76, 78, 82, 148, 150, 154, 172, 174, 178 hours (+10 min). Week 5's
    commits ship on Friday, 24 h later. Of the 12 x 15 = 180 ages, 81 are <= 76h10m and 93 are <= 78h10m, so
    the 90th and 91st, and the median, are 78h10m = 78.1667 h.

    Requirements: 3 stories per successful release, created 4.7, 5.7 and 8.7 days before it -> median 5.7
    days. Defects: one 缺陷 a Wednesday found in SIT, 13 inside, none in production -> escape rate 0/13 = 0.
    Integration: each of 3 developers integrates to master on each of 64 working days -> 64/64 = 1.0.
    Incidents: INC-5, 10 minutes -> MTTR 1/6 h; availability 1 - 10 min / 90 days = 1 - 10/129600."""
    project, report, dora = built
    assert _metric(report, "deployment_frequency")["value"] == pytest.approx(13 / 90)
    assert _metric(report, "change_failure_rate")["value"] == pytest.approx(1 / 14)
    assert _metric(dora, "lead_time_for_changes")["value"] == pytest.approx(78 + 10 / 60)
    assert _metric(report, "requirement_delivery_cycle")["value"] == pytest.approx(5.7)
    assert _metric(report, "production_defect_escape_rate")["value"] == 0
    assert _metric(report, "integration_frequency")["value"] == pytest.approx(1.0)
    assert _metric(report, "mttr")["value"] == pytest.approx(10 / 60)
    assert _metric(report, "availability")["value"] == pytest.approx(1 - 10 / 129600)
    e = project.expected
    assert (e["deployment_frequency"], e["change_failure_rate"], e["lead_time_for_changes"]) == pytest.approx(
        (13 / 90, 1 / 14, 78 + 10 / 60)
    )
