"""Done-when of the mailbox issue, in a browser: a reply delivered to a demo profile's mailbox (a real
Dovecot) is fetched with the coordinator's button, appears in the tester's queue as a proposed match,
the tester confirms it as an invitation at phone width, the .eml is the response's evidence, and
`evidence verify` re-hashes it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from praktijktest.extensions import db
from tests.browser.conftest import axe_violations
from tests.browser.test_fieldwork import PHONE_OPTIONS, overflow, submit
from tests.imap_server import Dovecot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot()
    server.start()
    yield server
    server.stop()


def _demo_application_with_mailbox(live_server, dovecot) -> dict:
    """An unanswered application of the demo tester, sent yesterday, whose profile gets a mailbox."""
    from praktijktest.accounts.services import find_user
    from praktijktest.fieldwork.models import Application, Response, Test
    from praktijktest.mailboxes.models import ProfileMailbox
    from praktijktest.rounds.models import Round, RoundStatus
    from praktijktest.timeutil import utcnow

    with live_server.app.app_context():
        tester = find_user("tester@demo.example")
        app = db.session.scalars(
            select(Application).join(Test).join(Round, Test.round_id == Round.id)
            .outerjoin(Response, Response.application_id == Application.id)
            .where(Test.tester_id == tester.id, Round.status == RoundStatus.FIELDWORK, Test.status != "cancelled",
                   Test.listing_id.is_not(None), Application.profile_id.is_not(None), Response.id.is_(None))
            .order_by(Application.id)).first()
        assert app is not None, "the demo has no unanswered application of the demo tester"
        app.sent_at, app.sent_channel = utcnow() - timedelta(days=1), "email"
        app.attributes = {**(app.attributes or {}), "sent_message_id": f"<application-{app.id}@demo.example>"}
        user = f"demo-profile-{app.profile_id}@demo.example"
        dovecot.add_user(user, "demo-imap-password")
        db.session.add(ProfileMailbox(profile_id=app.profile_id, host="127.0.0.1", port=dovecot.tls_port,
                                      tls_mode="tls", username=user, secret_name=f"mailbox-{app.profile_id}"))
        db.session.commit()
        values = {"application_id": app.id, "test_id": app.test_id, "round_id": app.test.round_id,
                  "profile_id": app.profile_id, "user": user}
        db.session.remove()
    return values


def test_a_delivered_reply_is_confirmed_by_the_tester_and_its_eml_verifies(open_page, live_server, dovecot,
                                                                           monkeypatch):
    from praktijktest.fieldwork.models import Application
    from praktijktest.mailboxes.models import MailMessage

    monkeypatch.setitem(live_server.app.config, "MAILBOX_CA_FILE", str(dovecot.ca_file))
    target = _demo_application_with_mailbox(live_server, dovecot)
    monkeypatch.setitem(live_server.app.config, "MAILBOX_PASSWORDS",
                        {f"mailbox-{target['profile_id']}": "demo-imap-password"})
    reply = ("From: Personeelsdienst <jobs@werkgever.example>\r\n"
             f"To: {target['user']}\r\nSubject: Uitnodiging voor een gesprek\r\n"
             f"Date: {format_datetime(datetime.now(UTC) - timedelta(hours=2))}\r\n"
             f"Message-ID: <reply-{target['application_id']}@werkgever.example>\r\n"
             f"In-Reply-To: <application-{target['application_id']}@demo.example>\r\n\r\n"
             "Graag nodigen wij u uit voor een gesprek.\r\n").encode()
    dovecot.deliver(target["user"], reply)

    coordinator = open_page("coordinator")
    coordinator.goto(f"/rounds/{target['round_id']}/mail")
    assert axe_violations(coordinator) == []
    submit(coordinator, "form[action$='/mail/fetch'] button[type=submit]")
    assert "1 new messages" in coordinator.content() or "1 nieuwe berichten" in coordinator.content()

    tester = open_page("tester", **PHONE_OPTIONS)
    tester.goto("/fieldwork/")
    proposals = tester.locator("section[aria-labelledby=mail-heading]")
    assert "Proposed match" in proposals.inner_text() or "Voorgestelde" in proposals.inner_text()
    with tester.expect_navigation():
        proposals.locator("a", has_text="Uitnodiging voor een gesprek").click()
    assert overflow(tester) <= 0 and axe_violations(tester) == []
    assert "Graag nodigen wij u uit" in tester.content()
    assert tester.is_checked(f"#application-{target['application_id']}")  # the one clear match
    tester.check("input[name=outcome][value=invitation]")
    submit(tester, "form[action$='/confirm'] button[type=submit]")
    assert f"/fieldwork/tests/{target['test_id']}" in tester.url

    with live_server.app.app_context():
        response = db.session.get(Application, target["application_id"]).response
        mail = db.session.scalar(select(MailMessage).where(MailMessage.response_id == response.id))
        assert response.outcome == "invitation" and response.channel == "email"
        [evidence] = response.evidence
        assert (evidence.kind, evidence.sha256, evidence.path) == ("eml", mail.sha256, mail.path)
        from praktijktest import evidence_store

        assert evidence_store.read_bytes(evidence.path) == reply
        db.session.remove()
    result = live_server.app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 0 and " 0 mismatched, 0 missing" in result.output


def test_the_mailbox_form_is_accessible_with_and_without_errors(open_page, live_server):
    from praktijktest.rounds.models import Profile, Round, RoundStatus

    with live_server.app.app_context():
        profile = db.session.scalars(select(Profile).join(Round, Profile.round_id == Round.id)
                                     .where(Round.status == RoundStatus.FIELDWORK).order_by(Profile.id)).first()
        url = f"/rounds/{profile.round_id}/profiles/{profile.id}/mailbox"
        db.session.remove()
    page = open_page("coordinator", viewport={"width": 390, "height": 844})
    page.goto(url)
    assert page.locator("input[type=password]").count() == 0
    assert overflow(page) <= 0 and axe_violations(page) == []
    page.fill("#host", "")
    submit(page, "main form button[type=submit]")
    assert page.locator(".error-summary").count() >= 1
    assert overflow(page) <= 0 and axe_violations(page) == []
