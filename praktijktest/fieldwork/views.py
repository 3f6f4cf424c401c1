"""The tester's pages: the work queue, a test (send, record responses, decline), evidence.

Testers open only their own tests; coordinators every test of their
organisation. Showing the target's name and listing is an audited identity view.
Evidence is downloaded by coordinators only, with a POST (an audited act).
"""
from __future__ import annotations

import io
from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.fieldwork import evidence as evidence_files
from praktijktest.fieldwork.access import (
    get_application_or_404,
    get_call_or_404,
    get_evidence_or_404,
    get_response_or_404,
    get_test_or_404,
)
from praktijktest.fieldwork.calls import record_call
from praktijktest.fieldwork.clock import local_to_utc
from praktijktest.fieldwork.forms import (
    CallForm,
    CancelTestForm,
    ResolveForm,
    ResponseForm,
    SecondEntryForm,
    SendForm,
    TestListingForm,
    VersionForm,
)
from praktijktest.fieldwork.labels import label_functions
from praktijktest.fieldwork.models import Response
from praktijktest.fieldwork.page import render_test_page
from praktijktest.fieldwork.queries import tester_queue
from praktijktest.fieldwork.second_entry import (
    can_second_enter,
    record_second_entry,
    resolve_disagreement,
    second_entry_queue,
)
from praktijktest.fieldwork.services import (
    FieldworkError,
    StaleResponse,
    cancel_test,
    close_expired_windows,
    mark_decline_sent,
    mark_sent,
    record_listing,
    save_response,
    verify_response,
)
from praktijktest.permissions import roles_required
from praktijktest.targets.listings import snapshot_max_bytes
from praktijktest.timeutil import as_utc, utcnow

bp = Blueprint("fieldwork", __name__, url_prefix="/fieldwork")
WORKERS = (Role.TESTER, Role.COORDINATOR)
DOWNLOAD_CSP = "sandbox; default-src 'none'"


@bp.app_context_processor
def _fieldwork_labels() -> dict:
    return label_functions()


@bp.app_template_filter("overdue")
def _overdue(moment) -> bool:
    return moment is not None and as_utc(moment) < utcnow()


@bp.route("/")
@roles_required(Role.TESTER)
def queue():
    close_expired_windows(tester_id=current_user.id)
    from praktijktest.mailboxes.views import mail_proposals

    return render_template("fieldwork/queue.html", queue=tester_queue(current_user),
                           to_check=second_entry_queue(current_user), mail_proposals=mail_proposals(current_user))


@bp.route("/tests/<int:test_id>")
@roles_required(*WORKERS)
def test(test_id: int):
    return render_test_page(get_test_or_404(test_id))


@bp.route("/tests/<int:test_id>/listing", methods=["POST"])
@roles_required(*WORKERS)
def listing(test_id: int):
    test_ = get_test_or_404(test_id)
    form = TestListingForm()
    if not form.validate_on_submit():
        return render_test_page(test_, listing_form=form)
    upload = form.snapshot.data
    snapshot = (upload.filename, upload.read(snapshot_max_bytes() + 1)) if upload and upload.filename else None
    try:
        record_listing(test_, form.title.data, url=form.url.data, seen_on=form.seen_on.data, snapshot=snapshot)
    except FieldworkError as error:
        form.title.errors = [str(error)]
        return render_test_page(test_, listing_form=form)
    flash(_("The vacancy or ad is recorded."), "success")
    return redirect(url_for(".test", test_id=test_.id))


@bp.route("/applications/<int:application_id>/sent", methods=["POST"])
@roles_required(*WORKERS)
def sent(application_id: int):
    application = get_application_or_404(application_id)
    form = SendForm(prefix=f"send-{application.id}")
    if not form.validate_on_submit():
        return render_test_page(application.test, send_forms={application.id: form})
    try:
        warnings = mark_sent(application, local_to_utc(form.sent_on.data, form.sent_time.data), form.channel.data)
    except FieldworkError as error:
        form.channel.errors = [str(error)]
        return render_test_page(application.test, send_forms={application.id: form})
    flash(_("Recorded as sent."), "success")
    for warning in warnings:
        flash(warning, "error")
    return redirect(url_for(".test", test_id=application.test_id, _anchor=f"application-{application.id}"))


