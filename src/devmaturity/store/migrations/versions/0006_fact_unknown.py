"""A fact's value may be null: unknown, when the evidence cannot tell (e.g. triggers set on a Jenkins server).

Revision ID: 0006_fact_unknown
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_fact_unknown"
down_revision = "0005"
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
