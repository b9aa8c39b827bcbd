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


# --- rollbacks, redeployments and incident links (issue 8) ---

LATER = Window.last(90, now=NOW)  # [2025-12-01, 2026-03-01)


def test_rollback_after_a_failed_deployment_blames_only_the_failed_one() -> None:
    """A ok 2025-12-20 10:00; B FAILED 2026-01-29 10:00 (40 days later); C ok rollback 2026-01-29 10:30.
    Changes (rollbacks are not changes): A, B. B failed by status. C undoes the latest change before it of the
    same service, B, which already failed: nothing more is blamed (A was blamed before: 2/2 = 100%).
    CFR = 1/2 = 50%. B recovers at the next successful deployment that did not fail, C: 10:30 - 10:00 = 0.5 h
    (before: A "recovered" at C too, 960.5 h, median 480 h)."""
    ev = d.Delivery(
        deployments=[
            dep("A", "2025-12-20T10:00:00", OK, "c1"),
            dep("B", "2026-01-29T10:00:00", FAIL, "c2"),
            dep("C", "2026-01-29T10:30:00", OK, "c1", rollback=True),
        ]
    )
    cfr = d.change_failure_rate(ev, LATER)
    assert cfr.value == pytest.approx(0.5) and cfr.sample_size == 2 and cfr.evidence == ("B",)
    recovery = d.failed_deployment_recovery_time(ev, LATER)
    assert recovery.value == pytest.approx(0.5) and recovery.sample_size == 1 and recovery.evidence == ("B",)


def test_rollback_of_a_successful_deployment_blames_it_and_redeployment_recovers() -> None:
    """A ok Jan 10 10:00; B ok Jan 20 10:00; R ok rollback Jan 20 12:00: R undoes B (the change before it), so B
    failed; A did not. CFR 1/2. B recovers at R: 2 h.
    Redeployment: E FAILED Feb 1 10:00, F ok Feb 1 11:00 (the same commit again, not a rollback): F is a change
    that did not fail and E's recovery, 1 h. CFR then 2/4; recovery median of [2, 1] = 1.5 h."""
    rollback = [
        dep("A", "2026-01-10T10:00:00", OK, "c1"),
        dep("B", "2026-01-20T10:00:00", OK, "c2"),
        dep("R", "2026-01-20T12:00:00", OK, "c1", rollback=True),
    ]
    ev = d.Delivery(deployments=rollback)
    assert d.change_failure_rate(ev, LATER).value == pytest.approx(0.5)
    assert d.failed_deployment_recovery_time(ev, LATER).value == pytest.approx(2.0)
    redeployed = [*rollback, dep("E", "2026-02-01T10:00:00", FAIL, "c3"), dep("F", "2026-02-01T11:00:00", OK, "c3")]
    ev = d.Delivery(deployments=redeployed)
    assert d.change_failure_rate(ev, LATER).value == pytest.approx(2 / 4)
    assert d.failed_deployment_recovery_time(ev, LATER).value == pytest.approx(1.5)


def test_rollback_looks_for_the_change_of_its_own_service() -> None:
    """api-1 ok Feb 1 10:00 (pipeline api); web-1 ok Feb 1 11:00 (pipeline web); api rollback Feb 1 12:00 undoes
    the latest api change, api-1, not web-1 (the latest overall): failed {api-1}, CFR 1/2; recovery 2 h."""
    ev = d.Delivery(
        deployments=[
            dep("api-1", "2026-02-01T10:00:00", OK, "c1", pipeline="api"),
            dep("web-1", "2026-02-01T11:00:00", OK, "c2", pipeline="web"),
            dep("api-rb", "2026-02-01T12:00:00", OK, "c0", pipeline="api", rollback=True),
        ]
    )
    assert d.change_failure_rate(ev, WINDOW).evidence == ("api-1",)
    assert d.failed_deployment_recovery_time(ev, WINDOW).value == pytest.approx(2.0)


def _five_days(**incident_kw: object) -> tuple[list[Deployment], list[Incident]]:
    """D1..D5 successful, Feb 2..6 10:00-10:30. Incidents: I1 Feb 3 12:00-14:00 and I2 Feb 3 18:00-19:00 after
    D2; I3 Feb 5 11:00-15:00 after D4; I4 Feb 6 10:15-10:45, while D5 was still deploying."""
    deployments = [
        Deployment(
            source="f",
            id=f"D{k}",
            environment="production",
            status=OK,
            created_at=t(f"2026-02-0{k + 1}T10:00:00"),
            finished_at=t(f"2026-02-0{k + 1}T10:30:00"),
        )
        for k in range(1, 6)
    ]

    def incident(id_: str, start: str, end: str) -> Incident:
        return Incident(source="f", id=id_, title=id_, started_at=t(start), resolved_at=t(end), **incident_kw)  # type: ignore[arg-type]

    incidents = [
        incident("I1", "2026-02-03T12:00:00", "2026-02-03T14:00:00"),
        incident("I2", "2026-02-03T18:00:00", "2026-02-03T19:00:00"),
        incident("I3", "2026-02-05T11:00:00", "2026-02-05T15:00:00"),
        incident("I4", "2026-02-06T10:15:00", "2026-02-06T10:45:00"),
    ]
    return deployments, incidents


