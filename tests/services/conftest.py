"""A stored assessment made by the real pipeline, shared by the document-report and evidence-pack tests: the
securities case of tests/enterprise.py (a Java/Maven service, Jenkins builds with Surefire, JaCoCo and SARIF,
deployments and work items), assessed for CD, then assessed again with its level 2-3 questions answered "yes" with
a document each; one of those documents exists next to the answers file (a PDF-like placeholder the test writes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devmaturity.cli.main import run
from tests.enterprise import build_enterprise_project, ingest_all

SECRET = "evidence-pack-test-key-0123456789abcdefghij"


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    root: Path
    db: str
    answers: Path
    document: Path  # an answer's document that exists
    report: dict[str, Any]  # the answered assessment's JSON report


def _unknown_l2_l3(report: dict[str, Any]) -> list[str]:
    return [
        crit["id"]
        for sub in report["parts"][0]["subdomains"]
        for item in sub["items"]
        for level in item["levels"]
        if level["number"] in (2, 3)
        for crit in level["criteria"]
        if crit["status"] == "unknown"
    ]


def _assess(root: Path, db: str, out: str, *extra: str) -> dict[str, Any]:
    args = ["assess", str(root / "trade-service"), "--db", db, "--part", "cd", "--as-of", "2026-11-29"]
    assert run([*args, "--format", "json", "--out", str(root / out), *extra]) == 0
    report: dict[str, Any] = json.loads((root / out / "report.json").read_text(encoding="utf-8"))
    return report


@pytest.fixture(scope="session")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("report-case")
    project = build_enterprise_project(
        root, merge_requests=True, red_fixed_same_day=True, ui_tests=True, open_critical=False, flaky_builds=()
    )
    db = f"sqlite:///{root / 'devmaturity.db'}"
    ingest_all(project, db)
    plain = _assess(root, db, "plain")
    questions = _unknown_l2_l3(plain)
    answers = root / "answers" / "answers.yaml"
    answers.parent.mkdir()
    entries = [
        {"criterion": cid, "answer": "yes", "evidence": [f"评审材料/{cid}.pdf"], "by": "评估组", "at": "2026-11-28"}
        for cid in questions
    ]
    answers.write_text(yaml.safe_dump({"format": 1, "framework": "caict-devops", "answers": entries}), encoding="utf-8")
    document = answers.parent / "评审材料" / f"{questions[0]}.pdf"
    document.parent.mkdir()
    document.write_bytes(b"%PDF-1.4\n% a placeholder for the assessor's scanned document\n")
    report = _assess(root, db, "answered", "--answers", str(answers))
    return Case(root=root, db=db, answers=answers, document=document, report=report)
