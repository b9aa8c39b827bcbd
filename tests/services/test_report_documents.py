"""`devmaturity report`: a stored assessment (made by the real pipeline, tests/services/conftest.py) rendered as
the document report, PDF in zh and en read back with poppler's pdftotext, printable HTML, and the service's errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from devmaturity.auth.policy import Actor
from devmaturity.auth.roles import Role
from devmaturity.cli.main import run
from devmaturity.errors import NotFoundError, UsageError
from devmaturity.reports.evidence import evidence_digest, materials
from devmaturity.services.reports import load_assessment, render_stored
from devmaturity.store.db import Store
from tests.services.conftest import Case


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is missing: apt-get install poppler-utils (.ci/run installs it)")
    return found


def _pdf(case: Case, lang: str, tmp_path: Path) -> tuple[Path, str, int]:
    out = tmp_path / f"report-{lang}.pdf"
    args = ["report", "latest", "--project", "trade-service", "--format", "pdf", "--lang", lang]
    assert run([*args, "--db", case.db, "-o", str(out)]) == 0
    text = subprocess.run([_poppler("pdftotext"), str(out), "-"], capture_output=True, check=True).stdout
    info = subprocess.run([_poppler("pdfinfo"), str(out)], capture_output=True, check=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]
    # the first pages as PNG, kept in the test's folder for a person to look at (docs/reports.md says how)
    subprocess.run(
        [_poppler("pdftoppm"), "-r", "60", "-png", "-l", "3", str(out), str(tmp_path / f"page-{lang}")], check=True
    )
    return out, text.decode("utf-8"), pages


def _item_names(case: Case, lang: str) -> list[str]:
    return [item["name"][lang] for sub in case.report["parts"][0]["subdomains"] for item in sub["items"]]


@pytest.mark.slow
def test_the_pdf_in_chinese_holds_every_item_name_in_a_sane_number_of_pages(case: Case, tmp_path: Path) -> None:
    out, text, pages = _pdf(case, "zh", tmp_path)
    flat = re.sub(r"\s+", "", text)
    missing = [name for name in _item_names(case, "zh") if re.sub(r"\s+", "", name) not in flat]
    assert missing == []
    for heading in ("DevOps能力成熟度评估报告", "执行摘要", "最有价值的三项改进", "到下一级的路线图", "附录：证据材料"):
        assert heading in flat
    assert "CM-VC-VCS-L2-1" in flat  # an evidence code of the appendix
    assert 8 <= pages <= 60
    fonts = subprocess.run([_poppler("pdffonts"), str(out)], capture_output=True, check=True, text=True).stdout
    assert "DM-CJK" in fonts  # the bundled font, embedded: no system CJK font was needed
    assert sorted(p.name for p in tmp_path.glob("page-zh-*.png")) == [
        "page-zh-01.png",
        "page-zh-02.png",
        "page-zh-03.png",
    ]


@pytest.mark.slow
def test_the_pdf_in_english_has_page_numbers_and_the_cover(case: Case, tmp_path: Path) -> None:
    _out, text, pages = _pdf(case, "en", tmp_path)
    flat = re.sub(r"\s+", "", text)
    missing = [name for name in _item_names(case, "en") if re.sub(r"\s+", "", name) not in flat]
    assert missing == []
    assert f"Page 2 of {pages}" in text
    assert "DevOps Capability Maturity Assessment Report" in text
    assert "sha256:" + evidence_digest(case.report) in re.sub(r"\s+", "", text)
    assert 8 <= pages <= 60


def test_the_html_document_prints_with_repeated_headers_and_whole_rows(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["report", "latest", "--project", "trade-service", "--format", "html", "--lang", "zh", "--db", case.db]
    assert run([*args, "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "thead { display: table-header-group; }" in html
    assert "break-inside: avoid" in html
    assert "counter(page)" in html
    assert "<script" not in html
    assert html.count("<svg") >= 2  # the summary's chart and one per part
    assert evidence_digest(case.report) in html
    assert "评估组" in html  # the assessor on the cover: who answered
    for material in materials(case.report)[:20]:
        assert material.code in html


def test_json_of_a_stored_assessment_is_the_stored_report(case: Case) -> None:
    store = Store.open(case.db)
    rendered = render_stored(store, Actor.local("t"), "latest", "json", project="trade-service")
    assert rendered.media_type == "application/json"
    assert rendered.filename.startswith("trade-service-assessment-")
    assert b'"parts"' in rendered.content


def test_unknown_assessments_and_other_actors_get_not_found(case: Case) -> None:
    store = Store.open(case.db)
    owner = Actor.local("t")
    assert load_assessment(store, owner, "latest", project="trade-service").project == "trade-service"
    with pytest.raises(NotFoundError):
        load_assessment(store, owner, "999")
    with pytest.raises(NotFoundError):
        load_assessment(store, owner, "latest", project="no-such-project")
    with pytest.raises(UsageError):
        load_assessment(store, owner, "latest")
    with pytest.raises(UsageError):
        load_assessment(store, owner, "one")
    outsider = Actor(user_id=7, name="someone", roles={999: Role.ADMIN})  # admin of an organisation not the project's
    with pytest.raises(NotFoundError):
        load_assessment(store, outsider, "latest", project="trade-service")


def test_report_on_a_missing_assessment_exits_with_a_slug(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", "999", "--format", "html", "--db", case.db, "--lang", "zh"]) == 1
    assert "错误[not-found]" in capsys.readouterr().err