@bp.route("/applications/<int:application_id>/response", methods=["POST"])
@roles_required(*WORKERS)
def response(application_id: int):
    application = get_application_or_404(application_id)
    form = ResponseForm(prefix=f"response-{application.id}")
    if not form.validate_on_submit():
        return render_test_page(application.test, response_forms={application.id: form})
    try:
        files = _read_evidence(form)
        saved = save_response(
            application, expected_version=_version(form.version.data), outcome=form.outcome.data,
            received_at=_moment(form.received_on.data, form.received_time.data), channel=form.channel.data or None,
            notes=form.notes.data, user=current_user, reason=form.reason.data)
        for name, data in files:
            evidence_files.add_evidence(saved, name, data, uploaded_by=current_user)
    except (StaleResponse, StaleDataError):
        db.session.rollback()
        flash(_("Someone else saved this response in the meantime. Their version is kept; reload the page to see "
                "it and make your change again."), "error")
        return redirect(url_for(".test", test_id=application.test_id, _anchor=f"application-{application.id}"))
    except (FieldworkError, evidence_files.EvidenceError) as error:
        db.session.rollback()
        form.outcome.errors = [str(error)]
        return render_test_page(get_test_or_404(application.test_id), response_forms={application.id: form})
    flash(_("The response is saved."), "success")
    return redirect(url_for(".test", test_id=application.test_id, _anchor=f"application-{application.id}"))


@bp.route("/responses/<int:response_id>/verify", methods=["POST"])
@roles_required(Role.COORDINATOR)
def verify(response_id: int):
    response_ = get_response_or_404(response_id)
    form = VersionForm()
    try:
        if not form.validate_on_submit():
            raise FieldworkError(_("The form expired; reload the page and try again."))
        verify_response(response_, _version(form.version.data), current_user)
    except FieldworkError as error:
        flash(str(error), "error")
    else:
        flash(_("The response is verified."), "success")
    return redirect(url_for(".test", test_id=response_.application.test_id))


@bp.route("/responses/<int:response_id>/decline", methods=["POST"])
@roles_required(*WORKERS)
def decline(response_id: int):
    response_ = get_response_or_404(response_id)
    try:
        if not VersionForm().validate_on_submit():
            raise FieldworkError(_("The form expired; reload the page and try again."))
        mark_decline_sent(response_)
    except FieldworkError as error:
        flash(str(error), "error")
    else:
        flash(_("The decline is recorded as sent."), "success")
    return redirect(url_for(".test", test_id=response_.application.test_id))


@bp.route("/tests/<int:test_id>/cancel", methods=["POST"])
@roles_required(*WORKERS)
def cancel(test_id: int):
    test_ = get_test_or_404(test_id)
    form = CancelTestForm()
    if not form.validate_on_submit():
        return render_test_page(test_, cancel_form=form)
    try:
        cancel_test(test_, form.reason.data)
    except FieldworkError as error:
        form.reason.errors = [str(error)]
        return render_test_page(test_, cancel_form=form)
    flash(_("The test is cancelled; it is left out of the analysis, with its reason."), "success")
    return redirect(url_for(".test", test_id=test_.id))


@bp.route("/evidence/<int:evidence_id>", methods=["POST"])
@roles_required(Role.COORDINATOR)
def evidence(evidence_id: int):
    item = get_evidence_or_404(evidence_id)
    return _download(lambda: evidence_files.evidence_download(item), item.response.application.test_id)


@bp.route("/calls/<int:call_id>/recording", methods=["POST"])
@roles_required(Role.COORDINATOR)
def recording(call_id: int):
    call_ = get_call_or_404(call_id)
    return _download(lambda: evidence_files.recording_download(call_), call_.application.test_id)


