"""What people do with fetched messages and mailboxes: confirm, assign, dismiss, edit; all audited.

Nothing is a response until a person confirms: `confirm_message` records the
response through fieldwork's `save_response` (audited, optimistic locking,
declines) and gives it the message's .eml as its evidence file (the same
content-addressed file, same SHA-256), then learns the sender for the target.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.accounts.models import Role, User
from praktijktest.audit.services import diff, record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, EvidenceFile, EvidenceKind, Test
from praktijktest.fieldwork.services import FieldworkError, save_response
from praktijktest.mailboxes.matching import learn_sender
from praktijktest.mailboxes.models import (
    AfterFetch,
    MailCandidate,
    MailMessage,
    MessageStatus,
    ProfileMailbox,
    RoundMail,
    TlsMode,
)
from praktijktest.mailboxes.secrets import is_valid_name
from praktijktest.rounds.models import Profile, Round
from praktijktest.timeutil import utcnow

MAIL_OUTCOMES = ("invitation", "information_request", "rejection")  # a message is never "no response"


class MailError(ValueError):
    """Refused, with the reason in the reader's language; nothing changed."""


class StaleMail(MailError):
    pass


def _stale() -> str:
    return _("Someone else changed this in the meantime; reload the page and try again.")


def _check_version(obj, expected: int | None) -> None:
    if expected is None or expected != obj.version:
        raise StaleMail(_stale())


def candidate_applications(message: MailMessage, user: User) -> list[Application]:
    """The candidates this user may confirm: a tester only those of their own tests."""
    apps = [candidate.application for candidate in message.candidates]
    if user.role == Role.TESTER:
        apps = [app for app in apps if app.test.tester_id == user.id]
    return apps


def confirm_message(message: MailMessage, application_id: int, outcome: str, user: User,
                    expected_version: int | None):
    """A person confirms: the message is the response `outcome` of that candidate application."""
    _check_version(message, expected_version)
    if message.status not in (MessageStatus.PROPOSED, MessageStatus.AMBIGUOUS):
        raise MailError(_("This message is not waiting for a confirmation."))
    application = next((app for app in candidate_applications(message, user) if app.id == application_id), None)
    if application is None:
        raise MailError(_("Choose one of the proposed applications."))
    if outcome not in MAIL_OUTCOMES:
        raise MailError(_("Choose one of the outcomes."))
    existing = application.response
    if existing is not None and not (existing.outcome == "no_response" and existing.recorded_by_id is None):
        raise MailError(_("This application already has a response; open the test to change it."))
    received_at = message.sent_at or message.fetched_at
    try:
        response = save_response(
            application, expected_version=existing.version if existing else None, outcome=outcome,
            received_at=received_at, channel="email", user=user,
            notes=_("E-mail from %(sender)s: %(subject)s", sender=message.from_address or "?",
                    subject=message.subject or "-"))
    except FieldworkError as error:
        raise MailError(str(error)) from None
    evidence = EvidenceFile(
        response=response, sha256=message.sha256, path=message.path, size=message.size, kind=EvidenceKind.EML,
        media_type="message/rfc822", original_name=f"mail-{message.id}.eml",
        headers={k: message.headers.get(k) for k in ("from", "date", "subject") if message.headers.get(k)},
        uploaded_at=utcnow(), uploaded_by_id=user.id)
    db.session.add(evidence)
    db.session.flush()
    organisation_id = application.test.round.organisation_id
    record("evidence.upload", evidence, summary=f"response {response.id}: eml, {message.size} bytes (mailbox)",
           changes={"sha256": message.sha256}, organisation_id=organisation_id)
    message.status, message.application_id, message.response_id = MessageStatus.CONFIRMED, application.id, response.id
    message.decided_at, message.decided_by_id = utcnow(), user.id
    learned = learn_sender(message, application.test.target)
    db.session.flush()
    record("mail.confirm", message, summary=f"{application.test.external_id}: {outcome}",
           changes={"application_id": application.id, "outcome": outcome, "learned_senders": learned},
           organisation_id=organisation_id)
    return response


