"""Follow-up cases: who may open one, the guarded transitions, steps and audit events, the pages."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.followup.models import CaseState, FollowUpCase, IllegalMove
from praktijktest.followup.services import CaseError, move_case, open_case
from tests.followup.retest_helpers import analysed, start_retest

TODAY = date(2026, 11, 30)


def test_only_the_flagged_target_can_get_a_case(db, flagged_round):
    round_, snapshot, targets = flagged_round()
    flagged = [e["target"] for e in snapshot.result["targets"] if e.get("flagged")]
    assert flagged == [targets[0].code]  # the fixture's design: 10 of 10 one way is flagged, 1-1 is not
    case = open_case(snapshot, targets[0].code)
    assert case.state == CaseState.FLAGGED and len(case.steps) == 1
    with pytest.raises(CaseError):
        open_case(snapshot, targets[1].code)
    with pytest.raises(CaseError):
        open_case(snapshot, targets[0].code)  # one case per target and round


def test_awareness_only_round_cannot_open_a_case(db, flagged_round):
    round_, snapshot, targets = flagged_round()
    round_.is_awareness_only = True
    with pytest.raises(CaseError):
        open_case(snapshot, targets[0].code)
    assert db.session.scalar(select(FollowUpCase)) is None


def test_the_whole_path_with_steps_and_audit(db, flagged_round, make_user):
    user = make_user("coordinator")
    _, snapshot, targets = flagged_round()
    case = open_case(snapshot, targets[0].code, user)
    path = [CaseState.DIALOGUE, CaseState.RETEST_PLANNED, CaseState.RETESTED, CaseState.PERSISTENT]
    move_case(case, CaseState.DIALOGUE, reason="reason for dialogue", on=TODAY, user=user)
    analysed(start_retest([case], user), [(True, False)] * 6)  # the retest finds the pattern on its own tests
    for state in path[2:]:
        move_case(case, state, reason=f"reason for {state}", on=TODAY, user=user)
    move_case(case, CaseState.REFERRED, reason="to Unia", on=TODAY, user=user,
              referral={"body": "unia", "date": TODAY, "reference": "UNIA-2026-17"})
    move_case(case, CaseState.CLOSED, reason="Unia took it over", on=TODAY, user=user)
    assert [s.to_state for s in case.steps] == ["flagged", *path, "referred", "closed"]
    assert all(s.created_by_id == user.id and s.occurred_on for s in case.steps)
    assert (case.referral_body, case.referral_reference) == ("unia", "UNIA-2026-17")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "FollowUpCase")).all()
    assert sorted(actions) == ["followup.open"] + ["followup.step"] * 6  # the retest's own step included


@pytest.mark.parametrize("start, wrong", [
    ([], CaseState.REFERRED),  # no referral before dialogue
    ([], CaseState.RETEST_PLANNED),  # dialogue first
    ([CaseState.DIALOGUE, CaseState.RETEST_PLANNED], CaseState.PERSISTENT),  # persistent needs the retest
    ([CaseState.DIALOGUE, CaseState.RETEST_PLANNED, CaseState.RETESTED, CaseState.CLEARED], CaseState.REFERRED),
])
def test_illegal_moves_are_refused_and_change_nothing(db, flagged_round, start, wrong):
    _, snapshot, targets = flagged_round()
    case = open_case(snapshot, targets[0].code)
    for state in start:
        if state == CaseState.RETEST_PLANNED and CaseState.RETESTED in start:
            retest = start_retest([case])  # "retested" needs a real retest with its own result
            continue
        if state == CaseState.RETESTED:
            analysed(retest, [(True, False), (False, True)])
        case.move(state, reason="ok", on=TODAY)
    before, steps = case.state, len(case.steps)
    with pytest.raises(IllegalMove):
        case.move(wrong, reason="try", on=TODAY, referral={"body": "unia", "date": TODAY})
    assert (case.state, len(case.steps)) == (before, steps)


def test_a_step_needs_a_reason_and_a_referral_its_body(db, flagged_round):
    _, snapshot, targets = flagged_round()
    case = open_case(snapshot, targets[0].code)
    with pytest.raises(IllegalMove):
        case.move(CaseState.DIALOGUE, reason="  ", on=TODAY)
    case.move(CaseState.DIALOGUE, reason="ok", on=TODAY)
    analysed(start_retest([case]), [(True, False)] * 6)
    for state in (CaseState.RETESTED, CaseState.PERSISTENT):
        case.move(state, reason="ok", on=TODAY)
    with pytest.raises(IllegalMove):
        case.move(CaseState.REFERRED, reason="x", on=TODAY, referral={"body": "police", "date": TODAY})
    assert case.state == CaseState.PERSISTENT and case.referral_body is None


def test_pages_open_move_and_refuse(db, client, login_as, org, flagged_round):
    user = login_as("coordinator", org)
    round_, snapshot, targets = flagged_round(organisation=org)
    page = client.get("/follow-up/")
    assert page.status_code == 200 and targets[0].code in page.text and targets[1].code not in page.text
    response = client.post(f"/follow-up/rounds/{round_.id}/snapshots/{snapshot.id}/open",
                           data={"target": targets[0].code})
    assert response.status_code == 302
    case = db.session.scalar(select(FollowUpCase))
    detail = client.get(f"/follow-up/{case.id}")
    assert targets[0].name in detail.text and "R" in detail.text
    # An illegal move by a crafted form: refused with a message, nothing changes.
    bad = client.post(f"/follow-up/{case.id}/step", data={"to_state": "referred", "reason": "x",
                                                         "occurred_on": "2026-11-30", "version": case.version})
    assert bad.status_code == 200 and "error-summary" in bad.text
    assert case.state == CaseState.FLAGGED
    future = client.post(f"/follow-up/{case.id}/step", data={"to_state": "dialogue", "reason": "x",
                                                            "occurred_on": "2999-01-01", "version": case.version})
    assert "error-summary" in future.text and case.state == CaseState.FLAGGED
    ok = client.post(f"/follow-up/{case.id}/step", data={"to_state": "dialogue", "reason": "Letter sent",
                                                        "occurred_on": "2026-11-30", "version": case.version})
    assert ok.status_code == 302
    db.session.refresh(case)
    assert case.state == CaseState.DIALOGUE and case.steps[-1].created_by_id == user.id
    stale = client.post(f"/follow-up/{case.id}/step", data={"to_state": "retest_planned", "reason": "x",
                                                           "occurred_on": "2026-11-30", "version": "1"})
    assert stale.status_code == 302 and case.state == CaseState.DIALOGUE
    assert client.get("/follow-up/?state=closed").text.count(f"/follow-up/{case.id}\"") == 0
    assert f"/follow-up/{case.id}\"" in client.get("/follow-up/?state=dialogue").text


def test_a_retest_round_from_a_case_holds_only_that_target(db, client, login_as, org, flagged_round):
    from praktijktest.rounds.models import Profile, Round, RoundTarget

    login_as("coordinator", org)
    round_, snapshot, targets = flagged_round(organisation=org)
    case = open_case(snapshot, targets[0].code)
    refused = client.post(f"/follow-up/{case.id}/retest")  # dialogue first
    assert refused.status_code == 302 and case.retest_round_id is None
    move_case(case, CaseState.DIALOGUE, reason="Gesprek gevoerd", on=TODAY)
    response = client.post(f"/follow-up/{case.id}/retest")
    assert response.status_code == 302
    db.session.refresh(case)
    retest = db.session.get(Round, case.retest_round_id)
    assert case.state == CaseState.RETEST_PLANNED and retest.copied_from_id == round_.id
    assert retest.status == "draft" and retest.protocol == round_.protocol
    assert [rt.target_id for rt in db.session.scalars(select(RoundTarget).filter_by(round_id=retest.id))] == \
        [targets[0].id]
    def names(r):
        return sorted(db.session.scalars(select(Profile.name).where(Profile.round_id == r.id)))
    assert names(retest) == names(round_) != []
