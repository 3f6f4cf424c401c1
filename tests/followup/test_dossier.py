"""The confidential dossier read back from the PDF: every test, every evidence hash, no other target."""
from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Test
from praktijktest.followup.dossier import generate_dossier
from praktijktest.followup.services import move_case, open_case


def pdf_text(data: bytes) -> str:
    """The PDF's text without any whitespace, so that a hash broken over two lines still matches."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_dossier_holds_every_test_and_hash_and_no_other_target(db, flagged_round, make_user):
    round_, snapshot, targets = flagged_round()
    user = make_user("coordinator")
    case = open_case(snapshot, targets[0].code, user)
    move_case(case, "dialogue", reason="Uitnodiging voor een gesprek verstuurd", on=date(2026, 11, 30), user=user)
    data = generate_dossier(round_, targets[0].code, user, "en")
    text = pdf_text(data)
    tests = db.session.scalars(select(Test).where(Test.target_id == targets[0].id)).all()
    assert len(tests) == 10
    for test in tests:
        assert test.external_id in text
        for application in test.applications:
            for file in application.response.evidence:
                assert file.sha256 in text
    assert re.sub(r"\s+", "", targets[0].name) in text
    for other in targets[1:]:
        assert re.sub(r"\s+", "", other.name) not in text and other.code not in text
    other_tests = db.session.scalars(select(Test).where(Test.target_id != targets[0].id)).all()
    assert other_tests and all(t.external_id not in text for t in other_tests)
    assert "presumptionofunequaltreatment" in text and "art.28" in text
    assert "discriminates" not in text.lower()
    assert "Uitnodigingvooreengesprekverstuurd" in text  # the follow-up history
    assert snapshot.sha256 in text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "followup.dossier")).all()
    assert len(events) == 1 and events[0].user_id == user.id


def test_cli_writes_the_dossier_and_refuses_an_unknown_target(db, app, flagged_round, tmp_path):
    round_, _, targets = flagged_round()
    runner = app.test_cli_runner()
    out = tmp_path / "dossier.pdf"
    result = runner.invoke(args=["reports", "dossier", str(round_.id), targets[0].code, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert targets[0].code in pdf_text(out.read_bytes())
    bad = runner.invoke(args=["reports", "dossier", str(round_.id), "NOPE", "--output", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and not (tmp_path / "x.pdf").exists()


def test_viewer_cannot_download_a_dossier(db, client, login_as, org, flagged_round):
    round_, snapshot, targets = flagged_round(organisation=org)
    case = open_case(snapshot, targets[0].code)
    login_as("viewer", org)
    assert client.get(f"/follow-up/{case.id}/dossier").status_code == 403
    client.post("/logout")
    login_as("coordinator", org)
    response = client.get(f"/follow-up/{case.id}/dossier")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")



def _stored_files(db, target) -> dict[str, bytes]:
    """The bytes of every evidence file of `target`, read back from the evidence store, by hash."""
    from praktijktest import evidence_store
    from praktijktest.fieldwork.models import Application, EvidenceFile, Response

    files = db.session.scalars(select(EvidenceFile).join(Response).join(Application).join(Test)
                               .where(Test.target_id == target.id)).all()
    return {file.sha256: evidence_store.read_bytes(file.path) for file in files}

def test_evidence_files_are_embedded_and_verify_detects_a_change(db, app, flagged_round, tmp_path):
    import hashlib

    from pypdf import PdfReader, PdfWriter

    round_, _, targets = flagged_round()
    stored = _stored_files(db, targets[0])
    assert len(stored) == 20
    data = generate_dossier(round_, targets[0].code, None, "en")
    attachments = PdfReader(io.BytesIO(data)).attachments
    assert {name.split(".")[0] for name in attachments} == set(stored)
    for name, contents in attachments.items():
        assert contents == [stored[name.split(".")[0]]]  # byte-identical
    path = tmp_path / "dossier.pdf"
    path.write_bytes(data)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "verify", str(path)]).exit_code == 0
    # Another file filed under an existing file's hash: verify names it and fails.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    name = next(iter(attachments))
    writer.add_attachment(name, b"changed evidence")
    tampered = tmp_path / "tampered.pdf"
    with open(tampered, "wb") as handle:
        writer.write(handle)
    result = runner.invoke(args=["reports", "verify", str(tampered)])
    assert result.exit_code == 1 and name in result.output
    assert "embedded bytes do not match" in result.output
    assert hashlib.sha256(b"changed evidence").hexdigest() != name.split(".")[0]


def test_dossiers_writes_one_sealed_dossier_per_flagged_target(db, app, flagged_round, tmp_path):
    """Only the flagged target gets a dossier; each file verifies and each generation is audited."""
    round_, snapshot, targets = flagged_round()
    out = tmp_path / "dossiers"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "dossiers", str(round_.id), "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == 1 and targets[0].code.lower() in files[0].name
    assert targets[0].code in pdf_text(files[0].read_bytes())
    assert runner.invoke(args=["reports", "verify", str(files[0])]).exit_code == 0
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "followup.dossier")).all()
    assert len(events) == 1
    assert runner.invoke(args=["reports", "dossiers", "999999", "--output-dir", str(out)]).exit_code == 2


def test_dossiers_refuses_an_awareness_only_round(db, app, flagged_round, tmp_path):
    round_, _, _ = flagged_round()
    round_.is_awareness_only = True
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["reports", "dossiers", str(round_.id), "--output-dir",
                                                str(tmp_path / "d")])
    assert result.exit_code == 2 and "awareness" in result.output


# --- Every round of the target, and the retest's own result -------------------------------------------------------

def _with_evidence(test, round_number: int) -> None:
    """A synthetic e-mail as evidence for every response of `test` (what the fieldwork upload stores)."""
    from praktijktest import evidence_store
    from praktijktest.extensions import db as _db
    from praktijktest.fieldwork.models import EvidenceFile

    for application in test.applications:
        if application.response is None:
            continue
        data = f"Subject: {test.external_id} {application.send_order} (retest {round_number})\r\n\r\nSynthetic\r\n"
        stored = evidence_store.save_content_addressed(data.encode(), "eml")
        _db.session.add(EvidenceFile(response=application.response, sha256=stored.sha256, path=stored.path,
                                      size=stored.size, kind="eml", media_type="message/rfc822", is_synthetic=True,
                                      original_name=f"{test.external_id}-{application.send_order}.eml"))


def _cases_in_dialogue(snapshot, targets, user):
    cases = []
    for target in targets:
        case = open_case(snapshot, target.code, user)
        move_case(case, "dialogue", reason="Gesprek gehad", on=date(2026, 11, 30), user=user)
        cases.append(case)
    return cases


def _tarone_threshold(min_ps: list[float], alpha: float) -> float:
    """Tarone (1990): the smallest K such that at most K comparisons could reach alpha / K; brute force over K."""
    for k in range(1, len(min_ps) + 1):
        if sum(m <= alpha / k for m in min_ps) <= k:
            return alpha / k
    return alpha / len(min_ps)


def _number(value: float) -> str:
    """How the English dossier prints a figure: six decimals, rounded half to even as Babel does."""
    from decimal import ROUND_HALF_EVEN, Decimal

    return str(Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


def test_a_target_of_two_rounds_shows_both_and_its_retest_result(db, app, flagged_round, make_user, tmp_path):
    """Two targets retested together (the retest's title names both codes): the dossier of the first holds its
    tests, evidence hashes and result in both rounds, the retest's own figures, and nothing of the second."""
    from scipy.stats import binomtest
    from statsmodels.stats.multitest import multipletests

    from praktijktest.followup.retests import retest_info
    from praktijktest.results.snapshots import run_analysis
    from tests.followup.retest_helpers import add_pair, start_retest

    round_, snapshot, targets = flagged_round(strong=2)
    user = make_user("coordinator")
    cases = _cases_in_dialogue(snapshot, targets[:2], user)
    retest = start_retest(cases, user)
    assert targets[1].code in retest.title
    assert retest_info(retest)["target_codes"] == sorted(t.code for t in targets[:2])
    # The first target: 9 tests favour the reference group, 1 the other; the second: 5 each way.
    patterns = {targets[0].id: [(True, False)] * 9 + [(False, True)], targets[1].id: [(True, False), (False, True)] * 5}
    number = 0
    for target_id, pairs in patterns.items():
        for ref, other in pairs:
            number += 1
            _with_evidence(add_pair(retest, target_id, number, ref, other), retest.id)
    db.session.flush()
    retest_snapshot = run_analysis(retest)
    move_case(cases[0], "retested", reason="Hertest geanalyseerd", on=date(2026, 12, 1), user=user)

    data = generate_dossier(round_, targets[0].code, user, "en")
    text = pdf_text(data)

    # Both rounds: every test, every evidence hash, each round's own snapshot; every file attached byte-identical.
    own_tests = db.session.scalars(select(Test).where(Test.target_id == targets[0].id)).all()
    assert {t.round_id for t in own_tests} == {round_.id, retest.id} and len(own_tests) == 20
    stored = _stored_files(db, targets[0])
    assert len(stored) == 40
    for test in own_tests:
        assert test.external_id in text
    for sha256 in stored:
        assert sha256 in text
    attachments = PdfReader(io.BytesIO(data)).attachments
    assert {name.split(".")[0] for name in attachments} == set(stored)
    assert all(contents == [stored[name.split(".")[0]]] for name, contents in attachments.items())
    assert snapshot.sha256 in text and retest_snapshot.sha256 in text

    # The original round's own figures: 10 of 10 informative tests for the reference group, four comparisons.
    p_original = binomtest(10, 10, 0.5, alternative="greater").pvalue
    p_balanced = binomtest(1, 2, 0.5, alternative="greater").pvalue  # the two unflagged targets: one each way
    q_original = multipletests([p_original, p_original, p_balanced, p_balanced], method="fdr_bh")[1][0]
    assert (p_original, q_original) == (2 ** -10, 2 ** -9)
    assert _number(p_original) in text and _number(q_original) in text

    # The retest's own result, in its own family of the two retested targets, computed here from its data.
    p_retest = binomtest(9, 10, 0.5, alternative="greater").pvalue  # 11 / 1024
    p_second = binomtest(5, 10, 0.5, alternative="greater").pvalue
    q_retest = multipletests([p_retest, p_second], method="fdr_bh")[1][0]
    threshold = _tarone_threshold([2 ** -10, 2 ** -10], 0.05)  # both have 10 informative tests
    assert abs(p_retest - 11 / 1024) < 1e-15 and q_retest <= 0.05 and p_retest <= threshold
    assert f"Exactone-sidedp{_number(p_original)}{_number(p_retest)}" in text  # side by side with the original
    assert f"q-value{_number(q_original)}{_number(q_retest)}" in text
    assert "Flaggedforfollow-upyesyes" in text
    assert f"yes:pisatmost{_number(threshold)}" in text
    assert "withinitsownsetof2retestedtargets" in text
    # The retest round's own part of the round list repeats its figures from its own snapshot.
    assert "(retest)Resultofthisround'sanalysis" in text
    assert f"One-sidedp(thistargetalone){_number(p_retest)}q-value(withinthisround'ssetof2comparisons)" \
           f"{_number(q_retest)}" in text
    assert "theretest'sowntestsfoundthepatternoftheoriginalroundagain" in text
    assert "factsthatcansupportapresumptionofunequaltreatment" in text and "discriminates" not in text.lower()

    # No other target, not even the one retested with it (its code is in the retest's title and case steps).
    for other in targets[1:]:
        assert re.sub(r"\s+", "", other.name) not in text and other.code not in text
        # Nor in the file's bytes: metadata, structure tree, attachments (streams are stored uncompressed).
        assert other.name.encode() not in data and other.code.encode() not in data
        assert targets[0].code.encode() in data  # where the bytes do hold this target's (the title, the seal)
        assert all(other.code.encode() not in b"".join(c) for c in attachments.values())
    other_tests = db.session.scalars(select(Test).where(Test.target_id != targets[0].id)).all()
    assert any(t.round_id == retest.id for t in other_tests)
    assert all(t.external_id not in text for t in other_tests)
    assert "[anothertestedparty]" in text

    path = tmp_path / "dossier.pdf"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["reports", "verify", str(path)])
    assert result.exit_code == 0, result.output


