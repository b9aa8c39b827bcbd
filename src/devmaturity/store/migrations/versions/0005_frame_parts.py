"""Delivery evidence packed as columns per 30-day part (a derived cache, rebuilt from rows when stale), and an
index for the incidents still open when a window starts.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _project() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.create_index("ix_incidents_resolved", "incidents", ["project_id", "resolved_at", "started_at"])
    op.create_table(
        "frame_parts",
        _project(),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "frame_state",
        _project(),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("run_mark", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "frame_dirty",
        _project(),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
    )


def downgrade() -> None:
    for table in ("frame_dirty", "frame_state", "frame_parts"):
        op.drop_table(table)
    op.drop_index("ix_incidents_resolved", "incidents")
