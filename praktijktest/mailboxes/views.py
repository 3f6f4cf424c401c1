"""Mailbox pages: a coordinator's mailboxes and unmatched messages per round, a message page where
a tester (or coordinator) confirms the proposed match.

A message is shown as headers and plain text only (mailboxes.reading), never as HTML.
"""
from __future__ import annotations

import logging
import threading

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from praktijktest import evidence_store
from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.mailboxes.fetch import after_fetch, fetch_mail
from praktijktest.mailboxes.forms import AfterFetchForm, AssignMailForm, ConfirmForm, DismissForm, MailboxForm
from praktijktest.mailboxes.models import MailCandidate, MailMessage, MessageStatus, ProfileMailbox, RoundMail
from praktijktest.mailboxes.reading import read_message
from praktijktest.mailboxes.secrets import default_secret_name, has_password
from praktijktest.mailboxes.services import (
    MailError,
    assign_message,
    candidate_applications,
    confirm_message,
    dismiss_message,
    save_after_fetch,
    save_mailbox,
)
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.models import Profile, Round
from praktijktest.targets.services import record_identity_view

bp = Blueprint("mailboxes", __name__)
log = logging.getLogger(__name__)
OPEN = (MessageStatus.PROPOSED, MessageStatus.AMBIGUOUS, MessageStatus.UNMATCHED)
_running: set[int] = set()
_running_lock = threading.Lock()


def mail_proposals(user) -> list[MailMessage]:
    """Messages waiting for this tester's confirmation: a candidate is one of their tests.

    A query of its own beside fieldwork's queue, so the two change independently.
    """
    mine = (select(MailCandidate.message_id).join(Application, MailCandidate.application_id == Application.id)
            .join(Test, Application.test_id == Test.id).where(Test.tester_id == user.id))
    return list(db.session.scalars(
        select(MailMessage).where(MailMessage.id.in_(mine),
                                  MailMessage.status.in_((MessageStatus.PROPOSED, MessageStatus.AMBIGUOUS)))
        .order_by(MailMessage.sent_at, MailMessage.id).limit(200)))


def get_mail_or_404(mail_id: int) -> MailMessage:
    message = db.session.get(MailMessage, mail_id)
    if message is None or message.round.organisation_id != current_user.organisation_id:
        abort(404)
    if current_user.role == Role.TESTER and not candidate_applications(message, current_user):
        abort(404)
    if current_user.role not in (Role.TESTER, Role.COORDINATOR):
        abort(404)
    return message


def _profile_of(round_: Round, profile_id: int) -> Profile:
    profile = db.session.get(Profile, profile_id)
    if profile is None or profile.round_id != round_.id:
        abort(404)
    return profile


