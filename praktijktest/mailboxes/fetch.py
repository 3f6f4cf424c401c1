"""Fetching new messages from the profiles' mailboxes of rounds in fieldwork (IMAP, imaplib).

Per mailbox: connect with TLS (from the first byte, or STARTTLS before the
login) verifying the server's certificate against the system's CAs or
MAILBOX_CA_FILE, log in with the password named by `secret_name`, select the
folder read-only unless the round says otherwise, and read every message
after the last UID seen (`BODY.PEEK[]`, which does not set \\Seen). Each
message is stored as an .eml in the evidence store, recorded once (by its
Message-ID and by its SHA-256), and matched (mailboxes.matching).

A mailbox that fails (no password, refused login, a certificate that does not
verify, an unreachable server) gets a clear error naming its profile, kept on
the mailbox and in the audit log; the other mailboxes are fetched all the same
(each in its own savepoint).
"""
from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass, field

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from praktijktest import evidence_store
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.mailboxes.matching import propose
from praktijktest.mailboxes.models import AfterFetch, MailMessage, ProfileMailbox, RoundMail, TlsMode
from praktijktest.mailboxes.reading import read_message
from praktijktest.mailboxes.secrets import MissingSecret, password_for
from praktijktest.rounds.models import Profile, Round, RoundStatus
from praktijktest.timeutil import utcnow

_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """A mailbox could not be read; the message names the profile."""


@dataclass
class MailboxResult:
    profile_id: int
    profile_name: str
    stored: int = 0
    duplicates: int = 0
    too_large: list[int] = field(default_factory=list)
    error: str | None = None


def rounds_in_fieldwork(round_ids: list[int] | None = None) -> list[Round]:
    query = select(Round).where(Round.status == RoundStatus.FIELDWORK).order_by(Round.id)
    if round_ids is not None:
        query = query.where(Round.id.in_(round_ids))
    return list(db.session.scalars(query))


def fetch_mail(round_ids: list[int] | None = None) -> list[MailboxResult]:
    """Fetch every profile mailbox of the rounds in fieldwork (or of those named); one result per mailbox.

    Outside a request (the CLI, the button's thread) the errors kept on the mailboxes are written in
    the interface's default language, as the coordinators read them there.
    """
    if has_request_context():
        return _fetch_rounds(round_ids)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl_BE")):
        return _fetch_rounds(round_ids)


def _fetch_rounds(round_ids: list[int] | None) -> list[MailboxResult]:
    results = []
    for round_ in rounds_in_fieldwork(round_ids):
        after = after_fetch(round_.id)
        mailboxes = db.session.scalars(select(ProfileMailbox).join(Profile).where(Profile.round_id == round_.id)
                                       .order_by(ProfileMailbox.id))
        for mailbox in list(mailboxes):
            results.append(fetch_one(mailbox, round_, after))
    return results


def after_fetch(round_id: int) -> str:
    settings = db.session.get(RoundMail, round_id)
    return settings.after_fetch if settings else AfterFetch.KEEP


def fetch_one(mailbox: ProfileMailbox, round_: Round, after: str) -> MailboxResult:
    result = MailboxResult(mailbox.profile_id, mailbox.profile.name)
    try:
        with db.session.begin_nested():
            _fetch(mailbox, after, result)
            mailbox.last_error = None
    except MailboxError as error:
        result.error = str(error)
        result.stored = result.duplicates = 0
        mailbox.last_error = result.error[:2000]
    mailbox.last_fetched_at = utcnow()
    db.session.flush()
    record("mail.fetch", mailbox, organisation_id=round_.organisation_id,
           summary=(result.error or f"{result.stored} stored, {result.duplicates} already stored")[:500],
           changes={"stored": result.stored, "duplicates": result.duplicates, "too_large_uids": result.too_large})
    return result


