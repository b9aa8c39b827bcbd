"""Evaluates a framework against metric values, facts and answers; pure, with "now" passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from devmaturity.assess.rollup import resolve_policy
from devmaturity.model.assessment import (
    Answer,
    Assessment,
    DecidedBy,
    GapEntry,
    ItemResult,
    LevelResult,
    PartResult,
    Status,
    SubdomainResult,
    Verdict,
)
from devmaturity.model.facts import Fact
from devmaturity.model.framework import Criterion, CriterionKind, Framework, Item
from devmaturity.model.metric import MetricValue, Window

MetricKey = tuple[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Everything the engine may look at, already computed by the services layer."""

    metrics: Mapping[MetricKey, MetricValue] = field(default_factory=dict)
    facts: Mapping[str, Fact] = field(default_factory=dict)
    answers: Mapping[str, Answer] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)


def needed_metrics(framework: Framework, default_window_days: int) -> set[MetricKey]:
    """The (metric id, window days) pairs the framework's criteria ask for."""
    return {
        (c.metric, c.window_days or default_window_days)
        for c in framework.criteria()
        if c.kind is CriterionKind.METRIC and c.metric is not None
    }


def format_value(value: float, unit: str) -> str:
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    shown = f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    return f"{shown} {unit}"


def judge(criterion: Criterion, evidence: Evidence, default_window_days: int) -> Verdict:
    """One criterion's verdict, with the reason and the evidence that decided it."""
    if criterion.kind is CriterionKind.METRIC:
        return _judge_metric(criterion, evidence, default_window_days)
    if criterion.kind is CriterionKind.FACT:
        return _judge_fact(criterion, evidence)
    return _judge_answer(criterion, evidence.answers.get(criterion.id), "no assessor answer yet")


def _judge_metric(criterion: Criterion, evidence: Evidence, default_window_days: int) -> Verdict:
    assert criterion.metric is not None and criterion.op is not None and criterion.value is not None
    threshold = evidence.thresholds.get(criterion.id, criterion.value)
    days = criterion.window_days or default_window_days
    value = evidence.metrics.get((criterion.metric, days))
    wanted = f"{criterion.metric} {criterion.op.value} {threshold:g}"
    if value is None or value.value is None:
        why = value.reason if value is not None else "metric not computed"
        answered = evidence.answers.get(criterion.id)
        if answered is not None and answered.value is not None:
            return _judge_answer(criterion, answered, why)
        return Verdict(
            criterion=criterion.id,
            status=Status.UNKNOWN,
            decided_by=DecidedBy.NOTHING,
            reason=f"unknown: {why} (needs {wanted} over {days}d)",
        )
    ok = criterion.op.holds(value.value, threshold)
    shown = format_value(value.value, value.unit)
    status = Status.MET if ok else Status.NOT_MET
    relation = "meets" if ok else "does not meet"
    return Verdict(
        criterion=criterion.id,
        status=status,
        decided_by=DecidedBy.METRIC,
        observed=shown,
        reason=f"{criterion.metric} = {shown} over {value.window.label()} (n={value.sample_size}) {relation} "
        f"{criterion.op.value} {format_value(threshold, value.unit)}",
        evidence=value.evidence,
    )


def _judge_fact(criterion: Criterion, evidence: Evidence) -> Verdict:
    assert criterion.fact is not None
    answered = evidence.answers.get(criterion.id)
    if answered is not None and answered.value is not None:
        return _judge_answer(criterion, answered, "assessor answer overrides repository evidence")
    fact = evidence.facts.get(criterion.fact)
    if fact is None:
        return Verdict(
            criterion=criterion.id,
            status=Status.UNKNOWN,
            decided_by=DecidedBy.NOTHING,
            reason=f"unknown: no collector has established {criterion.fact}",
        )
    detail = f": {fact.detail}" if fact.detail else ""
    if fact.value is None:
        return Verdict(
            criterion=criterion.id,
            status=Status.UNKNOWN,
            decided_by=DecidedBy.NOTHING,
            observed="unknown",
            reason=f"unknown: {criterion.fact} cannot be told from the evidence{detail}",
            evidence=fact.evidence,
        )
    ok = fact.value == criterion.expected
    return Verdict(
        criterion=criterion.id,
        status=Status.MET if ok else Status.NOT_MET,
        decided_by=DecidedBy.FACT,
        observed=str(fact.value).lower(),
        reason=f"{criterion.fact} is {str(fact.value).lower()}{detail}",
        evidence=fact.evidence,
    )


