"""The assess use case: collect git and tree evidence into the store, compute metrics, run the engine, record it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devmaturity.assess.engine import Evidence, assess, needed_metrics
from devmaturity.collectors.git import GitRepository
from devmaturity.collectors.tree import TreeScope, collect_tree_facts
from devmaturity.config import Config
from devmaturity.errors import ConfigError, UsageError
from devmaturity.frameworks.loader import load_framework
from devmaturity.frameworks.vocab import load_pipeline_vocabulary
from devmaturity.metrics.git import GitHistory, history_facts
from devmaturity.metrics.quality import quality_facts
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.assessment import Answer, Assessment
from devmaturity.model.evidence import Commit, Problem, ReportKind
from devmaturity.model.facts import Fact
from devmaturity.model.framework import Framework
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.text import Text
from devmaturity.reports.json import report_dict
from devmaturity.services.answers import load_answers
from devmaturity.services.catalog import select_parts
from devmaturity.services.collected import StoredProject
from devmaturity.services.delivery import delivery_inputs
from devmaturity.services.derived import record as record_derived
from devmaturity.services.derived import series_span
from devmaturity.services.ingest import discover, ingest_files
from devmaturity.services.runs import recorded_run
from devmaturity.services.workbench import assessment_input
from devmaturity.store.db import Store
from devmaturity.store.quality import load_quality

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
    tree: str | None = None  # the commit whose tree the facts were read from
    notices: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessResult:
    assessment: Assessment
    framework: Framework
    collect: CollectResult
    run_id: int
    report: dict[str, object] = field(default_factory=dict)
    notices: tuple[Text, ...] = ()
    assessment_id: int = 0  # the stored assessment (`devmaturity report ID`)


def prepare(config: Config) -> tuple[Framework, dict[str, Answer]]:
    """Load the framework and answers first, so a bad model, answers file or item id fails before any collecting."""
    framework = load_framework(config.framework)
    answers = load_answers(Path(config.answers), framework) if config.answers else {}
    known = {item.id for item in framework.items()}
    for item_id in config.not_applicable:
        if item_id not in known:
            raise ConfigError(
                f"[not_applicable]: {item_id!r} is not an item of {framework.id}",
                zh=f"[not_applicable]：{item_id!r} 不是 {framework.id} 的能力项",
            )
    return framework, answers


def collect_repository(
    store: Store,
    repo: GitRepository,
    config: Config,
    progress: Progress = _quiet,
    *,
    at: datetime | None = None,
    run_id: int | None = None,
) -> CollectResult:
    """Incrementally collect commits, refs and tree facts of one repository into the store, as one run. With `at`
    (an assessment of a past period) the tree facts come from the trunk as it was then, not from HEAD. A job passes
    the `run_id` it has claimed instead of starting a new run."""
    name = config.project or repo.root.name
    project_id = store.project(name, str(repo.root), identity=repo.identity())
    problems: list[Problem] = []
    notices: list[Text] = []
    with recorded_run(store, project_id, "collect", {"path": str(repo.root)}, run_id=run_id) as run:
        run.problems = problems  # the same list: a failure records the problems found before it
        run_id = run.run_id
        known = repo.existing(store.known_tips(project_id))
        refs = repo.refs()
        # the tree is read while `git log` streams the history into the store: git keeps one core busy and this
        # process mostly waits for it, so the tree facts and the report search cost a first run no time of its own
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="devmaturity-tree") as pool:
            reading = pool.submit(_read_tree, repo, config, at)
            new = store.save_git(project_id, run_id, _counting(repo.commits(exclude=known), progress), refs)
            tree_read = reading.result()
        trunk, tree, facts = tree_read.trunk, tree_read.tree, list(tree_read.facts)
        problems.extend(tree_read.problems)
        notices.extend(tree_read.notices)
        snapshot = tree or "none"
        progress("reports", 0)
        reports = _ingest_discovered(
            store, project_id, run_id, repo, tree_read.discovered, config, set(tree_read.tracked), problems
        )
        total = store.count_commits(project_id)
        facts.append(Fact(id="vcs.git", value=total > 0, detail=f"{total} commits in git", evidence=(str(repo.root),)))
        progress("commits", total)
        with store.unit_of_work() as uow:  # the tree's facts and the run's end together: never facts of a failed run
            if tree is not None:
                uow.store.save_facts(project_id, run_id, snapshot, facts)
            summary = {"new_commits": new, "total_commits": total, "facts": len(facts)}
            # the trunk as collecting chose it, for the commands that read the store without collecting
            trunk_named = {"trunk": trunk[0], "trunk_tip": trunk[1]} if trunk else {}
            run.succeed(uow, summary | trunk_named)
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
        tree=tree,
        notices=tuple(notices),
    )


# facts a source sync establishes (collectors' facts()), read back by every later assessment
SYNCED_FACTS = ("vcs.branch_protected", "vcs.reviews_required", "vcs.least_privilege")

SHALLOW = Text(
    zh="这是浅克隆：克隆深度之前的历史缺失，交付周期、分支存活时间等会被截短；请先执行 git fetch --unshallow",
    en="this is a shallow clone: history before the clone's depth is missing, so lead times and branch ages are cut "
    "short; run git fetch --unshallow first",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class _TreeRead:
    """What the tree tells, read beside the history: the trunk, the commit whose tree was read, its facts, and the
    report files found in the working tree."""

    trunk: tuple[str, str] | None
    tree: str | None
    facts: tuple[Fact, ...]
    tracked: frozenset[str]  # the files git tracks there
    discovered: Mapping[ReportKind, list[Path]]
    problems: tuple[Problem, ...]
    notices: tuple[Text, ...]


def _read_tree(repo: GitRepository, config: Config, at: datetime | None) -> _TreeRead:
    """Trunk, tree facts and report files: git reads and file reads only, never the store."""
    problems: list[Problem] = []
    notices: list[Text] = []
    trunk = repo.trunk(config.trunk)
    if repo.is_shallow():
        notices.append(SHALLOW)
    tree = _tree_at(repo, trunk, at, notices)
    facts: list[Fact] = []
    paths: list[str] = []
    if tree is not None:
        paths = repo.tracked_files(None if at is None else tree)
        read = _reader(repo.root, problems) if at is None else _blob_reader(repo, tree)
        scope = TreeScope(exclude=config.tree.exclude, include=config.tree.include)
        facts, _pipelines, tree_problems = collect_tree_facts(
            paths, read, vocabulary=load_pipeline_vocabulary(), scope=scope
        )
        problems.extend(tree_problems)
    return _TreeRead(
        trunk=trunk,
        tree=tree,
        facts=tuple(facts),
        tracked=frozenset(paths),
        discovered=discover(repo.root, config, set(paths)),
        problems=tuple(problems),
        notices=tuple(notices),
    )


def _tree_at(
    repo: GitRepository, trunk: tuple[str, str] | None, at: datetime | None, notices: list[Text]
) -> str | None:
    """The commit whose tree describes the project: HEAD now, or the trunk's last commit before `at`."""
    if at is None:
        return repo.head()
    if trunk is None:
        return None
    found = repo.commit_before(trunk[1], at)
    if found is None:
        notices.append(
            Text(
                zh=f"{trunk[0]} 在 {at:%Y-%m-%d} 之前没有提交：无法读取当时的流水线和配置，相关事实为未知",
                en=f"{trunk[0]} has no commit before {at:%Y-%m-%d}: the pipeline and configuration of that time "
                "cannot be read, so those facts are unknown",
            )
        )
    return found


