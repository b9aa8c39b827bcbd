"""What the dashboard's pages read and do, composed from the project, assessment and workbench use cases.

Reads only stored data: assessments with their summary digest and report, the precomputed metric series, the
workbench's cycles and answers. Nothing here collects or computes a metric. Writes go through the workbench and
admin use cases, which check the policy and write the audit log.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import yaml

from devmaturity.auth.policy import Actor, allowed
from devmaturity.auth.roles import Action, Role
from devmaturity.errors import Conflict, FormatUnavailable, NotFoundError
from devmaturity.model.projects import ProjectRecord
from devmaturity.model.text import Lang, Text
from devmaturity.model.workbench import AssessmentRow, Cycle
from devmaturity.services import assessments, audit_log, members, project_runs, projects, reports, sources, workbench
from devmaturity.services.access import Gate
from devmaturity.services.derived import KEY_METRICS
from devmaturity.services.evidence_pack import export_evidence_pack
from devmaturity.services.jobs import QueuedJob
from devmaturity.store.db import Store
from devmaturity.store.repos import assessments as arepo
from devmaturity.store.repos import workbench as wb
from devmaturity.store.repos.accounts import Organisation

FRAMEWORK = "caict-devops"
DORA_NAMES = {1: "low", 2: "medium", 3: "high", 4: "elite"}
ALL = 1_000_000  # "every row" for list reads the pages page through themselves


# --- projects as pages show them ---


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRef:
    id: int
    name: str
    org_slug: str
    org_name: str
    team: str | None


def _ref(record: ProjectRecord, orgs: Mapping[int, Organisation]) -> ProjectRef:
    org = orgs.get(record.org_id)
    return ProjectRef(
        id=record.id,
        name=record.title or record.slug,
        org_slug=record.org_slug,
        org_name=org.name if org else record.org_slug,
        team=record.team,
    )


def _orgs(store: Store, actor: Actor) -> dict[int, Organisation]:
    return {org.id: org for org in projects.list_orgs(store, actor) if allowed(actor, Action.ASSESSMENT_READ, org.id)}


def _project(store: Store, actor: Actor, project_id: int) -> ProjectRef:
    record = projects.get_project(store, actor, project_id)  # NotFoundError outside the actor's organisations
    return _ref(record, _orgs(store, actor))


def _every(store: Store, actor: Actor) -> list[ProjectRecord]:
    found: list[ProjectRecord] = []
    cursor: str | None = None
    while True:
        page = projects.list_projects(store, actor, cursor=cursor, limit=projects.PAGE_MAX)
        found.extend(page.items)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


# --- portfolio ---


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioQuery:
    org: str | None = None
    team: str | None = None
    min_level: int | None = None
    sort: str = "name"
    descending: bool = False
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioEntry:
    project: ProjectRef
    assessed: str | None
    levels: Mapping[str, int]
    changes: Mapping[str, int] | None  # part key → level change since the previous assessment; None: first one
    subdomains: Mapping[str, int]
    dora: str
    dora_level: int | None

    @property
    def movement(self) -> int | None:
        """Part levels gained (positive) or lost since the previous assessment; None without one."""
        return None if self.changes is None else sum(self.changes.values())

    @property
    def lowest(self) -> int | None:
        return min(self.levels.values()) if self.levels else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Portfolio:
    entries: tuple[PortfolioEntry, ...]
    total: int
    parts: tuple[tuple[str, Mapping[str, str]], ...]
    subdomains: tuple[tuple[str, Mapping[str, str]], ...]
    orgs: tuple[tuple[str, str], ...]
    teams: tuple[str, ...]
    movement: Mapping[str, int]


def _entry(ref: ProjectRef, found: assessments.PortfolioEntry | None) -> PortfolioEntry:
    if found is None or found.assessment_id is None:
        return PortfolioEntry(
            project=ref, assessed=None, levels={}, changes=None, subdomains={}, dora="unknown", dora_level=None
        )
    level = (found.dora or {}).get("level")
    return PortfolioEntry(
        project=ref,
        assessed=(found.assessed_at or "")[:10] or None,
        levels=dict(found.parts),
        changes=dict(found.movement) if found.movement else None,
        subdomains=dict(found.subdomains),
        dora=DORA_NAMES.get(level, "unknown") if isinstance(level, int) else "unknown",
        dora_level=level if isinstance(level, int) else None,
    )


def _sort_key(sort: str) -> Any:
    if sort.startswith("part:"):
        key = sort[5:]
        return lambda e: (e.levels.get(key, -1), e.project.name)
    keys: dict[str, Any] = {
        "org": lambda e: (e.project.org_name, e.project.name),
        "team": lambda e: (e.project.team or "", e.project.name),
        "dora": lambda e: (e.dora_level or 0, e.project.name),
        "assessed": lambda e: (e.assessed or "", e.project.name),
    }
    return keys.get(sort, lambda e: e.project.name.lower())


def portfolio(store: Store, actor: Actor, query: PortfolioQuery) -> Portfolio:
    """Every project of the actor's organisations with its newest assessment's levels (the assessment read
    service's portfolio: stored digests, one query), filtered, sorted and cut to one page; the movement counts
    cover every project the filters keep. Projects not assessed yet are listed too."""
    orgs = _orgs(store, actor)
    found = {e.project_id: e for e in assessments.portfolio(store, actor, framework=FRAMEWORK)}
    records = [r for r in _every(store, actor) if r.org_id in orgs]
    entries = [_entry(_ref(r, orgs), found.get(r.id)) for r in records]
    teams = sorted({e.project.team for e in entries if e.project.team})
    if query.org:
        entries = [e for e in entries if e.project.org_slug == query.org]
    if query.team:
        entries = [e for e in entries if e.project.team == query.team]
    if query.min_level is not None:
        entries = [e for e in entries if (e.lowest or 0) >= query.min_level]
    entries.sort(key=_sort_key(query.sort), reverse=query.descending)
    parts, subdomains = _columns(found.values())
    return Portfolio(
        entries=tuple(entries[query.offset : query.offset + query.limit]),
        total=len(entries),
        parts=parts,
        subdomains=subdomains,
        orgs=tuple((o.slug, o.name) for o in sorted(orgs.values(), key=lambda o: o.name)),
        teams=tuple(teams),
        movement=_movement(entries),
    )


def _columns(
    entries: Any,
) -> tuple[tuple[tuple[str, Mapping[str, str]], ...], tuple[tuple[str, Mapping[str, str]], ...]]:
    """The parts (in model order, named by their key) and subdomains of the first assessed entry."""
    for entry in entries:
        if entry.columns:
            parts = tuple(dict.fromkeys(str(c["part"]) for c in entry.columns))
            return tuple((p, {"zh": p.upper(), "en": p.upper()}) for p in parts), tuple(
                (str(c["id"]), c["name"]) for c in entry.columns
            )
    return (), ()


def _movement(entries: Sequence[PortfolioEntry]) -> dict[str, int]:
    counts = {"up": 0, "down": 0, "same": 0, "first": 0}
    for entry in entries:
        if entry.changes is None:
            counts["first"] += 1 if entry.levels else 0
            continue
        for change in entry.changes.values():
            counts["up" if change > 0 else "down" if change < 0 else "same"] += 1
    return counts


# --- a project and its newest assessment ---


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    level: int
    op: str
    value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    metric: str
    name: Mapping[str, str]
    unit: str
    points: tuple[tuple[str, float | None], ...]
    threshold: Threshold | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentInfo:
    id: int
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectPage:
    project: ProjectRef
    assessment_id: int | None
    report: Mapping[str, Any] | None
    frozen: bool
    series: tuple[Series, ...] = ()
    uploads: Mapping[str, str] = field(default_factory=dict)
    web: Mapping[str, str] = field(default_factory=dict)  # "commit" / "file" → URL template ({sha}, {path})
    pdf_ready: bool = False
    pack_ready: bool = False


def _label(row: AssessmentRow) -> str:
    def day(stamp: int) -> str:
        return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")

    return f"{day(row.window_start)} – {day(row.window_end)} (#{row.id})"


def _threshold(entries: Sequence[Mapping[str, Any]]) -> Threshold | None:
    """The threshold to draw: the lowest next level any item needs the metric for (the nearest step up)."""
    if not entries:
        return None
    nearest = min(entries, key=lambda e: (int(e["level"]), e["criterion"]))
    return Threshold(level=int(nearest["level"]), op=str(nearest["op"]), value=float(nearest["value"]))


def _series(store: Store, actor: Actor, project_id: int, report: Mapping[str, Any]) -> tuple[Series, ...]:
    """The key metrics' stored series (at the newest assessment's window length) with the nearest threshold."""
    found = assessments.series(store, actor, project_id=project_id)
    names = {m["id"]: m.get("name") or {"zh": m["id"], "en": m["id"]} for m in report.get("metrics", [])}
    out = []
    for metric in KEY_METRICS:
        kept = found.get(metric)
        points = tuple(
            (datetime.fromtimestamp(p.window_end, UTC).strftime("%Y-%m-%d"), p.value)
            for p in (kept.points if kept else ())
        )
        out.append(
            Series(
                metric=metric,
                name=names.get(metric, {"zh": metric, "en": metric}),
                unit=kept.unit if kept else "",
                points=points,
                threshold=_threshold(kept.thresholds if kept else ()),
            )
        )
    return tuple(out)


def _latest(
    store: Store, actor: Actor, project_id: int, assessment_id: int | None = None
) -> tuple[ProjectRef, AssessmentRow | None]:
    """The project and its newest assessment (or the one asked for, which must be the project's)."""
    ref = _project(store, actor, project_id)
    if assessment_id is None:
        view = assessments.latest(store, actor, project_id=project_id)
        return ref, view.row if view else None
    row = assessments.assessment(store, actor, assessment_id=assessment_id).row
    if row.project_id != project_id:
        raise NotFoundError(f"assessment {assessment_id} not found", zh=f"未找到评估 {assessment_id}")
    return ref, row


def _report(store: Store, row: AssessmentRow) -> Mapping[str, Any]:
    """The stored JSON report of an assessment the caller has found through the assessment read services (so the
    actor may read it). A stored report never changes, so the last few parsed are kept: reading a 2 MB report
    again costs tens of milliseconds. Callers only read it."""
    return _parsed_report(store, row.id)


@functools.lru_cache(maxsize=16)
def _parsed_report(store: Store, assessment_id: int) -> Mapping[str, Any]:
    with store.transaction() as conn:
        return arepo.report(conn, assessment_id)


def project_page(store: Store, actor: Actor, project_id: int) -> ProjectPage:
    """The project with its newest assessment: the stored report, whether its cycle is frozen, the key metrics'
    stored series with the next level's thresholds, and the uploaded evidence files by name."""
    ref, row = _latest(store, actor, project_id)
    if row is None:
        return ProjectPage(project=ref, assessment_id=None, report=None, frozen=False)
    gate = Gate(store, actor)
    report = _report(store, row)
    series = _series(store, actor, project_id, report)
    with store.transaction() as conn:
        scope = gate.scope(conn)
        cycle = next(
            (c for c in wb.cycles_of(conn, row.project_id, scope) if c.assessment_id == row.id or c.id == row.cycle_id),
            None,
        )
        files = wb.files_of(conn, [cycle.id], scope) if cycle else []
    return ProjectPage(
        project=ref,
        assessment_id=row.id,
        report=report,
        frozen=bool(cycle and cycle.frozen),
        series=series,
        uploads={f.name: f"/evidence-files/{f.id}" for f in files},
        web=_web_links(sources.list_sources(store, actor, project_id)),
        pdf_ready=_pdf_ready(),
        pack_ready=True,
    )


def _web_links(sources: Sequence[Any]) -> dict[str, str]:
    """Where the project's commits and files can be opened: the web pages of its GitHub, GitLab or Gitee
    repository (from the source's settings; only http(s) URLs), as templates with {sha} and {path}."""
    for found in sources:
        kind, settings = str(found.kind.value), found.settings
        if kind == "github":
            api = str(settings.get("base_url") or "https://api.github.com").rstrip("/")
            web = "https://github.com" if "api.github.com" in api else api.removesuffix("/api/v3")
            repo = str(settings.get("repo", ""))
            commit, path = f"{web}/{repo}/commit/{{sha}}", f"{web}/{repo}/blob/HEAD/{{path}}"
        elif kind == "gitlab":
            web = str(settings.get("base_url") or "https://gitlab.com").rstrip("/")
            repo = str(settings.get("project", ""))
            commit, path = f"{web}/{repo}/-/commit/{{sha}}", f"{web}/{repo}/-/blob/HEAD/{{path}}"
        elif kind == "gitee":
            web = str(settings.get("base_url") or "https://gitee.com").rstrip("/").removesuffix("/api/v5")
            repo = str(settings.get("repo", ""))
            commit, path = f"{web}/{repo}/commit/{{sha}}", f"{web}/{repo}/blob/HEAD/{{path}}"
        else:
            continue
        if repo and web.startswith(("https://", "http://")):
            return {"commit": commit, "file": path}
    return {}


def assessments_of(store: Store, actor: Actor, project_id: int) -> list[AssessmentInfo]:
    rows = assessments.of_project(store, actor, project_id=project_id, limit=50)
    return [AssessmentInfo(id=r.id, label=_label(r)) for r in rows]


# --- downloads ---


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    name: str
    media_type: str
    content: bytes = field(repr=False)


@functools.cache
def _pdf_ready() -> bool:
    """Whether the PDF renderer (the `pdf` extra, WeasyPrint) is installed; else the page offers the HTML report."""
    try:
        reports.document_format("pdf")
    except FormatUnavailable:
        return False
    return True


def report_document(store: Store, actor: Actor, project_id: int, fmt: str, lang: Lang, source: str) -> Document:
    """The newest assessment's report as a document (PDF, or the printable HTML), rendered from the stored report."""
    _, row = _latest(store, actor, project_id)
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    rendered = reports.render_stored(store, actor, str(row.id), fmt, lang=lang)
    return Document(name=rendered.filename, media_type=rendered.media_type, content=rendered.content)


def evidence_pack(store: Store, actor: Actor, project_id: int, secret_key: str, lang: Lang) -> Document:
    """The newest assessment's evidence pack (zip, signed manifest)."""
    _, row = _latest(store, actor, project_id)
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    pack = export_evidence_pack(store, actor, str(row.id), secret_key=secret_key, lang=lang, pdf=_pdf_ready())
    return Document(name=pack.filename, media_type="application/zip", content=pack.content)


def evidence_file(store: Store, actor: Actor, file_id: int) -> Document:
    row, content = workbench.download(store, actor, file_id=file_id)
    return Document(name=row.name, media_type=row.media_type, content=content)


# --- the workbench ---


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    criterion: str
    part: str
    item: str
    item_name: Mapping[str, str]
    level: int
    text: Mapping[str, str]
    hint: Mapping[str, str] | None
    next_level: bool  # at or below the item's next level: what stands between the item and its next level


@dataclass(frozen=True, slots=True, kw_only=True)
class FileView:
    id: int
    name: str
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerView:
    value: str | None
    note: str
    links: tuple[str, ...]
    by: str
    at: str
    reviewed_by: str | None
    reviewed_at: str | None
    files: tuple[FileView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Workbench:
    project: ProjectRef
    assessment_id: int | None
    cycle_id: int | None
    frozen: bool
    frozen_at: str | None
    frozen_by: str | None
    parts: tuple[tuple[str, Mapping[str, str]], ...]
    questions: tuple[Question, ...]
    answers: Mapping[str, AnswerView]
    can_write: bool
    can_review: bool
    can_freeze: bool
    can_assess: bool


def _when(stamp: int | None) -> str | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _questions(report: Mapping[str, Any]) -> list[Question]:
    """What an assessor answers: every question criterion, and every criterion no tool could decide (unknown)."""
    found = []
    for part in report.get("parts", []):
        for sub in part["subdomains"]:
            for item in sub["items"]:
                for level in item["levels"]:
                    for c in level["criteria"]:
                        if c["kind"] == "answer" or c["status"] == "unknown" or c.get("decided_by") == "assessor":
                            found.append(
                                Question(
                                    criterion=c["id"],
                                    part=part["key"],
                                    item=item["id"],
                                    item_name=item["name"],
                                    level=int(level["number"]),
                                    text=c["text"],
                                    hint=c.get("evidence_hint"),
                                    next_level=int(level["number"]) <= int(item["level"]) + 1,
                                )
                            )
    return found


def _cycle_for(store: Store, actor: Actor, project_id: int, row: AssessmentRow | None) -> Cycle | None:
    """The cycle the workbench shows: the open one, else the one the newest assessment is pinned to."""
    cycles = workbench.cycles(store, actor, project_id=project_id)
    opened = next((c for c in cycles if not c.frozen), None)
    if opened is not None:
        return opened
    if row is None:
        return None
    return next((c for c in cycles if c.assessment_id == row.id or c.id == row.cycle_id), None)


def workbench_view(store: Store, actor: Actor, project_id: int) -> Workbench:
    ref, row = _latest(store, actor, project_id)
    report: Mapping[str, Any] = _report(store, row) if row is not None else {}
    cycle = _cycle_for(store, actor, project_id, row)
    answers: dict[str, AnswerView] = {}
    if cycle is not None:
        current = workbench.answers(store, actor, cycle_id=cycle.id)
        for view in current.answers:
            a = view.answer
            answers[a.subject] = AnswerView(
                value=a.value,
                note=a.note,
                links=a.links,
                by=a.answered_by,
                at=_when(a.answered_at) or "",
                reviewed_by=a.reviewed_by,
                reviewed_at=_when(a.reviewed_at),
                files=tuple(FileView(id=f.id, name=f.name, size=f.size) for f in view.files),
            )
    org_id = projects.get_project(store, actor, project_id).org_id
    frozen = bool(cycle and cycle.frozen)
    return Workbench(
        project=ref,
        assessment_id=row.id if row else None,
        cycle_id=cycle.id if cycle else None,
        frozen=frozen,
        frozen_at=_when(cycle.frozen_at) if cycle else None,
        frozen_by=cycle.frozen_by if cycle else None,
        parts=tuple((p["key"], p["name"]) for p in report.get("parts", [])),
        questions=tuple(_questions(report)),
        answers=answers,
        can_write=allowed(actor, Action.ANSWER_WRITE, org_id),
        can_review=allowed(actor, Action.ANSWER_REVIEW, org_id),
        can_freeze=allowed(actor, Action.ASSESSMENT_FREEZE, org_id) and row is not None,
        can_assess=allowed(actor, Action.RUN_START, org_id),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    name: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerInput:
    criterion: str
    value: str
    note: str
    links: tuple[str, ...]
    upload: Upload | None


def _writable_cycle(store: Store, actor: Actor, project_id: int, source: str) -> int:
    """The cycle an answer goes to: the open one, or a new one for the newest assessment's period (a frozen
    cycle is never reopened: its edits are refused by the workbench use cases)."""
    ref, row = _latest(store, actor, project_id)
    cycle = _cycle_for(store, actor, project_id, row)
    if cycle is not None:
        return cycle.id
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    opened = workbench.open_cycle(
        store,
        actor,
        project_id=ref.id,
        start=datetime.fromtimestamp(row.window_start, UTC),
        end=datetime.fromtimestamp(row.window_end, UTC),
        source=source,
    )
    return opened.id


def answer(store: Store, actor: Actor, project_id: int, given: AnswerInput, source: str, max_bytes: int) -> None:
    """Record an answer (and its uploaded file first, so a yes/no answer has its evidence)."""
    cycle_id = _writable_cycle(store, actor, project_id, source)
    links = given.links
    if given.upload is not None:
        stored = workbench.upload(
            store,
            actor,
            cycle_id=cycle_id,
            subject=given.criterion,
            name=given.upload.name,
            data=given.upload.content,
            max_bytes=max_bytes,
            source=source,
        )
        del stored
    workbench.put_answer(
        store,
        actor,
        cycle_id=cycle_id,
        subject=given.criterion,
        value=workbench.Value(given.value),
        note=given.note,
        links=links,
        source=source,
    )


def review(store: Store, actor: Actor, project_id: int, criterion: str, source: str) -> None:
    cycle_id = _writable_cycle(store, actor, project_id, source)
    workbench.review(store, actor, cycle_id=cycle_id, subject=criterion, source=source)


def freeze(store: Store, actor: Actor, project_id: int, source: str) -> None:
    """Freeze the newest assessment with its cycle. Answers given in an open cycle the newest assessment did not
    read are refused (Conflict): freezing would pin an assessment that ignores them."""
    _, row = _latest(store, actor, project_id)
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    opened = next((c for c in workbench.cycles(store, actor, project_id=project_id) if not c.frozen), None)
    if opened is not None and row.cycle_id != opened.id:
        raise Conflict(
            f"the answers of cycle {opened.id} are newer than assessment {row.id}: assess again, then freeze",
            zh=f"评估周期 {opened.id} 的答案晚于评估 {row.id}：请重新评估后再冻结",
        )
    workbench.freeze(store, actor, assessment_id=row.id, source=source)


# --- compare ---


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareQuery:
    left: int | None = None
    right: int | None = None
    left_assessment: int | None = None
    right_assessment: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareSide:
    project: ProjectRef
    chosen: int | None
    assessments: tuple[AssessmentInfo, ...]
    report: Mapping[str, Any] | None
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricPair:
    metric: str
    name: Mapping[str, str]
    unit: str
    left: float | None
    right: float | None

    @property
    def change(self) -> float | None:
        if self.left is None or self.right is None or self.left == 0:
            return None
        return (self.right - self.left) / abs(self.left)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRow:
    firm: str
    project: str | None
    metric: str
    metric_name: Mapping[str, str]
    before: str | None
    after: str | None
    unit: str | None
    yours: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DoraRow:
    metric: str
    name: Mapping[str, str]
    cells: tuple[Mapping[str, str], ...]
    unit: str
    yours: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DoraTable:
    year: str
    clusters: tuple[str, ...]
    rows: tuple[DoraRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    projects: tuple[ProjectRef, ...]
    left: CompareSide | None
    right: CompareSide | None
    metrics: tuple[MetricPair, ...]
    sentence: str
    cases: tuple[CaseRow, ...]
    cases_source: str
    dora: DoraTable


def _side(store: Store, actor: Actor, project_id: int, assessment_id: int | None) -> CompareSide:
    ref, row = _latest(store, actor, project_id, assessment_id)
    report = _report(store, row) if row is not None else None
    label = f"{ref.name} {_label(row)}" if row else ref.name
    return CompareSide(
        project=ref,
        chosen=assessment_id,
        assessments=tuple(assessments_of(store, actor, project_id)),
        report=report,
        label=label,
    )


def _values(report: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if not report:
        return {}
    days = report.get("window", {}).get("days")
    found: dict[str, Mapping[str, Any]] = {}
    for m in report.get("metrics", []):
        if m["id"] not in found or m["window"]["days"] == days:
            found[m["id"]] = m
    return found


def compare(store: Store, actor: Actor, ask: CompareQuery, lang: Lang) -> Comparison:
    """Two assessments side by side (two projects, or two periods of one), the case-study sentence over the key
    metrics, the project's figures beside the published securities cases, and the DORA cluster bands."""
    refs = tuple(sorted((_ref(r, _orgs(store, actor)) for r in _every(store, actor)), key=lambda p: p.name))
    left_id = ask.left or (refs[0].id if refs else None)
    right_id = ask.right or left_id
    left = _side(store, actor, left_id, ask.left_assessment) if left_id is not None else None
    right_assessment = ask.right_assessment
    if right_id == left_id and right_assessment is None and ask.left_assessment is None and left is not None:
        # one project, nothing chosen: its previous assessment against its newest (two periods)
        older = left.assessments[1].id if len(left.assessments) > 1 else None
        left = _side(store, actor, left.project.id, older) if older else left
    right = _side(store, actor, right_id, right_assessment) if right_id is not None else None
    before, after = _values(left.report if left else None), _values(right.report if right else None)
    pairs = tuple(
        MetricPair(
            metric=m,
            name=(after.get(m) or before.get(m) or {}).get("name") or {"zh": m, "en": m},
            unit=str((after.get(m) or before.get(m) or {}).get("unit", "")),
            left=(before.get(m) or {}).get("value"),
            right=(after.get(m) or {}).get("value"),
        )
        for m in KEY_METRICS
    )
    return Comparison(
        projects=refs,
        left=left,
        right=right,
        metrics=pairs,
        sentence=case_sentence(pairs, lang),
        cases=tuple(_cases(after)),
        cases_source=str(case_studies().get("source", "")),
        dora=dora_table(after),
    )


def _shown(value: float, unit: str, lang: Lang) -> str:
    if unit == "ratio":
        return f"{value * 100:.0f} %"
    units = {"days": ("天", "days"), "hours": ("小时", "hours"), "minutes": ("分钟", "minutes")}
    zh, en = units.get(unit, (unit, unit))
    return f"{value:.2g} {zh if lang == 'zh' else en}".strip()


def case_sentence(pairs: Sequence[MetricPair], lang: Lang) -> str:
    """'unit-test line coverage 30 % → 75 %; requirement delivery cycle 19 days → 5.7 days, −70 %': each key
    metric known on both sides, ratios as percentages, others with the relative change."""
    parts = []
    for p in pairs:
        if p.left is None or p.right is None:
            continue
        name = p.name.get(lang) or p.metric
        text = f"{name} {_shown(p.left, p.unit, lang)} → {_shown(p.right, p.unit, lang)}"
        if p.unit != "ratio" and p.change is not None:
            text += f", {p.change * 100:+.0f} %".replace("-", "−")
        parts.append(text)
    return ("；" if lang == "zh" else "; ").join(parts)


# --- reference data: the published securities cases and the DORA clusters ---

CASE_METRICS: Mapping[str, tuple[str, str]] = {
    # the case file's figure → (devmaturity metric id, its unit as the case states it)
    "unit_test_coverage": ("unit_test_line_coverage", "ratio"),
    "automated_test_ratio": ("automated_test_ratio", "ratio"),
    "automation_success_rate": ("automation_success_rate", "ratio"),
    "pipeline_duration_minutes": ("pipeline_duration_p50", "minutes"),
    "delivery_cycle_days": ("requirement_delivery_cycle", "days"),
    "production_defect_escape_rate": ("production_defect_escape_rate", "ratio"),
}
CASE_NAMES: Mapping[str, Text] = {
    "unit_test_coverage": Text(zh="单元测试覆盖率", en="Unit-test coverage"),
    "automated_test_ratio": Text(zh="自动化测试占比", en="Automated-test ratio"),
    "automation_success_rate": Text(zh="自动化执行成功率", en="Automation success rate"),
    "pipeline_duration_minutes": Text(zh="流水线时长（分钟）", en="Pipeline duration (minutes)"),
    "delivery_cycle_days": Text(zh="需求交付周期（天）", en="Delivery cycle (days)"),
    "automated_test_coverage": Text(zh="自动化测试覆盖率", en="Automated-test coverage"),
    "continuous_delivery_cadence": Text(zh="持续交付节奏", en="Continuous delivery cadence"),
    "release_frequency": Text(zh="发布频率", en="Release frequency"),
    "production_defect_escape_rate": Text(zh="生产缺陷逃逸率", en="Production defect escape rate"),
}


@functools.cache
def case_studies() -> Mapping[str, Any]:
    """The published results of CAICT assessments in Chinese securities firms (bundled reference data)."""
    text = resources.files("devmaturity.frameworks").joinpath("reference/case-studies.yaml").read_text("utf-8")
    loaded: Mapping[str, Any] = yaml.safe_load(text)
    return loaded


def _figure(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value <= 1:
        return f"{value * 100:.0f} %"
    return str(value)


def _cases(yours: Mapping[str, Mapping[str, Any]]) -> list[CaseRow]:
    rows = []
    for firm in case_studies().get("firms", []):
        groups = [(None, firm.get("metrics") or {})]
        groups += [(p.get("name"), p.get("metrics") or {}) for p in firm.get("projects", [])]
        for project_name, metrics in groups:
            for key, figures in metrics.items():
                metric, unit = CASE_METRICS.get(key, ("", ""))
                mine = yours.get(metric, {}).get("value") if metric else None
                name = CASE_NAMES.get(key, Text.same(key))
                rows.append(
                    CaseRow(
                        firm=str(firm["firm"]),
                        project=project_name,
                        metric=key,
                        metric_name={"zh": name.zh, "en": name.en},
                        before=_figure(figures.get("before")),
                        after=_figure(figures.get("after")),
                        unit=unit or None,
                        yours=mine,
                    )
                )
    return rows


DORA_METRICS = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "failed_deployment_recovery_time",
)


def dora_table(yours: Mapping[str, Mapping[str, Any]]) -> DoraTable:
    """The newest DORA report year's cluster bands (the `dora` model's level texts), one row per key metric."""
    from devmaturity.frameworks.loader import load_framework

    framework = load_framework("dora")
    part = framework.parts[0]
    rows = []
    for item in part.items():
        metrics = {c.metric for c in item.criteria() if c.metric}
        metric = next((m for m in DORA_METRICS if m in metrics), None)
        if metric is None:
            continue
        cells = tuple(
            {"zh": level.text.zh, "en": level.text.en} for level in sorted(item.levels, key=lambda lv: -lv.number)
        )
        unit = str(yours.get(metric, {}).get("unit", ""))
        rows.append(
            DoraRow(
                metric=metric,
                name={"zh": item.name.zh, "en": item.name.en},
                cells=cells,
                unit=unit,
                yours=yours.get(metric, {}).get("value"),
            )
        )
    return DoraTable(year=part.key, clusters=("elite", "high", "medium", "low"), rows=tuple(rows))


# --- administration ---


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminRow:
    cells: tuple[tuple[str, str | None], ...]
    run_id: int | None = None
    test_href: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminTable:
    rows: tuple[AdminRow, ...]
    org: str | None
    orgs: tuple[tuple[str, str], ...]
    can_manage: bool
    export_href: str | None = None


def _day(stamp: int | None) -> str:
    return "" if stamp is None else datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M")


def admin_table(store: Store, actor: Actor, tab: str, org_slug: str | None, lang: Lang, source: str) -> AdminTable:
    """One administration tab's rows, as far as the actor may see them."""
    orgs = projects.list_orgs(store, actor)
    chosen = next((o for o in orgs if o.slug == org_slug), orgs[0] if orgs else None)
    choices = tuple((o.slug, o.name) for o in orgs)
    manage = chosen is not None and allowed(actor, Action.USER_MANAGE, chosen.id)
    rows: list[AdminRow] = []
    if tab == "orgs":
        rows = [AdminRow(cells=((o.slug, None), (o.name, None), (_role(actor, o.id, lang), None))) for o in orgs]
    elif tab == "projects":
        by_id = {o.id: o for o in orgs}
        for r in _every(store, actor):
            name = by_id[r.org_id].name if r.org_id in by_id else r.org_slug
            rows.append(
                AdminRow(
                    cells=(
                        (r.title or r.slug, f"/projects/{r.id}"),
                        (name, None),
                        (r.team or "", None),
                        (_day(r.created_at), None),
                    )
                )
            )
    elif tab == "sources":
        for r in _every(store, actor):
            for s in sources.list_sources(store, actor, r.id):
                secret = ("✔" if s.has_secret else "—", None)
                test = (
                    f"/admin/projects/{r.id}/sources/{s.id}/test"
                    if allowed(actor, Action.SOURCE_MANAGE, s.org_id)
                    else None
                )
                rows.append(
                    AdminRow(
                        cells=((r.title or r.slug, None), (s.name, None), (s.kind.value, None), secret), test_href=test
                    )
                )
    elif tab == "users" and chosen is not None:
        rows = [
            AdminRow(cells=((name, None), (_role_name(role, lang), None), (chosen.name, None)))
            for name, role in _members(store, actor, chosen, source)
        ]
    elif tab == "runs":
        rows = _runs(store, actor)
    elif tab == "audit" and chosen is not None:
        rows = _audit(store, actor, chosen, source)
    return AdminTable(
        rows=tuple(rows),
        org=chosen.slug if chosen else None,
        orgs=choices,
        can_manage=manage,
        export_href=None,
    )


def _role(actor: Actor, org_id: int, lang: Lang) -> str:
    role = actor.roles.get(org_id)
    return _role_name(role, lang) if role else ""


def _role_name(role: Role, lang: Lang) -> str:
    from devmaturity.auth.roles import ROLE_NAMES

    return ROLE_NAMES[role].get(lang)


def _members(store: Store, actor: Actor, org: Organisation, source: str) -> list[tuple[str, Role]]:
    return [
        (m.name, m.role)
        for m in members.list_members(store, actor, org_slug=org.slug, after=None, limit=200, source=source)
    ]


def _runs(store: Store, actor: Actor) -> list[AdminRow]:
    rows = []
    for r in _every(store, actor):
        if not allowed(actor, Action.RUN_READ, r.org_id):
            continue
        for run in project_runs.list_runs(store, actor, r.id, limit=20).items:
            progress = f"{run.stage} {run.done or 0}" if run.stage else ""
            rows.append(
                AdminRow(
                    cells=(
                        (r.title or r.slug, f"/projects/{r.id}"),
                        (run.kind, None),
                        (run.status, None),
                        (progress, None),
                        (_day(run.started_at), None),
                        (_day(run.finished_at), None),
                    ),
                    run_id=run.id,
                )
            )
    return sorted(rows, key=lambda row: -(row.run_id or 0))[:100]


def _audit(store: Store, actor: Actor, org: Organisation, source: str) -> list[AdminRow]:
    found = audit_log.entries(
        store, actor, org_slug=org.slug, where=audit_log.AuditFilter(), before_seq=None, limit=100, source=source
    )
    return [
        AdminRow(
            cells=(
                (_day(e.at), None),
                (e.actor_name, None),
                (e.kind, None),
                (f"{e.target_type} {e.target_name}", None),
                (e.result, None),
                (e.source, None),
            )
        )
        for e in found
    ]


def create_user(store: Store, actor: Actor, org: str, name: str, password: str, role: Role, source: str) -> None:
    members.add_user(store, actor, org_slug=org, name=name, password=password, role=role, source=source)


def test_source(store: Store, actor: Actor, project_id: int, source_id: int, source: str) -> bool:
    """Try the source's connection (recorded in the audit log); whether it answered."""
    return sources.try_source(store, actor, project_id, source_id, source=source).ok


def queue_assessment(store: Store, actor: Actor, project_id: int, source: str) -> tuple[int, QueuedJob]:
    """Queue an assessment run of the project (a collection first), for the caller to hand to the job runner."""
    queued = project_runs.queue_run(store, actor, project_id, "assess", source=source)
    return queued.run.id, queued.job


def database_url(store: Store) -> str:
    return project_runs.database_url_of(store)
