"""Rendered documents (PDF, printable HTML) of stored assessments, kept so a download never renders on a request:
one row per assessment, format, language and cover name, served while its digest (stored report, key, renderer)
matches, replaced when it does not.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rendered_reports",
        sa.Column("assessment_id", sa.Integer(), sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("assessor", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "format", "lang", "assessor", name="pk_rendered_reports"),
    )


def downgrade() -> None:
    op.drop_table("rendered_reports")
