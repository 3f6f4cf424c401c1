"""Which application a fetched message is proposed for, and what confirming it records."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.fieldwork.evidence import verify_all
from praktijktest.mailboxes.fetch import fetch_mail
from praktijktest.mailboxes.models import MailMessage, TargetMailSender
from praktijktest.mailboxes.services import MailError, assign_message, confirm_message, dismiss_message
from praktijktest.timeutil import utcnow
from tests.mail.conftest import message, sent_applications
from tests.mail.test_fetch import messages_of, profile_named


def yesterday() -> str:
    return (utcnow() - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S +0100")


@pytest.fixture
def two_sent(fieldwork_round, give_mailbox):
    """A round of two tests; Lotte's two applications sent two days ago; her mailbox on the server."""
    round_ = fieldwork_round(tests=2)
    apps = sent_applications(round_, "Lotte Wouters")
    _mailbox, user = give_mailbox(profile_named(round_, "Lotte Wouters"))
    return round_, apps, user


def candidates(mail: MailMessage) -> list[int]:
    return [c.application_id for c in mail.candidates]


def test_a_reply_to_the_applications_own_message_is_one_clear_match(two_sent, dovecot):
    round_, (first, second), user = two_sent
    second.attributes = {"sent_message_id": "<sent-2@demo.example>"}
    dovecot.deliver(user, message(date=yesterday(), extra="In-Reply-To: <SENT-2@demo.example>"))
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    assert (mail.status, candidates(mail), mail.match_reasons) == ("proposed", [second.id], ["reply"])


def test_without_other_clues_both_applications_in_the_window_are_candidates(two_sent, dovecot):
    round_, (first, second), user = two_sent
    dovecot.deliver(user, message(date=yesterday()))
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    assert (mail.status, candidates(mail)) == ("ambiguous", sorted([first.id, second.id]))


def test_a_sender_recorded_on_the_target_narrows_to_its_test(two_sent, dovecot):
    round_, (first, second), user = two_sent
    second.test.target.contact = "Mevr. Peeters, verhuur@immo-zuid.example, 03 123 45 67"
    dovecot.deliver(user, message(sender="info@immo-zuid.example", date=yesterday()))  # same domain
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    assert (mail.status, candidates(mail), mail.match_reasons) == ("proposed", [second.id], ["window", "sender"])


def test_a_free_mail_domain_says_nothing_but_the_whole_address_does(two_sent, dovecot):
    round_, (first, second), user = two_sent
    first.test.target.contact = "jan.verhuurder@gmail.com"
    dovecot.deliver(user, message(sender="iemand.anders@gmail.com", date=yesterday(), message_id="<g1@x>"))
    dovecot.deliver(user, message(sender="jan.verhuurder@gmail.com", date=yesterday(), message_id="<g2@x>"))
    fetch_mail([round_.id])
    other, known = messages_of(round_)
    assert other.status == "ambiguous"
    assert (known.status, candidates(known)) == ("proposed", [first.id])


def test_outside_the_response_window_or_before_the_send_nothing_matches(two_sent, dovecot):
    round_, _apps, user = two_sent
    before = (utcnow() - timedelta(days=5)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    dovecot.deliver(user, message(date=before))
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    assert (mail.status, candidates(mail)) == ("unmatched", [])


def test_confirming_records_the_response_with_the_eml_as_evidence_and_learns_the_sender(two_sent, dovecot,
                                                                                         give_mailbox):
    round_, (first, second), user = two_sent
    tester = first.test.tester
    dovecot.deliver(user, message(sender="hr@werkgever.example", date=yesterday()))
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    assert first.response is None  # nothing is a response before a person confirms

    response = confirm_message(mail, second.id, "invitation", tester, mail.version)

    assert (response.outcome, response.channel, response.recorded_by_id) == ("invitation", "email", tester.id)
    assert response.responded_at == mail.sent_at
    [evidence] = response.evidence
    assert (evidence.sha256, evidence.path, evidence.kind) == (mail.sha256, mail.path, "eml")
    assert evidence.headers["from"].endswith("<hr@werkgever.example>")
    assert (mail.status, mail.response_id) == ("confirmed", response.id)
    assert verify_all().ok
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"response.create", "evidence.upload", "mail.confirm"} <= actions
    learned = set(db.session.scalars(select(TargetMailSender.value)
                                     .where(TargetMailSender.target_id == second.test.target_id)))
    assert learned == {"hr@werkgever.example", "@werkgever.example"}

    # The learned domain now decides a message from that employer to the other profile of the same test.
    elif_first, elif_second = sent_applications(round_, "Elif Yilmaz")
    _mailbox, elif_user = give_mailbox(profile_named(round_, "Elif Yilmaz"))
    dovecot.deliver(elif_user, message(sender="baas@werkgever.example", date=yesterday(), message_id="<next@x>"))
    fetch_mail([round_.id])
    latest = messages_of(round_)[-1]
    assert elif_second.test_id == second.test_id
    assert (latest.status, candidates(latest), latest.match_reasons) == ("proposed", [elif_second.id],
                                                                         ["window", "sender"])


