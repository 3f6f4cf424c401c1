"""The demo's pre-registration PDFs are in Dutch, like the people who try the demo."""
from __future__ import annotations

from sqlalchemy import select

from praktijktest.evidence_store import read_bytes
from praktijktest.rounds.models import Round
from tests.rounds.util import pdf_text


def test_the_demo_preregistrations_are_dutch(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    for round_ in db.session.scalars(select(Round).where(Round.is_synthetic)):
        text = pdf_text(read_bytes(round_.preregistration_path))
        assert "Vooraf geregistreerd protocol" in text and "Opzet" in text, round_.title
        assert "Pre-registration" not in text and "Design" not in text
        # The lock date is written out the Dutch way (WORDING.md: 15 september 2025).
        months = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                  "oktober", "november", "december")
        assert any(month in text for month in months)
