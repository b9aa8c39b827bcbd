"""DORA and CAICT delivery metrics on a hand-built month. Expected values are worked out beside each test.

Window: now = 2026-03-01T00:00Z, 28 days -> [2026-02-01, 2026-03-01) = 672 hours.
Commits on main: c1 Jan 20 10:00; c2 Feb 2 09:00+08:00 (= Feb 2 01:00Z); c3 Feb 3 10:00; c4 Feb 5 12:00;
c5 Feb 10 08:00 ("Revert c4": a reverted change is just another change).
Production deployments (UTC):
  D1 Jan 25 10:00 ok c1     first observed: only sets the baseline
  D2 Feb 4 10:00 ok c3      ships c2 (57 h) and c3 (24 h)
  D3 Feb 6 10:00 FAILED c4  a failed deployment ...
  D4 Feb 6 12:00 ok c4      ... followed by the fix: ships c4 (24 h); recovery 2 h
  D5 Feb 7 09:00 ok c4      a deployment with no new commits
  D6 Feb 11 09:00 ok c5     ships c5 (25 h); incident I1 is linked to it: a failed change, recovered when I1
                            was resolved at 14:00 (5 h)
  D7 Feb 11 13:00 ok c4     rollback=True
  S1 Feb 8 (staging)        not production
Incidents: I1 Feb 11 10:00-14:00 (D6); I2 Feb 20 00:00-06:00 with no deployment, recovered automatically.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devmaturity.metrics import delivery as d
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.delivery import Deployment, Incident, JobRun, PipelineRun, RunStatus, WorkItem
from devmaturity.model.evidence import Commit
from devmaturity.model.metric import Window

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = Window.last(28, now=NOW)
OK, FAIL, CANCEL = RunStatus.SUCCESS, RunStatus.FAILURE, RunStatus.CANCELLED


def t(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def commit(sha: str, when: str, parent: str | None) -> Commit:
    moment = t(when)
    return Commit(
        sha=sha,
        parents=(parent,) if parent else (),
        author_name="a",
        author_email="a@x",
        author_time=moment,
        committer_name="a",
        committer_email="a@x",
        committer_time=moment,
        subject=sha,
    )


COMMITS = {
    c.sha: c
    for c in (
        commit("c1", "2026-01-20T10:00:00", None),
        commit("c2", "2026-02-02T09:00:00+08:00", "c1"),
        commit("c3", "2026-02-03T10:00:00", "c2"),
        commit("c4", "2026-02-05T12:00:00", "c3"),
        commit("c5", "2026-02-10T08:00:00", "c4"),
    )
}


def dep(id_: str, when: str, status: RunStatus, sha: str, env: str = "production", **kw: object) -> Deployment:
    return Deployment(source="file", id=id_, environment=env, status=status, created_at=t(when), commit=sha, **kw)  # type: ignore[arg-type]


DEPLOYMENTS = [
    dep("D1", "2026-01-25T10:00:00", OK, "c1"),
    dep("D2", "2026-02-04T10:00:00", OK, "c3"),
    dep("D3", "2026-02-06T10:00:00", FAIL, "c4"),
    dep("D4", "2026-02-06T12:00:00", OK, "c4"),
    dep("D5", "2026-02-07T09:00:00", OK, "c4"),
    dep("D6", "2026-02-11T09:00:00", OK, "c5"),
    dep("D7", "2026-02-11T13:00:00", OK, "c4", rollback=True),
    dep("S1", "2026-02-08T09:00:00", OK, "c4", env="staging"),
]
INCIDENTS = [
    Incident(
        source="file",
        id="I1",
        title="checkout down",
        started_at=t("2026-02-11T10:00:00"),
        resolved_at=t("2026-02-11T14:00:00"),
        deployment="D6",
    ),
    Incident(
        source="file",
        id="I2",
        title="disk full",
        started_at=t("2026-02-20T00:00:00"),
        resolved_at=t("2026-02-20T06:00:00"),
        auto_recovered=True,
    ),
]
EV = d.Delivery(deployments=DEPLOYMENTS, incidents=INCIDENTS, commits=COMMITS)


def test_deployment_frequency() -> None:
    # successful production deployments in the window: D2 D4 D5 D6 D7 -> 5 / 28 days
    value = d.deployment_frequency(EV, WINDOW)
    assert value.value == pytest.approx(5 / 28) and value.sample_size == 5


def test_lead_time_uses_each_deployments_own_commits_after_the_first() -> None:
    # D2: c2 57 h, c3 24 h; D4: c4 24 h; D5 and D7 ship nothing new; D6: c5 25 h -> [57, 24, 24, 25]
    value = d.lead_time_for_changes(EV, WINDOW)
    assert value.value == pytest.approx(24.5) and value.sample_size == 4
    details = dict(value.details)
    assert details["mean"] == "32.5" and details["deployments_without_new_commits"] == "2"


def test_change_failure_rate_counts_failed_and_incident_linked_changes() -> None:
    # changes in the window (rollbacks excluded): D2 D3 D4 D5 D6; failed: D3 (status), D6 (incident) -> 2/5
    assert d.change_failure_rate(EV, WINDOW).value == pytest.approx(0.4)


def test_recovery_time_from_the_fix_or_the_incident() -> None:
    # D3 -> D4: 2 h; D6 -> I1 resolved 14:00: 5 h -> median 3.5
    value = d.failed_deployment_recovery_time(EV, WINDOW)
    assert value.value == pytest.approx(3.5) and value.sample_size == 2


def test_rework_success_and_first_time_failure() -> None:
    # finished production deployments in the window: D2..D7 = 6; rework D7 (rollback) -> 1/6; success 5/6
    assert d.deployment_rework_rate(EV, WINDOW).value == pytest.approx(1 / 6)
    assert d.deployment_success_rate(EV, WINDOW).value == pytest.approx(5 / 6)
    # first-time failure: D3 of D2..D6 -> 1/5
    assert d.change_first_time_failure_rate(EV, WINDOW).value == pytest.approx(0.2)


def test_incident_metrics_include_incidents_without_deployment() -> None:
    # I1 4 h, I2 6 h -> mean 5; downtime 10 h of 672 h; 1 of 2 auto-recovered
    assert d.mttr(EV, WINDOW).value == pytest.approx(5.0)
    assert d.availability(EV, WINDOW).value == pytest.approx(1 - 10 / 672)
    assert d.incident_auto_recovery_share(EV, WINDOW).value == pytest.approx(0.5)


def test_overlapping_and_open_incidents_are_counted_once_and_clipped() -> None:
    overlapping = [
        Incident(
            source="f", id="a", title="a", started_at=t("2026-02-10T00:00:00"), resolved_at=t("2026-02-10T10:00:00")
        ),
        Incident(
            source="f", id="b", title="b", started_at=t("2026-02-10T05:00:00"), resolved_at=t("2026-02-10T12:00:00")
        ),
        Incident(source="f", id="c", title="c", started_at=t("2026-02-28T20:00:00")),  # still open: 4 h to the end
    ]
    ev = d.Delivery(incidents=overlapping)
    # union 00:00-12:00 = 12 h, plus 4 h -> 16 h
    assert d.availability(ev, WINDOW).value == pytest.approx(1 - 16 / 672)
    assert dict(d.mttr(ev, WINDOW).details)["unresolved"] == "1"


def test_empty_window_and_missing_sources() -> None:
    later = Window.last(7, now=NOW + timedelta(days=200))
    assert d.deployment_frequency(EV, later).value == 0.0  # evidence exists: zero is a measurement
    assert d.lead_time_for_changes(EV, later).value is None
    assert "no commit shipped" in d.lead_time_for_changes(EV, later).reason
    assert d.mttr(d.Delivery(), WINDOW).reason == "no incidents collected"
    assert d.availability(d.Delivery(incidents=[]), WINDOW).value == 1.0  # collected, nothing happened
    assert d.deployment_frequency(d.Delivery(), WINDOW).value is None
    assert compute("deployment_frequency", Inputs(), WINDOW).reason.startswith("no delivery data")


def test_time_zones_do_not_shift_lead_time() -> None:
    # the same instant written in +08:00 and in UTC gives the same lead time
    shifted = dict(COMMITS)
    c2 = COMMITS["c2"]
    utc = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
    assert c2.committer_time == utc and c2.committer_time.utcoffset() == timedelta(hours=8)
    shifted["c2"] = Commit(**{**{f: getattr(c2, f) for f in c2.__slots__}, "committer_time": utc.astimezone(UTC)})
    value = d.lead_time_for_changes(d.Delivery(deployments=DEPLOYMENTS, commits=shifted), WINDOW)
    assert value.value == pytest.approx(24.5)


def test_work_item_metrics() -> None:
    items = [
        WorkItem(
            source="f",
            id="R1",
            type="story",
            title="r1",
            created_at=t("2026-01-20T00:00:00"),
            released_at=t("2026-02-10T00:00:00"),
        ),
        WorkItem(
            source="f",
            id="R2",
            type="Feature",
            title="r2",
            created_at=t("2026-02-05T00:00:00"),
            resolved_at=t("2026-02-08T12:00:00"),
        ),
        WorkItem(source="f", id="R3", type="story", title="r3", created_at=t("2026-02-25T00:00:00")),
        WorkItem(
            source="f", id="B1", type="bug", title="b1", created_at=t("2026-02-03T00:00:00"), environment="production"
        ),
        WorkItem(source="f", id="B2", type="bug", title="b2", created_at=t("2026-02-04T00:00:00"), environment="test"),
        WorkItem(
            source="f", id="B3", type="defect", title="b3", created_at=t("2026-02-15T00:00:00"), environment="prod"
        ),
        WorkItem(
            source="f", id="B4", type="bug", title="b4", created_at=t("2026-01-10T00:00:00"), environment="production"
        ),
    ]
    ev = d.Delivery(work_items=items)
    # R1 21 days (released), R2 3.5 days (resolved, no release) -> median 12.25
    assert d.requirement_delivery_cycle(ev, WINDOW).value == pytest.approx(12.25)
    # defects in the window B1 B2 B3; production B1 B3 -> 2/3
    assert d.production_defect_escape_rate(ev, WINDOW).value == pytest.approx(2 / 3)


def run(
    id_: str,
    start: str,
    minutes: int,
    status: RunStatus,
    branch: str = "main",
    pipeline: str = "ci",
    jobs: tuple[JobRun, ...] = (),
) -> PipelineRun:
    begin = t(start)
    return PipelineRun(
        source="f",
        id=id_,
        pipeline=pipeline,
        status=status,
        created_at=begin,
        started_at=begin,
        finished_at=begin + timedelta(minutes=minutes),
        branch=branch,
        jobs=jobs,
    )


RUNS = [
    run("P1", "2026-02-02T10:00:00", 8, OK),
    run("P2", "2026-02-03T10:00:00", 10, FAIL),
    run("P3", "2026-02-03T10:30:00", 12, OK),  # red P2 -> green at 10:42: 42 min
    run("P4", "2026-02-04T09:00:00", 6, OK),
    run("P5", "2026-02-05T09:00:00", 3, CANCEL),  # cancelled: left out
    run("P6", "2026-02-05T10:00:00", 20, FAIL, branch="feature"),
    run("P7", "2026-02-05T11:00:00", 5, FAIL, branch="feature"),
    run("P8", "2026-02-05T12:00:00", 30, OK, branch="feature"),  # red since 10:00 -> green 12:30: 150 min
]


def test_pipeline_metrics() -> None:
    ev = d.Delivery(runs=RUNS)
    # durations [5, 6, 8, 10, 12, 20, 30]: nearest-rank p50 = 4th = 10, p90 = 7th = 30
    assert d.pipeline_duration("pipeline_duration_p50", 50)(ev, WINDOW).value == 10
    assert d.pipeline_duration("pipeline_duration_p90", 90)(ev, WINDOW).value == 30
    assert d.build_success_rate(ev, WINDOW).value == pytest.approx(4 / 7)
    assert d.integration_feedback_cycle(ev, WINDOW).value == pytest.approx(96.0)


def test_deployment_rule_turns_pipelines_and_jobs_into_deployments() -> None:
    runs = [
        run("R1", "2026-02-10T10:00:00", 5, OK, pipeline="deploy-prod"),
        run(
            "R2",
            "2026-02-11T10:00:00",
            5,
            OK,
            jobs=(
                JobRun(id="j1", name="release to production", status=OK),
                JobRun(id="j2", name="unit tests", status=OK),
            ),
        ),
        run("R3", "2026-02-12T10:00:00", 5, OK),
    ]
    rules = d.DeliveryRules(pipelines=("deploy-*",), jobs=("release to *",))
    found = d.deployments_from_runs(runs, rules)
    assert [x.id for x in found] == ["run:R1", "run:R2:job:j1"]
    ev = d.Delivery(runs=runs, rules=rules)
    assert d.deployment_frequency(ev, WINDOW).value == pytest.approx(2 / 28)


def test_security_scan_run_share_from_job_names() -> None:
    runs = [
        run(
            "A",
            "2026-02-02T10:00:00",
            5,
            OK,
            jobs=(JobRun(id="1", name="build", status=OK), JobRun(id="2", name="CodeQL analyze", status=OK)),
        ),
        run("B", "2026-02-03T10:00:00", 5, FAIL, jobs=(JobRun(id="3", name="test", status=FAIL),)),
        run("C", "2026-02-04T10:00:00", 5, OK, jobs=(JobRun(id="4", name="scan", stage="sast", status=OK),)),
        run("D", "2026-02-05T10:00:00", 5, CANCEL, jobs=(JobRun(id="5", name="trivy", status=CANCEL),)),
    ]
    # finished runs A B C; A (CodeQL) and C (stage sast) scan -> 2/3
    value = d.security_scan_run_share(d.Delivery(runs=runs), WINDOW)
    assert value.value == pytest.approx(2 / 3) and value.evidence == ("A", "C")
