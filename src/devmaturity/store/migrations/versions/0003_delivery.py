"""Delivery evidence: pipeline runs, deployments, incidents, work items, releases, sync cursors.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _table(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source", sa.String(300), primary_key=True),
        sa.Column("ext_id", sa.String(300), primary_key=True),
        *columns,
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    )


def upgrade() -> None:
    _table(
        "pipeline_runs",
        sa.Column("pipeline", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("started_at", sa.BigInteger),
        sa.Column("finished_at", sa.BigInteger),
        sa.Column("commit_sha", sa.String(64)),
        sa.Column("branch", sa.Text),
        sa.Column("event", sa.String(50), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("jobs", sa.Text, nullable=False),
    )
    _table(
        "deployments",
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("finished_at", sa.BigInteger),
        sa.Column("commit_sha", sa.String(64)),
        sa.Column("pipeline", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("rollback", sa.Boolean, nullable=False),
        sa.Column("incident", sa.String(300)),
    )
    _table(
        "incidents",
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("resolved_at", sa.BigInteger),
        sa.Column("severity", sa.String(50), nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("deployment", sa.String(300)),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("auto_recovered", sa.Boolean, nullable=False),
    )
    _table(
        "work_items",
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("resolved_at", sa.BigInteger),
        sa.Column("released_at", sa.BigInteger),
        sa.Column("release", sa.Text, nullable=False),
        sa.Column("severity", sa.String(50), nullable=False),
        sa.Column("environment", sa.String(100), nullable=False),
        sa.Column("labels", sa.Text, nullable=False),
    )
    _table(
        "releases",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("commit_sha", sa.String(64)),
        sa.Column("tag", sa.Text, nullable=False),
    )
    op.create_table(
        "sync_cursors",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source", sa.String(300), primary_key=True),
        sa.Column("cursor", sa.Text, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("sync_cursors", "releases", "work_items", "incidents", "deployments", "pipeline_runs"):
        op.drop_table(table)
