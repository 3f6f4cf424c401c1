"""Requests from tested persons: recording them with a one-month deadline, the decision, the access export.

Every step is audited. The export holds everything the software keeps about
one target and nothing about any other; it is an identity view, so it is
audited as one.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, EvidenceFile, Response, Test
from praktijktest.organisations.models import Organisation
from praktijktest.retention.deletion import add_months
from praktijktest.retention.models import DataRequest
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Listing, Target
from praktijktest.timeutil import utcnow

REQUEST_KINDS = {"access": _l("Access (art. 15)"), "rectification": _l("Rectification (art. 16)"),
                 "erasure": _l("Erasure (art. 17)"), "objection": _l("Objection (art. 21)")}
DECISIONS = {"granted": _l("Granted"), "partly": _l("Partly granted"), "refused": _l("Refused")}
EXPORT_FORMAT = "praktijktest-access-export/1"


class RequestError(ValueError):
    """A request or decision that cannot be saved."""


def due_date(received_on: date) -> date:
    """One month after receipt (GDPR art. 12.3), the month's last day when it is shorter."""
    from datetime import datetime

    return add_months(datetime(received_on.year, received_on.month, received_on.day), 1).date()


def record_request(target: Target, kind: str, received_on: date, user) -> DataRequest:
    """Record a request about `target` received on `received_on`; audited."""
    if kind not in REQUEST_KINDS:
        raise RequestError(_("Choose the kind of request."))
    if received_on > utcnow().date():
        raise RequestError(_("The date of receipt cannot lie in the future."))
    data_request = DataRequest(organisation_id=target.organisation_id, target_id=target.id, kind=kind,
                               received_on=received_on, due_on=due_date(received_on),
                               created_by_id=getattr(user, "id", None))
    db.session.add(data_request)
    db.session.flush()
    record("data_request.create", data_request, actor=user, organisation_id=target.organisation_id,
           summary=f"{kind} request about {target.code}, due {data_request.due_on.isoformat()}")
    return data_request


def decide(data_request: DataRequest, decision: str, reason: str, version: int | None, user) -> DataRequest:
    """Record the organisation's decision and its reason; a stale form is refused; audited."""
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise RequestError(_("Choose a decision."))
    if decision != "granted" and not reason:
        raise RequestError(_("Give the reason for a refusal or a partial decision."))
    if version is not None and version != data_request.version:
        raise RequestError(_("Someone else decided this request meanwhile. Check it and try again."))
    data_request.decision, data_request.reason, data_request.decided_at = decision, reason, utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        raise RequestError(_("Someone else decided this request meanwhile. Check it and try again.")) from None
    record("data_request.decide", data_request, actor=user, organisation_id=data_request.organisation_id,
           summary=f"{data_request.kind} request {decision}", changes={"decision": [None, decision]})
    return data_request


def access_export(target: Target, user, file_format: str = "json") -> dict:
    """Everything held about `target`, as plain JSON-ready data; audited as a view of its identity.

    The PDF (`access_export_pdf`) prints this same data, so the two never differ.
    """
    record("data_request.export", target, actor=user, organisation_id=target.organisation_id,
           summary=f"access export of {target.code} ({file_format})")
    return {"format": EXPORT_FORMAT, "generated_at": utcnow().isoformat(), "target": _identity(target),
            "listings": [_listing(x) for x in db.session.scalars(
                select(Listing).where(Listing.target_id == target.id).order_by(Listing.id))],
            "tests": _tests(target.id),
            "mail_senders": _mail_senders(target.id),
            "cases": _cases(target.id),
            "requests": [_request(r) for r in db.session.scalars(
                select(DataRequest).where(DataRequest.target_id == target.id).order_by(DataRequest.id))]}