def _download(read, test_id: int):
    """Serve a stored file (evidence or a call recording) to a coordinator: a POST, checked, audited, sandboxed."""
    try:
        if not VersionForm().validate_on_submit():
            raise evidence_files.EvidenceError(_("The form expired; reload the page and try again."))
        download = read()
    except evidence_files.EvidenceError as error:
        flash(str(error), "error")
        return redirect(url_for(".test", test_id=test_id))
    sent_file = send_file(io.BytesIO(download.data), mimetype=download.mimetype, as_attachment=True,
                          download_name=download.filename, max_age=0)
    sent_file.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return sent_file


def _read_evidence(form: ResponseForm) -> list[tuple[str, bytes]]:
    """Every uploaded file, checked before anything is saved: one bad file refuses the whole save."""
    files = []
    for upload in form.evidence.data or []:
        if not getattr(upload, "filename", None):
            continue
        data = upload.read(evidence_files.max_bytes() + 1)
        evidence_files.detect(data)
        files.append((upload.filename, data))
    return files


def _moment(day, at):
    """A response's date and time as UTC; noon when only the day is known."""
    return None if day is None else local_to_utc(day, at or time(12, 0))


def _version(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1  # a tampered version matches nothing: refused as stale


@bp.route("/check/<int:response_id>", methods=["GET", "POST"])
@roles_required(Role.TESTER)
def check(response_id: int):
    response_ = db.session.get(Response, response_id)
    if response_ is None or response_.application.test.round.organisation_id != current_user.organisation_id:
        abort(404)
    if not can_second_enter(response_, current_user):
        flash(_("This response is not waiting for your check."), "error")
        return redirect(url_for(".queue"))
    form = SecondEntryForm()
    if form.validate_on_submit():
        try:
            agreed = record_second_entry(response_, form.outcome.data, current_user)
        except FieldworkError as error:
            form.outcome.errors = [str(error)]
        else:
            flash(_("Thank you: the outcomes agree, the response is verified.") if agreed else
                  _("Your outcome differs from the first entry; a coordinator will resolve it."), "success")
            return redirect(url_for(".queue"))
    return render_template("fieldwork/check.html", response=response_, test=response_.application.test, form=form)


@bp.route("/responses/<int:response_id>/resolve", methods=["POST"])
@roles_required(Role.COORDINATOR)
def resolve(response_id: int):
    response_ = get_response_or_404(response_id)
    form = ResolveForm(prefix=f"resolve-{response_.id}")
    try:
        if not form.validate_on_submit():
            raise FieldworkError(_("Choose the outcome that stands and give the reason."))
        resolve_disagreement(response_, form.outcome.data, form.reason.data, _version(form.version.data),
                             current_user)
    except FieldworkError as error:
        flash(str(error), "error")
    else:
        flash(_("The disagreement is resolved; the response is verified."), "success")
    return redirect(url_for(".test", test_id=response_.application.test_id))


@bp.route("/applications/<int:application_id>/call", methods=["POST"])
@roles_required(*WORKERS)
def call(application_id: int):
    application = get_application_or_404(application_id)
    form = CallForm(prefix=f"call-{application.id}")
    if not form.validate_on_submit():
        return render_test_page(application.test, call_forms={application.id: form})
    upload = form.recording.data
    recording = (upload.filename, upload.read(evidence_files.max_bytes() + 1)) if upload and upload.filename else None
    try:
        record_call(application, question=form.question.data, answer=form.answer.data, notes=form.notes.data,
                    called_at=local_to_utc(form.called_on.data, form.called_time.data), recording=recording,
                    user=current_user, expected_version=_version(form.version.data))
    except (StaleResponse, StaleDataError):
        db.session.rollback()
        flash(_("Someone else saved this call in the meantime. Their version is kept; reload the page to see it "
                "and make your change again."), "error")
    except FieldworkError as error:
        db.session.rollback()
        form.question.errors = [str(error)]
        return render_test_page(get_test_or_404(application.test_id), call_forms={application.id: form})
    else:
        flash(_("The call is saved."), "success")
    return redirect(url_for(".test", test_id=application.test_id, _anchor=f"application-{application.id}"))