def assign_message(message: MailMessage, application_id: int, user: User, expected_version: int | None) -> None:
    """A coordinator proposes an application for an unmatched or ambiguous message; its tester confirms."""
    _check_version(message, expected_version)
    if not message.is_open:
        raise MailError(_("This message is already decided."))
    application = db.session.scalar(select(Application).join(Test).where(
        Application.id == application_id, Test.round_id == message.round_id))
    if application is None or application.sent_at is None:
        raise MailError(_("Choose a sent application of this round."))
    old = [candidate.application_id for candidate in message.candidates]
    message.candidates = [MailCandidate(application_id=application.id)]
    message.match_reasons, message.status = ["assigned"], MessageStatus.PROPOSED
    db.session.flush()
    record("mail.assign", message, summary=application.test.external_id,
           changes={"candidates": [old, [application.id]]}, organisation_id=message.round.organisation_id)


def dismiss_message(message: MailMessage, reason: str, user: User, expected_version: int | None) -> None:
    """A coordinator decides the message answers no application (spam, a newsletter); kept as evidence."""
    _check_version(message, expected_version)
    if not message.is_open:
        raise MailError(_("This message is already decided."))
    if not (reason or "").strip():
        raise MailError(_("Give the reason why this message answers no application."))
    message.status, message.decided_at, message.decided_by_id = MessageStatus.DISMISSED, utcnow(), user.id
    db.session.flush()
    record("mail.dismiss", message, summary=reason.strip()[:500], organisation_id=message.round.organisation_id)


def save_mailbox(profile: Profile, *, host: str, port: int, tls_mode: str, username: str, secret_name: str,
                 folder: str, expected_version: int | None) -> ProfileMailbox:
    """Create or change a profile's mailbox settings (never a password); audited."""
    host, username, folder = (host or "").strip().lower(), (username or "").strip(), (folder or "INBOX").strip()
    secret_name = (secret_name or "").strip()
    if not host or any(c.isspace() or c in "/@:" for c in host) or len(host) > 255:
        raise MailError(_("Give the mail server's host name, such as imap.example.be."))
    if not 1 <= int(port or 0) <= 65535:
        raise MailError(_("Give a port between 1 and 65535."))
    if tls_mode not in tuple(TlsMode):
        raise MailError(_("Choose how the connection is secured."))
    if not username or len(username) > 254:
        raise MailError(_("Give the mailbox's user name."))
    if not is_valid_name(secret_name):
        raise MailError(_("The secret's name may hold letters, digits, dots, dashes and underscores only."))
    if not folder or len(folder) > 200:
        raise MailError(_("Give the folder to read, such as INBOX."))
    values = {"host": host, "port": int(port), "tls_mode": tls_mode, "username": username,
              "secret_name": secret_name, "folder": folder}
    mailbox = db.session.scalar(select(ProfileMailbox).where(ProfileMailbox.profile_id == profile.id))
    if mailbox is None:
        if expected_version is not None:
            raise StaleMail(_stale())
        mailbox = ProfileMailbox(profile_id=profile.id, **values)
        db.session.add(mailbox)
        action, changes = "mailbox.create", {k: [None, v] for k, v in values.items()}
    else:
        _check_version(mailbox, expected_version)
        changes = diff(mailbox, values)
        if {"host", "port", "username", "folder"} & changes.keys():
            mailbox.uidvalidity, mailbox.last_uid = None, 0  # another mailbox: read it from the start
        for key, value in values.items():
            setattr(mailbox, key, value)
        action = "mailbox.update"
    db.session.flush()
    if changes:
        record(action, mailbox, summary=profile.name, changes=changes,
               organisation_id=db.session.get(Round, profile.round_id).organisation_id)
    return mailbox


def save_after_fetch(round_: Round, after: str, expected_version: int | None) -> None:
    if after not in tuple(AfterFetch):
        raise MailError(_("Choose what fetching does on the mail server."))
    settings = db.session.get(RoundMail, round_.id)
    if settings is None:
        settings = RoundMail(round_id=round_.id, after_fetch=AfterFetch.KEEP)
        db.session.add(settings)
        db.session.flush()
    else:
        _check_version(settings, expected_version)
    old = settings.after_fetch
    settings.after_fetch = after
    db.session.flush()
    if old != after:
        record("mail.settings", round_, changes={"after_fetch": [old, after]}, organisation_id=round_.organisation_id)
