"""The mailbox pages and the CLI: hostile messages shown as headers and plain text only, a tester
confirms from the queue, coordinators set up mailboxes without a password field."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from praktijktest import evidence_store
from praktijktest.extensions import db
from praktijktest.fieldwork.models import EvidenceFile
from praktijktest.mailboxes.fetch import fetch_mail
from praktijktest.mailboxes.models import MailMessage, ProfileMailbox
from praktijktest.timeutil import utcnow
from tests.conftest import log_in
from tests.mail.conftest import message, sent_applications
from tests.mail.test_fetch import messages_of, profile_named

YESTERDAY = (utcnow() - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S +0100")


def hostile_html() -> bytes:
    return ("From: Immo <info@immo.example>\r\nTo: lotte@demo.example\r\nSubject: Bezoek\r\n"
            f"Date: {YESTERDAY}\r\nMessage-ID: <h1@immo.example>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
            "--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<html><head><title>t</title><script>alert('pwned')</script></head><body>"
            "<p>Welkom op <b>donderdag</b></p><img src=\"https://tracker.example/pixel.gif\">"
            "<a href=\"javascript:alert(1)\">klik</a><iframe src=\"https://evil.example\"></iframe></body></html>\r\n"
            "--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"contract.pdf\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\r\n--XX--\r\n").encode()


def malformed() -> bytes:
    return (b"From: =?utf-8?q?broken <x@broken.example\r\nSubject: =?bogus-charset?B?////?=\r\n"
            b"Date: not a date\r\nContent-Type: multipart/alternative; boundary=\"never-closed\"\r\n\r\n"
            b"--never-closed\r\nContent-Type: text/plain; charset=unknown-8bit\r\n\r\n\xff\xfe tekst \x80\r\n")


def huge() -> bytes:
    line = "Een heel lange regel zonder einde " * 40_000  # about 1.4 MB on one line
    return message(message_id="<big@x>", date=YESTERDAY, body=line + "\r\n" + "korte regel\r\n" * 50_000)


def test_hostile_messages_are_stored_and_shown_as_plain_text_only(client, fieldwork_round, give_mailbox, dovecot,
                                                                   make_user, org):
    round_ = fieldwork_round(tests=1)
    sent_applications(round_, "Lotte Wouters")
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    for raw in (hostile_html(), malformed(), huge()):
        dovecot.deliver(user, raw)
    [result] = fetch_mail([round_.id])
    assert (result.error, result.stored) == (None, 3)
    coordinator = make_user("coordinator", org)
    log_in(client, coordinator.email)
    for mail in messages_of(round_):
        assert evidence_store.verify(mail.path, mail.sha256)
        page = client.get(f"/mail/{mail.id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for live in ("<script>alert", "<img src=\"https://tracker", "<iframe", "href=\"javascript:"):
            assert live not in html
    html_mail = next(m for m in messages_of(round_) if m.message_id == "<h1@immo.example>")
    page = client.get(f"/mail/{html_mail.id}").get_data(as_text=True)
    assert "Welkom op" in page and "donderdag" in page and "alert(" not in page
    assert "contract.pdf" in page and "Windows program" in page and "does not match the content" in page
    assert "Content-Security-Policy" in client.get(f"/mail/{html_mail.id}").headers


def test_a_tester_confirms_from_the_queue(client, fieldwork_round, give_mailbox, dovecot, make_user, org):
    tester = make_user("tester", org)
    round_ = fieldwork_round(tests=1, tester=tester)
    [app] = sent_applications(round_, "Lotte Wouters")
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    dovecot.deliver(user, message(date=YESTERDAY))
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    log_in(client, tester.email)
    queue = client.get("/fieldwork/").get_data(as_text=True)
    assert "E-mails to confirm" in queue and f"/mail/{mail.id}" in queue and "Proposed match" in queue
    response = client.post(f"/mail/{mail.id}/confirm",
                           data={"application_id": app.id, "outcome": "invitation", "version": mail.version})
    assert response.status_code == 302 and f"/fieldwork/tests/{app.test_id}" in response.headers["Location"]
    [evidence] = db.session.scalars(select(EvidenceFile).where(EvidenceFile.sha256 == mail.sha256))
    assert evidence.response.application_id == app.id and evidence.response.outcome == "invitation"
    assert "E-mails to confirm" not in client.get("/fieldwork/").get_data(as_text=True)


def test_another_tester_does_not_see_the_message(client, fieldwork_round, give_mailbox, dovecot, make_user, org):
    round_ = fieldwork_round(tests=1)
    sent_applications(round_, "Lotte Wouters")
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    dovecot.deliver(user, message(date=YESTERDAY))
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    log_in(client, make_user("tester", org).email)
    assert client.get(f"/mail/{mail.id}").status_code == 404
    assert f"/mail/{mail.id}" not in client.get("/fieldwork/").get_data(as_text=True)


def test_a_coordinator_sets_up_a_mailbox_and_the_password_is_never_asked_or_shown(client, fieldwork_round,
                                                                                 make_user, org, mail_config):
    round_ = fieldwork_round(tests=1)
    profile = profile_named(round_, "Lotte Wouters")
    log_in(client, make_user("coordinator", org).email)
    url = f"/rounds/{round_.id}/profiles/{profile.id}/mailbox"
    form = client.get(url).get_data(as_text=True)
    assert 'type="password"' not in form and "No password with this name is configured" in form
    saved = client.post(url, data={"host": "imap.Demo.example", "port": "993", "tls_mode": "tls",
                                   "username": "lotte@demo.example", "secret_name": "lotte-imap",
                                   "folder": "INBOX"})
    assert saved.status_code == 302
    mailbox = db.session.scalar(select(ProfileMailbox).where(ProfileMailbox.profile_id == profile.id))
    assert (mailbox.host, mailbox.secret_name) == ("imap.demo.example", "lotte-imap")
    mail_config["lotte-imap"] = "s3cret-value"
    page = client.get(f"/rounds/{round_.id}/mail").get_data(as_text=True)
    assert "lotte@demo.example" in page and "s3cret-value" not in page and "No password configured" not in page
    # A stale form and a secret name that is a path are refused; nothing changes.
    stale = client.post(url, data={"host": "other.example", "port": "993", "tls_mode": "tls", "version": "0",
                                   "username": "x", "secret_name": "lotte-imap", "folder": "INBOX"})
    bad = client.post(url, data={"host": "other.example", "port": "993", "tls_mode": "tls",
                                 "version": str(mailbox.version), "username": "x", "secret_name": "../etc/passwd",
                                 "folder": "INBOX"})
    assert stale.status_code == bad.status_code == 200
    db.session.refresh(mailbox)
    assert mailbox.host == "imap.demo.example"


def test_the_fetch_button_and_the_cli(app, client, runner, fieldwork_round, give_mailbox, dovecot, make_user, org):
    round_ = fieldwork_round(tests=1)
    sent_applications(round_, "Lotte Wouters")
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    give_mailbox(profile_named(round_, "Elif Yilmaz"), password="wrong")
    dovecot.deliver(user, message(date=YESTERDAY))
    log_in(client, make_user("coordinator", org).email)
    page = client.post(f"/rounds/{round_.id}/mail/fetch", follow_redirects=True).get_data(as_text=True)
    assert "1 new messages" in page and "Elif Yilmaz" in page
    dovecot.deliver(user, message(date=YESTERDAY, message_id="<cli@x>"))
    db.session.expire_all()  # the request changed the mailboxes (versions) in its own session
    result = runner.invoke(args=["fieldwork", "fetch-mail", "--round", str(round_.id)])
    assert result.exit_code == 1  # Elif's mailbox failed
    assert "Lotte Wouters: 1 stored" in result.output
    # Outside a request the error is written in the interface's default language (Dutch), as kept on the mailbox.
    assert "ERROR Profiel Elif Yilmaz: de mailserver weigerde de gebruikersnaam of het wachtwoord." in result.output
    assert db.session.scalar(select(db.func.count()).select_from(MailMessage)) == 2
