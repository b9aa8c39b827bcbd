"""Backup and disaster-recovery drills, and whether an incident had a post-mortem.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drills",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source", sa.String(300), primary_key=True, comment="system and project, e.g. github:acme/shop"),
        sa.Column("ext_id", sa.String(300), primary_key=True, comment="the record's id in that system"),
        sa.Column("kind", sa.String(20), nullable=False, comment="backup | restore | failover | dr"),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("environment", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False, comment="run that last wrote it"),
        comment="Backup and disaster-recovery drills",
    )
    op.create_index("ix_drills_time", "drills", ["project_id", "started_at"])
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("postmortem", sa.Text(), comment="post-mortem link, or yes; empty: none; null: not recorded")
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("postmortem")
    op.drop_index("ix_drills_time", table_name="drills")
    op.drop_table("drills")