def _blob_reader(repo: GitRepository, rev: str) -> Callable[[str], str | None]:
    def read(rel: str) -> str | None:
        return repo.read_blob(rev, rel, MAX_TREE_FILE_BYTES)

    return read


def _ingest_discovered(
    store: Store,
    project_id: int,
    run_id: int,
    repo: GitRepository,
    discovered: Mapping[ReportKind, list[Path]],
    config: Config,
    tracked: set[str],
    problems: list[Problem],
) -> list[tuple[str, str]]:
    """The reports found under the working tree, stamped with HEAD: (kind, path) of each newly ingested one."""
    found: list[tuple[str, str]] = []
    head = repo.head()
    for kind, paths in discovered.items():
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """What an assessment looks at: the rolling window up to now, the window up to a date (`--as-of`), or a fixed
    period (`--period A..B`, both days included, as a CAICT review assesses a fixed period)."""

    window: Window
    kind: str  # rolling | as_of | period

    @property
    def days(self) -> int:
        return max(1, round(self.window.days))

    @staticmethod
    def choose(config: Config, now: datetime, as_of: datetime | None = None, period: Window | None = None) -> Period:
        if as_of is not None and period is not None:
            raise UsageError("give --as-of or --period, not both", zh="--as-of 与 --period 只能给出一个")
        if period is not None:
            return Period(window=period, kind="period")
        if as_of is not None:
            return Period(window=Window.last(config.window, now=as_of), kind="as_of")
        return Period(window=Window.last(config.window, now=now), kind="rolling")

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "start": self.window.start.isoformat(),
            "end": self.window.end.isoformat(),
            "days": self.days,
        }


