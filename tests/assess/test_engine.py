"""The rule engine on the tiny custom model: met, not met, unknown, partial marks, caps and roll-ups."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devmaturity.assess.engine import Evidence, assess, needed_metrics
from devmaturity.assess.rollup import lower_median, mean_floor, resolve_policy, share_policy, weakest_link
from devmaturity.errors import ConfigError
from devmaturity.frameworks.loader import load_framework
from devmaturity.model.assessment import Answer, Status
from devmaturity.model.facts import Fact
from devmaturity.model.metric import MetricValue, Window

TINY = str(Path(__file__).parents[1] / "data" / "models" / "tiny")
NOW = datetime(2024, 3, 1, tzinfo=UTC)
WINDOW = Window.last(90, now=NOW)


def mv(metric: str, value: float | None, days: int = 90, unit: str = "ratio") -> MetricValue:
    return MetricValue(
        metric=metric,
        value=value,
        unit=unit,
        window=Window.last(days, now=NOW),
        sample_size=4,
        reason="" if value is not None else "no data",
    )


def yes(cid: str) -> Answer:
    return Answer(criterion=cid, value=True, evidence=("https://wiki.example/rule",), by="Li", at="2024-02-20")


def everything_met() -> Evidence:
    return Evidence(
        metrics={
            ("integration_frequency", 90): mv("integration_frequency", 1.5),
            ("branch_lifetime", 30): mv("branch_lifetime", 1.0, 30, "days"),
            ("reviewed_change_share", 90): mv("reviewed_change_share", 0.95),
        },
        facts={
            f: Fact(id=f, value=v)
            for f, v in (
                ("ci.present", True),
                ("pipeline.stage.security_scan", True),
                ("pipeline.manual_approval", False),
            )
        },
        answers={c: yes(c) for c in ("T.A.ONE.L3.2", "T.B.ONE.L2.1", "T.B.ONE.L3.1", "T.B.ONE.L4.1")},
    )


def levels(result_parts: tuple) -> dict[str, int]:  # type: ignore[type-arg]
    return {i.item: i.level for p in result_parts for i in p.items()}


def test_custom_model_loads_from_a_folder() -> None:
    fw = load_framework(TINY)
    assert fw.id == "tiny" and [i.id for i in fw.items()] == ["T.A.ONE", "T.A.TWO", "T.B.ONE"]
    assert needed_metrics(fw, 90) == {
        ("integration_frequency", 90),
        ("branch_lifetime", 30),
        ("reviewed_change_share", 90),
    }


def test_all_met_reaches_top_levels_and_cap() -> None:
    fw = load_framework(TINY)
    result = assess(fw, everything_met(), window=WINDOW, now=NOW)
    items = {i.item: i for i in result.parts[0].items()}
    assert items["T.A.ONE"].level == 3 and items["T.A.ONE"].capped and items["T.A.ONE"].gap == ()
    assert items["T.A.TWO"].level == 4 and items["T.B.ONE"].level == 4
    assert result.parts[0].level == 3  # weakest link
    assert [s.level for s in result.parts[0].subdomains] == [3, 4]


def test_unknown_is_not_met_and_reported_apart() -> None:
    fw = load_framework(TINY)
    ev = everything_met()
    ev = Evidence(
        metrics={**ev.metrics, ("integration_frequency", 90): mv("integration_frequency", None)},
        facts=ev.facts,
        answers=ev.answers,
    )
    item = {i.item: i for i in assess(fw, ev, window=WINDOW, now=NOW).parts[0].items()}["T.A.ONE"]
    assert item.level == 2 and item.blocked_by is Status.UNKNOWN
    verdict = item.levels[2].verdicts[0]
    assert verdict.status is Status.UNKNOWN and "no data" in verdict.reason.en
    assert item.gap[0].status is Status.UNKNOWN and "Collect the evidence" in item.gap[0].how_to_decide.en


def test_not_met_with_observed_value_and_gap() -> None:
    fw = load_framework(TINY)
    ev = everything_met()
    ev = Evidence(
        metrics={**ev.metrics, ("integration_frequency", 90): mv("integration_frequency", 0.4, unit="x")},
        facts=ev.facts,
        answers=ev.answers,
    )
    item = {i.item: i for i in assess(fw, ev, window=WINDOW, now=NOW).parts[0].items()}["T.A.ONE"]
    assert item.level == 2 and item.blocked_by is Status.NOT_MET
    assert item.levels[2].verdicts[0].status is Status.NOT_MET
    assert "0.4 x" in item.levels[2].verdicts[0].reason.en
    # The advice names the metric in words, the target with the catalogue's unit, and the id only in parentheses.
    assert item.gap[0].how_to_decide.en == (
        "Raise Integration frequency (integration_frequency) to ≥ 1 integrations/developer/workday (now 0.4 x)"
    )
    assert (
        item.gap[0].how_to_decide.zh
        == "把集成频率（integration_frequency）提高到 ≥ 1 integrations/developer/workday（当前 0.4 x）"
    )


def test_partial_mark_when_some_next_level_criteria_met() -> None:
    fw = load_framework(TINY)
    ev = everything_met()
    answers = {k: v for k, v in ev.answers.items() if k != "T.A.ONE.L3.2"}
    item = {
        i.item: i
        for i in assess(fw, Evidence(metrics=ev.metrics, facts=ev.facts, answers=answers), window=WINDOW, now=NOW)
        .parts[0]
        .items()
    }["T.A.ONE"]
    assert item.level == 2 and item.partial and item.mark == "3-"
    assert [g.criterion for g in item.gap] == ["T.A.ONE.L3.2"]


def test_nothing_known_is_no_data_not_the_lowest_level() -> None:
    """Items without evidence stay at the floor (level 1, blocked by unknowns), but a part where nothing at all was
    decided is unassessed: level 0, which reports name "no data", not "Initial" or DORA's "Low". One decided
    criterion anywhere in the part makes it a level again."""
    fw = load_framework(TINY)
    result = assess(fw, Evidence(), window=WINDOW, now=NOW)
    assert set(levels(result.parts).values()) == {1}
    assert all(i.blocked_by is Status.UNKNOWN for i in result.parts[0].items())
    assert result.parts[0].level == 0
    assert all(s.level == 0 for s in result.parts[0].subdomains)
    one = Evidence(facts={"ci.present": Fact(id="ci.present", value=False, detail="no CI")})
    assert assess(fw, one, window=WINDOW, now=NOW).parts[0].level == 1


def test_cumulative_lower_level_failure_blocks_higher_met_levels() -> None:
    fw = load_framework(TINY)
    ev = everything_met()
    facts = {**ev.facts, "ci.present": Fact(id="ci.present", value=False, detail="no CI")}
    result = assess(fw, Evidence(metrics=ev.metrics, facts=facts, answers=ev.answers), window=WINDOW, now=NOW)
    item = {i.item: i for i in result.parts[0].items()}["T.A.ONE"]
    assert item.level == 1 and item.levels[2].status is Status.MET and item.mark == "1"


def test_fact_expected_false_and_assessor_override() -> None:
    fw = load_framework(TINY)
    ev = everything_met()
    facts = {**ev.facts, "pipeline.manual_approval": Fact(id="pipeline.manual_approval", value=True)}
    two = {
        i.item: i
        for i in assess(fw, Evidence(metrics=ev.metrics, facts=facts, answers=ev.answers), window=WINDOW, now=NOW)
        .parts[0]
        .items()
    }["T.A.TWO"]
    assert two.level == 2 and two.levels[2].verdicts[1].status is Status.NOT_MET
    answers = {**ev.answers, "T.A.TWO.L3.2": yes("T.A.TWO.L3.2")}
    two = {
        i.item: i
        for i in assess(fw, Evidence(metrics=ev.metrics, facts=facts, answers=answers), window=WINDOW, now=NOW)
        .parts[0]
        .items()
    }["T.A.TWO"]
    assert two.level == 4 and "assessor answered yes by Li" in two.levels[2].verdicts[1].reason.en


def test_threshold_override_from_config() -> None:
    fw = load_framework(TINY)
    ev = everything_met()
    strict = Evidence(metrics=ev.metrics, facts=ev.facts, answers=ev.answers, thresholds={"T.A.TWO.L4.1": 0.99})
    two = {i.item: i for i in assess(fw, strict, window=WINDOW, now=NOW).parts[0].items()}["T.A.TWO"]
    assert two.level == 3


def test_policies_on_the_same_items() -> None:
    fw = load_framework(TINY)
    ev = everything_met()
    answers = {k: v for k, v in ev.answers.items() if not k.startswith("T.B")}
    evidence = Evidence(metrics=ev.metrics, facts=ev.facts, answers=answers)  # levels 3, 4, 1
    got = {
        p: assess(fw, evidence, window=WINDOW, now=NOW, policy=p).parts[0].level
        for p in ("weakest_link", "mean", "median")
    }
    assert got == {"weakest_link": 1, "mean": 2, "median": 3}


def test_unknown_policy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown roll-up policy"):
        resolve_policy("best_case")


def test_share_policy() -> None:
    assert share_policy(0.75)([3, 3, 3, 2]) == 3
    assert share_policy(0.75)([3, 3, 2, 2]) == 2
    assert share_policy(0.75)([3, 3, 3, 1]) == 2  # 3 fails: the 1 is two below
    assert share_policy(0.75)([3, 3, 3, 0]) == 1


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=60))
def test_rollups_stay_within_item_range_and_weakest_is_lowest(values: list[int]) -> None:
    for policy in (weakest_link, mean_floor, lower_median, share_policy(0.8)):
        assert min(values) <= policy(values) <= max(values)
    assert weakest_link(values) <= mean_floor(values)
    assert weakest_link(values) <= lower_median(values)


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=30), st.integers(0, 29))
def test_raising_one_item_never_lowers_any_rollup(values: list[int], index: int) -> None:
    raised = list(values)
    raised[index % len(values)] = min(5, raised[index % len(values)] + 1)
    for policy in (weakest_link, mean_floor, lower_median, share_policy(0.8)):
        assert policy(raised) >= policy(values)


def test_printed_figures_never_contradict_the_verdict() -> None:
    """99.969 % against a 99.99 % bar rounds to 100.0 % at one decimal; the printed figures take the decimals
    needed to show the shortfall (99.97 % < 99.99 %). A value that meets its bar stays at one decimal."""
    from devmaturity.assess.engine import format_pair
    from devmaturity.model.framework import Op

    assert format_pair(0.99969, 0.9999, "ratio", Op.GE, False) == ("99.97%", "99.99%")
    assert format_pair(0.8, 0.75, "ratio", Op.GE, True) == ("80.0%", "75.0%")
    assert format_pair(0.0, 0.0, "ratio", Op.LE, True) == ("0.0%", "0.0%")
    assert format_pair(1.0004, 1.0, "h", Op.LE, False) == ("1.0004 h", "1 h")


def test_an_overridden_threshold_shows_the_value_in_force_and_where_it_came_from() -> None:
    framework = load_framework(TINY)
    metric_criteria = [c for c in framework.criteria() if c.metric is not None]
    criterion = metric_criteria[0]
    assert criterion.value is not None and criterion.metric is not None and criterion.op is not None
    stricter = criterion.value + 0.05 if criterion.op.value.startswith(">") else criterion.value - 0.05
    evidence = Evidence(
        metrics={(criterion.metric, criterion.window_days or 90): mv(criterion.metric, criterion.value)},
        thresholds={criterion.id: stricter},
    )
    result = assess(framework, evidence, window=WINDOW, now=NOW)
    verdict = next(
        v
        for p in result.parts
        for i in p.items()
        for lv in i.levels
        for v in lv.verdicts
        if v.criterion == criterion.id
    )
    assert verdict.threshold == stricter and verdict.threshold_source == "devmaturity.toml [thresholds]"
    assert f"threshold from devmaturity.toml [thresholds]; the model's is {criterion.value:g}" in verdict.reason.en


def test_unknown_fact_is_unknown_with_its_reason_not_not_met() -> None:
    """T.A.TWO's level-3 criterion wants pipeline.manual_approval false. With the fact unknown (value None, as
    for a Jenkins deploy whose approval may be set on the server) the verdict is UNKNOWN, carries the fact's
    detail and evidence, and is not NOT_MET; the item stops below level 3 for want of evidence."""
    fw = load_framework(TINY)
    ev = everything_met()
    unknown = Fact(
        id="pipeline.manual_approval",
        value=None,
        detail="approvals may be configured on the Jenkins server",
        evidence=("Jenkinsfile:9#Deploy",),
    )
    facts = {**ev.facts, "pipeline.manual_approval": unknown}
    result = assess(fw, Evidence(metrics=ev.metrics, facts=facts, answers=ev.answers), window=WINDOW, now=NOW)
    two = {i.item: i for i in result.parts[0].items()}["T.A.TWO"]
    verdict = two.levels[2].verdicts[1]
    assert verdict.status is Status.UNKNOWN and verdict.observed == "unknown"
    assert "configured on the Jenkins server" in verdict.reason.en and verdict.evidence == ("Jenkinsfile:9#Deploy",)
    assert two.level == 2 and two.blocked_by is Status.UNKNOWN
