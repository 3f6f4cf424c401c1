"""The round's status machine: every illegal transition is refused, through the model and the page."""
from __future__ import annotations

import itertools

import pytest

from praktijktest.audit.models import AuditEvent
from praktijktest.rounds.models import ALLOWED_TRANSITIONS, IllegalTransition, Round, RoundStatus
from praktijktest.rounds.services import RoundError, change_status
from tests.rounds.util import fresh

PAIRS = list(itertools.product(RoundStatus, RoundStatus))
LEGAL = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}


def test_the_allowed_transitions_are_the_documented_chain():
    chain = ["draft", "ready", "fieldwork", "analysed", "reported", "archived"]
    expected = {(a, b) for a, b in itertools.pairwise(chain)}
    expected |= {(s, "cancelled") for s in chain[:-1]}
    assert LEGAL == expected


@pytest.mark.parametrize(("start", "target"), [p for p in PAIRS if p not in LEGAL])
def test_every_illegal_transition_is_refused(make_round, start, target):
    round_ = make_round(status=start)
    with pytest.raises(IllegalTransition):
        round_.transition_to(target, reason="a reason")
    assert round_.status == start
    if target != RoundStatus.READY:
        with pytest.raises(IllegalTransition):
            change_status(round_, target, reason="a reason")
    assert round_.status == start


@pytest.mark.parametrize(("start", "target"), sorted(LEGAL))
def test_every_legal_transition_works_and_is_audited(db, make_round, start, target):
    round_ = make_round(status=start)
    if target in (RoundStatus.READY, RoundStatus.ANALYSED, RoundStatus.REPORTED):
        # Ready only by locking (test_lock.py), analysed only by an analysis snapshot and reported
        # only by the round report (tests/results).
        with pytest.raises(RoundError):
            change_status(round_, target)
        assert round_.status == start
        return
    change_status(round_, target, reason="Budget stopped")
    assert round_.status == target
    event = db.session.query(AuditEvent).filter_by(action="round.status", object_id=str(round_.id)).one()
    assert event.changes == {"status": [start, target]}


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_cancelling_needs_a_reason(make_round, reason):
    round_ = make_round()
    with pytest.raises(IllegalTransition):
        change_status(round_, RoundStatus.CANCELLED, reason=reason)
    assert round_.status == RoundStatus.DRAFT


def test_status_page_refuses_illegal_steps_and_cancels_with_reason(db, client, login_as, make_round):
    login_as("coordinator")
    round_ = make_round(status="fieldwork")
    response = client.post(f"/rounds/{round_.id}/status", data={"status": "draft"})
    assert response.status_code == 302
    assert fresh(db, Round, round_.id).status == "fieldwork"
    client.post(f"/rounds/{round_.id}/status", data={"status": "cancelled", "reason": ""})
    assert fresh(db, Round, round_.id).status == "fieldwork"
    client.post(f"/rounds/{round_.id}/status", data={"status": "analysed"})
    assert fresh(db, Round, round_.id).status == "fieldwork"  # only the analysis makes it analysed
    client.post(f"/rounds/{round_.id}/status", data={"status": "cancelled", "reason": "Partner withdrew"})
    round_ = fresh(db, Round, round_.id)
    assert (round_.status, round_.cancel_reason) == ("cancelled", "Partner withdrew")


def test_status_page_cannot_make_a_round_ready_without_locking(db, client, login_as, make_round):
    login_as("coordinator")
    round_ = make_round()
    client.post(f"/rounds/{round_.id}/status", data={"status": "ready"})
    assert fresh(db, Round, round_.id).status == "draft"