def test_devlake_rule_reproduced() -> None:
    """DevLake: an incident belongs to the latest deployment of the project FINISHED before it; CFR = deployments
    with an incident / deployments. I1, I2 -> D2; I3 -> D4; I4 started 10:15, D5 finished 10:30, so -> D4.
    Failed {D2, D4}: 2/5 = 40% (DevLake's own example: five deployments, two with incidents).
    MTTR from incidents (DevLake and Middleware alike): (2 + 1 + 4 + 0.5) / 4 = 1.875 h.
    Recovery of a failed change: its start to the earliest resolution of its incidents: D2 Feb 3 10:00 -> I1 14:00
    4 h; D4 Feb 5 10:00 -> I3 Feb 5 15:00 5 h (I4 resolved Feb 6 10:45, later); median 4.5 h."""
    deployments, incidents = _five_days()
    ev = d.Delivery(deployments=deployments, incidents=incidents, rules=d.DeliveryRules(incident_link="devlake"))
    cfr = d.change_failure_rate(ev, WINDOW)
    assert cfr.value == pytest.approx(0.4) and cfr.evidence == ("D2", "D4")
    assert d.mttr(ev, WINDOW).value == pytest.approx(1.875)
    assert d.failed_deployment_recovery_time(ev, WINDOW).value == pytest.approx(4.5)


def test_middleware_rule_reproduced() -> None:
    """Middleware: an incident belongs to the latest deployment STARTED at or before it (incidents between one
    deployment's start and the next one's). I4 (10:15) now -> D5 (started 10:00). Failed {D2, D4, D5}: 3/5 = 60%.
    Recovery: D2 4 h; D4 -> I3 15:00 5 h; D5 -> I4 10:45 0.75 h; median 4 h."""
    deployments, incidents = _five_days()
    ev = d.Delivery(deployments=deployments, incidents=incidents, rules=d.DeliveryRules(incident_link="middleware"))
    assert d.change_failure_rate(ev, WINDOW).value == pytest.approx(0.6)
    assert d.failed_deployment_recovery_time(ev, WINDOW).value == pytest.approx(4.0)


def test_only_references_or_no_links_leave_the_changes_good() -> None:
    """incident_link = reference: none of the four incidents names a deployment, none is linked -> 0/5; the same
    with none. Changes in the window and no failure: recovery 0 h, nothing to recover (a measurement)."""
    deployments, incidents = _five_days()
    for rule in ("reference", "none"):
        ev = d.Delivery(deployments=deployments, incidents=incidents, rules=d.DeliveryRules(incident_link=rule))
        assert d.change_failure_rate(ev, WINDOW).value == 0.0
        recovery = d.failed_deployment_recovery_time(ev, WINDOW)
        assert recovery.value == 0.0 and recovery.reason == d.NOTHING_TO_RECOVER


def test_explicit_reference_wins_over_the_time_rule() -> None:
    """I1 (Feb 3 12:00) names D1 itself: linked to D1, not to D2 by time. An incident naming D9 (no such
    deployment) links nothing: the time rule does not guess past what was said. I2 -> D2 and I3, I4 -> D4 by
    time (devlake). Failed {D1, D2, D4} -> 3/5. With `reference` only I1 links: 1/5. With `none`: 0/5."""
    deployments, incidents = _five_days()
    named = [replace_incident(incidents[0], deployment="D1"), *incidents[1:]]
    named.append(Incident(source="f", id="I5", title="x", started_at=t("2026-02-06T12:00:00"), deployment="D9"))
    rows, by_name = d.link_incidents(
        d.Delivery(deployments=deployments).prod, d.IncidentFrame.of(named), d.INCIDENT_LINKS["devlake"]
    )
    assert rows.tolist() == [0, 1, 3, 3, -1] and by_name.tolist() == [True, False, False, False, True]
    expected = {"devlake": 3 / 5, "reference": 1 / 5, "none": 0.0}
    for rule, cfr in expected.items():
        ev = d.Delivery(deployments=deployments, incidents=named, rules=d.DeliveryRules(incident_link=rule))
        assert d.change_failure_rate(ev, WINDOW).value == pytest.approx(cfr), rule


