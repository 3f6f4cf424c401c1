"""The case list: per organisation or member municipality, by state, and which cases have a step overdue.

"Overdue" means a case has waited in one state longer than the policy's
rhythm allows, counted in Belgian working days (Monday to Friday without the
ten legal public holidays, `schedule.calendar`) from the day its last step
happened:

- flagged: no dialogue started after 20 working days (dialogue comes first,
  and a flagged party should hear of it while the round is recent);
- dialogue: no reply or next step after 15 working days (about three weeks,
  the usual term given in a letter);
- retest planned: no retest result after 60 working days (a retest round's
  fieldwork takes weeks);
- pattern found again: no referral or decision after 20 working days;
- referred: the body's reference still missing 10 working days after the
  referral date (Unia and the others acknowledge with a file number).

Cleared and closed cases are never overdue. A fixed number of queries,
however many cases: the steps, targets and rounds are loaded with the cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from praktijktest.extensions import db
from praktijktest.followup.models import CaseState, FollowUpCase
from praktijktest.schedule.calendar import working_days_between
from praktijktest.targets.models import Target


@dataclass(frozen=True)
class Deadline:
    working_days: int
    message: object  # lazy text: what is missing


DEADLINES = {
    CaseState.FLAGGED: Deadline(20, _l("No dialogue started after %(days)s working days.")),
    CaseState.DIALOGUE: Deadline(15, _l("No reply or next step %(days)s working days after the dialogue.")),
    CaseState.RETEST_PLANNED: Deadline(60, _l("No retest result %(days)s working days after it was planned.")),
    CaseState.PERSISTENT: Deadline(20, _l("No referral or decision %(days)s working days after the retest.")),
    CaseState.REFERRED: Deadline(10, _l("No reference from the body %(days)s working days after the referral.")),
}


def waiting_since(case: FollowUpCase) -> date | None:
    """The day the case entered its current state (its last step's date; the referral date once referred)."""
    if case.state == CaseState.REFERRED and case.referral_date:
        return case.referral_date
    entered = [s.occurred_on for s in case.steps if s.to_state == case.state]
    return entered[-1] if entered else None


def overdue_reason(case: FollowUpCase, today: date) -> str | None:
    """Why the case is overdue on `today`, or None when it is not."""
    deadline = DEADLINES.get(CaseState(case.state))
    since = waiting_since(case)
    if deadline is None or since is None or since >= today:
        return None
    if case.state == CaseState.REFERRED and case.referral_reference:
        return None  # the body acknowledged: the next move is theirs, not ours
    if working_days_between(since, today) <= deadline.working_days:
        return None
    return str(deadline.message % {"days": deadline.working_days})


@dataclass(frozen=True)
class CaseRow:
    case: FollowUpCase
    overdue: str | None


def case_rows(organisation_id: int, today: date, *, state: str | None = None, municipality_id: int | None = None,
              overdue_only: bool = False) -> list[CaseRow]:
    """The organisation's cases, newest first, filtered; each with why it is overdue (or None)."""
    query = (select(FollowUpCase).where(FollowUpCase.organisation_id == organisation_id)
             .options(selectinload(FollowUpCase.steps), joinedload(FollowUpCase.round),
                      joinedload(FollowUpCase.target).joinedload(Target.municipality))
             .order_by(FollowUpCase.opened_at.desc(), FollowUpCase.id.desc()))
    if state:
        query = query.where(FollowUpCase.state == state)
    if municipality_id is not None:
        query = query.join(Target, FollowUpCase.target_id == Target.id).where(Target.municipality_id == municipality_id)
    rows = [CaseRow(case, overdue_reason(case, today)) for case in db.session.scalars(query).unique()]
    return [row for row in rows if row.overdue] if overdue_only else rows


def case_list_context(organisation_id: int, args) -> dict:
    """The list page's filters read from the query string (unknown values ignored) and its rows."""
    from praktijktest.fieldwork.clock import local_date
    from praktijktest.organisations.models import Municipality
    from praktijktest.timeutil import utcnow

    state = args.get("state") or None
    if state not in set(CaseState):
        state = None
    municipalities = list(db.session.execute(
        select(Municipality.id, Municipality.name).where(Municipality.organisation_id == organisation_id)
        .order_by(Municipality.name)))
    chosen = args.get("municipality", "")
    municipality_id = int(chosen) if chosen.isdigit() and int(chosen) in {m.id for m in municipalities} else None
    overdue_only = args.get("overdue") == "1"
    rows = case_rows(organisation_id, local_date(utcnow()), state=state, municipality_id=municipality_id,
                     overdue_only=overdue_only)
    return {"rows": rows, "state": state, "municipality_id": municipality_id, "overdue_only": overdue_only,
            # A partnership's list can be read per member municipality; a single municipality needs no choice.
            "municipalities": municipalities if len(municipalities) > 1 else [], "deadlines": DEADLINES}
