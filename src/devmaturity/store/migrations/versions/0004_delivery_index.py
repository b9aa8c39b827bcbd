"""Delivery index: time indexes, the security-scan flag of pipeline runs, and lead-time attribution.

Revision ID: 0004
Revises: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

from devmaturity.model.stages import STAGE_PATTERNS

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deployments_time", "deployments", ["project_id", "created_at"])
    op.create_index("ix_incidents_time", "incidents", ["project_id", "started_at"])
    op.create_index("ix_pipeline_runs_time", "pipeline_runs", ["project_id", "created_at"])
    op.create_index("ix_work_items_time", "work_items", ["project_id", "created_at"])
    op.create_index("ix_releases_time", "releases", ["project_id", "created_at"])
    # the later columns let "released (or resolved) in the window, created before it" filter in the index
    op.create_index("ix_work_items_released", "work_items", ["project_id", "released_at", "created_at"])
    op.create_index("ix_work_items_resolved", "work_items", ["project_id", "resolved_at", "released_at", "created_at"])
    # "what changed since the attribution was built" is a MAX(run_id) per project: keep it an index lookup
    op.create_index("ix_commits_run", "commits", ["project_id", "run_id"])
    op.create_index("ix_deployments_run", "deployments", ["project_id", "run_id"])
    op.create_index("ix_pipeline_runs_run", "pipeline_runs", ["project_id", "run_id"])
    with op.batch_alter_table("pipeline_runs") as batch:
        batch.add_column(sa.Column("security_scan", sa.Boolean, nullable=False, server_default=sa.false()))
    # derive the flag for runs stored before this revision, with the same patterns save_delivery uses
    conn = op.get_bind()
    runs = sa.table(
        "pipeline_runs",
        sa.column("project_id", sa.Integer),
        sa.column("source", sa.String),
        sa.column("ext_id", sa.String),
        sa.column("jobs", sa.Text),
        sa.column("security_scan", sa.Boolean),
    )
    scan = STAGE_PATTERNS["security_scan"]
    flagged = [
        {"p": r.project_id, "s": r.source, "e": r.ext_id}
        for r in conn.execute(sa.select(runs.c.project_id, runs.c.source, runs.c.ext_id, runs.c.jobs))
        if any(scan.search(f"{j.get('name', '')} {j.get('stage', '')}") for j in json.loads(r.jobs))
    ]
    if flagged:
        conn.execute(
            runs.update()
            .where(
                runs.c.project_id == sa.bindparam("p"),
                runs.c.source == sa.bindparam("s"),
                runs.c.ext_id == sa.bindparam("e"),
            )
            .values(security_scan=True),
            flagged,
        )
    op.create_table(
        "lead_state",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("rule_key", sa.String(64), nullable=False),
        sa.Column("deployments_run", sa.Integer, nullable=False),
        sa.Column("pipeline_runs_run", sa.Integer, nullable=False),
        sa.Column("commits_run", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "lead_times",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("ext_id", sa.String(300), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("deployed_at", sa.BigInteger, nullable=False),
        sa.Column("commits", sa.Integer, nullable=False),
        sa.Column("missing", sa.Boolean, nullable=False),
        sa.Column("leads", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_lead_times_time", "lead_times", ["project_id", "deployed_at"])
    op.create_table(
        "shipped_commits",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sha", sa.String(64), primary_key=True),
        sa.Column("ordinal", sa.Integer, nullable=False),
    )
    op.create_index("ix_shipped_ordinal", "shipped_commits", ["project_id", "ordinal"])


def downgrade() -> None:
    for table in ("shipped_commits", "lead_times", "lead_state"):
        op.drop_table(table)
    with op.batch_alter_table("pipeline_runs") as batch:
        batch.drop_column("security_scan")
    for index, table in (
        ("ix_pipeline_runs_run", "pipeline_runs"),
        ("ix_deployments_run", "deployments"),
        ("ix_commits_run", "commits"),
        ("ix_work_items_resolved", "work_items"),
        ("ix_work_items_released", "work_items"),
        ("ix_releases_time", "releases"),
        ("ix_work_items_time", "work_items"),
        ("ix_pipeline_runs_time", "pipeline_runs"),
        ("ix_incidents_time", "incidents"),
        ("ix_deployments_time", "deployments"),
    ):
        op.drop_index(index, table)