def _fetch(mailbox: ProfileMailbox, after: str, result: MailboxResult) -> None:
    name = mailbox.profile.name
    try:
        password = password_for(mailbox.secret_name)
    except MissingSecret:
        raise MailboxError(_("Profile %(profile)s: no password is configured for this mailbox (secret "
                             "%(secret)s).", profile=name, secret=mailbox.secret_name)) from None
    try:
        imap = connect(mailbox)
    except ssl.SSLCertVerificationError as error:
        raise MailboxError(_("Profile %(profile)s: the certificate of %(host)s could not be verified (%(reason)s); "
                             "nothing was read.", profile=name, host=mailbox.host,
                             reason=error.verify_message or error.reason)) from None
    except ssl.SSLError as error:
        raise MailboxError(_("Profile %(profile)s: no secure connection with %(host)s (%(reason)s); nothing was read.",
                             profile=name, host=mailbox.host, reason=error.reason or error)) from None
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(_("Profile %(profile)s: the mail server %(host)s:%(port)d could not be reached "
                             "(%(reason)s).", profile=name, host=mailbox.host, port=mailbox.port,
                             reason=str(error)[:200])) from None
    try:
        try:
            imap.login(mailbox.username, password)
        except imaplib.IMAP4.error:
            raise MailboxError(_("Profile %(profile)s: the mail server refused the user name or password.",
                                 profile=name)) from None
        _read_new(imap, mailbox, after, result)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(_("Profile %(profile)s: the mail server answered with an error (%(reason)s).",
                             profile=name, reason=str(error)[:200])) from None
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def tls_context() -> ssl.SSLContext:
    """Certificates and host names are always verified; MAILBOX_CA_FILE replaces the system's CAs."""
    context = ssl.create_default_context(cafile=current_app.config.get("MAILBOX_CA_FILE") or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect(mailbox: ProfileMailbox) -> imaplib.IMAP4:
    timeout = int(current_app.config.get("MAIL_FETCH_TIMEOUT_SECONDS", 30))
    if mailbox.tls_mode == TlsMode.TLS:
        return imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=tls_context(), timeout=timeout)
    imap = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    try:
        imap.starttls(ssl_context=tls_context())
    except BaseException:
        with contextlib.suppress(OSError):  # the failed handshake may have closed it already
            imap.shutdown()
        raise
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_new(imap: imaplib.IMAP4, mailbox: ProfileMailbox, after: str, result: MailboxResult) -> None:
    status, _detail = imap.select(_quoted(mailbox.folder or "INBOX"), readonly=(after == AfterFetch.KEEP))
    if status != "OK":
        raise MailboxError(_("Profile %(profile)s: the folder %(folder)s does not exist on the mail server.",
                             profile=mailbox.profile.name, folder=mailbox.folder))
    _status, validity = imap.response("UIDVALIDITY")
    uidvalidity = int(validity[0]) if validity and validity[0] else None
    if uidvalidity != mailbox.uidvalidity:
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0  # UIDs of another validity mean nothing
    start = (mailbox.last_uid or 0) + 1
    _status, found = imap.uid("SEARCH", None, f"UID {start}:*")
    uids = sorted(uid for uid in (int(x) for x in (found[0] or b"").split()) if uid >= start)
    limit = int(current_app.config.get("MAIL_MAX_BYTES", 25 * 1024 * 1024))
    handled = []
    for uid in uids:
        _status, sized = imap.uid("FETCH", str(uid), "(RFC822.SIZE)")
        size = _SIZE.search(sized[0] if isinstance(sized[0], bytes) else sized[0][0])
        if size and int(size.group(1)) > limit:
            result.too_large.append(uid)  # kept on the server, named in the audit event
        else:
            _status, fetched = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
            data = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if data is not None:
                stored = store_message(mailbox.profile, data)
                result.stored += stored is not None
                result.duplicates += stored is None
                handled.append(uid)
        mailbox.last_uid = uid
    db.session.flush()
    _change_server(imap, after, handled)


def _change_server(imap: imaplib.IMAP4, after: str, uids: list[int]) -> None:
    """Only when the round asks: mark the stored messages read, or delete them (they are evidence now)."""
    if after == AfterFetch.KEEP or not uids:
        return
    uid_set = ",".join(str(uid) for uid in uids)
    if after == AfterFetch.SEEN:
        imap.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Seen)")
    elif after == AfterFetch.DELETE:
        imap.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
        _status, capabilities = imap.capability()  # after login: the greeting's list may be shorter
        if b"UIDPLUS" in (capabilities[0] or b"").upper().split():
            imap.uid("EXPUNGE", uid_set)  # only ours, not what the user marked deleted


def store_message(profile: Profile, data: bytes) -> MailMessage | None:
    """Store one message as .eml evidence and propose its application; None when it was stored before."""
    digest = evidence_store.sha256_of(data)
    read = read_message(data)
    same = MailMessage.sha256 == digest
    if read.message_id:
        same = or_(same, MailMessage.message_id == read.message_id)
    if db.session.scalar(select(MailMessage.id).where(MailMessage.profile_id == profile.id, same).limit(1)):
        return None
    stored = evidence_store.save_content_addressed(data, "eml", folder="evidence")
    message = MailMessage(
        round_id=profile.round_id, profile_id=profile.id, message_id=read.message_id, sha256=stored.sha256,
        path=stored.path, size=stored.size, from_address=read.from_address, reply_to=read.reply_to,
        subject=read.subject, date_header=read.date_header, sent_at=read.sent_at,
        utc_offset_minutes=read.utc_offset_minutes, reply_to_ids=read.reply_to_ids,
        headers={**read.display_headers(), "to": read.to[:300], "problems": read.problems[:10]},
        fetched_at=utcnow())
    db.session.add(message)
    db.session.flush()
    propose(message)
    db.session.flush()
    return message


