"""Fetching from a real Dovecot: evidence, idempotence, time zones, nothing changed on the server,
and clear errors (wrong password, unverifiable certificate) that stop no other mailbox."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from praktijktest import evidence_store
from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.mailboxes.fetch import fetch_mail
from praktijktest.mailboxes.models import AfterFetch, MailMessage, RoundMail
from praktijktest.rounds.models import Profile
from praktijktest.timeutil import utcnow
from tests.mail.conftest import message, sent_applications


@pytest.fixture(autouse=True)
def errors_in_english(app, monkeypatch):
    """Fetching outside a request writes errors in the default language: English here, as the assertions."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


def profile_named(round_, name) -> Profile:
    return db.session.scalar(select(Profile).where(Profile.round_id == round_.id, Profile.name == name))


def messages_of(round_) -> list[MailMessage]:
    return list(db.session.scalars(select(MailMessage).where(MailMessage.round_id == round_.id)
                                   .order_by(MailMessage.id)))


def recent(days=1, hours=0):
    return (utcnow() - timedelta(days=days, hours=hours)).astimezone(UTC)


def test_a_message_is_stored_as_eml_evidence_with_its_headers_and_time_zone(fieldwork_round, give_mailbox,
                                                                              dovecot):
    round_ = fieldwork_round(tests=1)
    sent_applications(round_, "Lotte Wouters")
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    raw = message(date="Tue, 01 Dec 2026 10:15:00 +0100")
    dovecot.deliver(user, raw)

    [result] = fetch_mail([round_.id])

    assert (result.error, result.stored) == (None, 1)
    [stored] = messages_of(round_)
    assert evidence_store.read_bytes(stored.path) == raw
    assert stored.sha256 == evidence_store.sha256_of(raw) and stored.size == len(raw)
    assert stored.from_address == "hr@verhuurder.example" and stored.subject == "Uitnodiging"
    assert stored.message_id == "<m1@verhuurder.example>"
    # 10:15 at UTC+1 is 09:15 UTC; the sender's offset and the header as written are kept.
    assert stored.sent_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 9, 15, tzinfo=UTC)
    assert stored.utc_offset_minutes == 60 and stored.date_header.endswith("+0100")


def test_fetching_twice_stores_nothing_twice_even_from_the_first_message(fieldwork_round, give_mailbox, dovecot):
    round_ = fieldwork_round(tests=1)
    mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    dovecot.deliver(user, message(message_id="<a@x.example>"))
    dovecot.deliver(user, message(message_id=None, subject="Zonder Message-ID"))
    assert fetch_mail([round_.id])[0].stored == 2
    assert fetch_mail([round_.id])[0].stored == 0  # nothing new after the last UID
    mailbox.last_uid = 0  # as after a UIDVALIDITY change: every message is read again
    # The same Message-ID with other bytes (a copy delivered again) is the same message too.
    dovecot.deliver(user, message(message_id="<a@x.example>", extra="X-Copy: 2"))
    again = fetch_mail([round_.id])[0]
    assert (again.stored, again.duplicates) == (0, 3)
    assert len(messages_of(round_)) == 2


def test_reading_changes_nothing_on_the_server_unless_the_round_says_so(fieldwork_round, give_mailbox, dovecot):
    round_ = fieldwork_round(tests=1)
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    dovecot.deliver(user, message())
    fetch_mail([round_.id])
    assert all(b"\\Seen" not in flags for flags in dovecot.flags(user))

    db.session.add(RoundMail(round_id=round_.id, after_fetch=AfterFetch.SEEN))
    dovecot.deliver(user, message(message_id="<m2@verhuurder.example>"))
    fetch_mail([round_.id])
    first, second = dovecot.flags(user)
    assert b"\\Seen" not in first and b"\\Seen" in second  # only what this fetch stored


