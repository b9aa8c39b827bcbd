"""Code-quality and performance-test evidence: SonarQube analyses and JMeter run totals.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_MEASURES = (
    "coverage",
    "line_coverage",
    "duplicated_lines_density",
    "complexity",
    "cognitive_complexity",
    "sqale_index",
    "sqale_debt_ratio",
    "bugs",
    "vulnerabilities",
    "code_smells",
    "security_hotspots",
    "ncloc",
)


def upgrade() -> None:
    op.create_table(
        "quality_analyses",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source", sa.String(300), primary_key=True),
        sa.Column("ext_id", sa.String(300), primary_key=True),
        sa.Column("project", sa.String(400), nullable=False),
        sa.Column("analysed_at", sa.BigInteger, nullable=False),
        sa.Column("revision", sa.String(64)),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("gate", sa.String(10), nullable=False),
        *(sa.Column(name, sa.Float) for name in _MEASURES),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    )
    op.create_index("ix_quality_analyses_time", "quality_analyses", ["project_id", "analysed_at"])
    op.create_table(
        "performance_runs",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("samples", sa.BigInteger, nullable=False),
        sa.Column("errors", sa.BigInteger, nullable=False),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("ended_at", sa.BigInteger, nullable=False),
        *(
            sa.Column(name, sa.Float, nullable=False)
            for name in ("p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")
        ),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("other_labels", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("performance_runs")
    op.drop_index("ix_quality_analyses_time", table_name="quality_analyses")
    op.drop_table("quality_analyses")
