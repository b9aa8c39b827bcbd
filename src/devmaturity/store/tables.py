"""SQLAlchemy table definitions of the store; evidence tables are keyed by natural keys."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.engine import Connection

from devmaturity.model.delivery import Deployment, Incident, PipelineRun, WorkItem
from devmaturity.model.limits import COMMIT, ID, chars

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True, comment="project name, unique in the store"),
    Column("root", Text, nullable=False, comment="path of the repository the project was first read from"),
    Column(
        "identity",
        Text,
        nullable=True,
        comment="normalised origin URL or root:<sha> of the repository the history comes from",
    ),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    Column(
        "org_id",
        Integer,
        ForeignKey("organisations.id"),
        nullable=True,
        comment="the owning organisation; CLI projects belong to `local` (set for every row since 0017)",
    ),
    Column("slug", String(200), nullable=True, comment="short name, unique in its organisation (set since 0017)"),
    Column("title", Text, nullable=True, comment="display name; the slug when unset"),
    Column("team", String(100), nullable=True, comment="optional team label, a filter of project lists"),
    Column("settings", Text, nullable=True, comment="JSON project settings of a service project (no secrets)"),
    Column("updated_at", BigInteger, nullable=True, comment="unix seconds of the last change of its settings"),
    comment="A project whose delivery capability is assessed; `name` is its key in the store: the slug for the "
    "local organisation's projects (the CLI's), <org slug>/<slug> for the others",
)
Index("uq_projects_org_slug", projects.c.org_id, projects.c.slug, unique=True)
Index("ix_projects_org_team", projects.c.org_id, projects.c.team)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False, comment="collect | assess"),
    Column("status", String(20), nullable=False, comment="queued | running | ok | failed | interrupted"),
    Column("started_at", BigInteger, nullable=False, comment="unix seconds"),
    Column("finished_at", BigInteger, comment="unix seconds; null while running; for interrupted: last seen"),
    Column("inputs", Text, nullable=False, comment="JSON: what the run was asked to do"),
    Column("summary", Text, comment="JSON: counts and outcome"),
    Column("problems", Text, comment="JSON list of {source, message}"),
    Column("host", String(255), comment="host name of the process running it"),
    Column("pid", Integer, comment="process id on that host"),
    Column("proc_start", BigInteger, comment="the process's start time (clock ticks after boot), against pid reuse"),
    Column("heartbeat_at", BigInteger, comment="unix seconds the process last said it is alive"),
    Column("stage", String(30), comment="what the run is doing now"),
    Column("done", BigInteger, comment="items of `stage` done so far"),
    Column("attempts", Integer, nullable=False, server_default="0", comment="how many times a worker claimed the run"),
    comment="Every collection and assessment is a recorded run",
)

commits = Table(
    "commits",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("sha", String(64), primary_key=True, comment="natural key with project_id"),
    Column("parents", Text, nullable=False, comment="space-separated parent shas"),
    Column("author_name", Text, nullable=False),
    Column("author_email", Text, nullable=False),
    Column("author_time", BigInteger, nullable=False, comment="unix seconds"),
    Column("author_tz", Integer, nullable=False, comment="author's UTC offset in minutes"),
    Column("committer_name", Text, nullable=False),
    Column("committer_email", Text, nullable=False),
    Column("committer_time", BigInteger, nullable=False, comment="unix seconds"),
    Column("committer_tz", Integer, nullable=False, comment="committer's UTC offset in minutes"),
    Column("subject", Text, nullable=False),
    Column("files", Text, nullable=False, comment="newline-separated paths changed (empty for merges)"),
    Column("insertions", Integer, nullable=False),
    Column("deletions", Integer, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, comment="run that first stored it"),
    comment="Git commits; append-only",
)
Index("ix_commits_time", commits.c.project_id, commits.c.committer_time)

refs = Table(
    "refs",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(10), primary_key=True, comment="branch | tag"),
    Column("name", String(400), primary_key=True),
    Column("target", String(64), nullable=False, comment="commit sha the ref points to"),
    Column("time", BigInteger, comment="tagger date of annotated tags, else the target commit's date"),
    Column("tz", Integer, comment="UTC offset in minutes of `time`"),
    Column("annotated", Boolean, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, comment="run that last saw it"),
    comment="Branches and tags as last collected; their targets are the cursor of incremental collection",
)

facts = Table(
    "facts",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("snapshot", String(64), primary_key=True, comment="commit sha of the tree the fact was read from"),
    Column("fact_id", String(100), primary_key=True),
    Column("value", Boolean, nullable=True, comment="null: unknown, the evidence cannot tell (detail says why)"),
    Column("detail", Text, nullable=False),
    Column("evidence", Text, nullable=False, comment="JSON list of paths or refs"),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    comment="Facts established from a repository tree; one row per tree and fact",
)

assessments = Table(
    "assessments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, unique=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("framework", String(100), nullable=False),
    Column("framework_version", String(50), nullable=False),
    Column("window_start", BigInteger, nullable=False),
    Column("window_end", BigInteger, nullable=False),
    Column("levels", Text, nullable=False, comment="JSON {part key: level}"),
    Column("created_at", BigInteger, comment="unix seconds it was stored; null before 0019"),
    Column("cycle_id", Integer, comment="the assessment_cycles row whose answers it used, if any"),
    # last: SQLite walks a large value's overflow pages to read any column after it (0021)
    Column("report", Text, nullable=False, comment="the JSON report (docs/report-schema.md)"),
    comment="One assessment per assess run",
)
Index("ix_assessments_project", assessments.c.project_id, assessments.c.id)

assessment_summaries = Table(
    "assessment_summaries",
    metadata,
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("summary", Text, nullable=False, comment="JSON digest read by pages (services/derived.py)"),
    comment="An assessment's summary digest, apart from its large report so list pages read narrow rows (0021)",
)

rendered_reports = Table(
    "rendered_reports",
    metadata,
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
    Column("format", String(10), nullable=False, comment="pdf | html"),
    Column("lang", String(5), nullable=False, comment="zh | en"),
    Column("assessor", String(200), nullable=False, comment="the name on the cover (who answered, else who asked)"),
    Column("digest", String(64), nullable=False, comment="sha256 of the stored report, the key and the renderer"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds it was rendered"),
    Column("content", LargeBinary, nullable=False, comment="the document's bytes"),
    PrimaryKeyConstraint("assessment_id", "format", "lang", "assessor", name="pk_rendered_reports"),
    comment="Rendered documents of stored assessments (services/reports.py): served while their digest matches (0022)",
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False, comment="junit | coverage | sarif | performance"),
    Column("digest", String(64), nullable=False, comment="sha256 of the file: the natural key with project and kind"),
    Column("path", Text, nullable=False, comment="where the file was read from"),
    Column("format", String(30), nullable=False, comment="producer format, e.g. cobertura, jacoco"),
    Column("commit_sha", String(64), comment="commit the report belongs to, when known"),
    Column("observed_at", BigInteger, nullable=False, comment="unix seconds the report belongs to"),
    Column("summary", Text, nullable=False, comment="JSON totals of the report"),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column(
        "scan_status",
        Text,
        comment="SARIF only: JSON list of {tool, status ok|failed|no_results, reason} per run; NULL before 0006",
    ),
    UniqueConstraint("project_id", "kind", "digest", name="uq_reports_natural"),
    comment="One ingested report file (test, coverage or security); its rows below are written with it or not at all",
)
Index("ix_reports_time", reports.c.project_id, reports.c.kind, reports.c.observed_at)

test_suites = Table(
    "test_suites",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("tests", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("time", Float, nullable=False),
    Column("timestamp", BigInteger),
    comment="Totals of each test suite of a JUnit report",
)

test_cases = Table(
    "test_cases",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("case_key", Text, nullable=False, comment="classname::name, the identity across runs"),
    Column("kind", String(20), nullable=False, comment="unit | integration | ui | performance"),
    Column("outcome", String(10), nullable=False, comment="passed | failed | error | skipped"),
    Column("time", Float, nullable=False),
    Column("flaky", Boolean, nullable=False),
    comment="Each test case of a JUnit report",
)

coverage_files = Table(
    "coverage_files",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("path", Text, primary_key=True, comment="repository-relative where it could be normalised"),
    Column("lines_covered", Integer, nullable=False),
    Column("lines_valid", Integer, nullable=False),
    Column("branches_covered", Integer, nullable=False),
    Column("branches_valid", Integer, nullable=False),
    comment="Per-file coverage of a coverage report",
)

findings = Table(
    "findings",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("tool", String(200), nullable=False),
    Column("rule", Text, nullable=False),
    Column("severity", Integer, nullable=False, comment="0 note .. 4 critical"),
    Column("level", String(20), nullable=False),
    Column("fingerprint", String(200), nullable=False, comment="same finding across scans"),
    Column("path", Text),
    Column("line", Integer),
    Column("suppressed", Boolean, nullable=False),
    Column("baseline_state", String(20)),
    Column("message", Text, nullable=False),
    Column(
        "category",
        String(20),
        nullable=False,
        server_default="security",
        comment="security | quality (only security findings count in the security metrics)",
    ),
    comment="Security findings of a SARIF report",
)
Index("ix_findings_fp", findings.c.fingerprint)


def _delivery_table(name: str, comment: str, *columns: Column[object]) -> Table:
    """Delivery evidence tables share their natural key: project, source system and the record's id there."""
    return Table(
        name,
        metadata,
        Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        Column("source", String(ID.most), primary_key=True, comment="system and project, e.g. github:acme/shop"),
        Column("ext_id", String(ID.most), primary_key=True, comment="the record's id in that system"),
        *columns,
        Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, comment="run that last wrote it"),
        comment=comment,
    )


