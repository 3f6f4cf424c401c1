"""Second entry by another tester: blind, agreeing verifies, disagreeing waits for a coordinator."""
from __future__ import annotations

import pytest

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.fieldwork.queries import application_list, disagreement_count, open_items
from praktijktest.fieldwork.second_entry import (
    record_second_entry,
    resolve_disagreement,
    second_entry_queue,
    set_second_entry,
)
from praktijktest.fieldwork.services import FieldworkError, save_response
from praktijktest.timeutil import utcnow
from tests.conftest import log_in, visible_text
from tests.fieldwork.conftest import round_tests


@pytest.fixture
def answered(db, fieldwork_round, make_user):
    """A round checked by a second tester, with both applications of one test answered by the first."""
    first = make_user("tester")
    round_ = fieldwork_round(tests=1, tester=first)
    set_second_entry(round_, "tester")
    responses = []
    for app, outcome in zip(round_tests(round_)[0].applications, ("invitation", "rejection"), strict=True):
        app.sent_at = utcnow()
        responses.append(save_response(app, expected_version=None, outcome=outcome, received_at=utcnow(),
                                       channel="email", notes="", user=first))
    return round_, first, responses


def test_agreement_verifies_and_disagreement_waits_for_a_coordinator(answered, make_user):
    round_, first, (invitation, rejection) = answered
    second = make_user("tester")
    assert second_entry_queue(first) == []  # nobody checks their own responses
    assert {r.id for r in second_entry_queue(second)} == {invitation.id, rejection.id}
    with pytest.raises(FieldworkError):
        record_second_entry(invitation, "invitation", first)
    assert record_second_entry(invitation, "invitation", second) is True
    assert invitation.verified_at is not None
    assert record_second_entry(rejection, "information_request", second) is False
    assert rejection.verified_at is None and rejection.is_disagreement
    assert disagreement_count(round_) == 1 and open_items(round_)["unverified"] == 1
    rows, total = application_list(round_, "disagreement")
    assert total == 1 and rows[0].response.id == rejection.id
    coordinator = make_user("coordinator")
    with pytest.raises(FieldworkError, match="reason"):
        resolve_disagreement(rejection, "information_request", " ", rejection.version, coordinator)
    with pytest.raises(FieldworkError):
        resolve_disagreement(rejection, "invitation", "x", rejection.version, coordinator)  # neither entry
    resolve_disagreement(rejection, "information_request", "De mail vroeg om een attest.", rejection.version,
                         coordinator)
    assert rejection.outcome == "information_request" and rejection.verified_at is not None
    assert rejection.decline_due_at is not None  # now positive: it must be declined
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "response.resolve")).one()
    assert event.changes["outcome"] == ["rejection", "information_request"]
    assert disagreement_count(round_) == 0


def test_the_check_page_is_blind_and_refuses_the_first_tester(client, answered, make_user):
    round_, first, (invitation, _rejection) = answered
    invitation.notes = "Uitnodiging voor donderdag"
    db.session.flush()
    second = make_user("tester")
    log_in(client, second.email)
    client.post("/language", data={"locale": "en"})
    queue = visible_text(client.get("/fieldwork/").get_data(as_text=True))
    assert "Responses to check (2)" in queue
    page = client.get(f"/fieldwork/check/{invitation.id}").get_data(as_text=True)
    assert "Uitnodiging voor donderdag" not in page and 'checked' not in page  # neither notes nor the first outcome
    done = client.post(f"/fieldwork/check/{invitation.id}", data={"outcome": "invitation"})
    assert done.status_code == 302
    client.post("/logout")
    log_in(client, first.email)
    refused = client.get(f"/fieldwork/check/{invitation.id}")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/fieldwork/")
