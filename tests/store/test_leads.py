"""Lead-time attribution kept in the store: built, extended, rebuilt after late or changed records and after a
rule change, and always equal to the attribution worked out from the records in memory (the reference).

The histories are random DAGs (branches and merges, seeded) so that a walk must stop at already-shipped
commits reached by several paths; both the in-memory graph (bulk) and the per-level queries are exercised.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from devmaturity.metrics import delivery as d
from devmaturity.model.delivery import Deployment, Incident, RunStatus
from devmaturity.model.evidence import Commit
from devmaturity.model.frames import LeadFrame
from devmaturity.model.metric import Window
from devmaturity.store.db import Store
from devmaturity.store.delivery import save_delivery
from devmaturity.store.frames import load_frames
from devmaturity.store.leads import refresh_leads

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OK, FAIL = RunStatus.SUCCESS, RunStatus.FAILURE


def history(seed: int, size: int) -> list[Commit]:
    """A trunk with feature branches merged back; commit times increase by 1-3 hours."""
    rng = random.Random(seed)
    commits: list[Commit] = []
    trunk: str | None = None
    branches: list[str] = []
    when = T0
    for i in range(size):
        when += timedelta(hours=rng.randint(1, 3))
        sha = f"{seed:04x}{i:036x}"
        roll = rng.random()
        if branches and roll < 0.2 and trunk:  # merge a branch into trunk
            parents: tuple[str, ...] = (trunk, branches.pop(rng.randrange(len(branches))))
        elif roll < 0.45 and trunk:  # work on a branch (new or existing)
            if branches and rng.random() < 0.6:
                k = rng.randrange(len(branches))
                parents = (branches[k],)
                branches[k] = sha
            else:
                parents = (trunk,)
                branches.append(sha)
            commits.append(_commit(sha, parents, when))
            continue
        else:
            parents = (trunk,) if trunk else ()
        trunk = sha
        commits.append(_commit(sha, parents, when))
    return commits


def _commit(sha: str, parents: tuple[str, ...], when: datetime) -> Commit:
    return Commit(
        sha=sha,
        parents=parents,
        author_name="a",
        author_email="a@x",
        author_time=when,
        committer_name="a",
        committer_email="a@x",
        committer_time=when,
        subject=sha[-6:],
    )


def deployments(seed: int, commits: list[Commit], count: int) -> list[Deployment]:
    """Deployments of trunk or branch tips seen so far, some failed, some to staging, a redeploy or two."""
    rng = random.Random(seed + 1)
    out: list[Deployment] = []
    step = max(1, len(commits) // count)
    for n in range(count):
        upto = min(len(commits) - 1, (n + 1) * step - 1)
        target = commits[rng.randint(max(0, upto - 3), upto)]
        created = target.committer_time + timedelta(minutes=rng.randint(5, 600))
        out.append(
            Deployment(
                source="ci",
                id=f"D{n:04d}",
                environment=rng.choice(["production", "production", "production", "staging"]),
                status=FAIL if rng.random() < 0.15 else OK,
                created_at=created,
                finished_at=created + timedelta(minutes=rng.randint(1, 30)),
                commit=target.sha,
            )
        )
    return out


def reference(deps: list[Deployment], commits: list[Commit], rules: d.DeliveryRules) -> dict[str, list[float]]:
    ev = d.Delivery(deployments=deps, commits={c.sha: c for c in commits}, rules=rules)
    return _by_deployment(ev.attribution())


def _by_deployment(frame: LeadFrame) -> dict[str, list[float]]:
    return {
        str(frame.ids[i]): sorted(frame.leads[frame.offsets[i] : frame.offsets[i + 1]].tolist())
        for i in range(len(frame))
        if frame.ordinal[i] > 0
    }


def stored(store: Store, project: int, rules: d.DeliveryRules) -> dict[str, list[float]]:
    return _by_deployment(load_frames(store, project, T0 - timedelta(days=400), rules).leads)


def _save(store: Store, project: int, commits: list[Commit] = (), deps: list[Deployment] = ()) -> None:  # type: ignore[assignment]
    run = store.start_run(project, "test", {})
    if commits:
        store.save_git(project, run, commits, [])
    if deps:
        save_delivery(store, project, run, deps)


@pytest.mark.parametrize("bulk", [0, 10_000], ids=["graph-in-memory", "queries-per-level"])
def test_built_then_extended_equals_the_reference(store: Store, bulk: int) -> None:
    commits = history(7, 400)
    deps = deployments(7, commits, 60)
    rules = d.DeliveryRules()
    project = store.project("p", "/p")
    _save(store, project, commits, deps[:30])
    assert refresh_leads(store, project, rules, bulk=bulk).action == "built"
    assert stored(store, project, rules) == reference(deps[:30], commits, rules)
    assert refresh_leads(store, project, rules, bulk=bulk).action == "current"
    _save(store, project, deps=deps[30:])
    done = refresh_leads(store, project, rules, bulk=bulk)
    assert done.action == "extended" and done.from_ordinal > 0
    expected = reference(deps, commits, rules)
    assert stored(store, project, rules) == expected
    assert sum(len(v) for v in expected.values()) > 100  # the walks really shipped commits


def test_a_late_deployment_rebuilds_from_its_place(store: Store) -> None:
    commits = history(11, 300)
    deps = deployments(11, commits, 40)
    late = deps.pop(12)  # arrives after the others were attributed
    rules = d.DeliveryRules()
    project = store.project("p", "/p")
    _save(store, project, commits, deps)
    refresh_leads(store, project, rules)
    _save(store, project, deps=[late])
    done = refresh_leads(store, project, rules, bulk=0)
    assert done.action == "rebuilt" and 0 < done.from_ordinal <= 12
    assert stored(store, project, rules) == reference([*deps, late], commits, rules)


def test_a_status_change_and_a_rule_change(store: Store) -> None:
    commits = history(5, 200)
    deps = deployments(5, commits, 30)
    rules = d.DeliveryRules()
    project = store.project("p", "/p")
    _save(store, project, commits, deps)
    refresh_leads(store, project, rules)
    # a deployment first seen failed is corrected to success (an upsert of the same id)
    k = next(i for i, x in enumerate(deps) if x.status is FAIL and x.environment == "production" and i > 3)
    fixed = Deployment(**{**{f: getattr(deps[k], f) for f in deps[k].__slots__}, "status": OK})
    _save(store, project, deps=[fixed])
    assert refresh_leads(store, project, rules).action == "rebuilt"
    deps[k] = fixed
    assert stored(store, project, rules) == reference(deps, commits, rules)
    # staging counts too under another rule: everything is attributed again
    wider = d.DeliveryRules(environments=("production", "staging"))
    assert refresh_leads(store, project, wider).action == "built"
    assert stored(store, project, wider) == reference(deps, commits, wider)
    assert stored(store, project, wider) != reference(deps, commits, rules)


def test_history_collected_after_the_deployments(store: Store) -> None:
    commits = history(3, 200)
    deps = deployments(3, commits, 20)
    rules = d.DeliveryRules()
    project = store.project("p", "/p")
    _save(store, project, commits[:50], deps)  # the rest of the history is not collected yet
    refresh_leads(store, project, rules)
    early = stored(store, project, rules)
    _save(store, project, commits[50:])
    assert refresh_leads(store, project, rules).action == "rebuilt"
    full = stored(store, project, rules)
    assert full == reference(deps, commits, rules) and full != early


def test_metrics_from_the_store_equal_metrics_from_records(store: Store) -> None:
    """Every delivery metric through the store's frames gives what the records in memory give."""
    commits = history(9, 500)
    deps = deployments(9, commits, 80)
    rng = random.Random(9)
    incidents = [
        Incident(
            source="pd",
            id=f"I{n}",
            title="down",
            started_at=dep.created_at + timedelta(minutes=20),
            resolved_at=dep.created_at + timedelta(minutes=20 + rng.randint(10, 500)),
            deployment=dep.id if rng.random() < 0.5 else None,
            auto_recovered=rng.random() < 0.3,
        )
        for n, dep in enumerate(deps)
        if rng.random() < 0.2
    ]
    rules = d.DeliveryRules()
    project = store.project("p", "/p")
    _save(store, project, commits, deps)
    run = store.start_run(project, "test", {})
    save_delivery(store, project, run, incidents)
    refresh_leads(store, project, rules)
    end = max(x.created_at for x in deps) + timedelta(days=1)
    window = Window(start=end - timedelta(days=20), end=end)
    frames = load_frames(store, project, window.start, rules)
    from_store = d.Delivery(deployments=frames.deployments, incidents=frames.incidents, leads=frames.leads)
    from_records = d.Delivery(deployments=deps, incidents=incidents, commits={c.sha: c for c in commits})
    for metric in (
        d.deployment_frequency,
        d.lead_time_for_changes,
        d.change_failure_rate,
        d.failed_deployment_recovery_time,
        d.deployment_rework_rate,
        d.deployment_success_rate,
        d.change_first_time_failure_rate,
        d.mttr,
        d.availability,
        d.incident_auto_recovery_share,
    ):
        ours, ref = metric(from_store, window), metric(from_records, window)
        assert ref.value is not None, metric.__name__
        assert ours.value == pytest.approx(ref.value), metric.__name__
        assert ours.sample_size == ref.sample_size and ours.evidence == ref.evidence, metric.__name__
    assert np.isfinite(d.lead_time_for_changes(from_store, window).value or np.nan)