pipeline_runs = _delivery_table(
    "pipeline_runs",
    "CI/CD pipeline runs; updated in place while a run moves from running to its result",
    Column("pipeline", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("started_at", BigInteger),
    Column("finished_at", BigInteger),
    Column("commit_sha", String(COMMIT.most)),
    Column("branch", Text),
    Column("event", String(chars(PipelineRun, "event")), nullable=False),
    Column("url", Text, nullable=False),
    Column("jobs", Text, nullable=False, comment="JSON list of {id, name, stage, status, started_at, finished_at}"),
    Column(
        "security_scan",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="derived when stored: a job's name or stage shows a security scan (model/stages.py)",
    ),
    Column(
        "provision_seconds",
        Float,
        comment="derived when stored: seconds the successful run spent provisioning an environment (terraform "
        "apply, 环境搭建; model/frames.py provision_span); null: it provisioned none",
    ),
)
deployments = _delivery_table(
    "deployments",
    "Deployments to any environment; the deployment rule decides which are production",
    Column("environment", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    Column("commit_sha", String(COMMIT.most)),
    Column("pipeline", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("rollback", Boolean, nullable=False),
    Column("incident", String(chars(Deployment, "incident"))),
)
incidents = _delivery_table(
    "incidents",
    "Production incidents",
    Column("title", Text, nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger),
    Column("severity", String(chars(Incident, "severity")), nullable=False),
    Column("service", Text, nullable=False),
    Column("deployment", String(chars(Incident, "deployment"))),
    Column("labels", Text, nullable=False),
    Column("auto_recovered", Boolean, nullable=False),
    Column("postmortem", Text, comment="post-mortem link, or yes; empty: none; null: not recorded"),
)
work_items = _delivery_table(
    "work_items",
    "Requirements, stories, tasks and defects",
    Column("type", String(chars(WorkItem, "type")), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger),
    Column("released_at", BigInteger),
    Column("release", Text, nullable=False),
    Column("severity", String(chars(WorkItem, "severity")), nullable=False),
    Column("environment", String(chars(WorkItem, "environment")), nullable=False),
    Column("labels", Text, nullable=False),
    Column("iteration", Text, nullable=False, server_default="", comment="sprint, iteration or milestone"),
    Column("iteration_start", BigInteger),
    Column("iteration_end", BigInteger),
    Column("estimate", Float, comment="story points or hours; null: not recorded"),
    Column("parent", Text, nullable=False, server_default="", comment="epic or feature it belongs to"),
    Column("acceptance_criteria", Boolean, comment="carries acceptance criteria; null: not recorded"),
    Column("approvals", Integer, comment="approvals of a pull/merge request; null: not read"),
    Column("approved_by_other", Boolean, comment="approved by someone other than the author; null: not read"),
)
releases = _delivery_table(
    "releases",
    "Releases published by a hosting platform",
    Column("name", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("commit_sha", String(COMMIT.most)),
    Column("tag", Text, nullable=False),
)
drills = _delivery_table(
    "drills",
    "Backup and disaster-recovery drills",
    Column("kind", String(20), nullable=False, comment="backup | restore | failover | dr"),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    Column("status", String(20), nullable=False),
    Column("service", Text, nullable=False),
    Column("environment", Text, nullable=False),
    Column("url", Text, nullable=False),
)
Index("ix_drills_time", drills.c.project_id, drills.c.started_at)
Index("ix_deployments_time", deployments.c.project_id, deployments.c.created_at)
Index("ix_incidents_time", incidents.c.project_id, incidents.c.started_at)
# (the later columns let the "still open at the window's start" and "released later" reads filter in the index)
Index("ix_incidents_resolved", incidents.c.project_id, incidents.c.resolved_at, incidents.c.started_at)
Index("ix_pipeline_runs_time", pipeline_runs.c.project_id, pipeline_runs.c.created_at)
Index("ix_work_items_time", work_items.c.project_id, work_items.c.created_at)
Index("ix_releases_time", releases.c.project_id, releases.c.created_at)
Index("ix_work_items_released", work_items.c.project_id, work_items.c.released_at, work_items.c.created_at)
Index(
    "ix_work_items_resolved",
    work_items.c.project_id,
    work_items.c.resolved_at,
    work_items.c.released_at,
    work_items.c.created_at,
)
# "what changed since the lead-time attribution was built" is a MAX(run_id) per project: an index lookup
Index("ix_commits_run", commits.c.project_id, commits.c.run_id)
Index("ix_deployments_run", deployments.c.project_id, deployments.c.run_id)
Index("ix_pipeline_runs_run", pipeline_runs.c.project_id, pipeline_runs.c.run_id)

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(300), primary_key=True),
    Column("cursor", Text, nullable=False, comment="opaque resume point written with the page it follows"),
    Column("updated_at", BigInteger, nullable=False),
    comment="Where the next sync of a source resumes",
)

# --- derived: lead-time attribution, rebuilt from the evidence above whenever it or the deployment rule changes ---

lead_state = Table(
    "lead_state",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("rule_key", String(64), nullable=False, comment="digest of the deployment rule the attribution follows"),
    Column("deployments_run", Integer, nullable=False, comment="newest run that wrote a deployment, when built"),
    Column("pipeline_runs_run", Integer, nullable=False, comment="newest run that wrote a pipeline run, when built"),
    Column("commits_run", Integer, nullable=False, comment="newest run that stored a commit, when built"),
    Column("updated_at", BigInteger, nullable=False),
    comment="How far the lead-time attribution of a project is built",
)
lead_times = Table(
    "lead_times",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("ordinal", Integer, primary_key=True, comment="position among successful production deployments"),
    Column("ext_id", String(300), nullable=False, comment="the deployment's id (run:<id> for a rule's pipeline)"),
    Column("created_at", BigInteger, nullable=False, comment="start time, unix seconds: the order of ordinals"),
    Column("deployed_at", BigInteger, nullable=False, comment="finish (else start) time, unix seconds"),
    Column("commits", Integer, nullable=False, comment="commits this deployment shipped first"),
    Column("missing", Boolean, nullable=False, comment="the walk met a commit not in the store"),
    Column("leads", LargeBinary, nullable=False, comment="lead seconds of those commits, little-endian int64"),
    comment="Per successful production deployment: the commits it shipped first and their lead times",
)
Index("ix_lead_times_time", lead_times.c.project_id, lead_times.c.deployed_at)
shipped_commits = Table(
    "shipped_commits",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("sha", String(64), primary_key=True),
    Column("ordinal", Integer, nullable=False, comment="the lead_times ordinal of the deployment that shipped it"),
    comment="Which successful production deployment first shipped each commit",
)
Index("ix_shipped_ordinal", shipped_commits.c.project_id, shipped_commits.c.ordinal)

# --- derived: delivery evidence packed as columns per 30-day part (store/frames.py) ---

frame_parts = Table(
    "frame_parts",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True, comment="deployments | pipeline_runs | leads"),
    Column("part", Integer, primary_key=True, comment="start time // 30 days"),
    Column("rows", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False, comment="the part's frame as .npz (no pickles)"),
    comment="Delivery evidence packed as columns, one blob per project, kind and 30-day part",
)
frame_state = Table(
    "frame_state",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("run_mark", Integer, nullable=False, comment="newest run that wrote a row of the kind, when packed"),
    Column("updated_at", BigInteger, nullable=False),
    comment="How far the packed parts of a kind are up to date",
)
frame_dirty = Table(
    "frame_dirty",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("part", Integer, primary_key=True),
    comment="Parts a record left when its start time changed: repacked at the next read",
)

# --- code quality (SonarQube) and performance tests (JMeter) ---

quality_analyses = _delivery_table(
    "quality_analyses",
    "SonarQube analyses (source sonarqube:<project key>, ext_id the analysis key): gate status and measures",
    Column("project", String(400), nullable=False, comment="the SonarQube project key"),
    Column("analysed_at", BigInteger, nullable=False, comment="unix seconds"),
    Column("revision", String(64), comment="the commit analysed, when the scanner knew it"),
    Column("version", Text, nullable=False),
    Column("gate", String(10), nullable=False, comment="OK | WARN | ERROR | NONE"),
    *(
        Column(name, Float, comment=unit)
        for name, unit in (
            ("coverage", "percent"),
            ("line_coverage", "percent"),
            ("duplicated_lines_density", "percent"),
            ("complexity", "cyclomatic, whole project"),
            ("cognitive_complexity", "whole project"),
            ("sqale_index", "technical debt in minutes"),
            ("sqale_debt_ratio", "percent"),
            ("bugs", "count"),
            ("vulnerabilities", "count"),
            ("code_smells", "count"),
            ("security_hotspots", "count"),
            ("ncloc", "lines of code"),
        )
    ),
)
Index("ix_quality_analyses_time", quality_analyses.c.project_id, quality_analyses.c.analysed_at)

performance_runs = Table(
    "performance_runs",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("samples", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("started_at", BigInteger, nullable=False, comment="the first sample's start, unix milliseconds"),
    Column("ended_at", BigInteger, nullable=False, comment="the last sample's end, unix milliseconds"),
    Column("p50_ms", Float, nullable=False),
    Column("p90_ms", Float, nullable=False),
    Column("p95_ms", Float, nullable=False),
    Column("p99_ms", Float, nullable=False),
    Column("max_ms", Float, nullable=False),
    Column("mean_ms", Float, nullable=False),
    Column("labels", Text, nullable=False, comment="JSON list of {label, samples, errors, p95_ms}, capped"),
    Column("other_labels", Integer, nullable=False, comment="labels beyond the kept ones"),
    comment="Totals of one performance test report (JMeter JTL), stored with its reports row",
)

# --- the platform: organisations, users, memberships, API tokens, the hash-chained audit log ---

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(100), nullable=False, unique=True, comment="short name used on the command line and URLs"),
    Column("name", Text, nullable=False, comment="display name"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    Column("audit_seq", BigInteger, nullable=False, server_default="0", comment="sequence of the newest audit entry"),
    Column("audit_head", String(64), nullable=False, server_default="0" * 64, comment="hash of the newest entry"),
    comment="A tenant: owns projects, members and its own audit chain",
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True, comment="sign-in name"),
    Column("password_hash", Text, comment="argon2id hash; null for a user who signs in by token only"),
    Column("failed_count", Integer, nullable=False, server_default="0", comment="wrong passwords in a row"),
    Column("locked_until", BigInteger, comment="unix seconds until which sign-in is refused"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    comment="People who sign in; roles come from memberships",
)

memberships = Table(
    "memberships",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(30), nullable=False, comment="auth.roles.Role value"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    comment="A user's role in one organisation (tenant table)",
)
Index("ix_memberships_user", memberships.c.user_id)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("digest", String(64), nullable=False, unique=True, comment="HMAC-SHA256 of the token; never the token"),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), comment="down-scope, or null"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    Column("last_used_at", BigInteger, comment="unix seconds"),
    Column("revoked_at", BigInteger, comment="unix seconds; a revoked token never authenticates"),
    comment="API tokens, shown once at creation and stored only as HMAC",
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False, comment="the chain it belongs to"),
    Column("seq", BigInteger, nullable=False, comment="1, 2, ... per organisation"),
    Column("org_slug", String(100), nullable=False, comment="snapshot"),
    Column("at", BigInteger, nullable=False, comment="unix seconds"),
    Column("kind", String(40), nullable=False, comment="auth.audit.EventKind value"),
    Column("action", String(40), nullable=False, comment="auth.roles.Action value, or empty"),
    Column("actor_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), comment="null once deleted"),
    Column("actor_ref", Integer, comment="snapshot of the actor's user id (null for the local owner)"),
    Column("actor_name", String(200), nullable=False, comment="snapshot of the actor's name"),
    Column("target_type", String(40), nullable=False),
    Column("target_id", String(100), nullable=False, comment="snapshot"),
    Column("target_name", Text, nullable=False, comment="snapshot"),
    Column("result", String(10), nullable=False, comment="ok | failed | denied"),
    Column("source", String(100), nullable=False, comment="client address, or cli"),
    Column("details", Text, nullable=False, comment="JSON object; never a secret"),
    Column("prev_hash", String(64), nullable=False, comment="entry_hash of the previous entry (zeros for the first)"),
    Column("entry_hash", String(64), nullable=False, comment="sha256 of the canonical JSON of the entry"),
    UniqueConstraint("org_id", "seq", name="uq_audit_log_org_seq"),
    comment="Append-only audit log, hash-chained per organisation (tenant table)",
)
Index("ix_audit_log_org_at", audit_log.c.org_id, audit_log.c.at)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False, comment="model.sources.SourceKind value: git, github, jenkins, ..."),
    Column("name", String(200), nullable=False, comment="unique in its project"),
    Column("settings", Text, nullable=False, comment="JSON of the non-secret settings (URLs, repo paths, globs)"),
    Column("secret", Text, comment="Fernet ciphertext (auth/secrets.SecretBox) of the JSON credentials; never clear"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    Column("updated_at", BigInteger, nullable=False, comment="unix seconds"),
    UniqueConstraint("project_id", "name", name="uq_sources_project_name"),
    comment="Where a service project's evidence comes from, as devmaturity.toml's sources (tenant table)",
)
Index("ix_sources_org", sources.c.org_id)

