"""Agile fields of work items: iteration (with its start and end), estimate, parent and acceptance criteria.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        iteration = "sprint, iteration or milestone"
        batch.add_column(sa.Column("iteration", sa.Text(), nullable=False, server_default="", comment=iteration))
        batch.add_column(sa.Column("iteration_start", sa.BigInteger()))
        batch.add_column(sa.Column("iteration_end", sa.BigInteger()))
        batch.add_column(sa.Column("estimate", sa.Float(), comment="story points or hours; null: not recorded"))
        batch.add_column(
            sa.Column("parent", sa.Text(), nullable=False, server_default="", comment="epic or feature it belongs to")
        )
        batch.add_column(
            sa.Column("acceptance_criteria", sa.Boolean(), comment="carries acceptance criteria; null: not recorded")
        )


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        for name in ("acceptance_criteria", "parent", "estimate", "iteration_end", "iteration_start", "iteration"):
            batch.drop_column(name)