def test_pipeline_runs_named_by_the_rule_are_deployments_too(store: Store) -> None:
    from devmaturity.model.delivery import PipelineRun

    commits = history(13, 200)
    deps = deployments(13, commits, 20)
    runs = [
        PipelineRun(
            source="gitlab:acme/shop",
            id=f"R{n}",
            pipeline="deploy-prod",
            status=OK,
            created_at=c.committer_time + timedelta(minutes=30),
            finished_at=c.committer_time + timedelta(minutes=40),
            commit=c.sha,
        )
        for n, c in enumerate(commits[5::17])
    ]
    rules = d.DeliveryRules(pipelines=("deploy-*",))
    project = store.project("p", "/p")
    _save(store, project, commits, deps)
    run = store.start_run(project, "test", {})
    save_delivery(store, project, run, runs)
    refresh_leads(store, project, rules)
    expected = reference_with_runs(deps, runs, commits, rules)
    assert stored(store, project, rules) == expected
    assert any(k.startswith("run:") and v for k, v in expected.items())


def reference_with_runs(
    deps: list[Deployment], runs: list, commits: list[Commit], rules: d.DeliveryRules
) -> dict[str, list[float]]:  # type: ignore[type-arg]
    ev = d.Delivery(deployments=deps, runs=runs, commits={c.sha: c for c in commits}, rules=rules)
    return _by_deployment(ev.attribution())


