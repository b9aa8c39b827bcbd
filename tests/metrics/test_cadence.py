"""Deployment cadence: weeks with a production deployment, working days with a test deployment (the standard's
"weekly" and "can deploy every day", robust to a holiday or a release-freeze week)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devmaturity.metrics.delivery import Delivery, production_deploy_week_share, workday_share_of_test_deployments
from devmaturity.model.delivery import Deployment, RunStatus
from devmaturity.model.metric import Window

END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # a Monday, 00:00 on the UTC+8 calendar of 2026-12-01 (Tuesday)
WINDOW = Window(start=END - timedelta(days=91), end=END)  # 13 whole weeks


def _dep(n: int, when: datetime, env: str, status: RunStatus = RunStatus.SUCCESS) -> Deployment:
    return Deployment(source="file", id=f"{env}-{n}", environment=env, status=status, created_at=when, commit=None)


def test_weekly_releases_with_one_freeze_week_keep_the_cadence() -> None:
    """Production every Thursday for 13 weeks, except the week of 2026-10-01 (national-day freeze): 12 of the 13
    whole weeks have a release, 12/13 = 0.923. A failed deployment in the freeze week does not count."""
    thursdays = [END - timedelta(days=4) - timedelta(weeks=k) for k in range(13)]
    freeze = next(d for d in thursdays if d.month == 10 and d.day <= 7)
    deps = [_dep(k, d, "PROD") for k, d in enumerate(thursdays) if d != freeze]
    deps.append(_dep(99, freeze, "PROD", RunStatus.FAILURE))
    value = production_deploy_week_share(Delivery(deployments=deps), WINDOW)
    assert value.value == 12 / 13 and value.sample_size == 13
    assert dict(value.details) == {"weeks": "13", "weeks_with_deployment": "12"}
    assert production_deploy_week_share(Delivery(deployments=[]), WINDOW).value == 0.0
    assert production_deploy_week_share(Delivery(), WINDOW).value is None


def test_daily_sit_deployments_show_the_ability_to_deploy_daily() -> None:
    """SIT every working day at 10:00 UTC+8 (02:00 UTC) over the 13 weeks: 65 working days, 65 covered. Skipping
    the five working days of the freeze week gives 60/65. Production deployments are not test deployments, and
    a Saturday deployment adds no working day."""
    start_day = WINDOW.start + timedelta(hours=8)  # 2026-09-01, a Tuesday: its 00:00 on the UTC+8 calendar
    days = [start_day + timedelta(days=k) for k in range(91)]
    workdays = [d for d in days if d.weekday() < 5]
    assert len(workdays) == 65
    every = [_dep(k, d.replace(hour=2), "SIT") for k, d in enumerate(workdays)]
    saturday = next(d for d in days if d.weekday() == 5)
    extra = [_dep(500, saturday.replace(hour=2), "SIT"), _dep(501, workdays[3].replace(hour=3), "PROD")]
    value = workday_share_of_test_deployments(Delivery(deployments=every + extra), WINDOW)
    assert value.value == 1.0 and value.sample_size == 65
    frozen = {d.date() for d in workdays[20:25]}
    fewer = [d for d in every if d.created_at.date() not in frozen]
    assert workday_share_of_test_deployments(Delivery(deployments=fewer), WINDOW).value == 60 / 65
