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
