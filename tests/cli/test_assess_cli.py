"""The assess, gate, model and answers commands end to end on a real repository and the SQLite default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from devmaturity.cli.main import run
from tests.history import build_history


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    build_history(tmp_path / "r")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_assess_prints_levels_and_writes_reports(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        ["assess", "r", "--format", "table", "--format", "json", "--format", "html", "--format", "md", "--out", "out"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Continuous delivery" in out and "Configuration management" in out
    report = json.loads((env / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["schema"] == "devmaturity.report/2"
    assert [p["key"] for p in report["parts"]] == ["adm", "cd", "to", "ad", "srm"]
    cd = report["parts"][1]
    assert sum(len(s["items"]) for s in cd["subdomains"]) == 49
    assert (env / "devmaturity.db").is_file()  # the embedded default store
    html = (env / "out" / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 6 and "CD.CM.VC.VCS" in html and "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    md = (env / "out" / "report.md").read_text(encoding="utf-8")
    assert "#### CD.BCI.CI.IF" in md


def test_assess_in_chinese(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["assess", "r", "--lang", "zh", "--format", "table", "--part", "cd"]) == 0
    out = capsys.readouterr().out
    assert "持续交付" in out and "配置管理" in out and "初始级" in out


def test_gate_fails_below_the_bar_and_passes_at_it(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["gate", "r", "--min-level", "3", "--part", "cd"]) == 2
    captured = capsys.readouterr()
    assert "cd: level 1 (bar 3) BELOW" in captured.out
    assert "error[gate-failed]: gate failed: cd=1 below level 3" in captured.err
    assert run(["gate", "r", "--min-level", "1", "--part", "cd"]) == 0


def test_answers_raise_a_level(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Answering the questions of CD.CM.VC.VCS level 2 moves the item from 1 to 2, with the evidence shown."""
    assert run(["answers", "template", "--part", "cd", "--out", "answers.yaml"]) == 0
    doc = yaml.safe_load((env / "answers.yaml").read_text(encoding="utf-8"))
    entries = {e["criterion"]: e for e in doc["answers"]}
    assert "CD.CM.VC.VCS.L2.2" in entries and entries["CD.CM.VC.VCS.L2.2"]["answer"] is None
    for entry in doc["answers"]:
        if entry["criterion"].startswith("CD.CM.VC.VCS.L2."):
            entry.update(answer="yes", evidence=["https://wiki.example/vcs"], by="Wang Wu", at="2026-11-20")
    (env / "answers.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert run(["assess", "r", "--answers", "answers.yaml", "--format", "json", "--out", "out"]) == 0
    capsys.readouterr()
    report = json.loads((env / "out" / "report.json").read_text(encoding="utf-8"))
    item = next(i for s in report["parts"][1]["subdomains"] for i in s["items"] if i["id"] == "CD.CM.VC.VCS")
    assert item["level"] == 2
    verdict = item["levels"][1]["criteria"][1]
    assert verdict["decided_by"] == "assessor" and verdict["evidence"] == ["https://wiki.example/vcs"]
    assert "Wang Wu" in verdict["reason"]["en"]


def test_template_merge_keeps_given_answers(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    given = env / "given.yaml"
    given.write_text(
        "format: 1\nanswers:\n  - criterion: CD.CM.VC.VCS.L2.2\n    answer: yes\n"
        "    evidence: [https://wiki.example/x]\n    by: Li\n",
        encoding="utf-8",
    )
    assert run(["answers", "template", "--part", "cd", "--merge", str(given)]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    entry = next(e for e in doc["answers"] if e["criterion"] == "CD.CM.VC.VCS.L2.2")
    assert entry["answer"] is True and entry["evidence"] == ["https://wiki.example/x"] and entry["by"] == "Li"


def test_model_browsing(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["model", "list"]) == 0
    out = capsys.readouterr().out
    assert "caict-devops" in out and "dora" in out
    assert run(["model", "show", "caict-devops", "--part", "cd", "--lang", "zh", "--no-levels"]) == 0
    out = capsys.readouterr().out
    assert "版本控制系统" in out and "CD.MF.MDI.MFI" in out
    assert run(["model", "show", "dora", "--part", "2024"]) == 0
    assert "Elite" in capsys.readouterr().out
    assert run(["metrics"]) == 0 and "integration_frequency" in capsys.readouterr().out
    assert run(["facts"]) == 0 and "pipeline.stage.security_scan" in capsys.readouterr().out


def test_dora_framework_runs(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["assess", "r", "--framework", "dora", "--format", "table", "--brief"]) == 0
    assert "2024" in capsys.readouterr().out


def test_config_file_sets_defaults_and_thresholds(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "r" / "devmaturity.toml").write_text(
        '[devmaturity]\nwindow = "400d"\nproject = "payments"\n[devmaturity.thresholds]\n"CD.CM.VC.BM.L3.1" = 40\n',
        encoding="utf-8",
    )
    assert run(["assess", "r", "--format", "json", "--out", "out", "--part", "cd"]) == 0
    capsys.readouterr()
    report = json.loads((env / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["project"] == "payments" and report["window"]["days"] == 400
