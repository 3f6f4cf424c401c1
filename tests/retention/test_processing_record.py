"""The record of processing (art. 30): a PDF in Dutch and French with the organisation's own periods."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from tests.retention.test_periods import _form


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").replace("\u00a0", " ").split()) for page in reader.pages)


def test_the_record_shows_the_configured_periods_in_dutch_and_french(client, login_as, db, org):
    login_as("coordinator")
    client.post("/retention/", data={**_form(client), "evidence_months": "37",
                                     "evidence_basis": "Collegebesluit 1 december 2026"})
    dutch = _text(client.get("/retention/record.pdf?lang=nl").data)
    french = _text(client.get("/retention/record.pdf?lang=fr").data)
    assert "Register van de verwerkingsactiviteiten" in dutch and org.name in dutch
    assert "Registre des activités de traitement" in french
    for text in (dutch, french):
        assert "37" in text and "Collegebesluit 1 december 2026" in text and "Unia" in text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.processing_record")).all()
    assert len(events) == 2


def test_the_record_names_the_bodies_cases_were_referred_to_and_unencrypted_files(
        client, login_as, db, fieldwork_round, app, tmp_path, monkeypatch):
    from datetime import date

    from praktijktest import evidence_store
    from praktijktest.followup.models import CaseState, FollowUpCase
    from praktijktest.results.snapshots import run_analysis

    login_as("coordinator")
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    text = _text(client.get("/retention/record.pdf?lang=nl").data)
    assert "Nog geen enkel dossier werd doorverwezen." in text and "nog niet versleuteld" not in text
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    from praktijktest.fieldwork.models import Test

    target_ids = sorted(db.session.scalars(select(Test.target_id).where(Test.round_id == round_.id)))
    for target_id, body in zip(target_ids[:3], ("unia", "unia", "biv"), strict=True):
        case = FollowUpCase(organisation_id=round_.organisation_id, round_id=round_.id, snapshot_id=snapshot.id,
                            target_id=target_id, state=CaseState.PERSISTENT)
        db.session.add(case)
        db.session.flush()
        case.move("referred", reason="Patroon bij de hertest.", on=date(2026, 11, 20),
                  referral={"body": body, "date": date(2026, 11, 21)})
    db.session.flush()
    old = evidence_store.save_bytes(b"placeholder", "eml")
    (tmp_path / "evidence" / old.path).write_bytes(b"From: an old installation's file")
    dutch = _text(client.get("/retention/record.pdf?lang=nl").data)
    french = _text(client.get("/retention/record.pdf?lang=fr").data)
    assert "Unia (2 dossiers), BIV / IPI (1 dossier)" in dutch
    assert "Unia (2 dossiers), BIV / IPI (1 dossier)" in french
    assert "op deze installatie is 1 bestand dat vóór de versleuteling werd opgeslagen nog niet versleuteld" in dutch