def run_assessment(
    path: Path,
    config: Config,
    *,
    store: Store | None = None,
    now: datetime | None = None,
    parts: list[str] | None = None,
    progress: Progress = _quiet,
    as_of: datetime | None = None,
    period: Window | None = None,
    run_id: int | None = None,
) -> AssessResult:
    """Collect the repository at `path`, then assess it against the configured framework, over the rolling window
    up to now, the window up to `as_of`, or a fixed `period`. A job passes the assess `run_id` it has claimed."""
    framework, answers = prepare(config)
    parts = [p.key for p in select_parts(framework, parts)] if parts else None
    chosen = Period.choose(config, now or datetime.now(UTC), as_of, period)
    repo = GitRepository(path)
    store = store or Store.open(config.database_url)
    past = chosen.window.end if chosen.kind != "rolling" else None
    collected = collect_repository(store, repo, config, progress, at=past)
    moment = chosen.window.end
    window = chosen.window
    days = chosen.days
    inputs_of = {"framework": framework.id, "window_days": days, "period": chosen.describe()}
    cycle = assessment_input(store, collected.project_id)  # the open cycle's answers win over the answers file
    with recorded_run(store, collected.project_id, "assess", inputs_of, run_id=run_id) as run:
        run_id = run.run_id
        earliest = moment - timedelta(days=max(days, *_windows(framework)))
        reach = moment - series_span(days)  # the stored series look further back, at reports and delivery only
        history, inputs = load_inputs(store, collected, config, earliest, progress, reach=reach)
        metrics = compute_metrics(framework, inputs, window, days)
        synced = store.latest_facts(collected.project_id, SYNCED_FACTS, moment)
        facts = {
            f.id: f
            for f in (
                *synced,
                *collected.facts,
                *history_facts(history, window),
                *quality_facts(inputs.quality, window),
            )
        }
        evidence = Evidence(
            metrics=metrics,
            facts=facts,
            answers={**answers, **cycle.answers},
            thresholds=config.thresholds,
            not_applicable={**config.not_applicable, **cycle.not_applicable},
        )
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
        notices = (*collected.notices, *absent_evidence(store.evidence_span(collected.project_id), window))
        report["period"] = chosen.describe()
        report["notices"] = [{"zh": n.zh, "en": n.en} for n in notices]
        levels = {p.key: p.level for p in assessment.parts}
        with store.unit_of_work() as uow:  # the assessment and its run's end are stored together or not at all
            assessment_id = uow.store.save_assessment(
                run_id,
                collected.project_id,
                framework.id,
                framework.version,
                (window.start, window.end),
                levels,
                report,
            )
            run.succeed(uow, levels)
    # derived data (summary, DORA cluster, series) is a cache of the stored assessment: written after it commits,
    # and rebuilt by the refresh job if this fails
    record_derived(
        store,
        assessment_id=assessment_id,
        project_id=collected.project_id,
        report=report,
        inputs=inputs,
        window=window,
        cycle_id=cycle.cycle_id,
    )
    return AssessResult(
        assessment=assessment,
        framework=framework,
        collect=collected,
        run_id=run_id,
        report=report,
        notices=tuple(notices),
        assessment_id=assessment_id,
    )