# --- the assessor's workbench and derived data (services/workbench.py, services/derived.py) ---

assessment_cycles = Table(
    "assessment_cycles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("period_start", BigInteger, nullable=False, comment="unix seconds, included"),
    Column("period_end", BigInteger, nullable=False, comment="unix seconds, excluded"),
    Column("status", String(10), nullable=False, comment="open | frozen"),
    Column("created_at", BigInteger, nullable=False),
    Column("created_by", String(200), nullable=False, comment="actor name snapshot"),
    Column("frozen_at", BigInteger),
    Column("frozen_by", String(200)),
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="SET NULL"), comment="pinned on freeze"),
    comment="An assessment period of a project whose answers an assessor works on; frozen pins them (tenant)",
)
Index("ix_assessment_cycles_project", assessment_cycles.c.project_id, assessment_cycles.c.status)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("cycle_id", Integer, ForeignKey("assessment_cycles.id", ondelete="CASCADE"), nullable=False),
    Column("subject", String(100), nullable=False, comment="criterion id (met/not met) or item id (not applicable)"),
    Column("value", String(20), comment="met | not_met | not_applicable; null: withdrawn (unknown)"),
    Column("note", Text, nullable=False, comment="note; for not_applicable the reason"),
    Column("owner", String(200), nullable=False, comment="who is responsible for the evidence"),
    Column("links", Text, nullable=False, comment="JSON list of evidence links"),
    Column("change", String(10), nullable=False, comment="answer | review | carry (carried over as a draft)"),
    Column("draft", Boolean, nullable=False, server_default=false(), comment="carried over, not yet confirmed"),
    Column("answered_at", BigInteger, nullable=False, comment="unix seconds of this entry"),
    Column("answered_by", String(200), nullable=False, comment="actor name snapshot"),
    Column("reviewed_at", BigInteger),
    Column("reviewed_by", String(200)),
    comment="Answer history: every edit appends; the newest row per (cycle, subject) is the answer (tenant)",
)
Index("ix_answers_cycle_subject", answers.c.cycle_id, answers.c.subject, answers.c.id)

