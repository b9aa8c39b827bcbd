"""What a project's history comes from (a normalised remote URL, or the root commit), so that two repositories
never mix under one project name.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column(
                "identity",
                sa.Text,
                nullable=True,
                comment="normalised origin URL or root:<sha> of the repository the history comes from",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("identity")
