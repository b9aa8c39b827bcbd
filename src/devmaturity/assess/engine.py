"""Evaluates a framework against metric values, facts and answers; pure, with "now" passed in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
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
from devmaturity.model.facts import Fact, FactSpec, fact_spec
from devmaturity.model.framework import Criterion, CriterionKind, Framework, Item, Op
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.metric_catalogue import metric_spec
from devmaturity.model.metric_reasons import reason_text
from devmaturity.model.text import Text

MetricKey = tuple[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Everything the engine may look at, already computed by the services layer."""

    metrics: Mapping[MetricKey, MetricValue] = field(default_factory=dict)
    facts: Mapping[str, Fact] = field(default_factory=dict)
    answers: Mapping[str, Answer] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)
    threshold_source: str = "devmaturity.toml [thresholds]"  # where the overrides in `thresholds` come from
    not_applicable: Mapping[str, str] = field(default_factory=dict)  # item id -> why it does not apply


def needed_metrics(framework: Framework, default_window_days: int) -> set[MetricKey]:
    """The (metric id, window days) pairs the framework's criteria ask for."""
    return {
        (c.metric, c.window_days or default_window_days)
        for c in framework.criteria()
        if c.kind is CriterionKind.METRIC and c.metric is not None
    }


def format_value(value: float, unit: str, decimals: int | None = None) -> str:
    """A value for people: ratios as percentages (one decimal unless more are asked for), other units as given."""
    if unit == "ratio":
        return f"{value * 100:.{1 if decimals is None else decimals}f}%"
    places = 3 if decimals is None else max(3, decimals)
    shown = f"{value:.{places}f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    return f"{shown} {unit}"


def format_pair(value: float, threshold: float, unit: str, op: Op, met: bool) -> tuple[str, str]:
    """Observed value and threshold rounded alike, with as many decimals as it takes for the printed figures to
    agree with the verdict: 99.969% against 99.99% never prints as "100.0% does not meet >= 100.0%"."""
    scale = 100.0 if unit == "ratio" else 1.0
    first = 1 if unit == "ratio" else 3
    for decimals in range(first, 10):
        shown_value = round(value * scale, decimals)
        shown_threshold = round(threshold * scale, decimals)
        if op.holds(shown_value, shown_threshold) is met:
            return format_value(value, unit, decimals), format_value(threshold, unit, decimals)
    return format_value(value, unit, 9), format_value(threshold, unit, 9)


def judge(criterion: Criterion, evidence: Evidence, default_window_days: int) -> Verdict:
    """One criterion's verdict, with the reason (zh and en) and the evidence that decided it."""
    if criterion.kind is CriterionKind.METRIC:
        return _judge_metric(criterion, evidence, default_window_days)
    if criterion.kind is CriterionKind.FACT:
        return _judge_fact(criterion, evidence)
    return _judge_answer(criterion, evidence.answers.get(criterion.id), NO_ANSWER)


NO_ANSWER = Text(zh="尚无评估人回答", en="no assessor answer yet")
_OVERRIDES = Text(zh="评估人回答优先于版本库证据", en="assessor answer overrides repository evidence")
_YES_NO = {True: Text(zh="是", en="yes"), False: Text(zh="否", en="no")}


def _metric_name(metric: str) -> Text:
    try:
        return metric_spec(metric).name
    except KeyError:
        return Text.same(metric)


def _fact_name(fact: str) -> Text:
    try:
        return fact_spec(fact).name
    except KeyError:
        return Text.same(fact)


def _judge_metric(criterion: Criterion, evidence: Evidence, default_window_days: int) -> Verdict:
    assert criterion.metric is not None and criterion.op is not None and criterion.value is not None
    overridden = criterion.id in evidence.thresholds
    threshold = evidence.thresholds.get(criterion.id, criterion.value)
    source = evidence.threshold_source if overridden else ""
    days = criterion.window_days or default_window_days
    value = evidence.metrics.get((criterion.metric, days))
    origin = Text(
        zh=f"（阈值来自 {source}；模型的阈值为 {criterion.value:g}）" if overridden else "",
        en=f" (threshold from {source}; the model's is {criterion.value:g})" if overridden else "",
    )
    name, op = _metric_name(criterion.metric), criterion.op.value
    if value is None or value.value is None:
        why = reason_text(value.reason) if value is not None else reason_text("metric not computed")
        answered = evidence.answers.get(criterion.id)
        if answered is not None and answered.value is not None:
            return _judge_answer(criterion, answered, why)
        return Verdict(
            criterion=criterion.id,
            status=Status.UNKNOWN,
            decided_by=DecidedBy.NOTHING,
            reason=Text(
                zh=f"未知：{why.zh}（需要{name.zh}（{criterion.metric}）{op} {threshold:g}，统计 {days} 天）"
                f"{origin.zh}",
                en=f"unknown: {why.en} (needs {criterion.metric} {op} {threshold:g} over {days}d){origin.en}",
            ),
            threshold=threshold,
            threshold_source=source,
        )
    ok = criterion.op.holds(value.value, threshold)
    shown, wanted = format_pair(value.value, threshold, value.unit, criterion.op, ok)
    window, n = value.window.label(), value.sample_size
    return Verdict(
        criterion=criterion.id,
        status=Status.MET if ok else Status.NOT_MET,
        decided_by=DecidedBy.METRIC,
        observed=shown,
        reason=Text(
            zh=f"{name.zh}（{criterion.metric}）= {shown}，统计区间 {window}（n={n}），{'满足' if ok else '不满足'} "
            f"{op} {wanted}{origin.zh}",
            en=f"{criterion.metric} = {shown} over {window} (n={n}) {'meets' if ok else 'does not meet'} "
            f"{op} {wanted}{origin.en}",
        ),
        evidence=value.evidence,
        threshold=threshold,
        threshold_source=source,
    )