def _judge_answer(criterion: Criterion, answer: Answer | None, missing: str) -> Verdict:
    if answer is None or answer.value is None:
        return Verdict(
            criterion=criterion.id, status=Status.UNKNOWN, decided_by=DecidedBy.NOTHING, reason=f"unknown: {missing}"
        )
    who = f" by {answer.by}" if answer.by else ""
    when = f" on {answer.at}" if answer.at else ""
    note = f": {answer.note}" if answer.note else ""
    return Verdict(
        criterion=criterion.id,
        status=Status.MET if answer.value else Status.NOT_MET,
        decided_by=DecidedBy.ASSESSOR,
        observed="yes" if answer.value else "no",
        reason=f"assessor answered {'yes' if answer.value else 'no'}{who}{when}{note}",
        evidence=answer.evidence,
    )


def assess_item(item: Item, evidence: Evidence, default_window_days: int) -> ItemResult:
    """The item's level: the highest L such that every criterion of every level <= L is met."""
    results = tuple(
        LevelResult(
            number=level.number,
            empty_in_standard=level.empty_in_standard,
            verdicts=tuple(judge(c, evidence, default_window_days) for c in level.criteria),
        )
        for level in item.levels
    )
    reached, capped = 0, False
    for result in results:
        if result.empty_in_standard and result.number > 1:
            capped = True
            break
        if result.status is not Status.MET:
            break
        reached = result.number
    nxt = next((r for r in results if r.number == reached + 1), None)
    partial, blocked = False, None
    gap: tuple[GapEntry, ...] = ()
    if nxt is not None and not capped:
        partial = any(v.status is Status.MET for v in nxt.verdicts)
        blocked = nxt.status
        gap = tuple(_gap(item, nxt.number, v, evidence) for v in nxt.verdicts if v.status is not Status.MET)
    return ItemResult(
        item=item.id, level=reached, levels=results, partial=partial, capped=capped, blocked_by=blocked, gap=gap
    )


def _gap(item: Item, level: int, verdict: Verdict, evidence: Evidence) -> GapEntry:
    criterion = next(c for c in item.level(level).criteria if c.id == verdict.criterion)
    return GapEntry(
        criterion=criterion.id,
        level=level,
        status=verdict.status,
        reason=verdict.reason,
        how_to_decide=how_to_decide(criterion, verdict, evidence),
    )


def how_to_decide(criterion: Criterion, verdict: Verdict, evidence: Evidence) -> str:
    """What would settle or raise this criterion: the evidence to collect or the change to make."""
    if criterion.kind is CriterionKind.ANSWER:
        hint = criterion.evidence_hint.en if criterion.evidence_hint else "attach a document, link or screenshot"
        return f"assessor answer in the answers file (key {criterion.id}); evidence: {hint}"
    if criterion.kind is CriterionKind.FACT:
        if verdict.status is Status.UNKNOWN:
            return f"collect the evidence that establishes {criterion.fact}, or answer {criterion.id}"
        want = "true" if criterion.expected else "false"
        return f"make {criterion.fact} {want} (e.g. in the repository or pipeline), or answer {criterion.id}"
    assert criterion.op is not None and criterion.value is not None
    threshold = evidence.thresholds.get(criterion.id, criterion.value)
    target = f"{criterion.metric} {criterion.op.value} {threshold:g}"
    if verdict.status is Status.UNKNOWN:
        return f"collect the evidence behind {criterion.metric} so that {target} can be checked"
    return f"improve {criterion.metric} to {target} (now {verdict.observed})"


def assess(
    framework: Framework,
    evidence: Evidence,
    *,
    window: Window,
    now: datetime,
    parts: Iterable[str] | None = None,
    policy: str | None = None,
    metrics: Iterable[MetricValue] = (),
    project: str = "",
) -> Assessment:
    """Assess every selected part of the framework."""
    rollup_name = policy or framework.rollup
    rollup = resolve_policy(rollup_name)
    default_days = max(1, round(window.days))
    selected = [framework.part(key) for key in parts] if parts else list(framework.parts)
    part_results: list[PartResult] = []
    for part in selected:
        subs: list[SubdomainResult] = []
        for sub in part.subdomains:
            items = tuple(assess_item(item, evidence, default_days) for item in sub.items)
            subs.append(SubdomainResult(subdomain=sub.id, level=rollup([i.level for i in items]), items=items))
        levels = [i.level for s in subs for i in s.items]
        part_results.append(
            PartResult(part=part.id, key=part.key, level=rollup(levels), policy=rollup_name, subdomains=tuple(subs))
        )
    return Assessment(
        framework=framework.id,
        framework_version=framework.version,
        window=window,
        now=now,
        parts=tuple(part_results),
        metrics=tuple(metrics),
        facts=tuple(evidence.facts.values()),
        answers=tuple(evidence.answers.values()),
        project=project,
    )
