"""The assess use case: collect git and tree evidence into the store, compute metrics, run the engine, record it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devmaturity.assess.engine import Evidence, assess, needed_metrics
from devmaturity.collectors.git import GitRepository
from devmaturity.collectors.tree import TreeScope, collect_tree_facts
from devmaturity.config import Config
from devmaturity.errors import DevmaturityError
from devmaturity.frameworks.loader import load_framework
from devmaturity.frameworks.vocab import load_pipeline_vocabulary
from devmaturity.metrics.git import GitHistory, history_facts
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.assessment import Answer, Assessment
from devmaturity.model.evidence import Commit, Problem
from devmaturity.model.facts import Fact
from devmaturity.model.framework import Framework
from devmaturity.model.metric import MetricValue, Window
from devmaturity.reports.json import report_dict
from devmaturity.services.answers import load_answers
from devmaturity.services.catalog import select_parts
from devmaturity.services.delivery import delivery_inputs
from devmaturity.services.ingest import discover, ingest_files
from devmaturity.store.db import Store

HISTORY_HORIZON = timedelta(days=365)
MAX_TREE_FILE_BYTES = 1024 * 1024
Progress = Callable[[str, int], None]
"""Called with (stage, count) while collecting; the CLI turns it into a progress display."""


def _quiet(_stage: str, _count: int) -> None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectResult:
    project_id: int
    run_id: int
    new_commits: int
    total_commits: int
    facts: tuple[Fact, ...]
    trunk: str
    trunk_tip: str | None
    problems: tuple[Problem, ...] = ()
    reports: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessResult:
    assessment: Assessment
    framework: Framework
    collect: CollectResult
    run_id: int
    report: dict[str, object] = field(default_factory=dict)


def prepare(config: Config) -> tuple[Framework, dict[str, Answer]]:
    """Load the framework and answers first, so a bad model or answers file fails before any collecting."""
    framework = load_framework(config.framework)
    answers = load_answers(Path(config.answers), framework) if config.answers else {}
    return framework, answers


def collect_repository(store: Store, repo: GitRepository, config: Config, progress: Progress = _quiet) -> CollectResult:
    """Incrementally collect commits, refs and tree facts of one repository into the store, as one run."""
    name = config.project or repo.root.name
    project_id = store.project(name, str(repo.root))
    run_id = store.start_run(project_id, "collect", {"path": str(repo.root)})
    problems: list[Problem] = []
    try:
        known = repo.existing(store.known_tips(project_id))
        refs = repo.refs()
        new = store.save_git(project_id, run_id, _counting(repo.commits(exclude=known), progress), refs)
        trunk = repo.trunk(config.trunk)
        snapshot = repo.head() or "none"
        paths = repo.tracked_files()
        scope = TreeScope(exclude=config.tree.exclude, include=config.tree.include)
        facts, _pipelines, tree_problems = collect_tree_facts(
            paths, _reader(repo.root, problems), vocabulary=load_pipeline_vocabulary(), scope=scope
        )
        problems.extend(tree_problems)
        tracked = set(paths)
        progress("reports", 0)
        reports = _ingest_discovered(store, project_id, run_id, repo, config, tracked, problems)
        total = store.count_commits(project_id)
        facts.append(Fact(id="vcs.git", value=total > 0, detail=f"{total} commits in git", evidence=(str(repo.root),)))
        store.save_facts(project_id, run_id, snapshot, facts)
    except DevmaturityError as exc:
        store.finish_run(run_id, "failed", {"error": exc.one_line()}, problems)
        raise
    except BaseException:
        store.finish_run(run_id, "failed", {"error": "interrupted"}, problems)
        raise
    progress("commits", total)
    store.finish_run(run_id, "ok", {"new_commits": new, "total_commits": total, "facts": len(facts)}, problems)
    return CollectResult(
        project_id=project_id,
        run_id=run_id,
        new_commits=new,
        total_commits=total,
        facts=tuple(facts),
        trunk=trunk[0] if trunk else "",
        trunk_tip=trunk[1] if trunk else None,
        problems=tuple(problems),
        reports=tuple(reports),
    )


def _ingest_discovered(
    store: Store,
    project_id: int,
    run_id: int,
    repo: GitRepository,
    config: Config,
    tracked: set[str],
    problems: list[Problem],
) -> list[tuple[str, str]]:
    """Reports found under the working tree, stamped with HEAD: (kind, path) of each newly ingested one."""
    found: list[tuple[str, str]] = []
    head = repo.head()
    for kind, paths in discover(repo.root, config, tracked).items():
        result = ingest_files(
            store, project_id, run_id, kind, paths, config, commit=head, repo_root=repo.root, tracked=tracked
        )
        problems.extend(result.problems)
        found.extend((kind.value, path) for path, _ in result.ingested)
    return found


def _counting(commits: Iterator[Commit], progress: Progress) -> Iterator[Commit]:
    for count, commit in enumerate(commits, start=1):
        if count % 1000 == 0:
            progress("commits", count)
        yield commit


def _reader(root: Path, problems: list[Problem]) -> Callable[[str], str | None]:
    def read(rel: str) -> str | None:
        path = root / rel
        try:
            if path.is_symlink() or not path.is_file():
                return None
            if path.stat().st_size > MAX_TREE_FILE_BYTES:
                problems.append(Problem(source=rel, message=f"skipped: larger than {MAX_TREE_FILE_BYTES} bytes"))
                return None
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            problems.append(Problem(source=rel, message=f"cannot read: {exc.strerror}"))
            return None

    return read


def compute_metrics(
    framework: Framework, inputs: Inputs, window: Window, default_days: int
) -> dict[tuple[str, int], MetricValue]:
    out: dict[tuple[str, int], MetricValue] = {}
    for metric, days in sorted(needed_metrics(framework, default_days)):
        out[(metric, days)] = compute(metric, inputs, Window.last(days, now=window.end))
    return out


def run_assessment(
    path: Path,
    config: Config,
    *,
    store: Store | None = None,
    now: datetime | None = None,
    parts: list[str] | None = None,
    progress: Progress = _quiet,
) -> AssessResult:
    """Collect the repository at `path`, then assess it against the configured framework."""
    framework, answers = prepare(config)
    parts = [p.key for p in select_parts(framework, parts)] if parts else None
    repo = GitRepository(path)
    store = store or Store.open(config.database_url)
    collected = collect_repository(store, repo, config, progress)
    moment = now or datetime.now(UTC)
    window = Window.last(config.window, now=moment)
    run_id = store.start_run(collected.project_id, "assess", {"framework": framework.id, "window_days": config.window})
    try:
        earliest = moment - timedelta(days=max(config.window, *_windows(framework)))
        history, inputs = load_inputs(store, collected, config, earliest, progress)
        metrics = compute_metrics(framework, inputs, window, config.window)
        facts = {f.id: f for f in (*collected.facts, *history_facts(history, window))}
        evidence = Evidence(metrics=metrics, facts=facts, answers=answers, thresholds=config.thresholds)
        assessment = assess(
            framework,
            evidence,
            window=window,
            now=moment,
            parts=parts,
            policy=config.rollup,
            metrics=metrics.values(),
            project=config.project or repo.root.name,
        )
        report = report_dict(assessment, framework)
        store.save_assessment(
            run_id,
            collected.project_id,
            framework.id,
            framework.version,
            (window.start, window.end),
            {p.key: p.level for p in assessment.parts},
            report,
        )
    except BaseException as exc:
        message = exc.one_line() if isinstance(exc, DevmaturityError) else type(exc).__name__
        store.finish_run(run_id, "failed", {"error": message}, ())
        raise
    store.finish_run(run_id, "ok", {p.key: p.level for p in assessment.parts}, ())
    return AssessResult(assessment=assessment, framework=framework, collect=collected, run_id=run_id, report=report)


def load_inputs(
    store: Store, collected: CollectResult, config: Config, earliest: datetime, progress: Progress = _quiet
) -> tuple[GitHistory, Inputs]:
    """Everything the metrics may look at for windows starting at or after `earliest`, from the store (git and
    report history a year further back, for metrics that look behind their window)."""
    pid = collected.project_id
    horizon = earliest - HISTORY_HORIZON
    history = GitHistory.build(
        store.load_commits(pid, horizon),
        store.load_refs(pid),
        collected.trunk,
        collected.trunk_tip,
        config.release_tag_pattern,
    )
    inputs = Inputs(
        history=history,
        test_runs=store.load_test_runs(pid, horizon),
        coverage=store.load_coverage(pid, horizon),
        scans=store.load_scans(pid, horizon),
        manual_test_cases=config.manual_test_cases,
        delivery=delivery_inputs(store, pid, config, earliest, progress),
    )
    return history, inputs


def _windows(framework: Framework) -> list[int]:
    return [c.window_days for c in framework.criteria() if c.window_days] or [0]
