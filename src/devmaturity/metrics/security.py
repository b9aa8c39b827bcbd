"""Security metrics from ingested SARIF scans: open findings by severity and the age of open critical ones, read from
each tool's newest successful scan; a failed or empty run is never read as a clean scan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from devmaturity.model.evidence import FindingCategory, Scan, ScanRun, ScanStatus, SecurityFinding, Severity
from devmaturity.model.metric import MetricValue, Window

# Of several runs of one tool in one report, the worst decides: one failed module makes the report's scan failed.
_WORSE = {ScanStatus.OK: 0, ScanStatus.NO_RESULTS: 1, ScanStatus.FAILED: 2}
NO_SCAN = "no security scan (SARIF) in the window"


@dataclass(frozen=True, slots=True, kw_only=True)
class Latest:
    """What the security metrics read: per tool, the scans of its newest successful build in the window, and a note
    for each tool whose newest scan did not succeed."""

    by_tool: dict[str, tuple[Scan, ...]]
    notes: tuple[str, ...]
    scanned: bool  # any scan at all in the window, successful or not

    def reason(self) -> str:
        if self.by_tool:
            return "; ".join(self.notes)
        if not self.scanned:
            return NO_SCAN
        return "no successful security scan in the window: " + "; ".join(self.notes)


def tool_runs(scan: Scan) -> dict[str, ScanRun]:
    """Each tool's run in one report; the worst status when the tool ran more than once."""
    out: dict[str, ScanRun] = {}
    for run in scan.runs:
        seen = out.get(run.tool)
        if seen is None or _WORSE[run.status] > _WORSE[seen.status]:
            out[run.tool] = run
    return out


def latest_scans(scans: Sequence[Scan], window: Window) -> Latest:
    """Per tool, its newest successful scan in the window with the other successful scans of the same build (same
    commit, or same day when no commit is known); a tool whose newer scan failed or said nothing gets a note."""
    entries: dict[str, list[tuple[Scan, ScanRun]]] = {}
    inside = [s for s in scans if window.contains(s.observed_at)]
    for scan in inside:
        for tool, run in tool_runs(scan).items():
            entries.setdefault(tool, []).append((scan, run))
    by_tool: dict[str, tuple[Scan, ...]] = {}
    notes: list[str] = []
    for tool, seen in sorted(entries.items()):
        newest_scan, newest_run = max(seen, key=lambda e: _order(e[0]))
        ok = [scan for scan, run in seen if run.status is ScanStatus.OK]
        if not ok:
            notes.append(f"{_name(tool)}: {_said(newest_scan, newest_run)}, and no successful scan in the window")
            continue
        newest_ok = max(ok, key=_order)
        by_tool[tool] = tuple(s for s in ok if _build(s) == _build(newest_ok))
        if _order(newest_scan) > _order(newest_ok):
            notes.append(
                f"{_name(tool)}: {_said(newest_scan, newest_run)}; "
                f"its last successful scan (report {newest_ok.report}, {newest_ok.observed_at:%Y-%m-%d}) is used"
            )
    return Latest(by_tool=by_tool, notes=tuple(notes), scanned=bool(inside))


def _order(scan: Scan) -> tuple[datetime, int]:
    return scan.observed_at, scan.report


def _build(scan: Scan) -> object:
    return scan.commit if scan.commit else scan.observed_at.date()


def _name(tool: str) -> str:
    return tool or "a SARIF file without runs"


def _said(scan: Scan, run: ScanRun) -> str:
    words = {ScanStatus.FAILED: "failed", ScanStatus.NO_RESULTS: "produced no results"}
    because = f" ({run.reason})" if run.reason else ""
    return f"newest scan (report {scan.report}, {scan.observed_at:%Y-%m-%d}) {words[run.status]}{because}"


def open_findings(latest: Latest) -> list[SecurityFinding]:
    """Security findings of each tool's chosen scans: unsuppressed, not fixed ('absent'), one per (tool, fingerprint).
    Quality findings (a linter's) never count here."""
    seen: dict[tuple[str, str], SecurityFinding] = {}
    for tool, scans in latest.by_tool.items():
        for scan in scans:
            for f in scan.findings:
                if f.tool == tool and f.category is FindingCategory.SECURITY and _open(f):
                    seen.setdefault((f.tool, f.fingerprint), f)
    return list(seen.values())


def _open(f: SecurityFinding) -> bool:
    return not f.suppressed and f.baseline_state != "absent"


def _sample(latest: Latest) -> int:
    return len({scan.report for scans in latest.by_tool.values() for scan in scans})


def open_by_severity(metric: str, severity: Severity) -> Callable[[Sequence[Scan], Window], MetricValue]:
    def compute(scans: Sequence[Scan], window: Window) -> MetricValue:
        latest = latest_scans(scans, window)
        if not latest.by_tool:
            return MetricValue(metric=metric, value=None, unit="findings", window=window, reason=latest.reason())
        found = [f for f in open_findings(latest) if f.severity is severity]
        return MetricValue(
            metric=metric,
            value=float(len(found)),
            unit="findings",
            window=window,
            sample_size=_sample(latest),
            reason=latest.reason(),
            evidence=tuple(f"{f.tool}:{f.rule}:{f.path}:{f.line}" for f in found[:20]),
        )

    return compute


def critical_finding_age(scans: Sequence[Scan], window: Window, horizon: Sequence[Scan] | None = None) -> MetricValue:
    """Mean days since each open critical finding was first seen (in any stored scan); 0 when none is open."""
    latest = latest_scans(scans, window)
    if not latest.by_tool:
        reason = latest.reason()
        return MetricValue(metric="critical_finding_age", value=None, unit="days", window=window, reason=reason)
    critical = [f for f in open_findings(latest) if f.severity is Severity.CRITICAL]
    if not critical:
        return MetricValue(
            metric="critical_finding_age",
            value=0.0,
            unit="days",
            window=window,
            sample_size=0,
            reason="; ".join(("no open critical findings", *latest.notes)),
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
        reason=latest.reason(),
        evidence=tuple(f"{f.tool}:{f.rule}" for f in critical[:20]),
    )
