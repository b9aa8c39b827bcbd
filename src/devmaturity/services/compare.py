"""Before/after comparison and trends: the same metrics over several windows, and the case-study sentence. Both read
what was collected; neither collects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from devmaturity.config import Config
from devmaturity.errors import UsageError
from devmaturity.metrics.registry import Inputs, compute, implemented
from devmaturity.model.metric import Better, MetricValue, Window
from devmaturity.model.metric_catalogue import metric_spec
from devmaturity.model.text import Lang
from devmaturity.services.assess import load_inputs
from devmaturity.services.collected import require_stored
from devmaturity.store.db import Store, describe_store

STEPS = {"week": 7, "month": 30}


def parse_window(text: str) -> Window:
    """'2026-01-01..2026-03-31' (dates inclusive, UTC) or 'YYYY-MM-DDTHH:MM..YYYY-MM-DDTHH:MM'."""
    start_text, sep, end_text = text.partition("..")
    try:
        if not sep:
            raise ValueError
        start, end = _moment(start_text), _moment(end_text)
        if len(end_text.strip()) == 10:
            end += timedelta(days=1)
    except ValueError:
        raise UsageError(
            f"window {text!r}: use START..END dates, e.g. 2026-01-01..2026-03-31",
            zh=f"窗口 {text!r}：请写成 开始..结束 日期，如 2026-01-01..2026-03-31",
        ) from None
    if end <= start:
        raise UsageError(f"window {text!r}: the end must be after the start", zh=f"窗口 {text!r}：结束必须晚于开始")
    return Window(start=start, end=end)


def parse_as_of(text: str) -> datetime:
    """`--as-of`: a date means the end of that day (UTC), as an assessment "as of 2026-09-30" includes that day; a
    time is taken as given (UTC when it has no offset)."""
    try:
        moment = _moment(text)
    except ValueError:
        raise UsageError(
            f"--as-of {text!r}: use a date or time, e.g. 2026-09-30 or 2026-09-30T18:00+08:00",
            zh=f"--as-of {text!r}：请给出日期或时间，如 2026-09-30 或 2026-09-30T18:00+08:00",
        ) from None
    return moment + timedelta(days=1) if len(text.strip()) == 10 else moment


def _moment(text: str) -> datetime:
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    metric: str
    before: MetricValue
    after: MetricValue

    @property
    def ratio(self) -> float | None:
        b, a = self.before.value, self.after.value
        if b is None or a is None or b == 0:
            return None
        return (a - b) / abs(b)

    @property
    def improved(self) -> bool | None:
        b, a = self.before.value, self.after.value
        if b is None or a is None or a == b:
            return None
        return (a > b) == (metric_spec(self.metric).better is Better.HIGHER)


def shown(value: float | None, unit: str, lang: Lang = "en") -> str:
    if value is None:
        return "未知" if lang == "zh" else "unknown"
    if unit == "ratio":
        return f"{value * 100:.3g}%"
    return f"{value:.3g}"


def sentence(changes: list[Change], lang: Lang = "en") -> str:
    """'unit-test line coverage 30% → 75%; requirement delivery cycle 19 → 5.7 days, −70%' for known pairs."""
    parts = []
    for change in changes:
        if change.before.value is None or change.after.value is None:
            continue
        spec = metric_spec(change.metric)
        unit = "" if spec.unit == "ratio" else f" {spec.unit}"
        before, after = shown(change.before.value, spec.unit), shown(change.after.value, spec.unit)
        text = f"{spec.name.get(lang)} {before} → {after}{unit}"
        if change.ratio is not None and spec.unit != "ratio":
            text += f", {change.ratio * 100:+.0f}%".replace("-", "−")
        parts.append(text)
    return "; ".join(parts)


def _inputs(path: Path, config: Config, store: Store, earliest: datetime) -> Inputs:
    """The evidence stored for the project PATH names: read only, so PATH need not exist any more (collecting is
    `devmaturity collect` or `assess`)."""
    stored = require_stored(store, config, path, describe_store(config.database_url))
    _, inputs = load_inputs(store, stored, config, earliest)
    return inputs


def compare(
    path: Path,
    config: Config,
    before: Window,
    after: Window,
    metrics: list[str] | None = None,
    store: Store | None = None,
) -> list[Change]:
    store = store or Store.open(config.database_url)
    chosen = _metrics(metrics)
    inputs = _inputs(path, config, store, min(before.start, after.start))
    return [Change(metric=m, before=compute(m, inputs, before), after=compute(m, inputs, after)) for m in chosen]


def trend(
    path: Path,
    config: Config,
    metrics: list[str] | None,
    every: str,
    periods: int,
    now: datetime,
    store: Store | None = None,
) -> list[tuple[Window, list[MetricValue]]]:
    """Each metric over consecutive windows of a week or a month, oldest first, the last ending at `now`."""
    if every not in STEPS:
        raise UsageError(
            f"--every {every!r}: use one of {', '.join(STEPS)}", zh=f"--every {every!r}：只能是 {'、'.join(STEPS)}"
        )
    step = timedelta(days=STEPS[every])
    windows = [Window(start=now - step * (i + 1), end=now - step * i) for i in reversed(range(periods))]
    store = store or Store.open(config.database_url)
    chosen = _metrics(metrics)
    inputs = _inputs(path, config, store, windows[0].start)
    return [(w, [compute(m, inputs, w) for m in chosen]) for w in windows]


def _metrics(metrics: list[str] | None) -> list[str]:
    done = implemented()
    if not metrics:
        return done
    unknown = [m for m in metrics if m not in done]
    if unknown:
        raise UsageError(
            f"unknown or not computed metric(s): {', '.join(unknown)}; see `devmaturity metrics`",
            zh=f"未知或尚未计算的度量：{', '.join(unknown)}；请查看 `devmaturity metrics`",
        )
    return metrics
