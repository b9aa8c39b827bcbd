"""The evidence pack of a service project (an organisation's, tests/services/cast.py) on both stores: the answers of
the assessor's workbench with their uploaded files go into the pack; roles and organisations decide who may
render the report and export the pack."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.errors import NotFoundError, PermissionDenied
from devmaturity.services import workbench
from devmaturity.services.evidence_pack import export_evidence_pack, verify_evidence_pack
from devmaturity.services.reports import render_stored
from devmaturity.services.workbench import Value
from devmaturity.store.db import Store
from devmaturity.store.repos import audit as audit_repo
from tests.services.cast import Cast, assess, make_cast
from tests.services.conftest import SECRET

START, END = datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
VCS_RULES = "CD.CM.VC.VCS.L3.2"  # an assessor question (written repository rules)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def cast(store: Store, store_url: str, tmp_path: Path) -> Cast:
    return make_cast(store, store_url, tmp_path)


def _answered_and_frozen(cast: Cast) -> int:
    cycle = workbench.open_cycle(cast.store, cast.assessor, project_id=cast.project_id, start=START, end=END)
    workbench.put_answer(
        cast.store, cast.assessor, cycle_id=cycle.id, subject=VCS_RULES, value=Value.MET, links=["https://wiki/rules"]
    )
    workbench.upload(
        cast.store, cast.assessor, cycle_id=cycle.id, subject=VCS_RULES, name="规则.pdf", data=PDF, max_bytes=10_000
    )
    result = assess(cast)
    workbench.freeze(cast.store, cast.assessor, assessment_id=result.assessment_id)
    return result.assessment_id


def test_workbench_answers_and_their_files_are_packed(cast: Cast, tmp_path: Path) -> None:
    assessment = _answered_and_frozen(cast)
    pack = export_evidence_pack(cast.store, cast.assessor, str(assessment), secret_key=SECRET, pdf=False)
    with zipfile.ZipFile(io.BytesIO(pack.content)) as archive:
        body = json.loads(archive.read("answers/cycle.json"))
        (answer,) = [a for a in body["answers"] if a["criterion"] == VCS_RULES]
        (path,) = answer["files"]
        assert archive.read(path) == PDF
        used = json.loads(archive.read("answers/answers.json"))
    assert path.startswith(f"answers/files/{VCS_RULES}/") and path.endswith("-规则.pdf")
    assert answer["value"] == "met" and answer["links"] == ["https://wiki/rules"] and answer["answered_by"] == "ann"
    assert body["cycle"]["status"] != "open" and body["cycle"]["assessment_id"] == assessment
    assert any(a["criterion"] == VCS_RULES for a in used)  # the answer the assessment itself used
    target = tmp_path / "pack.zip"
    target.write_bytes(pack.content)
    assert verify_evidence_pack(target, secret_keys=(SECRET,)).assessment_id == assessment


def test_roles_and_organisations_decide_who_renders_and_exports(cast: Cast) -> None:
    assessment = str(assess(cast).assessment_id)
    assert render_stored(cast.store, cast.developer, assessment, "json").content  # every role reads
    with pytest.raises(PermissionDenied):
        export_evidence_pack(cast.store, cast.developer, assessment, secret_key=SECRET, pdf=False)
    for outsider_call in (
        lambda: render_stored(cast.store, cast.outsider, assessment, "json"),
        lambda: export_evidence_pack(cast.store, cast.outsider, assessment, secret_key=SECRET, pdf=False),
    ):
        with pytest.raises(NotFoundError):
            outsider_call()
    pack = export_evidence_pack(cast.store, cast.admin, assessment, secret_key=SECRET, pdf=False)
    with cast.store.transaction() as conn:
        entries = list(audit_repo.entries(conn, frozenset({cast.org_a})))
    exported = [e for e in entries if e.kind == "export" and e.target_id == assessment]
    assert [(e.result, e.details["fingerprint"]) for e in exported] == [("ok", pack.fingerprint)]
    denied = [e for e in entries if e.kind == "permission_denied" and e.action == "report.export"]
    assert len(denied) == 1  # the developer's refused export
