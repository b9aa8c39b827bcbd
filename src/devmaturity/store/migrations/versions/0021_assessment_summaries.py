"""Assessment summaries in their own narrow table: list pages (the portfolio) read the digest without walking the
large `report` text that shares the assessments row (on SQLite the summary column sat after it). Existing
summaries are moved, then the column is dropped; on SQLite the rebuilt assessments table keeps `report` last.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


_ORDER = (
    "id",
    "run_id",
    "project_id",
    "framework",
    "framework_version",
    "window_start",
    "window_end",
    "levels",
    "created_at",
    "cycle_id",
    "report",
)


def upgrade() -> None:
    op.create_table(
        "assessment_summaries",
        sa.Column(
            "assessment_id",
            sa.Integer(),
            sa.ForeignKey("assessments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False, comment="JSON digest read by pages (services/derived.py)"),
        comment="An assessment's summary digest, apart from its large report so list pages read narrow rows (0021)",
    )
    op.execute(
        "INSERT INTO assessment_summaries (assessment_id, project_id, summary) "
        "SELECT id, project_id, summary FROM assessments WHERE summary IS NOT NULL"
    )
    # SQLite reads a row's columns in order and walks the overflow pages of every large value before the one it
    # wants: the rebuilt table keeps the report last, so the narrow columns added by 0019 are read without it
    # (PostgreSQL keeps large values out of line anyway and ignores the reordering)
    with op.batch_alter_table("assessments", partial_reordering=[_ORDER]) as batch:
        batch.drop_column("summary")


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(
            sa.Column(
                "summary", sa.Text(), comment="JSON digest read by pages (services/derived.py); null until derived"
            )
        )
    op.execute(
        "UPDATE assessments SET summary = (SELECT s.summary FROM assessment_summaries s "
        "WHERE s.assessment_id = assessments.id)"
    )
    op.drop_table("assessment_summaries")
