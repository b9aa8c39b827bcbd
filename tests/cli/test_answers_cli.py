"""`devmaturity answers template --next-level`, `answers workbook` and `answers import`, end to end with `assess`.

The tiny model (tests/data/models/tiny) keeps the runs short. Its item T.B.ONE has one question per level, so its
level is decided by answers alone: 1 with none, 2 once T.B.ONE.L2.1 is answered yes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from devmaturity.cli.main import run
from devmaturity.config import Config
from devmaturity.frameworks.loader import load_framework
from devmaturity.model.assessment import Answer
from devmaturity.reports.json import render_json
from devmaturity.services.answers import load_answers
from devmaturity.services.assess import run_assessment
from devmaturity.store.db import Store
from tests.gitbuild import RepoBuilder
from tests.history import build_history

TINY = str(Path(__file__).parents[1] / "data" / "models" / "tiny")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with one commit two days ago, no CI and no branches; the working folder is tmp_path."""
    repo = RepoBuilder(tmp_path / "r")
    repo.commit("initial", {"README.md": "hello\n"}, (datetime.now(UTC) - timedelta(days=2)).isoformat())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _item(report: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for p in report["parts"] for s in p["subdomains"] for i in s["items"] if i["id"] == item_id)


def _fill(path: Path, answers: dict[str, dict[str, object]]) -> None:
    """Fill the rows of the given criterion ids, by column letter, as an assessor would in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[1]
    for row in range(2, sheet.max_row + 1):
        for column, value in answers.get(str(sheet[f"D{row}"].value), {}).items():
            sheet[f"{column}{row}"] = value
    book.save(path)


def test_workbook_round_trip_into_the_assessment(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """assess → workbook from its report → filled (T.B.ONE.L2.1 yes, L3.1 no) → import → assess with the answers:
    T.B.ONE rises from 1 to 2 (its level 3 question is answered no), each verdict decided by the assessor and naming
    owner and date; the Markdown and HTML reports show owner, date and every piece of evidence."""
    assert run(["assess", "r", "--framework", TINY, "--format", "json", "--out", "before"]) == 0
    assert _item(json.loads((env / "before" / "report.json").read_text(encoding="utf-8")), "T.B.ONE")["level"] == 1
    sheet = ["answers", "workbook", "--framework", TINY, "--from-report", "before/report.json", "--lang", "en"]
    assert run([*sheet, "--out", "sheet.xlsx"]) == 0
    _fill(
        env / "sheet.xlsx",
        {
            "T.B.ONE.L2.1": {"K": "yes", "H": "https://wiki.example/owner\nowners.pdf", "L": "Wang Wu"},
            "T.B.ONE.L3.1": {"K": "no", "H": "https://wiki.example/team", "L": "Li Si", "M": "2026-11-21"},
        },
    )
    _fill(env / "sheet.xlsx", {"T.B.ONE.L2.1": {"M": datetime(2026, 11, 20)}})  # an Excel date cell
    assert run(["answers", "import", "sheet.xlsx", "--framework", TINY, "--out", "answers.yaml"]) == 0
    assess = ["assess", "r", "--framework", TINY, "--answers", "answers.yaml", "--out", "after"]
    assert run([*assess, "--format", "json", "--format", "md", "--format", "html"]) == 0
    capsys.readouterr()
    item = _item(json.loads((env / "after" / "report.json").read_text(encoding="utf-8")), "T.B.ONE")
    assert item["level"] == 2
    yes, no = item["levels"][1]["criteria"][0], item["levels"][2]["criteria"][0]
    assert (yes["status"], yes["decided_by"]) == ("met", "assessor")
    assert yes["reason"]["en"] == "assessor answered yes by Wang Wu on 2026-11-20"
    assert yes["evidence"] == ["https://wiki.example/owner", "owners.pdf"]
    assert (no["status"], no["reason"]["en"]) == ("not_met", "assessor answered no by Li Si on 2026-11-21")
    md = (env / "after" / "report.md").read_text(encoding="utf-8")
    assert "    - answered by Wang Wu on 2026-11-20 · Evidence: https://wiki.example/owner; owners.pdf\n" in md
    html = (env / "after" / "report.html").read_text(encoding="utf-8")
    assert "answered by Li Si on 2026-11-21 · Evidence: https://wiki.example/team</span>" in html


def test_import_merges_into_an_existing_answers_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The file answers T.A.ONE.L3.2 and T.B.ONE.L2.1 (no); the workbook answers T.B.ONE.L2.1 yes: the workbook's
    answer wins, the other is kept."""
    old = env / "answers.yaml"
    old.write_text(
        "format: 1\nanswers:\n"
        "  - {criterion: T.A.ONE.L3.2, answer: yes, evidence: [docs/trunk.md], by: Zhao, at: 2026-10-01}\n"
        "  - {criterion: T.B.ONE.L2.1, answer: no, evidence: [none.txt]}\n",
        encoding="utf-8",
    )
    assert run(["answers", "workbook", "--framework", TINY, "--lang", "zh", "--out", "s.xlsx"]) == 0
    _fill(env / "s.xlsx", {"T.B.ONE.L2.1": {"K": "是", "H": "负责人任命.pdf", "L": "王五", "M": "2026-11-20"}})
    assert (
        run(["answers", "import", "s.xlsx", "--framework", TINY, "--merge", "answers.yaml", "--out", "merged.yaml"])
        == 0
    )
    assert "wrote merged.yaml: 1 answer(s) from s.xlsx" in capsys.readouterr().err
    assert load_answers(env / "merged.yaml", load_framework(TINY)) == {
        "T.A.ONE.L3.2": Answer(
            criterion="T.A.ONE.L3.2", value=True, evidence=("docs/trunk.md",), by="Zhao", at="2026-10-01"
        ),
        "T.B.ONE.L2.1": Answer(
            criterion="T.B.ONE.L2.1", value=True, evidence=("负责人任命.pdf",), by="王五", at="2026-11-20"
        ),
    }


