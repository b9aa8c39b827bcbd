"""Per-organisation change counters raised by triggers (store/versions.py), so the dashboard caches pages
without ever serving a stale one.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from devmaturity.store import versions  # the triggers as this revision installs them (idempotent)

    op.create_table(
        "org_versions",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False, comment="raised by a trigger on every change pages show"),
        comment="Per organisation, a counter the database raises on every change of what the dashboard shows "
        "(store/versions.py): cached pages are keyed by it, so a cache is never stale in any process",
    )
    versions.install(op.get_bind())


def downgrade() -> None:
    from devmaturity.store import versions

    bind = op.get_bind()
    for statement in versions._drops(bind.dialect.name):
        op.execute(statement)
    if bind.dialect.name == "postgresql":
        for name in sorted(versions.trigger_names("postgresql")):
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("org_versions")
