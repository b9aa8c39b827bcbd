"""SARIF scan status per report (a failed or empty run is not a clean scan) and a security/quality category per
finding.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("scan_status", sa.Text, nullable=True))
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("category", sa.String(20), nullable=False, server_default="security"))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("category")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("scan_status")