def access_export_pdf(target: Target, user, lang: str = "nl") -> bytes:
    """The access export as a PDF in Dutch or French (the tested person's language); audited like the JSON."""
    from flask import current_app
    from flask_babel import force_locale

    from praktijktest.fieldwork.labels import label_functions as fieldwork_labels
    from praktijktest.followup.models import BODY_LABELS, STATE_LABELS
    from praktijktest.reports.pdf import render_pdf
    from praktijktest.reports.round_report import LOCALES, PDF_OPTIONS
    from praktijktest.rounds.labels import label_functions as round_labels

    locale = LOCALES["fr"] if lang == "fr" else LOCALES["nl"]
    export = access_export(target, user, file_format=f"pdf, {lang}")
    organisation = db.session.get(Organisation, target.organisation_id)
    with force_locale(locale):
        html = current_app.jinja_env.get_template("reports/access_export.html").render(
            current_locale=locale, export=export, organisation=organisation, kinds=REQUEST_KINDS,
            decisions=DECISIONS, states=STATE_LABELS, bodies=BODY_LABELS, **round_labels(), **fieldwork_labels())
    return render_pdf(html, **PDF_OPTIONS)


def _identity(target: Target) -> dict:
    return {"code": target.code, "name": target.name, "kind": target.kind,
            "enterprise_number": target.enterprise_number, "sector": target.sector, "nace_code": target.nace_code,
            "municipality": target.municipality_name, "address": target.address, "contact": target.contact,
            "contract_reference": target.contract_reference, "created_at": target.created_at.isoformat()}


def _listing(listing: Listing) -> dict:
    return {"title": listing.title, "url": listing.url, "seen_on": _iso(listing.seen_on),
            "occupation": listing.occupation, "snapshot_sha256": listing.snapshot_sha256}


def _tests(target_id: int) -> list[dict]:
    tests = db.session.scalars(select(Test).where(Test.target_id == target_id).order_by(Test.id)).all()
    return [{"round": db.session.get(Round, t.round_id).title, "test": t.external_id, "status": t.status,
             "applications": [_application(a) for a in db.session.scalars(
                 select(Application).where(Application.test_id == t.id).order_by(Application.id))]}
            for t in tests]


def _application(application: Application) -> dict:
    from praktijktest.fieldwork.models import MysteryCall

    response = db.session.scalar(select(Response).where(Response.application_id == application.id))
    item = {"group": application.group.label, "sent_at": _iso(application.sent_at), "response": None}
    call = db.session.scalar(select(MysteryCall).where(MysteryCall.application_id == application.id))
    if call is not None:
        item["call"] = {"called_at": _iso(call.called_at), "question": call.question, "answer": call.answer,
                        "notes": call.notes, "recording_sha256": call.recording_sha256}
    if response is not None:
        evidence = db.session.scalars(select(EvidenceFile).where(EvidenceFile.response_id == response.id)
                                      .order_by(EvidenceFile.id))
        item["response"] = {"outcome": response.outcome, "responded_at": _iso(response.responded_at),
                            "notes": response.notes,
                            "evidence": [{"kind": e.kind, "name": e.original_name, "sha256": e.sha256,
                                          "size": e.size, "uploaded_at": _iso(e.uploaded_at)} for e in evidence]}
    return item


def _mail_senders(target_id: int) -> list[str]:
    """Sender addresses and domains learned from confirmed e-mails (mailboxes)."""
    from praktijktest.mailboxes.models import TargetMailSender

    return list(db.session.scalars(select(TargetMailSender.value).where(TargetMailSender.target_id == target_id)
                                   .order_by(TargetMailSender.value)))


def _cases(target_id: int) -> list[dict]:
    """The follow-up cases about the target, each with its dated steps and any referral."""
    from sqlalchemy.orm import selectinload

    from praktijktest.followup.models import FollowUpCase

    cases = db.session.scalars(select(FollowUpCase).where(FollowUpCase.target_id == target_id)
                               .options(selectinload(FollowUpCase.steps), selectinload(FollowUpCase.round))
                               .order_by(FollowUpCase.id)).all()
    return [{"case": case.id, "round": case.round.title, "state": case.state, "opened_at": _iso(case.opened_at),
             "referral": ({"body": case.referral_body, "date": _iso(case.referral_date),
                           "reference": case.referral_reference} if case.referral_body else None),
             "steps": [{"from": step.from_state, "to": step.to_state, "occurred_on": _iso(step.occurred_on),
                        "reason": step.reason} for step in case.steps]}
            for case in cases]


def _request(data_request: DataRequest) -> dict:
    return {"kind": data_request.kind, "received_on": _iso(data_request.received_on),
            "due_on": _iso(data_request.due_on), "decision": data_request.decision, "reason": data_request.reason}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
