"""Environment lead time (CD.EM.EM.EB): which runs and jobs provision an environment, how long each took, the median
over the window; the same from records, from the store's packed columns, and after migration 0017 derives it for
runs stored before it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, select

from devmaturity.metrics.delivery import Delivery, DeliveryRules, environment_lead_time
from devmaturity.model.delivery import JobRun, PipelineRun, RunStatus
from devmaturity.model.frames import RunFrame, provision_seconds
from devmaturity.model.metric import Window
from devmaturity.model.metric_reasons import reason_text
from devmaturity.model.stages import provisions
from devmaturity.store import tables as t
from devmaturity.store.db import MIGRATIONS, Store
from devmaturity.store.delivery import save_delivery
from devmaturity.store.frames import load_frames

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = Window(start=T0 - timedelta(days=1), end=T0 + timedelta(days=30))
OK, FAILED = RunStatus.SUCCESS, RunStatus.FAILURE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("terraform apply", True),
        ("provision stage", True),
        ("环境准备", True),
        ("搭建SIT环境", True),
        ("创建 UAT 环境", True),
        ("setup-env", True),
        ("infra apply", True),
        ("pulumi up", True),
        ("ansible env setup", True),
        ("terraform plan", False),
        ("terraform validate", False),
        ("destroy env", False),
        ("环境清理", False),
        ("部署SIT", False),  # an application deployment, not an environment
        ("构建镜像并部署到测试环境", False),
        ("ansible-playbook deploy", False),
        ("build", False),
    ],
)
def test_which_names_provision_an_environment(name: str, expected: bool) -> None:
    assert provisions(name) is expected


def job(name: str, start: int, minutes: int, status: RunStatus = OK, stage: str = "") -> JobRun:
    begin = T0 + timedelta(minutes=start)
    return JobRun(
        id=name, name=name, stage=stage, status=status, started_at=begin, finished_at=begin + timedelta(minutes=minutes)
    )


def run(
    ident: str, pipeline: str, minutes: int, jobs: tuple[JobRun, ...] = (), status: RunStatus = OK, day: int = 0
) -> PipelineRun:
    created = T0 + timedelta(days=day)
    return PipelineRun(
        source="gitlab:acme/shop",
        id=ident,
        pipeline=pipeline,
        status=status,
        created_at=created,
        started_at=created,
        finished_at=created + timedelta(minutes=minutes),
        jobs=jobs,
    )


RUNS = [
    run("r1", "env-provision", 40, day=1),  # the pipeline's name says it provisions: the whole run, 40 min
    # build 5 min, then terraform apply (stage provision) 20 min and an Ansible environment setup 30 min: 50 min
    run(
        "r2",
        ".gitlab-ci.yml",
        60,
        (job("build", 0, 5), job("terraform apply", 10, 20, stage="provision"), job("ansible env setup", 30, 30)),
        day=2,
    ),
    run("r3", ".gitlab-ci.yml", 10, (job("terraform plan", 0, 5), job("build", 5, 5)), day=3),  # plans only
    run("r4", "ci", 30, (job("环境搭建", 0, 20, FAILED), job("build", 20, 10)), day=4),  # provisioning failed
    run("r5", "env-provision", 15, status=FAILED, day=5),  # no environment came of it
    run("r6", "ci", 45, (job("搭建SIT环境", 5, 30), job("部署SIT", 35, 10)), day=6),  # 30 min
    run("r7", "env-provision", 5, day=40),  # after the window
]


def test_provisioning_time_of_each_run() -> None:
    assert [provision_seconds(r) for r in RUNS] == [2400.0, 3000.0, None, None, None, 1800.0, 300.0]


def test_the_median_over_the_window_cites_its_runs() -> None:
    value = environment_lead_time(Delivery(runs=RUNS), WINDOW)
    assert (value.value, value.unit, value.sample_size) == (40.0, "minutes", 3)
    assert value.evidence == ("r1", "r2", "r6")


def test_no_provisioning_run_is_unknown_with_a_reason_in_both_languages() -> None:
    value = environment_lead_time(Delivery(runs=[RUNS[2], RUNS[3]]), WINDOW)
    assert value.value is None
    said = reason_text(value.reason)
    assert said.en.startswith("no successful environment provisioning run") and said.zh.startswith("窗口内没有成功")


def test_runs_stored_without_the_column_are_unknown_not_zero() -> None:
    frame = RunFrame.of(RUNS)
    value = environment_lead_time(Delivery(runs=replace(frame, provision=None)), WINDOW)
    assert value.value is None and "sync them again" in value.reason
    assert reason_text(value.reason).zh == "流水线运行记录保存时没有环境准备时长，请重新同步"


def test_the_store_gives_the_same_figure(store: Store) -> None:
    """Stored, packed and read back (SQLite and PostgreSQL): the same median and runs as from the records."""
    project = store.project("shop", "")
    save_delivery(store, project, store.start_run(project, "t", {}), RUNS)
    frames = load_frames(store, project, WINDOW.start, DeliveryRules())
    assert frames.runs is not None
    stored = environment_lead_time(Delivery(runs=frames.runs), WINDOW)
    assert (stored.value, stored.evidence) == (40.0, ("r1", "r2", "r6"))


def test_migration_0020_derives_the_time_of_runs_stored_before_it(store_url: str) -> None:
    """A store one migration back (the column dropped by the downgrade) with runs and packed parts: the upgrade derives each
    run's provisioning time from its stored jobs and drops the packed parts of runs, which are packed again."""
    store = Store.open(store_url)
    project = store.project("shop", "")
    save_delivery(store, project, store.start_run(project, "t", {}), RUNS)
    load_frames(store, project, WINDOW.start, DeliveryRules())  # packs the parts
    store.engine.dispose()
    engine = create_engine(store_url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019")  # to before the provisioning time (0020)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        c = t.pipeline_runs.c
        derived = dict(conn.execute(select(c.ext_id, c.provision_seconds)).all())
        kinds = set(conn.scalars(select(t.frame_parts.c.kind)))
    engine.dispose()
    assert derived == {"r1": 2400.0, "r2": 3000.0, "r3": None, "r4": None, "r5": None, "r6": 1800.0, "r7": 300.0}
    assert "pipeline_runs" not in kinds
    reopened = Store.open(store_url)
    frames = load_frames(reopened, project, WINDOW.start, DeliveryRules())
    reopened.engine.dispose()
    assert frames.runs is not None
    assert environment_lead_time(Delivery(runs=frames.runs), WINDOW).value == 40.0