def test_a_round_that_asks_for_it_has_stored_messages_deleted(fieldwork_round, give_mailbox, dovecot):
    round_ = fieldwork_round(tests=1)
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    db.session.add(RoundMail(round_id=round_.id, after_fetch=AfterFetch.DELETE))
    dovecot.deliver(user, message())
    assert fetch_mail([round_.id])[0].stored == 1
    assert dovecot.flags(user) == []
    assert len(messages_of(round_)) == 1


def test_a_wrong_password_names_the_profile_and_stops_no_other_mailbox(fieldwork_round, give_mailbox, dovecot):
    round_ = fieldwork_round(tests=1)
    bad, _user = give_mailbox(profile_named(round_, "Lotte Wouters"), password="not-the-password")
    _good, user = give_mailbox(profile_named(round_, "Elif Yilmaz"))
    dovecot.deliver(user, message(to="elif@demo.example"))

    results = {result.profile_name: result for result in fetch_mail([round_.id])}

    assert "Lotte Wouters" in results["Lotte Wouters"].error
    assert "refused the user name or password" in results["Lotte Wouters"].error
    assert "not-the-password" not in results["Lotte Wouters"].error
    assert (results["Elif Yilmaz"].error, results["Elif Yilmaz"].stored) == (None, 1)
    assert bad.last_error == results["Lotte Wouters"].error
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mail.fetch")).all()
    assert len(events) == 2


def test_a_certificate_from_an_unknown_ca_is_refused_and_nothing_is_read(app, fieldwork_round, give_mailbox,
                                                                          dovecot, monkeypatch):
    round_ = fieldwork_round(tests=1)
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    dovecot.deliver(user, message())
    monkeypatch.setitem(app.config, "MAILBOX_CA_FILE", None)  # the system's CAs do not know the test CA

    [result] = fetch_mail([round_.id])

    assert "Lotte Wouters" in result.error and "certificate" in result.error
    assert messages_of(round_) == []


def test_starttls_verifies_the_certificate_too(app, fieldwork_round, give_mailbox, dovecot, monkeypatch):
    round_ = fieldwork_round(tests=1)
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"), tls_mode="starttls")
    dovecot.deliver(user, message())
    assert fetch_mail([round_.id])[0].stored == 1
    monkeypatch.setitem(app.config, "MAILBOX_CA_FILE", None)
    dovecot.deliver(user, message(message_id="<m2@verhuurder.example>"))
    [refused] = fetch_mail([round_.id])
    assert "certificate" in refused.error and len(messages_of(round_)) == 1


def test_a_missing_password_and_an_unreachable_server_are_named_errors(app, fieldwork_round, give_mailbox,
                                                                       mail_config):
    round_ = fieldwork_round(tests=1)
    lotte, _ = give_mailbox(profile_named(round_, "Lotte Wouters"))
    elif_, _ = give_mailbox(profile_named(round_, "Elif Yilmaz"))
    del mail_config[lotte.secret_name]
    elif_.port = 9  # discard: nothing listens there on the loopback address
    results = {result.profile_name: result.error for result in fetch_mail([round_.id])}
    assert "Lotte Wouters" in results["Lotte Wouters"] and "no password" in results["Lotte Wouters"]
    assert "Elif Yilmaz" in results["Elif Yilmaz"] and "could not be reached" in results["Elif Yilmaz"]


def test_a_password_from_a_secret_file(app, fieldwork_round, give_mailbox, dovecot, mail_config, monkeypatch,
                                       tmp_path):
    round_ = fieldwork_round(tests=1)
    mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    (tmp_path / mailbox.secret_name).write_text(mail_config.pop(mailbox.secret_name) + "\n")
    monkeypatch.setitem(app.config, "MAILBOX_SECRETS_DIR", str(tmp_path))
    dovecot.deliver(user, message())
    assert fetch_mail([round_.id])[0].stored == 1


def test_only_rounds_in_fieldwork_are_read(fieldwork_round, give_mailbox, dovecot):
    round_ = fieldwork_round(tests=1)
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    dovecot.deliver(user, message())
    round_.status = "analysed"
    db.session.flush()
    assert fetch_mail([round_.id]) == []
