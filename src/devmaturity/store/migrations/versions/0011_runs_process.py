"""Runs record the process that runs them and a heartbeat, so a crashed run can be told from a live one.

The field limits of model/limits.py need no change of column here: every varchar column already has the width
the declaration gives (tables.py reads it from there), and the longer texts stay TEXT, their limit enforced
before any write, so SQLite and PostgreSQL refuse the same values.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("host", sa.String(255)),
    ("pid", sa.Integer()),
    ("proc_start", sa.BigInteger()),
    ("heartbeat_at", sa.BigInteger()),
)


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for name, _kind in reversed(_COLUMNS):
            batch.drop_column(name)
