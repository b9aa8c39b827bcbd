"""Security metrics from ingested SARIF scans: open findings by severity and the age of open critical ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from devmaturity.model.evidence import Scan, SecurityFinding, Severity
from devmaturity.model.metric import MetricValue, Window


def latest_scans(scans: Sequence[Scan], window: Window) -> list[Scan]:
    """The scans of the newest build in the window (same commit, or same day when no commit is known)."""
    inside = [s for s in scans if window.contains(s.observed_at)]
    if not inside:
        return []
    newest = max(inside, key=lambda s: (s.observed_at, s.report))

    def build(s: Scan) -> object:
        return s.commit if s.commit else s.observed_at.date()

    return [s for s in inside if build(s) == build(newest)]


def open_findings(scans: Sequence[Scan]) -> list[SecurityFinding]:
    """Unsuppressed, not fixed ('absent'), one per (tool, fingerprint)."""
    seen: dict[tuple[str, str], SecurityFinding] = {}
    for scan in scans:
        for f in scan.findings:
            if not f.suppressed and f.baseline_state != "absent":
                seen.setdefault((f.tool, f.fingerprint), f)
    return list(seen.values())


def open_by_severity(metric: str, severity: Severity):  # type: ignore[no-untyped-def]
    def compute(scans: Sequence[Scan], window: Window) -> MetricValue:
        latest = latest_scans(scans, window)
        if not latest:
            return MetricValue(
                metric=metric,
                value=None,
                unit="findings",
                window=window,
                reason="no security scan (SARIF) in the window",
            )
        found = [f for f in open_findings(latest) if f.severity is severity]
        return MetricValue(
            metric=metric,
            value=float(len(found)),
            unit="findings",
            window=window,
            sample_size=len(latest),
            evidence=tuple(f"{f.tool}:{f.rule}:{f.path}:{f.line}" for f in found[:20]),
        )

    return compute


def critical_finding_age(scans: Sequence[Scan], window: Window, horizon: Sequence[Scan] | None = None) -> MetricValue:
    """Mean days since each open critical finding was first seen (in any stored scan); 0 when none is open."""
    latest = latest_scans(scans, window)
    if not latest:
        return MetricValue(
            metric="critical_finding_age",
            value=None,
            unit="days",
            window=window,
            reason="no security scan (SARIF) in the window",
        )
    critical = [f for f in open_findings(latest) if f.severity is Severity.CRITICAL]
    if not critical:
        return MetricValue(
            metric="critical_finding_age",
            value=0.0,
            unit="days",
            window=window,
            sample_size=0,
            reason="no open critical findings",
        )
    first: dict[tuple[str, str], datetime] = {}
    for scan in horizon if horizon is not None else scans:
        for f in scan.findings:
            key = (f.tool, f.fingerprint)
            if key not in first or scan.observed_at < first[key]:
                first[key] = scan.observed_at
    ages = [(window.end - first[(f.tool, f.fingerprint)]).total_seconds() / 86400 for f in critical]
    return MetricValue(
        metric="critical_finding_age",
        value=sum(ages) / len(ages),
        unit="days",
        window=window,
        sample_size=len(ages),
        evidence=tuple(f"{f.tool}:{f.rule}" for f in critical[:20]),
    )
