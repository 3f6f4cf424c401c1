"""The record of processing activities (GDPR art. 30) of one organisation, as a PDF in Dutch or French.

Built from what the software does and the organisation's configured
retention periods, so that the record cannot drift from the tool.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from praktijktest import evidence_store
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.reports.round_report import LOCALES, PDF_OPTIONS
from praktijktest.retention.periods import periods_for
from praktijktest.timeutil import utcnow

RECIPIENTS = ("Unia", "Vlaams Mensenrechteninstituut", "IGVM / IEFH", "BIV / IPI")
# The referral bodies of follow-up cases (followup.models.ReferralBody), in the order of RECIPIENTS.
RECIPIENT_OF_BODY = {"unia": RECIPIENTS[0], "human_rights_institute": RECIPIENTS[1], "igvm": RECIPIENTS[2],
                     "biv": RECIPIENTS[3]}


def referrals(organisation_id: int) -> list[tuple[str, int]]:
    """(recipient, number of the organisation's cases referred to it), for the recipients cases used."""
    from sqlalchemy import func, select

    from praktijktest.followup.models import FollowUpCase

    counts = dict(db.session.execute(
        select(FollowUpCase.referral_body, func.count()).where(FollowUpCase.organisation_id == organisation_id,
                                                               FollowUpCase.referral_body.is_not(None))
        .group_by(FollowUpCase.referral_body)).all())
    return [(RECIPIENT_OF_BODY[body], counts[body]) for body in RECIPIENT_OF_BODY if counts.get(body)]


def render_processing_record(organisation_id: int, user, lang: str = "nl") -> bytes:
    """The PDF bytes of the organisation's record of processing in `lang` (nl or fr); audited."""
    from praktijktest.reports.pdf import render_pdf

    locale = LOCALES["fr"] if lang == "fr" else LOCALES["nl"]
    organisation = db.session.get(Organisation, organisation_id)
    referred = referrals(organisation_id)
    unencrypted = evidence_store.key_use().get("unencrypted", 0)
    with force_locale(locale):
        periods = [(p.label, p.months, p.legal_basis) for p in periods_for(organisation_id).values()]
        html = current_app.jinja_env.get_template("reports/processing_record.html").render(
            current_locale=locale, organisation=organisation, periods=periods, recipients=RECIPIENTS,
            referred=referred, unencrypted=unencrypted, generated_at=utcnow().date().isoformat())
    record("retention.processing_record", organisation, actor=user, organisation_id=organisation_id,
           summary=f"record of processing ({lang})")
    return render_pdf(html, **PDF_OPTIONS)