@bp.route("/rounds/<int:round_id>/mail")
@roles_required(Role.COORDINATOR)
def round_mail(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    return _render_round(round_)


def _render_round(round_: Round, settings_form=None):
    profiles = list(db.session.scalars(select(Profile).where(Profile.round_id == round_.id).order_by(Profile.name)))
    mailboxes = {m.profile_id: m for m in db.session.scalars(
        select(ProfileMailbox).where(ProfileMailbox.profile_id.in_([p.id for p in profiles])))}
    open_messages = list(db.session.scalars(
        select(MailMessage).where(MailMessage.round_id == round_.id, MailMessage.status.in_(OPEN))
        .order_by(MailMessage.status.desc(), MailMessage.sent_at, MailMessage.id).limit(500)))
    settings = db.session.get(RoundMail, round_.id)
    if settings_form is None:
        settings_form = AfterFetchForm(data={"after_fetch": after_fetch(round_.id),
                                             "version": settings.version if settings else ""})
    return render_template("mailboxes/round.html", round=round_, profiles=profiles, mailboxes=mailboxes,
                           passwords={p.id: has_password(m.secret_name) for p, m in
                                      ((p, mailboxes[p.id]) for p in profiles if p.id in mailboxes)},
                           open_messages=open_messages, settings_form=settings_form, running=round_.id in _running)


@bp.route("/rounds/<int:round_id>/mail/settings", methods=["POST"])
@roles_required(Role.COORDINATOR)
def settings(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = AfterFetchForm()
    try:
        if not form.validate_on_submit():
            raise MailError(_("Choose what fetching does on the mail server."))
        save_after_fetch(round_, form.after_fetch.data, _version(form.version.data))
    except (MailError, StaleDataError) as error:
        db.session.rollback()
        flash(str(error) if isinstance(error, MailError) else _("Someone else changed this in the meantime; "
                                                                "reload the page and try again."), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for(".round_mail", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/mail/fetch", methods=["POST"])
@roles_required(Role.COORDINATOR)
def fetch(round_id: int):
    """The coordinator's button: the fetch runs beside the request, which returns at once."""
    round_ = get_owned_or_404(Round, round_id)
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(url_for(".round_mail", round_id=round_.id))
    if current_app.config.get("MAIL_FETCH_INLINE", current_app.testing):
        results = fetch_mail([round_.id])
        for result in results:
            if result.error:
                flash(result.error, "error")
        flash(_("The mailboxes were read: %(stored)d new messages.", stored=sum(r.stored for r in results)),
              "success")
    elif start_in_background(round_.id):
        flash(_("The mailboxes are being read; reload this page in a minute to see the new messages."), "success")
    else:
        flash(_("The mailboxes of this round are being read already."), "error")
    return redirect(url_for(".round_mail", round_id=round_.id))


def start_in_background(round_id: int) -> bool:
    """Fetch in a thread of this process with its own session; False when a fetch of the round runs already."""
    with _running_lock:
        if round_id in _running:
            return False
        _running.add(round_id)
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                fetch_mail([round_id])
                db.session.commit()
            except Exception:  # noqa: BLE001  (a failed background fetch is logged; the page shows the errors)
                db.session.rollback()
                log.exception("fetching the mailboxes of round %s failed", round_id)
            finally:
                db.session.remove()
                with _running_lock:
                    _running.discard(round_id)

    threading.Thread(target=run, name=f"fetch-mail-{round_id}", daemon=True).start()
    return True


@bp.route("/rounds/<int:round_id>/profiles/<int:profile_id>/mailbox", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def edit(round_id: int, profile_id: int):
    round_ = get_owned_or_404(Round, round_id)
    profile = _profile_of(round_, profile_id)
    mailbox = db.session.scalar(select(ProfileMailbox).where(ProfileMailbox.profile_id == profile.id))
    form = MailboxForm(obj=mailbox) if mailbox else MailboxForm(secret_name=default_secret_name(profile.id),
                                                                username=profile.email or "")
    if not form.is_submitted() and mailbox:
        form.version.data = mailbox.version
    if form.validate_on_submit():
        try:
            save_mailbox(profile, host=form.host.data, port=form.port.data, tls_mode=form.tls_mode.data,
                         username=form.username.data, secret_name=form.secret_name.data, folder=form.folder.data,
                         expected_version=_version(form.version.data))
        except (MailError, StaleDataError) as error:
            db.session.rollback()
            form.host.errors = [str(error) if isinstance(error, MailError) else
                                _("Someone else changed this in the meantime; reload the page and try again.")]
        else:
            flash(_("The mailbox is saved."), "success")
            return redirect(url_for(".round_mail", round_id=round_.id))
    return render_template("mailboxes/edit.html", round=round_, profile=profile, form=form, mailbox=mailbox,
                           has_password=has_password(form.secret_name.data or ""))


@bp.route("/mail/<int:mail_id>")
@roles_required(Role.TESTER, Role.COORDINATOR)
def message(mail_id: int):
    return _render_message(get_mail_or_404(mail_id))


def _render_message(message: MailMessage, confirm_form=None):
    candidates = candidate_applications(message, current_user)
    targets = list({app.test.target.id: app.test.target for app in candidates}.values())
    record_identity_view(targets, "mail message", organisation_id=message.round.organisation_id)
    try:
        read = read_message(evidence_store.read_bytes(message.path))
    except evidence_store.EvidenceStoreError:
        read = None
    if confirm_form is None:
        confirm_form = ConfirmForm(data={"version": message.version,
                                         "application_id": candidates[0].id if len(candidates) == 1 else None})
    confirm_form.application_id.choices = [SelectChoice(app.id, app.test.external_id) for app in candidates]
    assign_form = dismiss_form = None
    if current_user.role == Role.COORDINATOR and message.is_open:
        assign_form = AssignMailForm(data={"version": message.version})
        assign_form.application_id.choices = [
            SelectChoice(app.id, f"{app.test.external_id} · {app.test.target.code}") for app in db.session.scalars(
                select(Application).join(Test).where(Application.profile_id == message.profile_id,
                                                     Application.sent_at.is_not(None)).order_by(Test.external_id))]
        dismiss_form = DismissForm(data={"version": message.version})
    return render_template("mailboxes/message.html", message=message, read=read, candidates=candidates,
                           confirm_form=confirm_form, assign_form=assign_form, dismiss_form=dismiss_form)


@bp.route("/mail/<int:mail_id>/confirm", methods=["POST"])
@roles_required(Role.TESTER, Role.COORDINATOR)
def confirm(mail_id: int):
    message = get_mail_or_404(mail_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Choose the application and the outcome."), "error")
        return redirect(url_for(".message", mail_id=message.id))
    try:
        response = confirm_message(message, form.application_id.data, form.outcome.data, current_user,
                                   _version(form.version.data))
    except (MailError, StaleDataError) as error:
        db.session.rollback()
        flash(str(error) if isinstance(error, MailError) else
              _("Someone else changed this in the meantime; reload the page and try again."), "error")
        return redirect(url_for(".message", mail_id=mail_id))
    flash(_("The e-mail is recorded as the response, with the message as its evidence."), "success")
    return redirect(url_for("fieldwork.test", test_id=response.application.test_id,
                            _anchor=f"application-{response.application_id}"))


@bp.route("/mail/<int:mail_id>/assign", methods=["POST"])
@roles_required(Role.COORDINATOR)
def assign(mail_id: int):
    message = get_mail_or_404(mail_id)
    form = AssignMailForm()
    try:
        if not form.validate_on_submit():
            raise MailError(_("Choose a sent application of this round."))
        assign_message(message, form.application_id.data, current_user, _version(form.version.data))
    except (MailError, StaleDataError) as error:
        db.session.rollback()
        flash(str(error) if isinstance(error, MailError) else
              _("Someone else changed this in the meantime; reload the page and try again."), "error")
    else:
        flash(_("The message is proposed to the tester of that application."), "success")
    return redirect(url_for(".message", mail_id=mail_id))


@bp.route("/mail/<int:mail_id>/dismiss", methods=["POST"])
@roles_required(Role.COORDINATOR)
def dismiss(mail_id: int):
    message = get_mail_or_404(mail_id)
    form = DismissForm()
    try:
        if not form.validate_on_submit():
            raise MailError(_("Give the reason why this message answers no application."))
        dismiss_message(message, form.reason.data, current_user, _version(form.version.data))
    except (MailError, StaleDataError) as error:
        db.session.rollback()
        flash(str(error) if isinstance(error, MailError) else
              _("Someone else changed this in the meantime; reload the page and try again."), "error")
        return redirect(url_for(".message", mail_id=mail_id))
    flash(_("The message is set aside; it stays in the evidence store."), "success")
    return redirect(url_for(".round_mail", round_id=message.round_id))


def _version(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1  # a tampered version matches nothing: refused as stale