def test_confirming_is_refused_for_another_application_a_stale_form_or_twice(two_sent, dovecot, make_user):
    round_, (first, second), user = two_sent
    second.attributes = {"sent_message_id": "<s2@demo.example>"}
    dovecot.deliver(user, message(date=yesterday(), extra="References: <s2@demo.example>"))
    fetch_mail([round_.id])
    [mail] = messages_of(round_)
    tester = first.test.tester
    with pytest.raises(MailError):
        confirm_message(mail, first.id, "invitation", tester, mail.version)  # not a candidate
    with pytest.raises(MailError):
        confirm_message(mail, second.id, "invitation", tester, mail.version - 1)
    with pytest.raises(MailError):
        confirm_message(mail, second.id, "no_response", tester, mail.version)
    with pytest.raises(MailError):  # a tester of other tests cannot confirm it
        confirm_message(mail, second.id, "invitation", make_user("tester"), mail.version)
    assert second.response is None
    confirm_message(mail, second.id, "rejection", tester, mail.version)
    with pytest.raises(MailError):
        confirm_message(mail, second.id, "invitation", tester, mail.version)


def test_a_coordinator_assigns_an_unmatched_message_or_sets_it_aside(two_sent, dovecot, make_user):
    round_, (first, second), user = two_sent
    old = (utcnow() - timedelta(days=5)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    dovecot.deliver(user, message(date=old, message_id="<u1@x>"))
    dovecot.deliver(user, message(date=old, message_id="<u2@x>", subject="Nieuwsbrief"))
    fetch_mail([round_.id])
    assigned, spam = messages_of(round_)
    coordinator = make_user("coordinator")
    assign_message(assigned, first.id, coordinator, assigned.version)
    assert (assigned.status, candidates(assigned), assigned.match_reasons) == ("proposed", [first.id], ["assigned"])
    with pytest.raises(MailError):
        dismiss_message(spam, "  ", coordinator, spam.version)
    dismiss_message(spam, "Nieuwsbrief, geen antwoord", coordinator, spam.version)
    assert spam.status == "dismissed"
    with pytest.raises(MailError):
        assign_message(spam, first.id, coordinator, spam.version)


def test_learned_senders_follow_a_merged_target_and_are_in_the_access_export(db, org, make_user):
    from praktijktest.retention.requests import access_export
    from praktijktest.targets.services import create_target, merge_targets

    keep, duplicate = create_target(org.id, "Immo Zuid"), create_target(org.id, "Immo Zuid bv")
    db.session.add_all([TargetMailSender(target_id=keep.id, value="@immo-zuid.example"),
                        TargetMailSender(target_id=duplicate.id, value="@immo-zuid.example"),
                        TargetMailSender(target_id=duplicate.id, value="verhuur@immo-zuid.example")])
    db.session.flush()
    merge_targets(keep, duplicate)
    values = sorted(db.session.scalars(select(TargetMailSender.value).where(TargetMailSender.target_id == keep.id)))
    assert values == ["@immo-zuid.example", "verhuur@immo-zuid.example"]
    assert access_export(keep, make_user("coordinator", org))["mail_senders"] == values