def test_incident_links_by_service_with_the_project_as_fallback() -> None:
    """api-1 Feb 2 10:00 (pipeline api), web-1 Feb 2 11:00 (pipeline web). An incident of service api at 12:00 ->
    api-1 (web-1 is later but another service); one of service checkout (no deployment carries it) at 12:00 ->
    web-1, the latest of the project; one without a service -> web-1."""
    deployments = [
        dep("api-1", "2026-02-02T10:00:00", OK, "c1", pipeline="api"),
        dep("web-1", "2026-02-02T11:00:00", OK, "c2", pipeline="web"),
    ]
    incidents = [
        Incident(source="f", id=s or "none", title="x", started_at=t("2026-02-02T12:00:00"), service=s)
        for s in ("api", "checkout", "")
    ]
    rows, _ = d.link_incidents(
        d.Delivery(deployments=deployments).prod, d.IncidentFrame.of(incidents), d.INCIDENT_LINKS["devlake"]
    )
    assert rows.tolist() == [0, 1, 1]


def test_no_failure_meets_a_recovery_time_criterion_and_no_deployment_is_unknown() -> None:
    """Three good changes, no incident: CFR 0/3 = 0; recovery 0 h "nothing to recover", which meets
    failed_deployment_recovery_time <= 24 (hours). A window with no deployment at all stays unknown."""
    from devmaturity.assess.engine import Evidence, judge
    from devmaturity.model.assessment import Status
    from devmaturity.model.framework import Criterion, CriterionKind, Op
    from devmaturity.model.metric import MetricValue
    from devmaturity.model.text import Text

    ev = d.Delivery(
        deployments=[dep(f"G{k}", f"2026-02-1{k}T10:00:00", OK, "c1") for k in range(3)],
        incidents=[],
    )
    assert d.change_failure_rate(ev, WINDOW).value == 0.0
    recovery = d.failed_deployment_recovery_time(ev, WINDOW)
    assert recovery.value == 0.0 and recovery.reason == "no failed deployment in the window: nothing to recover"
    criterion = Criterion(
        id="fdrt",
        kind=CriterionKind.METRIC,
        text=Text(zh="恢复时间", en="recovery time"),
        metric="failed_deployment_recovery_time",
        op=Op.LE,
        value=24.0,
    )
    metrics: dict[tuple[str, int], MetricValue] = {("failed_deployment_recovery_time", 28): recovery}
    assert judge(criterion, Evidence(metrics=metrics), 28).status is Status.MET
    empty = d.failed_deployment_recovery_time(ev, Window.last(7, now=NOW + timedelta(days=100)))
    assert empty.value is None and empty.reason == "no production deployments in the window"


def replace_incident(incident: Incident, **changes: object) -> Incident:
    from dataclasses import replace

    return replace(incident, **changes)  # type: ignore[arg-type]


def test_lead_time_is_measured_from_committer_time_and_a_negative_span_is_clamped_to_zero() -> None:
    """c1 (baseline, shipped by D1 Feb 1). c2 authored Feb 2 08:00 but committed (rebased) Feb 3 08:00; D2 finishes
    Feb 3 10:00 -> lead from the committer time, 2 h (not 26 h). c3 committed Feb 4 12:00 by a clock running
    ahead; D3 deployed it Feb 4 11:00 -> -1 h, clamped to 0 (kept, not dropped: the change did ship).
    Leads [2, 0] -> median 1 h, sample 2."""
    c2 = replace_commit(commit("c2", "2026-02-03T08:00:00", "c1"), author_time=t("2026-02-02T08:00:00"))
    commits = {
        "c1": commit("c1", "2026-01-30T10:00:00", None),
        "c2": c2,
        "c3": commit("c3", "2026-02-04T12:00:00", "c2"),
    }
    ev = d.Delivery(
        deployments=[
            dep("D1", "2026-02-01T10:00:00", OK, "c1"),
            dep("D2", "2026-02-03T10:00:00", OK, "c2"),
            dep("D3", "2026-02-04T11:00:00", OK, "c3"),
        ],
        commits=commits,
    )
    value = d.lead_time_for_changes(ev, WINDOW)
    assert value.value == pytest.approx(1.0) and value.sample_size == 2
    assert dict(value.details)["p90"] == "2"


def replace_commit(c: Commit, **changes: object) -> Commit:
    from dataclasses import replace

    return replace(c, **changes)  # type: ignore[arg-type]