def test_a_bad_cell_is_one_line_and_writes_nothing(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["answers", "workbook", "--framework", TINY, "--lang", "en", "--out", "s.xlsx"]) == 0
    _fill(env / "s.xlsx", {"T.B.ONE.L2.1": {"K": "maybe"}})
    capsys.readouterr()
    assert run(["answers", "import", "s.xlsx", "--framework", TINY, "--out", "answers.yaml"]) == 65
    err = capsys.readouterr().err
    assert err == (
        'error[answers-file]: s.xlsx: sheet "T Test part", row 3, column K (Answer): use 是 or 否 (yes or no), '
        "or leave it empty (got 'maybe')\n"
    )
    assert not (env / "answers.yaml").exists()


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model's report of tests/history.py at 2024-03-01 over 28 days (tests/data/gold/tiny-report.en.md):
    T.A.ONE level 1 (next: the fact T.A.ONE.L2.1, not met), T.A.TWO level 2 (next: the fact T.A.TWO.L3.1, not
    met), T.B.ONE level 1 (next: the question T.B.ONE.L2.1, unanswered)."""
    root = tmp_path_factory.mktemp("report")
    build_history(root / "payments")
    store = Store.open(f"sqlite:///{root / 'tiny.db'}")
    config = Config(framework=TINY, window=28, project="payments")
    result = run_assessment(root / "payments", config, store=store, now=datetime(2024, 3, 1, tzinfo=UTC))
    path = root / "report.json"
    path.write_text(render_json(result.report), encoding="utf-8")
    return path


def _criteria(text: str) -> list[str]:
    return [entry["criterion"] for entry in yaml.safe_load(text)["answers"] or []]


def test_next_level_template_asks_only_the_next_level(tiny_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only T.B.ONE.L2.1 stands between an item and its next level and can be answered; the questions of levels 3
    and 4 (T.A.ONE.L3.2, T.B.ONE.L3.1, T.B.ONE.L4.1) wait. Without --next-level all four unknown questions appear."""
    base = ["answers", "template", "--framework", TINY, "--from-report", str(tiny_report)]
    assert run([*base, "--next-level"]) == 0
    assert _criteria(capsys.readouterr().out) == ["T.B.ONE.L2.1"]
    assert run(base) == 0
    assert _criteria(capsys.readouterr().out) == ["T.A.ONE.L3.2", "T.B.ONE.L2.1", "T.B.ONE.L3.1", "T.B.ONE.L4.1"]


def test_next_level_from_a_repository_assesses_it_first(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The one-commit repository: T.A.ONE is 1 (no CI: its next-level fact is not met, so not asked); T.A.TWO is 1
    because branch_lifetime is unknown with no merged branch (asked: an assessor may answer it); T.B.ONE is 1
    (its level 2 question is asked)."""
    assert run(["answers", "template", "--framework", TINY, "--from-report", "r", "--next-level"]) == 0
    assert _criteria(capsys.readouterr().out) == ["T.A.TWO.L2.1", "T.B.ONE.L2.1"]


def test_next_level_needs_a_report_of_the_same_model(
    tiny_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["answers", "template", "--framework", TINY, "--next-level"]) == 64
    assert "--next-level needs --from-report" in capsys.readouterr().err
    other = tmp_path / "other.json"
    report = json.loads(tiny_report.read_text(encoding="utf-8"))
    report["framework"]["version"] = "0.9"
    other.write_text(json.dumps(report), encoding="utf-8")
    assert run(["answers", "template", "--framework", TINY, "--from-report", str(other), "--next-level"]) == 65
    assert f"error[data]: {other}: made with tiny 0.9, not tiny 1.0" in capsys.readouterr().err
    notes = tmp_path / "notes.json"
    notes.write_text("{}", encoding="utf-8")
    assert run(["answers", "workbook", "--from-report", str(notes), "--out", str(tmp_path / "x.xlsx")]) == 65
    assert f"error[data]: {notes}: not a devmaturity report" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_next_level_workbook(tiny_report: Path, tmp_path: Path) -> None:
    out = tmp_path / "next.xlsx"
    assert (
        run(
            [
                "answers",
                "workbook",
                "--framework",
                TINY,
                "--from-report",
                str(tiny_report),
                "--next-level",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    sheet = openpyxl.load_workbook(out).worksheets[1]
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["T.B.ONE.L2.1"]
    assert sheet["I2"].value == "未知" and sheet["F2"].value == "1"
