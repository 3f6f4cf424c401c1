"""A sequential stop follows corrections: an edited response, a resolved disagreement, a cancelled test.

The rule used throughout is the one calibrated for at most 8 informative tests at a per-target level of
0.05 (one retested target). Worked by hand: the attainable one-sided p-values at or below 0.05 are
1/32 (5 of 5), 1/64 (6 of 6), 1/128 (7 of 7), 9/256 (7 of 8) and 1/256 (8 of 8). With the boundary 9/256
the type I error is 1/32 (the first five favour the reference) + 5/256 (seven of eight, the one other among
the first five) = 13/256 > 0.05; with 1/32 it is 1/32 exactly. So the calibrated rule stops for evidence
after five informative tests that all favour the reference group (p = 1/32), and for futility at the
first informative test that favours the other group (from then on five in a row no longer fit in eight).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db as _db
from praktijktest.fieldwork import queries
from praktijktest.fieldwork.models import Response
from praktijktest.fieldwork.services import FieldworkError, cancel_test, mark_sent, record_listing, save_response
from praktijktest.followup import retests, sequential
from praktijktest.rounds.preregistration import lock_round
from praktijktest.rounds.services import change_status
from tests.followup.retest_helpers import add_pair
from tests.followup.test_retests import _in_dialogue, two_flagged  # noqa: F401  (fixture)


@pytest.fixture
def stopped(db, org, two_flagged, make_user):  # noqa: F811
    """A retest in fieldwork with the 8-informative-test rule, whose one target stopped for evidence at 5 of 5.

    Its tests: T1, T2 (reference alone positive), T3 (both positive: concordant), T4, T5, T6 (reference
    alone positive), a test under way (one application sent) and one not started, in the tester's queue.
    """
    _, snapshot, targets = two_flagged(organisation=org)
    retest = retests.create_retest(_in_dialogue(snapshot, targets[:1]))
    sequential.set_rule(retest, 8)
    lock_round(retest, awareness_confirmed=True, power_confirmed=True)
    change_status(retest, "fieldwork")
    tester = make_user("tester", org)
    target_id = targets[0].id
    pairs = [(True, False), (True, False), (True, True), (True, False), (True, False), (True, False)]
    tests = [add_pair(retest, target_id, i + 1, ref, other, tester_id=tester.id)
             for i, (ref, other) in enumerate(pairs)]
    under_way = add_pair(retest, target_id, 20, None, None, tester_id=tester.id)
    under_way.applications[0].sent_at = datetime.now(UTC)
    under_way.mark_progress()
    waiting = add_pair(retest, target_id, 21, None, None, tester_id=tester.id)
    _db.session.flush()
    sequential.update_stops(retest)
    return {"round": retest, "target_id": target_id, "tests": tests, "under_way": under_way, "waiting": waiting,
            "tester": tester}


def _stop(retest):
    return _db.session.scalar(select(sequential.SequentialStop).where(sequential.SequentialStop.round_id == retest.id))


def _queued(tester) -> set[int]:
    return {item.application.test_id for item in queries.tester_queue(tester).to_send}


def _revisions(retest) -> list[AuditEvent]:
    return list(_db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "round.sequential_stop_revised", AuditEvent.object_id == str(retest.id))
        .order_by(AuditEvent.id)))


def _edit(test, group_is_reference: bool, outcome: str, user, reason: str = ""):
    application = next(a for a in test.applications if a.group.is_reference == group_is_reference)
    response = application.response
    return save_response(application, expected_version=response.version, outcome=outcome,
                         received_at=datetime.now(UTC), channel="email", notes="", user=user, reason=reason)


def test_the_fixture_stops_for_evidence_at_five_of_five(stopped):
    stop = _stop(stopped["round"])
    assert (stop.decision, stop.at_discordant, stop.reference) == ("evidence", 5, 5)
    assert stop.p_value == pytest.approx(1 / 32)
    assert stopped["waiting"].id not in _queued(stopped["tester"])
    assert stopped["under_way"].id in _queued(stopped["tester"])  # a started pair is completed


def test_an_edit_that_removes_the_decisive_test_lifts_the_stop_and_the_queue_sends_again(stopped, make_user, org):
    retest, tester, waiting = stopped["round"], stopped["tester"], stopped["waiting"]
    coordinator = make_user("coordinator", org)
    old_id = _stop(retest).id
    # T6 (the fifth informative test) had its other application rejected; it was in fact invited too.
    _edit(stopped["tests"][5], False, "invitation", coordinator)
    assert _stop(retest) is None and not sequential.is_stopped(retest.id, stopped["target_id"])
    assert waiting.id in _queued(tester)
    (event,) = _revisions(retest)
    old, new = event.changes["stop"]
    assert (old["decision"], old["at_discordant"], old["reference"]) == ("evidence", 5, 5) and new is None
    edited = next(a for a in stopped["tests"][5].applications if not a.group.is_reference).response
    assert event.user_id == coordinator.id and f"response {edited.id}" in event.summary
    # The send page works again for the test that was held back.
    record_listing(waiting, "Appartement, 2 slaapkamers", url=None, seen_on=date(2026, 11, 30))
    mark_sent(waiting.applications[0], datetime.now(UTC), "email")
    assert waiting.applications[0].sent_at is not None
    assert _db.session.get(sequential.SequentialStop, old_id) is None


def test_an_edit_earlier_on_the_path_moves_the_stop_to_futility(stopped, make_user, org):
    retest, tester = stopped["round"], stopped["tester"]
    coordinator = make_user("coordinator", org)
    # T3 was concordant (both invited); the reference application was in fact rejected: the path becomes
    # ref, ref, other, ...: futility at the third informative test, 2 of 3 favouring the reference, p = 4/8.
    _edit(stopped["tests"][2], True, "rejection", coordinator)
    stop = _stop(retest)
    assert (stop.decision, stop.at_discordant, stop.reference) == ("futility", 3, 2)
    assert stop.p_value == pytest.approx(0.5)
    assert stopped["waiting"].id not in _queued(tester)  # still stopped, for another reason
    (event,) = _revisions(retest)
    old, new = event.changes["stop"]
    assert (old["decision"], old["at_discordant"]) == ("evidence", 5)
    assert (new["decision"], new["at_discordant"], new["reference"]) == ("futility", 3, 2)
    # Edited back: the path is the original one again, and so is the decision.
    _edit(stopped["tests"][2], True, "invitation", coordinator, reason="Tikfout hersteld")
    stop = _stop(retest)
    assert (stop.decision, stop.at_discordant, stop.reference) == ("evidence", 5, 5)
    assert len(_revisions(retest)) == 2


def test_a_resolved_disagreement_that_changes_the_outcome_lifts_the_stop(stopped, make_user, org):
    from praktijktest.fieldwork.second_entry import record_second_entry, resolve_disagreement, set_second_entry

    retest, tester = stopped["round"], stopped["tester"]
    second, coordinator = make_user("tester", org), make_user("coordinator", org)
    set_second_entry(retest, "tester")
    response = next(a for a in stopped["tests"][5].applications if not a.group.is_reference).response
    assert record_second_entry(response, "invitation", second) is False  # a disagreement: nothing moves yet
    assert _stop(retest) is not None and _revisions(retest) == []
    resolve_disagreement(response, "invitation", "De e-mail is een uitnodiging", response.version, coordinator)
    assert _stop(retest) is None and stopped["waiting"].id in _queued(tester)
    (event,) = _revisions(retest)
    assert event.user_id == coordinator.id and event.changes["stop"][1] is None


def test_a_disagreement_resolved_for_the_first_outcome_leaves_the_stop(stopped, make_user, org):
    from praktijktest.fieldwork.second_entry import record_second_entry, resolve_disagreement, set_second_entry

    retest = stopped["round"]
    set_second_entry(retest, "tester")
    response = next(a for a in stopped["tests"][5].applications if not a.group.is_reference).response
    record_second_entry(response, "invitation", make_user("tester", org))
    resolve_disagreement(response, "rejection", "Afwijzing klopt", response.version, make_user("coordinator", org))
    stop = _stop(retest)
    assert (stop.decision, stop.at_discordant) == ("evidence", 5) and _revisions(retest) == []


def test_overrun_and_a_cancelled_test_after_the_stop_leave_it_where_it_was(stopped):
    """Outcomes after the stop (the test under way) and cancelling a test not yet complete cannot move it."""
    retest, under_way = stopped["round"], stopped["under_way"]
    first = under_way.applications[0]
    first.sent_at = datetime.now(UTC)
    save_response(first, expected_version=None, outcome="rejection", received_at=datetime.now(UTC),
                  channel="email", notes="", user=stopped["tester"])
    second = under_way.applications[1]
    second.sent_at = datetime.now(UTC)
    save_response(second, expected_version=None, outcome="invitation", received_at=datetime.now(UTC),
                  channel="email", notes="", user=stopped["tester"])  # favours the other group: overrun
    cancel_test(stopped["waiting"], "Advertentie ingetrokken")
    stop = _stop(retest)
    assert (stop.decision, stop.at_discordant, stop.reference) == ("evidence", 5, 5)
    assert _revisions(retest) == []
    decision = sequential.snapshot_section(retest)["targets"]
    (only,) = decision.values()
    assert only["overrun"] == 1 and only["decision"] == "evidence"


def test_a_refused_correction_changes_no_stop(stopped, make_user, org):
    retest = stopped["round"]
    application = next(a for a in stopped["tests"][5].applications if not a.group.is_reference)
    with pytest.raises(FieldworkError):
        save_response(application, expected_version=application.response.version, outcome="not-an-outcome",
                      received_at=datetime.now(UTC), channel="email", notes="", user=make_user("coordinator", org))
    assert _stop(retest) is not None and _revisions(retest) == []
    assert _db.session.get(Response, application.response.id).outcome == "rejection"
