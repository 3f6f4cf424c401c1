"""The demo's follow-up: a targeted round planned as evidence, a case in dialogue, one referred with its own retest,
synthetic evidence for the flagged employers, each case's dossier with its files attached; loaded once."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import func, select

from praktijktest import evidence_store
from praktijktest.fieldwork.models import Application, EvidenceFile, Response, Test
from praktijktest.followup.demo import FOLLOWUP_TITLE, UNIA_REFERENCE
from praktijktest.followup.dossier import generate_dossier
from praktijktest.followup.models import FollowUpCase
from praktijktest.followup.services import flagged_codes
from praktijktest.results.snapshots import latest_snapshot
from praktijktest.rounds.models import Round, RoundTarget
from praktijktest.targets.models import Target


def _evidence_of(db, round_id: int | None, codes: list[str]) -> list[tuple[EvidenceFile, Response]]:
    """The evidence of these targets in one round (every round for None)."""
    query = (select(EvidenceFile, Response).join(Response, EvidenceFile.response_id == Response.id)
             .join(Application, Response.application_id == Application.id).join(Test, Application.test_id == Test.id)
             .join(Target, Test.target_id == Target.id).where(Target.code.in_(codes)))
    return db.session.execute(query if round_id is None else query.where(Test.round_id == round_id)).all()


def test_demo_has_a_case_in_dialogue_and_one_referred_each_with_its_dossier(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    evidence_count = db.session.scalar(select(func.count(EvidenceFile.id)))
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(EvidenceFile.id))) == evidence_count  # idempotent

    targeted = db.session.scalar(select(Round).where(Round.title == FOLLOWUP_TITLE))
    assert targeted.status == "analysed" and not targeted.is_awareness_only and targeted.is_synthetic
    cases = {c.state: c for c in db.session.scalars(select(FollowUpCase).where(FollowUpCase.round_id == targeted.id))}
    assert set(cases) == {"dialogue", "referred"}
    referred = cases["referred"]
    assert (referred.referral_body, referred.referral_reference) == ("unia", UNIA_REFERENCE)
    assert referred.referral_date is not None
    assert [s.to_state for s in referred.steps] == ["flagged", "dialogue", "retest_planned", "retested",
                                                    "persistent", "referred"]

    # The retest is confirmatory: its own round, with only the referred employer, flagging it on its own tests.
    retest = referred.retest_round
    assert retest.status == "analysed"
    assert db.session.scalars(select(RoundTarget.target_id).where(RoundTarget.round_id == retest.id)).all() == [
        referred.target_id]
    retest_result = latest_snapshot(retest).result
    assert [t["target"] for t in retest_result["targets"] if t.get("flagged")] == [referred.target.code]

    for round_ in (targeted, retest):
        codes = flagged_codes(latest_snapshot(round_))
        files = _evidence_of(db, round_.id, codes)
        answered = db.session.scalar(
            select(func.count(Response.id)).join(Application).join(Test).join(Target)
            .where(Test.round_id == round_.id, Target.code.in_(codes), Response.responded_at.is_not(None)))
        assert len(files) == answered > 0
        for file, _response in files:
            data = evidence_store.read_bytes(file.path)
            assert file.is_synthetic and b"X-Praktijktest-Synthetic: yes" in data and b"(synthetisch)" in data
            assert evidence_store.sha256_of(data) == file.sha256

    attached = {}
    for state, case in cases.items():
        pdf = PdfReader(io.BytesIO(generate_dossier(case.round, case.target.code, None, "nl")))
        attached[state] = {name.split(".")[0] for name in pdf.attachments}
        expected = {f.sha256 for f, _ in _evidence_of(db, None, [case.target.code])}  # every round's evidence
        assert expected and attached[state] == expected
    retest_files = {f.sha256 for f, _ in _evidence_of(db, retest.id, [referred.target.code])}
    assert retest_files and retest_files <= attached["referred"]  # the retest's tests are in the dossier too

    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0, result.output
