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
from typing import Any

from devmaturity.auth.policy import Actor, allowed
from devmaturity.auth.roles import Action
from devmaturity.errors import FormatUnavailable, NotFoundError
from devmaturity.model.projects import ProjectRecord
from devmaturity.model.text import Lang
from devmaturity.model.workbench import AssessmentRow
from devmaturity.services import assessments, page_cache, projects, report_jobs, reports, sources, workbench
from devmaturity.services.access import Gate
from devmaturity.services.derived import KEY_METRICS
from devmaturity.services.evidence_pack import export_evidence_pack
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


def ref_of(record: ProjectRecord, orgs: Mapping[int, Organisation]) -> ProjectRef:
    org = orgs.get(record.org_id)
    return ProjectRef(
        id=record.id,
        name=record.title or record.slug,
        org_slug=record.org_slug,
        org_name=org.name if org else record.org_slug,
        team=record.team,
    )


def readable_orgs(store: Store, actor: Actor) -> dict[int, Organisation]:
    return {org.id: org for org in projects.list_orgs(store, actor) if allowed(actor, Action.ASSESSMENT_READ, org.id)}


def project_ref(store: Store, actor: Actor, project_id: int) -> ProjectRef:
    record = projects.get_project(store, actor, project_id)  # NotFoundError outside the actor's organisations
    return ref_of(record, readable_orgs(store, actor))


def every_project(store: Store, actor: Actor) -> list[ProjectRecord]:
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
    cover every project the filters keep. Projects not assessed yet are listed too. The whole list is built once
    per change of what it shows (services/page_cache.py); filtering, sorting and paging are done per request."""
    whole = page_cache.cached(
        store,
        ("portfolio", FRAMEWORK, page_cache.viewer_kind(actor)),
        page_cache.stamp(store, actor),
        lambda: _whole_portfolio(store, actor),
    )
    entries = list(whole.entries)
    if query.org:
        entries = [e for e in entries if e.project.org_slug == query.org]
    if query.team:
        entries = [e for e in entries if e.project.team == query.team]
    if query.min_level is not None:
        entries = [e for e in entries if (e.lowest or 0) >= query.min_level]
    entries.sort(key=_sort_key(query.sort), reverse=query.descending)
    return Portfolio(
        entries=tuple(entries[query.offset : query.offset + query.limit]),
        total=len(entries),
        parts=whole.parts,
        subdomains=whole.subdomains,
        orgs=whole.orgs,
        teams=whole.teams,
        movement=_movement(entries),
    )


def _whole_portfolio(store: Store, actor: Actor) -> Portfolio:
    orgs = readable_orgs(store, actor)
    found = {e.project_id: e for e in assessments.portfolio(store, actor, framework=FRAMEWORK)}
    records = [r for r in every_project(store, actor) if r.org_id in orgs]
    entries = tuple(_entry(ref_of(r, orgs), found.get(r.id)) for r in records)
    parts, subdomains = _columns(found.values())
    return Portfolio(
        entries=entries,
        total=len(entries),
        parts=parts,
        subdomains=subdomains,
        orgs=tuple((o.slug, o.name) for o in sorted(orgs.values(), key=lambda o: o.name)),
        teams=tuple(sorted({e.project.team for e in entries if e.project.team})),
        movement={},
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


def assessment_label(row: AssessmentRow) -> str:
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


def latest_of(
    store: Store, actor: Actor, project_id: int, assessment_id: int | None = None
) -> tuple[ProjectRef, AssessmentRow | None]:
    """The project and its newest assessment (or the one asked for, which must be the project's)."""
    ref = project_ref(store, actor, project_id)
    if assessment_id is None:
        view = assessments.latest(store, actor, project_id=project_id)
        return ref, view.row if view else None
    row = assessments.assessment(store, actor, assessment_id=assessment_id).row
    if row.project_id != project_id:
        raise NotFoundError(f"assessment {assessment_id} not found", zh=f"未找到评估 {assessment_id}")
    return ref, row


def stored_report(store: Store, row: AssessmentRow) -> Mapping[str, Any]:
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
    stored series with the next level's thresholds, and the uploaded evidence files by name. The dashboard keeps
    the rendered page (web/dashboard/cache.py), not this, which holds the whole parsed report."""
    ref, row = latest_of(store, actor, project_id)
    if row is None:
        return ProjectPage(project=ref, assessment_id=None, report=None, frozen=False)
    gate = Gate(store, actor)
    report = stored_report(store, row)
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
    return [AssessmentInfo(id=r.id, label=assessment_label(r)) for r in rows]


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportDocument(Document):
    """The report as a download, with the digest it was rendered for (the response's ETag)."""

    digest: str


Pending = report_jobs.Pending


def _newest_id(store: Store, actor: Actor, project_id: int) -> str:
    _, row = latest_of(store, actor, project_id)
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    return str(row.id)


def report_document(
    store: Store, actor: Actor, project_id: int, fmt: str, lang: Lang, source: str
) -> ReportDocument | Pending:
    """The newest assessment's report as a document (PDF, or the printable HTML) when it is rendered already for
    the stored report; else the render run that prepares it (never rendered on the request)."""
    ref = _newest_id(store, actor, project_id)
    found = report_jobs.request_document(store, actor, ref, fmt, lang=lang, source=source)
    if isinstance(found, Pending):
        return found
    assert found.digest is not None  # a document format is cached, so it carries its digest
    return ReportDocument(name=found.filename, media_type=found.media_type, content=found.content, digest=found.digest)


def report_state(store: Store, actor: Actor, project_id: int, fmt: str, lang: Lang, source: str) -> str:
    """ready, queued, running, failed or missing: how the newest assessment's document goes (report_jobs)."""
    return report_jobs.document_state(store, actor, _newest_id(store, actor, project_id), fmt, lang=lang, source=source)


def evidence_pack(store: Store, actor: Actor, project_id: int, secret_key: str, lang: Lang) -> Document:
    """The newest assessment's evidence pack (zip, signed manifest)."""
    _, row = latest_of(store, actor, project_id)
    if row is None:
        raise NotFoundError(f"project {project_id} has no assessment yet", zh=f"项目 {project_id} 还没有评估")
    pack = export_evidence_pack(store, actor, str(row.id), secret_key=secret_key, lang=lang, pdf=_pdf_ready())
    return Document(name=pack.filename, media_type="application/zip", content=pack.content)


def evidence_file(store: Store, actor: Actor, file_id: int) -> Document:
    row, content = workbench.download(store, actor, file_id=file_id)
    return Document(name=row.name, media_type=row.media_type, content=content)


def shown_time(stamp: int | None) -> str | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
