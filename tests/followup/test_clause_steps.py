"""A contractor's clause steps are recorded on its case one by one: in order, once due, dated, attributed, with a
note, audited; every refusal says why and saves nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db as _db
from praktijktest.followup.contracts import ClauseStepError, ClauseStepRecord, add_contract, record_clause_step
from praktijktest.followup.models import CaseState
from praktijktest.followup.services import move_case
from praktijktest.results.snapshots import run_analysis
from tests.followup.retest_helpers import add_pair, start_retest
from tests.followup.test_contracts import CONTRACT
from tests.followup.test_retests import _in_dialogue, two_flagged  # noqa: F401  (fixture)

TODAY = date.today()


def _records() -> int:
    return _db.session.scalar(select(func.count(ClauseStepRecord.id)))


@pytest.fixture
def contractor_case(db, org, two_flagged, make_user):  # noqa: F811
    """A case in dialogue of a target holding a contract with the clause, and its coordinator."""
    user = make_user("coordinator", org)
    _, snapshot, targets = two_flagged(organisation=org)
    add_contract(targets[0], CONTRACT, user)
    (case,) = _in_dialogue(snapshot, targets[:1])
    return case, user


def _to_persistent(case):
    """The retest repeats the pattern on 6 new tests of its own; the case becomes persistent."""
    retest = start_retest([case])
    for number in range(1, 7):
        add_pair(retest, case.target_id, number, True, False)
    run_analysis(retest)
    move_case(case, CaseState.RETESTED, reason="Hertest geanalyseerd", on=TODAY)
    move_case(case, CaseState.PERSISTENT, reason="Patroon opnieuw vastgesteld", on=TODAY)


def test_steps_are_recorded_in_order_once_due_and_audited(contractor_case):
    case, user = contractor_case
    entry = record_clause_step(case, "remind", TODAY, "  In het gesprek de clausule van het contract overlopen. ", user)
    assert (entry.step, entry.occurred_on, entry.recorded_by_id) == ("remind", TODAY, user.id)
    assert entry.note == "In het gesprek de clausule van het contract overlopen."
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.clause_step"))
    assert event.user_id == user.id and event.object_id == str(case.id)
    assert event.changes["clause_step"] == [None, "remind"]
    assert event.changes["occurred_on"] == [None, TODAY.isoformat()]
    assert case.target.name not in event.summary  # audited by code
    # The contracting authority's steps wait until the retest found the pattern again.
    with pytest.raises(ClauseStepError, match="not due yet"):
        record_clause_step(case, "inform_authority", TODAY, "Dienst aankoop verwittigd", user)
    _to_persistent(case)
    with pytest.raises(ClauseStepError, match="earlier steps first"):
        record_clause_step(case, "hearing", TODAY, "Aannemer gehoord", user)
    record_clause_step(case, "inform_authority", TODAY, "Contractbeheerder verwittigd, met het resultaat", user)
    record_clause_step(case, "hearing", TODAY, "Aannemer gehoord op 3 december", user)
    with pytest.raises(ClauseStepError, match="not due yet"):  # measures only after the referral
        record_clause_step(case, "measures", TODAY, "Ingebrekestelling", user)
    from praktijktest.followup.contracts import clause_steps

    views = clause_steps(case)
    assert [v.done is not None for v in views] == [True, True, True, False]
    assert [v.is_next for v in views] == [False, False, False, False]  # the last one is not due
    assert _records() == 3


@pytest.mark.parametrize(("key", "day", "note", "message"), [
    ("remind", TODAY + timedelta(days=1), "Gesprek", "between the day the case was opened and today"),
    ("remind", date(2020, 1, 1), "Gesprek", "between the day the case was opened and today"),
    ("remind", TODAY, "   ", "Write what happened"),
    ("remind", TODAY, "x" * 2001, "under 2,000 characters"),
    ("remind", None, "Gesprek", "Give the day it happened"),
    ("penalty", TODAY, "Gesprek", "Choose one of the clause's steps"),
])
def test_bad_input_is_refused_and_nothing_saved(contractor_case, key, day, note, message):
    case, user = contractor_case
    with pytest.raises(ClauseStepError, match=message):
        record_clause_step(case, key, day, note, user)
    assert _records() == 0
    assert _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.clause_step")) is None


def test_a_step_is_recorded_once_and_only_for_a_contractor_with_the_clause(contractor_case, org,
                                                                          two_flagged):  # noqa: F811
    case, user = contractor_case
    record_clause_step(case, "remind", TODAY, "Gesprek", user)
    with pytest.raises(ClauseStepError, match="already recorded"):
        record_clause_step(case, "remind", TODAY, "Nog eens", user)
    _, snapshot, targets = two_flagged(organisation=org)
    add_contract(targets[0], CONTRACT | {"reference": "AK-2026-099", "has_clause": False}, user)
    (other,) = _in_dialogue(snapshot, targets[:1])
    with pytest.raises(ClauseStepError, match="no contract with a non-discrimination clause"):
        record_clause_step(other, "remind", TODAY, "Gesprek", user)
    assert _records() == 1


def test_the_case_page_records_a_step_and_refuses_bad_input_with_a_message(client, login_as, org, contractor_case):
    case, _ = contractor_case
    login_as("coordinator", org)
    _db.session.commit()
    page = client.get(f"/follow-up/{case.id}").get_data(as_text=True)
    assert f'action="/follow-up/{case.id}/clause-step"' in page and page.count('name="step"') == 1
    refused = client.post(f"/follow-up/{case.id}/clause-step",
                          data={"step": "remind", "occurred_on": "morgen", "note": "Gesprek"}, follow_redirects=True)
    assert refused.status_code == 200 and "Give the day it happened" in refused.get_data(as_text=True)
    refused = client.post(f"/follow-up/{case.id}/clause-step",
                          data={"step": "hearing", "occurred_on": TODAY.isoformat(), "note": "Gehoord"},
                          follow_redirects=True)
    assert refused.status_code == 200 and "not due yet" in refused.get_data(as_text=True)
    assert _records() == 0
    done = client.post(f"/follow-up/{case.id}/clause-step",
                       data={"step": "remind", "occurred_on": TODAY.isoformat(), "note": "Clausule overlopen"},
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "The step of the clause is recorded" in text and "Clausule overlopen" in text
    assert 'name="step"' not in text  # the next steps are not due yet: no form
    assert _records() == 1


def test_the_dossier_prints_each_recorded_clause_step_with_its_date_and_note(contractor_case):
    from praktijktest.followup.dossier import generate_dossier
    from tests.followup.test_dossier import pdf_text

    case, user = contractor_case
    record_clause_step(case, "remind", TODAY, "Clausule overlopen met de zaakvoerder.", user)
    text = pdf_text(generate_dossier(case.round, case.target.code, user, "en"))
    assert "Follow-upofthenon-discriminationclause" in text
    assert "Clausuleoverlopenmetdezaakvoerder." in text
    assert f"{TODAY.day}{TODAY.strftime('%b')}{TODAY.year}:Inthedialogue,remindthecontractor" in text
    # Steps not recorded yet are not in the dossier: it states what was done, not what is planned.
    assert "hearsthecontractor" not in text