def test_an_interrupted_refresh_keeps_the_previous_attribution(store: Store) -> None:
    commits = history(17, 200)
    deps = deployments(17, commits, 30)
    rules = d.DeliveryRules()
    project = store.project("p", "/p")
    _save(store, project, commits, deps[:15])
    refresh_leads(store, project, rules)
    before = stored(store, project, rules)
    _save(store, project, deps=deps[15:])

    def stop(stage: str, count: int) -> None:
        if stage == "attributed":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        refresh_leads(store, project, rules, stop)
    assert stored(store, project, rules) == before  # nothing half-written
    assert refresh_leads(store, project, rules).action == "extended"  # and the next refresh does the work
    assert stored(store, project, rules) == reference(deps, commits, rules)


def test_concurrent_refreshes_do_the_work_once(store: Store) -> None:
    """Two refreshes at once (say an assess and a webhook): one builds, the other waits and finds it current."""
    from concurrent.futures import ThreadPoolExecutor

    commits = history(19, 600)
    deps = deployments(19, commits, 80)
    rules = d.DeliveryRules()
    project = store.project("p", "/p")
    _save(store, project, commits, deps)
    with ThreadPoolExecutor(max_workers=2) as pool:
        actions = sorted(
            f.result().action for f in [pool.submit(refresh_leads, store, project, rules) for _ in range(2)]
        )
    assert actions == ["built", "current"]
    assert stored(store, project, rules) == reference(deps, commits, rules)
