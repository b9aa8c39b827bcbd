"""The packed-column cache of delivery evidence: what load_frames reads equals what the rows say, after
inserts, updates in place, a record moving to another part and a new run; only touched parts are repacked."""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from devmaturity.metrics.delivery import DeliveryRules
from devmaturity.model.delivery import Deployment, JobRun, PipelineRun, RunStatus
from devmaturity.model.frames import DeploymentFrame, RunFrame
from devmaturity.store.db import Store
from devmaturity.store.delivery import save_delivery
from devmaturity.store.frames import deployment_rows, load_frames, pack, refresh_parts, run_rows, unpack

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SINCE = T0 + timedelta(days=100)


def _deployments(n: int, rng: random.Random) -> list[Deployment]:
    out = []
    for i in range(n):
        created = T0 + timedelta(hours=rng.randint(0, 24 * 300))
        out.append(
            Deployment(
                source=rng.choice(["github:acme/shop", "file"]),
                id=f"d{i}",
                environment=rng.choice(["production", "staging", "生产-上海"]),
                status=rng.choice(list(RunStatus)),
                created_at=created,
                finished_at=created + timedelta(minutes=rng.randint(1, 60)) if rng.random() < 0.9 else None,
                commit=f"{i:040x}" if rng.random() < 0.8 else None,
                rollback=rng.random() < 0.05,
                incident="INC-1" if rng.random() < 0.05 else None,
            )
        )
    return out


def _runs(n: int, rng: random.Random) -> list[PipelineRun]:
    out = []
    for i in range(n):
        created = T0 + timedelta(hours=rng.randint(0, 24 * 300))
        jobs = (JobRun(id="1", name=rng.choice(["build", "semgrep"]), status=RunStatus.SUCCESS),)
        out.append(
            PipelineRun(
                source="gitlab:acme/shop",
                id=f"r{i}",
                pipeline=rng.choice(["ci", "deploy"]),
                status=rng.choice([RunStatus.SUCCESS, RunStatus.FAILURE]),
                created_at=created,
                started_at=created,
                finished_at=created + timedelta(minutes=rng.randint(1, 30)),
                branch=rng.choice(["main", "feature/x", None]),
                jobs=jobs,
            )
        )
    return out


def _same(a: Any, b: Any) -> None:
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert (x.dtype == y.dtype and x.tolist() == y.tolist()) or np.array_equal(x, y, equal_nan=True), f.name


def _check(store: Store, project: int) -> None:
    frames = load_frames(store, project, SINCE, DeliveryRules())
    lo = int(SINCE.timestamp()) - 7 * 86400
    with store.engine.connect() as conn:
        assert frames.deployments is not None and frames.runs is not None
        _same(frames.deployments, deployment_rows(conn, project, lo))
        _same(frames.runs, run_rows(conn, project, lo))


def test_packed_parts_follow_the_rows(store: Store) -> None:
    rng = random.Random(4)
    project = store.project("p", "/p")
    deps, runs = _deployments(400, rng), _runs(300, rng)
    save_delivery(store, project, store.start_run(project, "t", {}), [*deps, *runs])
    _check(store, project)
    assert refresh_parts(store, project) == 0  # nothing written since: nothing repacked

    # a status corrected in place, and one deployment moved from its part to a much later one
    old = deps[7]
    status_fix = Deployment(**{**{f: getattr(deps[3], f) for f in deps[3].__slots__}, "status": RunStatus.FAILURE})
    moved = Deployment(
        **{**{f: getattr(old, f) for f in old.__slots__}, "created_at": old.created_at + timedelta(days=95)}
    )
    save_delivery(store, project, store.start_run(project, "t", {}), [status_fix, moved])
    repacked = refresh_parts(store, project)
    assert 1 <= repacked <= 3  # the part status_fix is in, the part `moved` left and the one it entered
    _check(store, project)
    lo = int(SINCE.timestamp()) - 7 * 86400
    frames = load_frames(store, project, SINCE, DeliveryRules())
    assert frames.deployments is not None
    if moved.created_at.timestamp() >= lo:
        assert "d7" in frames.deployments.ids.tolist()


def test_pack_round_trip_keeps_text_and_missing_times() -> None:
    rng = random.Random(1)
    deps = _deployments(50, rng)
    frame = DeploymentFrame.of(deps)
    _same(unpack(DeploymentFrame, pack(frame)), frame)
    empty = DeploymentFrame.of([])
    assert len(unpack(DeploymentFrame, pack(empty))) == 0
    runs = RunFrame.of(_runs(20, rng))
    back = unpack(RunFrame, pack(runs))
    assert back.jobs is None and back.security_scan.tolist() == runs.security_scan.tolist()
    odd = DeploymentFrame.of(
        [Deployment(source="f", id="a\x00b", environment="p", status=RunStatus.SUCCESS, created_at=T0)]
    )
    assert unpack(DeploymentFrame, pack(odd)).ids.tolist() == ["a\ufffdb"]  # a NUL cannot split a column
