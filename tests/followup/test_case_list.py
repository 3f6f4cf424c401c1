"""The case list: overdue steps in working days, filters by state and member municipality, fixed query counts."""
from __future__ import annotations

from datetime import date

from praktijktest.extensions import db as _db
from praktijktest.followup.case_list import case_rows, overdue_reason
from praktijktest.followup.models import CaseState, FollowUpCase, FollowUpStep
from praktijktest.followup.services import move_case, open_case
from praktijktest.targets.services import create_target
from tests.test_query_counts import counted_statements


def _case(snapshot, target, state: str, on: date, **fields) -> FollowUpCase:
    """A case put straight into `state` on day `on` (the list reads states and step dates, not how they came)."""
    case = FollowUpCase(organisation_id=snapshot.organisation_id, round_id=snapshot.round_id, snapshot_id=snapshot.id,
                        target_id=target.id, state=state, **fields)
    case.steps.append(FollowUpStep(from_state=None, to_state=state, reason="test", occurred_on=on))
    _db.session.add(case)
    _db.session.flush()
    return case


def test_a_dialogue_is_overdue_after_15_working_days_counting_holidays(db, flagged_round):
    _, snapshot, targets = flagged_round()
    case = open_case(snapshot, targets[0].code)
    move_case(case, CaseState.DIALOGUE, reason="Brief verstuurd", on=date(2026, 11, 2))
    # Counted by hand on the calendar: after Monday 2 November 2026, with Wednesday 11 November (Armistice) a
    # holiday, the 15th working day is Tuesday 24 November.
    assert overdue_reason(case, date(2026, 11, 24)) is None
    assert "15 working days" in overdue_reason(case, date(2026, 11, 25))


def test_a_referral_without_the_bodys_reference_is_overdue_after_10_working_days(db, flagged_round):
    _, snapshot, targets = flagged_round()
    case = _case(snapshot, targets[0], CaseState.REFERRED, date(2026, 11, 16), referral_body="unia",
                 referral_date=date(2026, 11, 16))
    assert overdue_reason(case, date(2026, 11, 30)) is None  # 17-20, 23-27, 30 November: the 10th working day
    assert "No reference" in overdue_reason(case, date(2026, 12, 1))
    case.referral_reference = "UNIA-2026-0042"
    assert overdue_reason(case, date(2027, 6, 1)) is None


def test_closed_and_cleared_cases_are_never_overdue(db, flagged_round):
    _, snapshot, targets = flagged_round()
    for target, state in zip(targets[:2], (CaseState.CLOSED, CaseState.CLEARED), strict=True):
        assert overdue_reason(_case(snapshot, target, state, date(2020, 1, 6)), date(2026, 11, 30)) is None


def test_filters_by_state_municipality_and_overdue(db, flagged_round, org):
    _, snapshot, targets = flagged_round()
    places = {m.name: m.id for m in org.municipalities}
    targets[0].municipality_id, targets[1].municipality_id = places["Testdorp"], places["Teststad"]
    old = _case(snapshot, targets[0], CaseState.DIALOGUE, date(2026, 9, 1))
    recent = _case(snapshot, targets[1], CaseState.DIALOGUE, date(2026, 11, 27))
    persistent = _case(snapshot, targets[2], CaseState.PERSISTENT, date(2026, 11, 27))
    today = date(2026, 11, 30)

    def ids(**filters):
        return {row.case.id for row in case_rows(org.id, today, **filters)}

    assert ids() == {old.id, recent.id, persistent.id}
    assert ids(state=CaseState.DIALOGUE) == {old.id, recent.id}
    assert ids(municipality_id=places["Testdorp"]) == {old.id}
    assert ids(overdue_only=True) == {old.id}
    assert ids(municipality_id=places["Teststad"], overdue_only=True) == set()


def test_the_list_page_filters_and_costs_the_same_queries_for_more_cases(client, db, flagged_round, login_as, org):
    login_as("coordinator", org)
    _, snapshot, targets = flagged_round()
    testdorp = next(m.id for m in org.municipalities if m.name == "Testdorp")
    targets[0].municipality_id = testdorp
    _case(snapshot, targets[0], CaseState.DIALOGUE, date(2026, 9, 1))
    _case(snapshot, targets[1], CaseState.PERSISTENT, date(2026, 9, 1))
    url = f"/follow-up/?municipality={testdorp}&overdue=1"
    page = client.get(url).get_data(as_text=True)
    table = page[page.index("<table"):page.index("</table>")]  # the cases table, not the flags without a case
    assert targets[0].code in table and targets[1].code not in table
    with counted_statements(db) as statements:
        assert client.get("/follow-up/?overdue=1").status_code == 200
    few = len(statements)
    for number in range(8):
        extra = create_target(org.id, f"Extra werkgever {number}")
        extra.municipality_id = testdorp
        _case(snapshot, extra, CaseState.DIALOGUE, date(2026, 9, 1))
    with counted_statements(db) as statements:
        assert client.get("/follow-up/?overdue=1").status_code == 200
    assert len(statements) == few
    assert client.get("/follow-up/?municipality=abc&state=nonsense&overdue=x").status_code == 200