def _judge_fact(criterion: Criterion, evidence: Evidence) -> Verdict:
    """Met when the fact, or any alternative the model lists, has the expected value. Unknown when none does and
    one is unknown (no collector established it, or its value is None), or when the model marks the fact as one
    convention among several ways of showing the practice (`missing: unknown`). Not met only when every listed
    way was looked for and is absent."""
    assert criterion.fact is not None
    answered = evidence.answers.get(criterion.id)
    if answered is not None and answered.value is not None:
        return _judge_answer(criterion, answered, _OVERRIDES)
    seen = [(fid, evidence.facts.get(fid)) for fid in criterion.facts]
    shown = next((f for _, f in seen if f is not None and f.value is criterion.expected), None)
    if shown is not None:
        return _fact_verdict(criterion, shown, Status.MET)
    open_ = [(fid, f) for fid, f in seen if f is None or f.value is None]
    if open_:
        fid, fact = open_[0]
        name = _fact_name(fid)
        if fact is None:
            return Verdict(
                criterion=criterion.id,
                status=Status.UNKNOWN,
                decided_by=DecidedBy.NOTHING,
                reason=Text(
                    zh=f"未知：尚无收集器确定“{name.zh}”（{fid}）", en=f"unknown: no collector has established {fid}"
                ),
            )
        # The collector's detail is English text; zh names the fact instead, and the evidence shows where it looked.
        return Verdict(
            criterion=criterion.id,
            status=Status.UNKNOWN,
            decided_by=DecidedBy.NOTHING,
            observed="unknown",
            reason=Text(
                zh=f"未知：无法从证据判断“{name.zh}”（{fid}）",
                en=f"unknown: {fact.detail or f'{fid} cannot be told from the evidence'}",
            ),
            evidence=fact.evidence,
        )
    first = seen[0][1]
    assert first is not None
    if criterion.missing_unknown:
        detail = f": {first.detail}" if first.detail else ""
        said = _YES_NO[bool(first.value)]
        return Verdict(
            criterion=criterion.id,
            status=Status.UNKNOWN,
            decided_by=DecidedBy.NOTHING,
            observed=str(first.value).lower(),
            reason=Text(
                zh=f"未知：“{_fact_name(first.id).zh}”（{first.id}）为{said.zh}；这只是体现该实践的一种方式，"
                f"而非唯一方式（可回答 {criterion.id}）",
                en=f"unknown: {first.id} is {str(first.value).lower()}{detail}; this is one way of showing the "
                f"practice, not the only one (answer {criterion.id})",
            ),
        )
    return _fact_verdict(criterion, first, Status.NOT_MET)


def _fact_verdict(criterion: Criterion, fact: Fact, status: Status) -> Verdict:
    detail = f": {fact.detail}" if fact.detail else ""
    checked = status is Status.NOT_MET and criterion.alternatives
    others = Text(
        zh=f"（已检查 {', '.join(criterion.facts)}）" if checked else "",
        en=f" (checked {', '.join(criterion.facts)})" if checked else "",
    )
    said = _YES_NO[bool(fact.value)]
    return Verdict(
        criterion=criterion.id,
        status=status,
        decided_by=DecidedBy.FACT,
        observed=str(fact.value).lower(),
        reason=Text(
            zh=f"“{_fact_name(fact.id).zh}”（{fact.id}）：{said.zh}{others.zh}",
            en=f"{fact.id} is {str(fact.value).lower()}{detail}{others.en}",
        ),
        evidence=fact.evidence,
    )


