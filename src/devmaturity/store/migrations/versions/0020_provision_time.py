"""Environment provisioning time of pipeline runs (the environment lead time metric), derived for stored runs.

Revision ID: 0020
Revises: 0019
"""

import json

import sqlalchemy as sa
from alembic import op

from devmaturity.model.frames import provision_span

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_NAN = float("nan")


def _time(value: object) -> float:
    return float(value) if isinstance(value, int | float) else _NAN


def upgrade() -> None:
    with op.batch_alter_table("pipeline_runs") as batch:
        batch.add_column(
            sa.Column(
                "provision_seconds",
                sa.Float(),
                comment="derived when stored: seconds the successful run spent provisioning an environment "
                "(terraform apply, 环境搭建; model/frames.py provision_span); null: it provisioned none",
            )
        )
    conn = op.get_bind()
    runs = sa.table(
        "pipeline_runs",
        sa.column("project_id", sa.Integer),
        sa.column("source", sa.String),
        sa.column("ext_id", sa.String),
        sa.column("pipeline", sa.Text),
        sa.column("status", sa.String),
        sa.column("started_at", sa.BigInteger),
        sa.column("finished_at", sa.BigInteger),
        sa.column("jobs", sa.Text),
        sa.column("provision_seconds", sa.Float),
    )
    found = []
    query = sa.select(
        runs.c.project_id,
        runs.c.source,
        runs.c.ext_id,
        runs.c.pipeline,
        runs.c.status,
        runs.c.started_at,
        runs.c.finished_at,
        runs.c.jobs,
    )
    for r in conn.execute(query):
        jobs = (
            (
                f"{j.get('name', '')} {j.get('stage', '')}",
                j.get("status") == "success",
                _time(j.get("started_at")),
                _time(j.get("finished_at")),
            )
            for j in json.loads(r.jobs)
        )
        span = provision_span(r.pipeline, r.status == "success", _time(r.started_at), _time(r.finished_at), jobs)
        if span is not None:
            found.append({"p": r.project_id, "s": r.source, "e": r.ext_id, "v": span})
    if found:
        conn.execute(
            runs.update()
            .where(
                runs.c.project_id == sa.bindparam("p"),
                runs.c.source == sa.bindparam("s"),
                runs.c.ext_id == sa.bindparam("e"),
            )
            .values(provision_seconds=sa.bindparam("v")),
            found,
        )
    # the packed parts of pipeline runs lack the new column: drop them, the next read packs them again
    conn.execute(sa.text("DELETE FROM frame_parts WHERE kind = 'pipeline_runs'"))
    conn.execute(sa.text("DELETE FROM frame_state WHERE kind = 'pipeline_runs'"))


def downgrade() -> None:
    with op.batch_alter_table("pipeline_runs") as batch:
        batch.drop_column("provision_seconds")