def test_a_retest_not_yet_analysed_is_said_plainly(db, flagged_round, make_user):
    from tests.followup.retest_helpers import start_retest

    round_, snapshot, targets = flagged_round()
    user = make_user("coordinator")
    start_retest(_cases_in_dialogue(snapshot, targets[:1], user), user)
    text = pdf_text(generate_dossier(round_, targets[0].code, user, "en"))
    assert "hasnotbeenanalysedyet,sothisdossierhasnoretestresult" in text
    assert "Theoriginalround'sresultcannotstandinforit" in text


def test_a_dossier_without_retest_says_so(db, flagged_round):
    round_, _, targets = flagged_round()
    text = pdf_text(generate_dossier(round_, targets[0].code, None, "en"))
    assert "Noretestofthistargethasbeencreatedfromthisround" in text
    assert "Thistargetwastestedin1roundof" in text


def test_redaction_removes_other_targets_and_keeps_this_one(db, org):
    from praktijktest.followup.dossier import Redactor
    from praktijktest.targets.services import create_target

    own = create_target(org.id, "Janssens Bouw BV")
    other = create_target(org.id, "Janssens")
    third = create_target(org.id, "Peeters NV")
    db.session.flush()
    redact = Redactor(own)
    text = redact(f"Hertest van {own.code}, {other.code} en {third.code.lower()}: "
                  "Janssens Bouw BV, Janssens, Peeters NV")
    assert own.code in text and "Janssens Bouw BV" in text
    assert other.code not in text and third.code not in text and third.code.lower() not in text
    assert "Peeters" not in text and text.count("Janssens") == 1
    assert text.count("[another tested party]") == 4
    assert redact(None) == "" and redact("") == ""


def test_deviations_from_the_pre_registration_are_printed_in_words(db, flagged_round):
    """An analysis at another false discovery rate than the locked one: the dossier says so in words."""
    from praktijktest.results.snapshots import RunRequest, run_analysis

    round_, _, targets = flagged_round()
    snapshot = run_analysis(round_, request=RunRequest(fdr=0.1))
    assert snapshot.deviations
    text = pdf_text(generate_dossier(round_, targets[0].code, None, "en"))
    assert snapshot.sha256 in text
    assert "falsediscoveryrate:pre-registered5%,used10%." in text
    assert "parameter" not in text  # the deviation's code is never printed
