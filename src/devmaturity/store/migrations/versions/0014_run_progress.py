"""Runs can be queued for a worker, and report their progress (stage and count) and how often they were claimed.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("stage", sa.String(30), nullable=True, comment="what the run is doing now"))
        batch.add_column(sa.Column("done", sa.BigInteger, nullable=True, comment="items of `stage` done so far"))
        batch.add_column(
            sa.Column(
                "attempts",
                sa.Integer,
                nullable=False,
                server_default="0",
                comment="how many times a worker claimed the run",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("attempts")
        batch.drop_column("done")
        batch.drop_column("stage")