evidence_files = Table(
    "evidence_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("cycle_id", Integer, ForeignKey("assessment_cycles.id", ondelete="CASCADE"), nullable=False),
    Column("subject", String(100), nullable=False, comment="the criterion or item the file backs"),
    Column("name", String(255), nullable=False, comment="file name as uploaded, path parts removed"),
    Column("media_type", String(100), nullable=False, comment="sniffed from the bytes, never the client's claim"),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", BigInteger, nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    comment="Evidence files uploaded for answers, kept in the database (tenant)",
)
Index("ix_evidence_files_cycle", evidence_files.c.cycle_id, evidence_files.c.subject)

metric_series = Table(
    "metric_series",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), comment="null: local CLI project"),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("metric", String(64), nullable=False, comment="metrics/catalogue.py id"),
    Column("days", Integer, nullable=False, comment="window length"),
    Column("window_end", BigInteger, nullable=False, comment="unix seconds"),
    Column("value", Float, comment="null: unknown (no evidence in that window)"),
    Column("unit", String(40), nullable=False),
    Column("sample_size", Integer, nullable=False),
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("project_id", "metric", "days", "window_end", name="uq_metric_series_point"),
    comment="Key metric values per window, precomputed when an assessment is stored; pages only read them",
)

TENANT_TABLES = (memberships, audit_log, projects, sources, assessment_cycles, answers, evidence_files)
"""Tables whose every read goes through store.repos.tenancy.scoped()."""

