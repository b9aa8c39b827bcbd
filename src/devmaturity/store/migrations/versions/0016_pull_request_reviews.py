"""Reviews of pull/merge requests on work items: the number of approvals and whether someone other than the author
approved.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(
            sa.Column("approvals", sa.Integer(), comment="approvals of a pull/merge request; null: not read")
        )
        batch.add_column(
            sa.Column(
                "approved_by_other", sa.Boolean(), comment="approved by someone other than the author; null: not read"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        for name in ("approved_by_other", "approvals"):
            batch.drop_column(name)
