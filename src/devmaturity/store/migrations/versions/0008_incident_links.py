"""Packed deployments carry each deployment's service (its pipeline), which rollbacks and the incident-link rule
match on: the deployment parts packed before are dropped, so the next read packs them again from their rows.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


_TABLES = ("frame_parts", "frame_state", "frame_dirty")


def _forget_packed_deployments() -> None:
    for name in _TABLES:
        table = sa.table(name, sa.column("kind"))
        op.execute(table.delete().where(table.c.kind == "deployments"))


def upgrade() -> None:
    _forget_packed_deployments()


def downgrade() -> None:
    # the older code cannot read parts with the new column either: it repacks them the same way
    _forget_packed_deployments()
