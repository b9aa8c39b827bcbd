"""A fact's value may be null: unknown, when the evidence cannot tell (e.g. triggers set on a Jenkins server).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("facts") as batch:
        batch.alter_column(
            "value",
            existing_type=sa.Boolean(),
            nullable=True,
            comment="null: unknown, the evidence cannot tell (detail says why)",
        )


def downgrade() -> None:
    op.execute("DELETE FROM facts WHERE value IS NULL")
    with op.batch_alter_table("facts") as batch:
        batch.alter_column("value", existing_type=sa.Boolean(), nullable=False, comment=None)
