"""SonarQube analyses in the store: the row of an analysis (upserted by project, source and key) and loading."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from devmaturity.model.quality import MEASURES, GateStatus, QualityAnalysis
from devmaturity.store import tables as t
from devmaturity.store.db import Store


def analysis_row(a: QualityAnalysis) -> dict[str, Any]:
    """The quality_analyses row of an analysis (without project and run ids)."""
    return {
        "source": a.source,
        "ext_id": a.id,
        "project": a.project,
        "analysed_at": int(a.analysed_at.timestamp()),
        "revision": a.revision,
        "version": a.version,
        "gate": a.gate.value,
        **{field: a.measure(metric) for metric, field in MEASURES.items()},
    }


def _analysis_of(r: Any) -> QualityAnalysis:
    measures: dict[str, float | None] = {field: getattr(r, field) for field in MEASURES.values()}
    return QualityAnalysis(
        source=r.source,
        id=r.ext_id,
        project=r.project,
        analysed_at=datetime.fromtimestamp(r.analysed_at, UTC),
        revision=r.revision,
        version=r.version,
        gate=GateStatus(r.gate),
        **measures,
    )


def load_quality(store: Store, project_id: int, since: datetime) -> Sequence[QualityAnalysis] | None:
    """The project's analyses from `since` on, oldest first; None when no analysis was ever stored (unknown)."""
    c = t.quality_analyses.c
    with store.reading() as conn:
        if conn.execute(select(c.ext_id).where(c.project_id == project_id).limit(1)).first() is None:
            return None
        query = (
            select(t.quality_analyses)
            .where(c.project_id == project_id, c.analysed_at >= int(since.timestamp()))
            .order_by(c.analysed_at, c.source, c.ext_id)
        )
        return [_analysis_of(r) for r in conn.execute(query)]
