"""Projects belong to organisations (the CLI's to `local`), with a slug unique per organisation, a team label and
settings; the `sources` table holds each service project's sources with their credentials encrypted.

The columns are added, never the table rebuilt: on SQLite a rebuild drops `projects`, and with foreign keys on that
deletes every project's evidence. So `org_id` and `slug` stay nullable in the schema; every existing row is given
the `local` organisation and its name as slug here, and the store writes them for every new row.

Revision ID: 0017
Revises: 0016
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

LOCAL = "local"


def upgrade() -> None:
    bind = op.get_bind()
    # an organisation is never deleted while it has projects (no cascade: SQLite's reflection of an inline
    # REFERENCES clause would not show one, and the declared schema must match on both databases)
    if bind.dialect.name == "sqlite":  # ADD COLUMN ... REFERENCES: SQLite takes it without a rebuild
        op.execute("ALTER TABLE projects ADD COLUMN org_id INTEGER REFERENCES organisations (id)")
    else:
        op.add_column("projects", sa.Column("org_id", sa.Integer, nullable=True))
        op.create_foreign_key(None, "projects", "organisations", ["org_id"], ["id"])
    for column in (
        sa.Column("slug", sa.String(200), nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("settings", sa.Text, nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=True),
    ):
        op.add_column("projects", column)
    projects = sa.table("projects", sa.column("id"), sa.column("name"), sa.column("org_id"), sa.column("slug"))
    organisations = sa.table(
        "organisations", sa.column("id"), sa.column("slug"), sa.column("name"), sa.column("created_at")
    )
    if bind.execute(sa.select(sa.func.count()).select_from(projects)).scalar_one():
        local = bind.execute(sa.select(organisations.c.id).where(organisations.c.slug == LOCAL)).scalar_one_or_none()
        if local is None:
            bind.execute(organisations.insert().values(slug=LOCAL, name="Local projects", created_at=int(time.time())))
            local = bind.execute(sa.select(organisations.c.id).where(organisations.c.slug == LOCAL)).scalar_one()
        bind.execute(projects.update().values(org_id=local, slug=projects.c.name))
    op.create_index("uq_projects_org_slug", "projects", ["org_id", "slug"], unique=True)
    op.create_index("ix_projects_org_team", "projects", ["org_id", "team"])
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project_id", "name", name="uq_sources_project_name"),
    )
    op.create_index("ix_sources_org", "sources", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_sources_org", table_name="sources")
    op.drop_table("sources")
    op.drop_index("ix_projects_org_team", table_name="projects")
    op.drop_index("uq_projects_org_slug", table_name="projects")
    with op.batch_alter_table("projects") as batch:
        for name in ("updated_at", "settings", "team", "title", "slug", "org_id"):
            batch.drop_column(name)
