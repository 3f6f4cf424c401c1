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
