"""Fact criteria that accept several ways of showing a practice, conventions whose absence is unknown, unknown facts,
and calibrations marked as devmaturity's own (tests/data/models/alternatives)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.assess.engine import Evidence, assess
from devmaturity.errors import ModelFileError
from devmaturity.frameworks.loader import load_framework
from devmaturity.model.assessment import Answer, Status
from devmaturity.model.facts import Fact
from devmaturity.model.metric import Window
from devmaturity.reports.json import report_dict

MODEL = Path(__file__).parents[1] / "data" / "models" / "alternatives"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _verdict(facts: dict[str, bool | None], item: str, answers: dict[str, Answer] | None = None) -> tuple[Status, str]:
    framework = load_framework(str(MODEL))
    evidence = Evidence(
        facts={fid: Fact(id=fid, value=v, detail=f"detail of {fid}") for fid, v in facts.items()},
        answers=answers or {},
    )
    result = assess(framework, evidence, window=Window.last(90, now=NOW), now=NOW)
    found = next(i for s in result.parts[0].subdomains for i in s.items if i.item == item)
    verdict = found.levels[1].verdicts[0]
    return verdict.status, verdict.reason.en


def test_any_alternative_meets_the_criterion() -> None:
    """A Maven project has no lock file, but its pom declares the dependencies: deps.build_tool shows it."""
    status, reason = _verdict({"deps.lockfile": False, "deps.build_tool": True, "iac.present": False}, "ALT.S.DEPS")
    assert status is Status.MET
    assert reason.startswith("deps.build_tool is true")


def test_every_alternative_absent_is_not_met_and_names_them() -> None:
    status, reason = _verdict({"deps.lockfile": False, "deps.build_tool": False, "iac.present": False}, "ALT.S.DEPS")
    assert status is Status.NOT_MET
    assert "checked deps.lockfile, deps.build_tool, iac.present" in reason


def test_an_unknown_alternative_keeps_the_criterion_unknown() -> None:
    """None of the known facts holds and one could not be established: unknown, with that fact's reason."""
    status, reason = _verdict({"deps.lockfile": False, "deps.build_tool": False, "iac.present": None}, "ALT.S.DEPS")
    assert status is Status.UNKNOWN
    assert reason == "unknown: detail of iac.present"
    status, reason = _verdict({"deps.lockfile": False, "deps.build_tool": False}, "ALT.S.DEPS")
    assert status is Status.UNKNOWN
    assert reason == "unknown: no collector has established iac.present"


def test_a_missing_convention_is_unknown_not_false() -> None:
    """No SECURITY.md: an enterprise may publish its disclosure process elsewhere, so the assessor is asked."""
    status, reason = _verdict({"security.policy": False}, "ALT.S.POLICY")
    assert status is Status.UNKNOWN
    assert "one way of showing the practice" in reason and "ALT.S.POLICY.L2.1" in reason
    assert _verdict({"security.policy": True}, "ALT.S.POLICY")[0] is Status.MET
    answered = {"ALT.S.POLICY.L2.1": Answer(criterion="ALT.S.POLICY.L2.1", value=True, by="Wang")}
    assert _verdict({"security.policy": False}, "ALT.S.POLICY", answered)[0] is Status.MET


def test_calibration_is_carried_to_the_report() -> None:
    framework = load_framework(str(MODEL))
    result = assess(framework, Evidence(), window=Window.last(90, now=NOW), now=NOW)
    report = report_dict(result, framework)
    items = report["parts"][0]["subdomains"][0]["items"]  # type: ignore[index]
    cov = next(i for i in items if i["id"] == "ALT.S.COV")
    assert cov["levels"][1]["criteria"][0]["calibration"] == {
        "zh": "标准未给出数值",
        "en": "The standard gives no figure",
    }


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("any_of", "[no.such.fact]", "unknown fact id"),
        ("any_of", "deps.build_tool", "a list of fact ids is required"),
        ("missing", "maybe", "use unknown"),
    ],
)
def test_bad_options_name_file_key_and_value(tmp_path: Path, key: str, value: str, message: str) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "framework.yaml").write_text((MODEL / "framework.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    part = (MODEL / "part.yaml").read_text(encoding="utf-8")
    part = part.replace("any_of: [deps.build_tool, iac.present]", f"{key}: {value}")
    (model / "part.yaml").write_text(part, encoding="utf-8")
    with pytest.raises(ModelFileError, match=message) as caught:
        load_framework(str(model))
    assert "part.yaml" in caught.value.message and key in caught.value.message


def test_a_not_applicable_item_is_left_out_of_the_roll_up() -> None:
    """ALT.S.DEPS and ALT.S.POLICY reach level 2 from their facts; ALT.S.COV has no coverage (level 1). With
    coverage declared not applicable the subdomain and part stand at 2 (weakest link over the two others)."""
    framework = load_framework(str(MODEL))
    facts = {
        "deps.lockfile": Fact(id="deps.lockfile", value=True),
        "security.policy": Fact(id="security.policy", value=True),
    }
    window = Window.last(90, now=NOW)
    plain = assess(framework, Evidence(facts=facts), window=window, now=NOW)
    assert plain.parts[0].level == 1
    skipped = assess(
        framework, Evidence(facts=facts, not_applicable={"ALT.S.COV": "no code of our own"}), window=window, now=NOW
    )
    assert skipped.parts[0].level == 2 and skipped.parts[0].subdomains[0].level == 2
    cov = next(i for i in skipped.parts[0].items() if i.item == "ALT.S.COV")
    assert cov.mark == "N/A" and cov.not_applicable == "no code of our own" and cov.levels == ()
    report = report_dict(skipped, framework)
    items = report["parts"][0]["subdomains"][0]["items"]  # type: ignore[index]
    assert next(i for i in items if i["id"] == "ALT.S.COV")["not_applicable"] == "no code of our own"
    everything = assess(
        framework,
        Evidence(not_applicable={"ALT.S.COV": "x", "ALT.S.DEPS": "x", "ALT.S.POLICY": "x"}),
        window=window,
        now=NOW,
    )
    assert everything.parts[0].level == 0
