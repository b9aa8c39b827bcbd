"""Report evidence: reports, test suites and cases, coverage files, security findings.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("format", sa.String(30), nullable=False),
        sa.Column("commit_sha", sa.String(64)),
        sa.Column("observed_at", sa.BigInteger, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.UniqueConstraint("project_id", "kind", "digest", name="uq_reports_natural"),
    )
    op.create_index("ix_reports_time", "reports", ["project_id", "kind", "observed_at"])
    op.create_table(
        "test_suites",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("tests", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("timestamp", sa.BigInteger),
    )
    op.create_table(
        "test_cases",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("case_key", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("flaky", sa.Boolean, nullable=False),
    )
    op.create_table(
        "coverage_files",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("lines_covered", sa.Integer, nullable=False),
        sa.Column("lines_valid", sa.Integer, nullable=False),
        sa.Column("branches_covered", sa.Integer, nullable=False),
        sa.Column("branches_valid", sa.Integer, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("tool", sa.String(200), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(200), nullable=False),
        sa.Column("path", sa.Text),
        sa.Column("line", sa.Integer),
        sa.Column("suppressed", sa.Boolean, nullable=False),
        sa.Column("baseline_state", sa.String(20)),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_findings_fp", "findings", ["fingerprint"])


def downgrade() -> None:
    for table in ("findings", "coverage_files", "test_cases", "test_suites", "reports"):
        op.drop_table(table)
