"""The record of processing activities (GDPR art. 30) of one organisation, as a PDF in Dutch or French.

Built from what the software does and the organisation's configured
retention periods, so that the record cannot drift from the tool.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.reports.round_report import LOCALES, PDF_OPTIONS
from praktijktest.retention.periods import periods_for
from praktijktest.timeutil import utcnow

RECIPIENTS = ("Unia", "Vlaams Mensenrechteninstituut", "IGVM / IEFH", "BIV / IPI")


def render_processing_record(organisation_id: int, user, lang: str = "nl") -> bytes:
    """The PDF bytes of the organisation's record of processing in `lang` (nl or fr); audited."""
    from praktijktest.reports.pdf import render_pdf

    locale = LOCALES["fr"] if lang == "fr" else LOCALES["nl"]
    organisation = db.session.get(Organisation, organisation_id)
    with force_locale(locale):
        periods = [(p.label, p.months, p.legal_basis) for p in periods_for(organisation_id).values()]
        html = current_app.jinja_env.get_template("reports/processing_record.html").render(
            current_locale=locale, organisation=organisation, periods=periods, recipients=RECIPIENTS,
            generated_at=utcnow().date().isoformat())
    record("retention.processing_record", organisation, actor=user, organisation_id=organisation_id,
           summary=f"record of processing ({lang})")
    return render_pdf(html, **PDF_OPTIONS)