def _judge_answer(criterion: Criterion, answer: Answer | None, missing: Text) -> Verdict:
    if answer is None or answer.value is None:
        return Verdict(
            criterion=criterion.id,
            status=Status.UNKNOWN,
            decided_by=DecidedBy.NOTHING,
            reason=Text(zh=f"未知：{missing.zh}", en=f"unknown: {missing.en}"),
        )
    said = _YES_NO[answer.value]
    who = Text(zh=f"，回答人 {answer.by}" if answer.by else "", en=f" by {answer.by}" if answer.by else "")
    when = Text(zh=f"，日期 {answer.at}" if answer.at else "", en=f" on {answer.at}" if answer.at else "")
    note = Text(zh=f"：{answer.note}" if answer.note else "", en=f": {answer.note}" if answer.note else "")
    return Verdict(
        criterion=criterion.id,
        status=Status.MET if answer.value else Status.NOT_MET,
        decided_by=DecidedBy.ASSESSOR,
        observed="yes" if answer.value else "no",
        reason=Text(
            zh=f"评估人回答“{said.zh}”{who.zh}{when.zh}{note.zh}",
            en=f"assessor answered {said.en}{who.en}{when.en}{note.en}",
        ),
        evidence=answer.evidence,
    )


def assess_item(item: Item, evidence: Evidence, default_window_days: int) -> ItemResult:
    """The item's level: the highest L such that every criterion of every level <= L is met. An item the project
    declared not applicable is not judged at all."""
    if item.id in evidence.not_applicable:
        return ItemResult(item=item.id, level=0, levels=(), not_applicable=evidence.not_applicable[item.id])
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


_SYMBOL = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


def how_to_decide(criterion: Criterion, verdict: Verdict, evidence: Evidence) -> Text:
    """What would settle or raise this criterion, in words: the evidence to collect or the change to make. Ids appear
    only in parentheses, for reference."""
    if criterion.kind is CriterionKind.ANSWER:
        hint = criterion.evidence_hint or Text(zh="附上文档、链接或截图", en="attach a document, link or screenshot")
        return Text(
            zh=f"在答卷文件中填写评估人回答（键 {criterion.id}）；证据：{hint.zh}",
            en=f"assessor answer in the answers file (key {criterion.id}); evidence: {hint.en}",
        )
    if criterion.kind is CriterionKind.FACT:
        return _fact_advice(criterion, verdict)
    assert criterion.metric is not None and criterion.op is not None and criterion.value is not None
    threshold = evidence.thresholds.get(criterion.id, criterion.value)
    name = _metric_name(criterion.metric)
    try:
        unit = metric_spec(criterion.metric).unit
    except KeyError:
        unit = ""
    target = f"{_SYMBOL[criterion.op.value]} {format_value(threshold, unit) if unit else f'{threshold:g}'}"
    ref = f"（{criterion.metric}）"
    if verdict.status is Status.UNKNOWN:
        return Text(
            zh=f"收集计算{name.zh}{ref}所需的证据，以便核对是否 {target}",
            en=f"Collect the evidence behind {name.en} ({criterion.metric}) so that {target} can be checked",
        )
    lower = criterion.op in (Op.LE, Op.LT)
    return Text(
        zh=f"把{name.zh}{ref}{'降低' if lower else '提高'}到 {target}（当前 {verdict.observed}）",
        en=f"{'Lower' if lower else 'Raise'} {name.en} ({criterion.metric}) to {target} (now {verdict.observed})",
    )


def _fact_advice(criterion: Criterion, verdict: Verdict) -> Text:
    assert criterion.fact is not None
    ref = criterion.fact
    try:
        spec: FactSpec | None = fact_spec(ref)
    except KeyError:
        spec = None
    name = spec.name if spec is not None else Text.same(ref)
    answer = Text(zh=f"；或在答卷中回答 {criterion.id}", en=f"; or answer {criterion.id} in the answers file")
    if verdict.status is Status.UNKNOWN:
        return Text(
            zh=f"收集能说明“{name.zh}”是否成立的证据（{ref}）{answer.zh}",
            en=f"Collect the evidence that shows whether this holds: {name.en} ({ref}){answer.en}",
        )
    if not criterion.expected:
        return Text(
            zh=f"让“{name.zh}”不再成立（{ref}）{answer.zh}",
            en=f"Make sure this no longer holds: {name.en} ({ref}){answer.en}",
        )
    advice = spec.advice if spec is not None else Text(zh=f"让“{ref}”成立", en=f"Make {ref} hold")
    return Text(zh=f"{advice.zh}（{ref}）{answer.zh}", en=f"{advice.en} ({ref}){answer.en}")


def _rolled(rollup: Callable[[Sequence[int]], int], items: Sequence[ItemResult]) -> int:
    """The roll-up over the applicable items, as CAICT leaves N/A items out. 0 ("no data") when none applies or
    when nothing at all was decided: a part without any evidence is not at the lowest level, it is unassessed."""
    applicable = [i for i in items if i.not_applicable is None]
    if not any(i.decided for i in applicable):
        return 0
    return rollup([i.level for i in applicable])


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
            subs.append(SubdomainResult(subdomain=sub.id, level=_rolled(rollup, items), items=items))
        every = tuple(i for s in subs for i in s.items)
        part_results.append(
            PartResult(
                part=part.id, key=part.key, level=_rolled(rollup, every), policy=rollup_name, subdomains=tuple(subs)
            )
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