EVIDENCE_NAMES: dict[str, Text] = {
    "commits": Text(zh="提交", en="commits"),
    "junit": Text(zh="测试报告", en="test reports"),
    "coverage": Text(zh="覆盖率报告", en="coverage reports"),
    "sarif": Text(zh="安全扫描报告", en="security scans"),
    "pipeline_runs": Text(zh="流水线运行记录", en="pipeline runs"),
    "deployments": Text(zh="部署记录", en="deployments"),
    "incidents": Text(zh="故障记录", en="incidents"),
    "workitems": Text(zh="工作项", en="work items"),
    "performance": Text(zh="性能测试结果", en="performance test results"),
    "quality_analyses": Text(zh="SonarQube 分析", en="SonarQube analyses"),
    "drills": Text(zh="演练记录", en="drills"),
}


def absent_evidence(spans: Mapping[str, tuple[datetime, datetime] | None], window: Window) -> list[Text]:
    """One line for each kind of evidence that was collected but has nothing inside the window, with the date of
    its newest (or, for a window in the past, oldest) record: a window with no evidence decides nothing, and says
    why."""
    out: list[Text] = []
    for kind, span in spans.items():
        if span is None:
            continue
        oldest, newest = span
        name = EVIDENCE_NAMES.get(kind, Text.same(kind))
        label = window.label()
        if newest < window.start:
            out.append(
                Text(
                    zh=f"窗口 {label} 内没有{name.zh}；最新的一条在 {newest:%Y-%m-%d}",
                    en=f"no {name.en} in the window {label}; the newest is from {newest:%Y-%m-%d}",
                )
            )
        elif oldest >= window.end:
            out.append(
                Text(
                    zh=f"窗口 {label} 内没有{name.zh}；最早的一条在 {oldest:%Y-%m-%d}",
                    en=f"no {name.en} in the window {label}; the oldest is from {oldest:%Y-%m-%d}",
                )
            )
    return out


def load_inputs(
    store: Store,
    collected: CollectResult | StoredProject,
    config: Config,
    earliest: datetime,
    progress: Progress = _quiet,
    *,
    reach: datetime | None = None,
) -> tuple[GitHistory, Inputs]:
    """Everything the metrics may look at for windows starting at or after `earliest`, from the store (git and
    report history a year further back, for metrics that look behind their window). With `reach`, report and
    delivery evidence is loaded back to it too (for the stored series); git history is not."""
    pid = collected.project_id
    horizon = earliest - HISTORY_HORIZON
    reports_from = horizon if reach is None else min(horizon, reach)
    delivery_from = earliest if reach is None else min(earliest, reach)
    history = GitHistory.build(
        store.load_commits(pid, horizon),
        store.load_refs(pid),
        collected.trunk,
        collected.trunk_tip,
        config.release_tag_pattern,
        issue_key_pattern=config.issue_key_pattern,
    )
    inputs = Inputs(
        history=history,
        test_runs=store.load_test_runs(pid, reports_from),
        coverage=store.load_coverage(pid, reports_from),
        scans=store.load_scans(pid, horizon),
        manual_test_cases=config.manual_test_cases,
        delivery=delivery_inputs(store, pid, config, delivery_from, progress),
        quality=load_quality(store, pid, reports_from),
        performance=store.load_performance(pid, reports_from) or None,
    )
    return history, inputs


def _windows(framework: Framework) -> list[int]:
    return [c.window_days for c in framework.criteria() if c.window_days] or [0]
