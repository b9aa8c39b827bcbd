"""The assessor's workbench and derived data: assessment cycles, answer history, evidence files, metric series, and
per-assessment summary columns.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("created_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("cycle_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))
    op.create_index("ix_assessments_project", "assessments", ["project_id", "id"])
    op.create_table(
        "assessment_cycles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period_start", sa.BigInteger(), nullable=False),
        sa.Column("period_end", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("frozen_at", sa.BigInteger()),
        sa.Column("frozen_by", sa.String(200)),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("assessments.id", ondelete="SET NULL")),
    )
    op.create_index("ix_assessment_cycles_project", "assessment_cycles", ["project_id", "status"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("assessment_cycles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("value", sa.String(20)),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("answered_at", sa.BigInteger(), nullable=False),
        sa.Column("answered_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", sa.BigInteger()),
        sa.Column("reviewed_by", sa.String(200)),
    )
    op.create_index("ix_answers_cycle_subject", "answers", ["cycle_id", "subject", "id"])
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("assessment_cycles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_evidence_files_cycle", "evidence_files", ["cycle_id", "subject"])
    op.create_table(
        "metric_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE")),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float()),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.UniqueConstraint("project_id", "metric", "days", "window_end", name="uq_metric_series_point"),
    )


def downgrade() -> None:
    for table in ("metric_series", "evidence_files", "answers", "assessment_cycles"):
        op.drop_table(table)
    op.drop_index("ix_assessments_project", "assessments")
    with op.batch_alter_table("assessments") as batch:
        for name in ("summary", "cycle_id", "created_at"):
            batch.drop_column(name)