# --- web sign-in: server-side sessions, login rate limits, OIDC identities, webhook deliveries seen ---

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", String(64), nullable=False, unique=True, comment="HMAC-SHA256 of the session id; never the id"),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_digest", String(64), nullable=False, comment="HMAC-SHA256 of the session's CSRF token"),
    Column("method", String(20), nullable=False, comment="how the user signed in: password | oidc"),
    Column("source", String(100), nullable=False, comment="client address at sign-in"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    Column("expires_at", BigInteger, nullable=False, comment="absolute end (unix seconds), whatever the activity"),
    Column("last_seen_at", BigInteger, nullable=False, comment="unix seconds; idle expiry counts from here"),
    Column("revoked_at", BigInteger, comment="unix seconds of sign-out; a revoked session never authenticates"),
    comment="Browser sessions behind the devmaturity_session cookie",
)
Index("ix_sessions_user", sessions.c.user_id)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", String(64), primary_key=True, comment="HMAC of 'address:<ip>' or 'name:<user name>'"),
    Column("window_start", BigInteger, nullable=False, comment="unix seconds the current counting window opened"),
    Column("failures", Integer, nullable=False, comment="failed sign-ins in the current window"),
    comment="Failed sign-ins per client address and per user name, for login rate limiting",
)

oidc_identities = Table(
    "oidc_identities",
    metadata,
    Column("issuer", String(300), primary_key=True, comment="the provider's issuer URL"),
    Column("subject", String(255), primary_key=True, comment="the provider's sub claim"),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), comment="email claim at the last sign-in"),
    Column("created_at", BigInteger, nullable=False, comment="unix seconds"),
    comment="Which local user an OIDC subject signs in as",
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("project", String(200), primary_key=True, comment="project name of the webhook"),
    Column("source", String(200), primary_key=True, comment="the webhook's source (github, gitlab, or ?source=)"),
    Column("delivery_id", String(200), primary_key=True, comment="X-GitHub-Delivery, X-Gitlab-Event-UUID, ..."),
    Column("received_at", BigInteger, nullable=False, comment="unix seconds"),
    comment="Delivery ids already received, so a replayed delivery is refused without writing",
)

org_versions = Table(
    "org_versions",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("version", BigInteger, nullable=False, comment="raised by a trigger on every change pages show"),
    comment="Per organisation, a counter the database raises on every change of what the dashboard shows "
    "(store/versions.py): cached pages are keyed by it, so a cache is never stale in any process",
)


@event.listens_for(metadata, "after_create")
def _install_version_triggers(_metadata: object, conn: Connection, **_kw: object) -> None:
    """Whoever creates the tables (a new store, a test) gets the counter triggers with them."""
    from devmaturity.store import versions

    versions.install(conn)


SCHEMA_REVISION = "0023"
"""The newest migration, whose schema the tables above declare: a new store is created from them and stamped with
it (tests/store/test_stamp.py holds it equal to the migrations' head, so a new migration must move it)."""

alembic_version = Table(
    "alembic_version",
    MetaData(),  # Alembic's own table, not the store's: outside `metadata`, which the migrations must equal
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
"""The table `alembic stamp` creates (same name, column and key), written directly on a new store."""
