"""The assessor's workbench on both stores: answers kept as a history, evidence files with sniffed types and a size
limit, review, freezing (and every edit refused afterwards), carried-over drafts, the answers an assessment uses,
the audit trail, and another organisation's objects answering NotFound."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devmaturity.auth.audit import EventKind
from devmaturity.errors import (
    AssessmentFrozen,
    Conflict,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDenied,
    UsageError,
)
from devmaturity.services import admin, workbench
from devmaturity.services.workbench import Value
from devmaturity.store.db import Store
from devmaturity.store.repos import audit as audit_repo
from tests.services.cast import Cast, assess, make_cast

START, END = datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
VCS_RULES = "CD.CM.VC.VCS.L3.2"  # an assessor question (written repository rules)
BRANCHING = "CD.CM.VC.BM.L2.1"  # an assessor question (a defined branching strategy)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def cast(store: Store, store_url: str, tmp_path: Path) -> Cast:
    return make_cast(store, store_url, tmp_path)


@pytest.fixture
def cycle_id(cast: Cast) -> int:
    return workbench.open_cycle(cast.store, cast.assessor, project_id=cast.project_id, start=START, end=END).id


def _criterion(report: dict[str, Any], cid: str) -> dict[str, Any]:
    for part in report["parts"]:
        for sub in part["subdomains"]:
            for item in sub["items"]:
                for level in item["levels"]:
                    for c in level["criteria"]:
                        if c["id"] == cid:
                            return dict(c)
    raise AssertionError(cid)


def _kinds(cast: Cast) -> list[str]:
    with cast.store.transaction() as conn:
        return [e.kind for e in audit_repo.entries(conn, frozenset({cast.org_a}))]


class AnswerTests:
    def test_an_edit_appends_and_the_newest_entry_is_the_answer(self, cast: Cast, cycle_id: int) -> None:
        workbench.put_answer(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.NOT_MET, note="none yet"
        )
        workbench.put_answer(
            cast.store,
            cast.admin,
            cycle_id=cycle_id,
            subject=VCS_RULES,
            value=Value.MET,
            links=["https://wiki.example.com/vcs-rules"],
            owner="Wang Wu",
        )
        current = workbench.answers(cast.store, cast.developer, cycle_id=cycle_id).answers
        assert [(a.answer.subject, a.answer.value, a.answer.owner) for a in current] == [(VCS_RULES, "met", "Wang Wu")]
        history = workbench.history(cast.store, cast.developer, cycle_id=cycle_id, subject=VCS_RULES)
        assert [(h.value, h.answered_by) for h in history] == [("not_met", "ann"), ("met", "alice")]

    @pytest.mark.parametrize(
        ("subject", "value", "note", "links", "expected"),
        [
            ("CD.NO.SUCH.L2.1", Value.MET, "", ["https://x"], "is not a criterion id"),
            (VCS_RULES, Value.MET, "", [], "needs evidence"),
            (VCS_RULES, Value.NOT_APPLICABLE, "no database", [], "item id"),
            ("CD.CM.VC.VCS", Value.NOT_APPLICABLE, "", [], "reason"),
            (VCS_RULES, Value.MET, "", ["https://x\n"], "https://x"),  # stripped: a usable link
        ],
    )
    def test_bad_answers_are_refused_with_a_clear_error_and_nothing_is_written(
        self, cast: Cast, cycle_id: int, subject: str, value: Value, note: str, links: list[str], expected: str
    ) -> None:
        if expected == "https://x":
            written = workbench.put_answer(
                cast.store, cast.assessor, cycle_id=cycle_id, subject=subject, value=value, links=links
            )
            assert written.links == ("https://x",)
            return
        with pytest.raises(UsageError, match=expected) as caught:
            workbench.put_answer(
                cast.store, cast.assessor, cycle_id=cycle_id, subject=subject, value=value, note=note, links=links
            )
        assert caught.value.zh  # every refusal also reads in Chinese
        assert workbench.answers(cast.store, cast.assessor, cycle_id=cycle_id).answers == ()

    def test_a_developer_reads_but_may_not_answer_and_the_refusal_is_audited(self, cast: Cast, cycle_id: int) -> None:
        with pytest.raises(PermissionDenied):
            workbench.put_answer(
                cast.store, cast.developer, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, note="ok"
            )
        assert _kinds(cast)[-1] == EventKind.PERMISSION_DENIED
        assert workbench.answers(cast.store, cast.developer, cycle_id=cycle_id).answers == ()

    def test_another_organisation_sees_nothing(self, cast: Cast, cycle_id: int) -> None:
        file = workbench.upload(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, name="r.pdf", data=PDF, max_bytes=10_000
        )
        for call in (
            lambda: workbench.answers(cast.store, cast.outsider, cycle_id=cycle_id),
            lambda: workbench.put_answer(
                cast.store, cast.outsider, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, note="x"
            ),
            lambda: workbench.download(cast.store, cast.outsider, file_id=file.id),
            lambda: workbench.cycles(cast.store, cast.outsider, project_id=cast.project_id),
            lambda: workbench.open_cycle(cast.store, cast.outsider, project_id=cast.project_id, start=START, end=END),
        ):
            with pytest.raises(NotFoundError):
                call()


class FileTests:
    def test_a_file_is_stored_with_its_digest_and_the_type_its_bytes_show(self, cast: Cast, cycle_id: int) -> None:
        html = b"<html><script>alert(1)</script></html>"
        claimed_pdf = workbench.upload(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, name="../../rules.pdf", data=html,
            max_bytes=10_000,
        )  # fmt: skip
        assert (claimed_pdf.name, claimed_pdf.media_type) == ("rules.pdf", "text/plain")
        real_pdf = workbench.upload(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, name="a.bin", data=PDF, max_bytes=10_000
        )
        assert real_pdf.media_type == "application/pdf"
        assert real_pdf.sha256 == hashlib.sha256(PDF).hexdigest() and real_pdf.size == len(PDF)
        row, data = workbench.download(cast.store, cast.developer, file_id=real_pdf.id)
        assert data == PDF and row.name == "a.bin"
        assert _kinds(cast)[-2:] == [EventKind.EVIDENCE_UPLOADED, EventKind.EVIDENCE_UPLOADED]

    def test_a_file_over_the_limit_is_refused_before_anything_is_stored(self, cast: Cast, cycle_id: int) -> None:
        with pytest.raises(PayloadTooLargeError, match="evidence_max_bytes"):
            workbench.upload(
                cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, name="big", data=PDF, max_bytes=10
            )
        assert workbench.answers(cast.store, cast.assessor, cycle_id=cycle_id).unanswered_files == ()

    def test_a_file_counts_as_the_evidence_of_an_answer(self, cast: Cast, cycle_id: int) -> None:
        workbench.upload(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, name="r.pdf", data=PDF, max_bytes=10_000
        )
        workbench.put_answer(cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET)
        [view] = workbench.answers(cast.store, cast.assessor, cycle_id=cycle_id).answers
        assert [f.name for f in view.files] == ["r.pdf"]


class CycleAssessmentTests:
    def test_answers_files_and_not_applicable_items_reach_the_assessment(self, cast: Cast, cycle_id: int) -> None:
        workbench.upload(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, name="r.pdf", data=PDF, max_bytes=10_000
        )
        workbench.put_answer(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, owner="Wang Wu"
        )
        workbench.put_answer(
            cast.store,
            cast.assessor,
            cycle_id=cycle_id,
            subject="CD.CM.VC.BM",
            value=Value.NOT_APPLICABLE,
            note="one repository, no branches",
        )
        report = assess(cast).report
        verdict = _criterion(report, VCS_RULES)
        assert (verdict["status"], verdict["decided_by"]) == ("met", "assessor")
        assert verdict["evidence"] == [f"r.pdf (sha256 {hashlib.sha256(PDF).hexdigest()[:12]})"]
        items = {i["id"]: i for p in report["parts"] for s in p["subdomains"] for i in s["items"]}
        assert items["CD.CM.VC.BM"]["not_applicable"] == "one repository, no branches"

    def test_the_cycle_answer_wins_over_the_answers_file(self, cast: Cast, cycle_id: int, tmp_path: Path) -> None:
        answers = tmp_path / "answers.yaml"
        answers.write_text(
            f"format: 1\nanswers:\n  - criterion: {VCS_RULES}\n    answer: no\n    evidence: [file-says-no]\n"
            f"  - criterion: {BRANCHING}\n    answer: yes\n    evidence: [file-says-yes]\n",
            encoding="utf-8",
        )
        workbench.put_answer(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, links=["db-says-yes"]
        )
        config = cast.config.__class__(**{**_fields(cast.config), "answers": str(answers)})
        report = assess(cast, config=config).report
        assert _criterion(report, VCS_RULES)["evidence"] == ["db-says-yes"]
        assert _criterion(report, BRANCHING)["evidence"] == ["file-says-yes"]  # the file still answers the rest


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


class ReviewAndFreezeTests:
    def test_review_is_recorded_in_the_history(self, cast: Cast, cycle_id: int) -> None:
        workbench.put_answer(cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, note="a")
        reviewed = workbench.review(cast.store, cast.admin, cycle_id=cycle_id, subject=VCS_RULES)
        assert (reviewed.reviewed_by, reviewed.value, reviewed.change) == ("alice", "met", "review")
        with pytest.raises(NotFoundError, match="no answer to review"):
            workbench.review(cast.store, cast.admin, cycle_id=cycle_id, subject=BRANCHING)
        with pytest.raises(PermissionDenied):
            workbench.review(cast.store, cast.developer, cycle_id=cycle_id, subject=VCS_RULES)

    def test_freezing_pins_the_assessment_and_refuses_every_later_edit(self, cast: Cast, cycle_id: int) -> None:
        workbench.put_answer(cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, note="a")
        result = assess(cast)
        with pytest.raises(PermissionDenied):
            workbench.freeze(cast.store, cast.developer, assessment_id=_assessment_id(cast, result.run_id))
        frozen = workbench.freeze(cast.store, cast.assessor, assessment_id=_assessment_id(cast, result.run_id))
        assert (frozen.id, frozen.status, frozen.frozen_by) == (cycle_id, "frozen", "ann")
        assert frozen.assessment_id == _assessment_id(cast, result.run_id)
        edits = (
            lambda: workbench.put_answer(
                cast.store, cast.admin, cycle_id=cycle_id, subject=VCS_RULES, value=Value.NOT_MET, note="b"
            ),
            lambda: workbench.upload(
                cast.store, cast.admin, cycle_id=cycle_id, subject=VCS_RULES, name="x", data=PDF, max_bytes=10_000
            ),
            lambda: workbench.review(cast.store, cast.admin, cycle_id=cycle_id, subject=VCS_RULES),
            lambda: workbench.freeze(cast.store, cast.admin, assessment_id=_assessment_id(cast, result.run_id)),
        )
        for edit in edits:
            with pytest.raises(AssessmentFrozen) as caught:
                edit()
            assert caught.value.slug == "assessment-frozen" and "冻结" in caught.value.one_line("zh")
        history = workbench.history(cast.store, cast.admin, cycle_id=cycle_id, subject=VCS_RULES)
        assert [h.value for h in history] == ["met"]
        assert EventKind.ASSESSMENT_FROZEN in _kinds(cast)

    def test_answers_changed_after_the_assessment_must_be_assessed_before_freezing(
        self, cast: Cast, cycle_id: int
    ) -> None:
        result = assess(cast)
        later = int(datetime.now(UTC).timestamp()) + 5
        workbench.put_answer(
            cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, note="a", now=later
        )
        with pytest.raises(Conflict, match="assess again"):
            workbench.freeze(cast.store, cast.assessor, assessment_id=_assessment_id(cast, result.run_id))

    def test_a_new_period_carries_answers_over_as_drafts_the_assessment_ignores(
        self, cast: Cast, cycle_id: int
    ) -> None:
        workbench.put_answer(cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, note="a")
        with pytest.raises(Conflict, match="open assessment cycle"):
            workbench.open_cycle(
                cast.store, cast.assessor, project_id=cast.project_id, start=END, end=END.replace(month=6)
            )
        workbench.freeze(cast.store, cast.assessor, assessment_id=_assessment_id(cast, assess(cast).run_id))
        nxt = workbench.open_cycle(
            cast.store, cast.assessor, project_id=cast.project_id, start=END, end=END.replace(month=6)
        )
        [carried] = workbench.answers(cast.store, cast.assessor, cycle_id=nxt.id).answers
        assert (carried.answer.value, carried.answer.draft, carried.answer.change) == ("met", True, "carry")
        assert _criterion(assess(cast).report, VCS_RULES)["status"] == "unknown"  # a draft is not an answer
        workbench.put_answer(cast.store, cast.assessor, cycle_id=nxt.id, subject=VCS_RULES, value=Value.MET, note="a")
        assert _criterion(assess(cast).report, VCS_RULES)["status"] == "met"
        assert _kinds(cast).count(EventKind.CYCLE_OPENED) == 2


def _assessment_id(cast: Cast, run_id: int) -> int:
    from sqlalchemy import select

    from devmaturity.store import tables as t

    with cast.store.transaction() as conn:
        return int(conn.execute(select(t.assessments.c.id).where(t.assessments.c.run_id == run_id)).scalar_one())


def test_every_change_is_in_the_verified_audit_chain(cast: Cast, cycle_id: int) -> None:
    workbench.put_answer(cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, value=Value.MET, note="a")
    workbench.upload(
        cast.store, cast.assessor, cycle_id=cycle_id, subject=VCS_RULES, name="r.pdf", data=PDF, max_bytes=10_000
    )
    workbench.review(cast.store, cast.admin, cycle_id=cycle_id, subject=VCS_RULES)
    workbench.freeze(cast.store, cast.admin, assessment_id=_assessment_id(cast, assess(cast).run_id))
    kinds = _kinds(cast)
    for kind in ("cycle_opened", "answer_written", "evidence_uploaded", "answer_reviewed", "assessment_frozen"):
        assert kind in kinds
    [report] = admin.verify_audit(cast.store, cast.admin, org_slug="org-a")
    assert report.broken is None
