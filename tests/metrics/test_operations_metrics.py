"""Operations metrics on hand-built records; every expected value is worked out in the test's docstring.

Window: now = 2026-03-01T00:00Z, 28 days -> [2026-02-01, 2026-03-01)."""

from __future__ import annotations

from datetime import UTC, datetime

from devmaturity.metrics import operations as o
from devmaturity.metrics.delivery import Delivery
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.delivery import Deployment, Drill, DrillKind, Incident, RunStatus
from devmaturity.model.evidence import Commit
from devmaturity.model.metric import Window

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = Window.last(28, now=NOW)
OK, FAIL, RUNNING = RunStatus.SUCCESS, RunStatus.FAILURE, RunStatus.RUNNING


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _incident(iid: str, started: str, resolved: str | None, postmortem: str | None) -> Incident:
    return Incident(
        source="pd",
        id=iid,
        title=iid,
        started_at=t(started),
        resolved_at=t(resolved) if resolved else None,
        postmortem=postmortem,
    )


def test_postmortem_share_over_incidents_resolved_in_the_window() -> None:
    """Resolved in the window: I1 (link), I2 (yes), I3 ("" = none), I4 (not recorded: counts as none) -> 2/4.
    I0 resolved in January and I5 still open are not counted."""
    incidents = [
        _incident("I0", "2026-01-10T00:00", "2026-01-11T00:00", "https://wiki/pm/0"),
        _incident("I1", "2026-02-02T00:00", "2026-02-02T03:00", "https://wiki/pm/1"),
        _incident("I2", "2026-01-31T20:00", "2026-02-01T02:00", "yes"),
        _incident("I3", "2026-02-10T00:00", "2026-02-10T01:00", ""),
        _incident("I4", "2026-02-20T00:00", "2026-02-20T05:00", None),
        _incident("I5", "2026-02-25T00:00", None, "https://wiki/pm/5"),
    ]
    value = o.incident_postmortem_share(Delivery(incidents=incidents), WINDOW)
    assert value.value == 0.5 and value.sample_size == 4
    assert value.evidence == ("I1", "I2")
    assert ("not_recorded", "1") in value.details


def test_postmortem_share_is_unknown_when_no_incident_says() -> None:
    incidents = [_incident("I1", "2026-02-02T00:00", "2026-02-02T03:00", None)]
    value = compute("incident_postmortem_share", Inputs(delivery=Delivery(incidents=incidents)), WINDOW)
    assert value.value is None and "records a post-mortem" in value.reason
    assert compute("incident_postmortem_share", Inputs(delivery=Delivery()), WINDOW).value is None


def _deploy(did: str, at: str, status: RunStatus, rollback: bool = False) -> Deployment:
    return Deployment(
        source="ci",
        id=did,
        environment="production",
        status=status,
        created_at=t(at),
        pipeline="shop",
        rollback=rollback,
    )


def test_rollback_failure_rate_counts_finished_rollbacks_only() -> None:
    """Rollbacks in the window: R1 ok, R2 failed, R3 ok, R4 still running (not finished) -> 1 failed of 3.
    D1 is a change, not a rollback; R0 is in January."""
    deployments = [
        _deploy("R0", "2026-01-20T00:00", FAIL, rollback=True),
        _deploy("D1", "2026-02-02T00:00", FAIL),
        _deploy("R1", "2026-02-02T01:00", OK, rollback=True),
        _deploy("R2", "2026-02-09T00:00", FAIL, rollback=True),
        _deploy("R3", "2026-02-09T01:00", OK, rollback=True),
        _deploy("R4", "2026-02-27T00:00", RUNNING, rollback=True),
    ]
    value = o.rollback_failure_rate(Delivery(deployments=deployments), WINDOW)
    assert value.value == 1 / 3 and value.sample_size == 3 and value.evidence == ("R2",)
    none = o.rollback_failure_rate(Delivery(deployments=[_deploy("D1", "2026-02-02T00:00", OK)]), WINDOW)
    assert none.value is None and "no finished rollbacks" in none.reason


def _drill(did: str, kind: DrillKind, at: str, status: RunStatus) -> Drill:
    return Drill(source="wiki", id=did, kind=kind, started_at=t(at), status=status)


DRILLS = [
    _drill("B0", DrillKind.BACKUP, "2026-01-15T00:00", OK),
    _drill("B1", DrillKind.BACKUP, "2026-02-01T00:00", FAIL),
    _drill("R1", DrillKind.RESTORE, "2026-02-03T00:00", OK),
    _drill("F1", DrillKind.FAILOVER, "2026-02-10T00:00", FAIL),
    _drill("D1", DrillKind.DR, "2026-02-20T00:00", OK),
    _drill("R2", DrillKind.RESTORE, "2026-02-28T23:00", RUNNING),
]


def test_dr_drills_counts_every_kind_started_in_the_window() -> None:
    """In the window: B1, R1, F1, D1, R2 = 5 (B0 is in January); by kind backup 1, restore 2, failover 1, dr 1."""
    value = o.dr_drills(Delivery(drills=DRILLS), WINDOW)
    assert value.value == 5
    assert dict(value.details) == {"backup": "1", "restore": "2", "failover": "1", "dr": "1"}
    assert compute("dr_drills", Inputs(delivery=Delivery(drills=[])), WINDOW).value == 0
    unknown = compute("dr_drills", Inputs(delivery=Delivery()), WINDOW)
    assert unknown.value is None and unknown.reason == "no drill records collected"


def test_restore_drill_success_rate_leaves_out_backups_and_unfinished() -> None:
    """Finished restore/failover/dr drills in the window: R1 ok, F1 failed, D1 ok -> 2/3 (B1 is a backup drill,
    R2 is still running)."""
    value = o.restore_drill_success_rate(Delivery(drills=DRILLS), WINDOW)
    assert value.value == 2 / 3 and value.sample_size == 3 and value.evidence == ("R1", "D1")
    backups_only = o.restore_drill_success_rate(Delivery(drills=DRILLS[:2]), WINDOW)
    assert backups_only.value is None and "no finished restore" in backups_only.reason


def _commit(sha: str, parent: str | None, subject: str, when: str, merge_parent: str | None = None) -> Commit:
    parents = tuple(p for p in (parent, merge_parent) if p)
    moment = t(when)
    return Commit(
        sha=sha,
        parents=parents,
        author_name="a",
        author_email="a@x",
        author_time=moment,
        committer_name="a",
        committer_email="a@x",
        committer_time=moment,
        subject=subject,
    )
