"""Public contracts of a target with the municipality, and the follow-up a non-discrimination clause asks.

A contractor bound by a non-discrimination clause in public procurement is
followed up and, where needed, the clause is enforced (issue 11). The clause
adds steps beside the case's own: the contracting authority must hear of a
pattern found again, and only it can apply the contract's measures, after
hearing the contractor. Coordinators edit contracts; every change is audited
by the target's code, and a stale form is refused (version column).

The clause's steps are recorded on the case one by one (`ClauseStepRecord`):
in their order, each once it is due (the case has reached the state it is due
from), dated (not in the future, not before the case was opened), attributed
and with a note of what happened, audited as `followup.clause_step`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.accounts.models import User
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.followup.models import CaseState, FollowUpCase
from praktijktest.targets.models import Target
from praktijktest.timeutil import as_utc, utcnow

MAX_LENGTHS = {"contracting_authority": 200, "reference": 100, "subject": 300}


class TargetContract(db.Model):
    __tablename__ = "target_contract"
    # A contract reference names one contract of the organisation's authorities.
    __table_args__ = (UniqueConstraint("organisation_id", "reference", name="uq_target_contract_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    contracting_authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(300))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    has_clause: Mapped[bool] = mapped_column(default=False)  # the non-discrimination clause applies
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    target: Mapped[Target] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def is_running_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ContractError(ValueError):
    """A contract cannot be saved as asked; the message says why."""


class StaleContract(ContractError):
    """The form was made from an older version of the contract."""


@dataclass(frozen=True)
class ClauseStep:
    key: str  # stored on the record of the step
    text: object  # a lazy translated string
    due_from: str  # the case state from which this step is due


# The clause's follow-up in order. Dialogue first, as for every case; measures only after the retest's own
# evidence and a hearing (the Ghent lesson in issue 11: formal notices on thin evidence met legal threats).
CLAUSE_STEPS = (
    ClauseStep("remind", _l("In the dialogue, remind the contractor of the non-discrimination clause of the "
                            "contract."), CaseState.DIALOGUE),
    ClauseStep("inform_authority", _l("After a retest that finds the pattern again, inform the contracting "
                                      "authority's contract manager, with the retest's own result."),
               CaseState.PERSISTENT),
    ClauseStep("hearing", _l("The contracting authority hears the contractor before any measure."),
               CaseState.PERSISTENT),
    ClauseStep("measures", _l("Only then may the contracting authority apply the measures the contract provides "
                              "(a formal notice, a penalty, termination), and record its decision on the case."),
               CaseState.REFERRED),
)
CLAUSE_STEP_KEYS = tuple(step.key for step in CLAUSE_STEPS)
NOTE_LIMIT = 2000


class ClauseStepRecord(db.Model):
    """One clause step done on a contractor's case: when, by whom, and what happened."""

    __tablename__ = "followup_clause_step"
    __table_args__ = (UniqueConstraint("case_id", "step", name="uq_followup_clause_step_case_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("followup_case.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    recorded_by: Mapped[User | None] = relationship()


class ClauseStepError(ValueError):
    """A clause step cannot be recorded as asked; the message says why."""


@dataclass(frozen=True)
class ClauseStepView:
    step: ClauseStep
    due: bool
    done: ClauseStepRecord | None
    is_next: bool  # the one step that can be recorded now


def clause_records(case) -> dict[str, ClauseStepRecord]:
    return {r.step: r for r in db.session.scalars(select(ClauseStepRecord).where(ClauseStepRecord.case_id == case.id))}


def clause_steps(case) -> list[ClauseStepView]:
    """Each clause step: whether it is due (the case has passed through the state it is due from), its record,
    and whether it is the next to record (due, not recorded, every earlier step recorded)."""
    reached = {step.to_state for step in case.steps}
    records = clause_records(case)
    out, earlier_done = [], True
    for step in CLAUSE_STEPS:
        due, done = step.due_from in reached, records.get(step.key)
        out.append(ClauseStepView(step, due, done, earlier_done and due and done is None))
        earlier_done = earlier_done and done is not None
    return out


def has_clause_contract(case) -> bool:
    return any(contract.has_clause for contract in contracts_of_target(case.target))


def record_clause_step(case: FollowUpCase, key: str, occurred_on, note: str, user=None) -> ClauseStepRecord:
    """Record that a clause step was done; ClauseStepError (nothing saved) unless it is the next due step of a
    contractor with a clause, dated between the case's opening and today, with a note. Audited."""
    if key not in CLAUSE_STEP_KEYS:
        raise ClauseStepError(_("Choose one of the clause's steps."))
    if not has_clause_contract(case):
        raise ClauseStepError(_("This employer or landlord has no contract with a non-discrimination clause."))
    if case.state == CaseState.CLOSED:
        raise ClauseStepError(_("This case is closed: it has no further steps."))
    view = next(v for v in clause_steps(case) if v.step.key == key)
    if view.done is not None:
        raise ClauseStepError(_("This step of the clause is already recorded."))
    if not view.due:
        raise ClauseStepError(_("This step of the clause is not due yet: the case has not reached it."))
    if not view.is_next:
        raise ClauseStepError(_("Record the clause's earlier steps first: they are done in order."))
    if not isinstance(occurred_on, date):
        raise ClauseStepError(_("Give the day it happened."))
    opened = as_utc(case.opened_at).date() if case.opened_at else None
    if occurred_on > date.today() or (opened is not None and occurred_on < opened):
        raise ClauseStepError(_("The date lies between the day the case was opened and today."))
    note = (note or "").strip()
    if not note:
        raise ClauseStepError(_("Write what happened: who was informed or heard, and how."))
    if len(note) > NOTE_LIMIT:
        raise ClauseStepError(_("Keep the note under 2,000 characters."))
    entry = ClauseStepRecord(case_id=case.id, step=key, occurred_on=occurred_on, note=note,
                             recorded_by_id=getattr(user, "id", None))
    db.session.add(entry)
    db.session.flush()
    record("followup.clause_step", case, actor=user, organisation_id=case.organisation_id,
           summary=f"case {case.id} of target {case.target.code}: clause step {key}",
           changes={"clause_step": [None, key], "occurred_on": [None, occurred_on.isoformat()],
                    "note": [None, note[:500]]})
    return entry


def contracts_of_target(target: Target) -> list[TargetContract]:
    return list(db.session.scalars(select(TargetContract).where(TargetContract.target_id == target.id)
                                   .order_by(TargetContract.starts_on, TargetContract.id)))


def _clean(fields: dict) -> dict:
    """Stripped fields, or ContractError naming the first problem."""
    out = {key: (fields.get(key) or "").strip() for key in MAX_LENGTHS}
    if not out["contracting_authority"]:
        raise ContractError(_("Name the contracting authority."))
    if not out["reference"]:
        raise ContractError(_("Give the contract's reference."))
    for key, limit in MAX_LENGTHS.items():
        if len(out[key]) > limit:
            raise ContractError(_("A field is too long (at most %(limit)s characters).", limit=limit))
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    if not isinstance(starts_on, date):
        raise ContractError(_("Give the day the contract starts."))
    if not date(1990, 1, 1) <= starts_on <= date(2100, 12, 31):
        raise ContractError(_("Give a date between 1990 and 2100."))
    if ends_on is not None and (not isinstance(ends_on, date) or ends_on < starts_on):
        raise ContractError(_("The contract cannot end before it starts."))
    return out | {"subject": out["subject"] or None, "starts_on": starts_on, "ends_on": ends_on,
                  "has_clause": bool(fields.get("has_clause"))}


def _check_reference_free(organisation_id: int, reference: str, contract_id: int | None = None) -> None:
    query = select(TargetContract.id).where(TargetContract.organisation_id == organisation_id,
                                            func.lower(TargetContract.reference) == reference.lower())
    if contract_id is not None:
        query = query.where(TargetContract.id != contract_id)
    if db.session.scalar(query) is not None:
        raise ContractError(_("Another contract already has this reference."))


def _audit_fields(values: dict) -> dict:
    return {key: (value.isoformat() if isinstance(value, date) else value) for key, value in values.items()}


def add_contract(target: Target, fields: dict, user=None) -> TargetContract:
    """A new contract of `target`, audited; ContractError on bad input, nothing saved."""
    values = _clean(fields)
    _check_reference_free(target.organisation_id, values["reference"])
    contract = TargetContract(organisation_id=target.organisation_id, target_id=target.id, **values)
    db.session.add(contract)
    db.session.flush()
    record("contract.create", contract, actor=user, organisation_id=target.organisation_id,
           summary=f"contract {values['reference']} of target {target.code}",
           changes={key: [None, value] for key, value in _audit_fields(values).items()})
    return contract


def update_contract(contract: TargetContract, fields: dict, expected_version: int, user=None) -> TargetContract:
    """Change a contract; a form made from an older version is refused, nothing changed."""
    if contract.version != expected_version:
        raise StaleContract(_("Someone else changed this contract in the meantime; reload the page and try again."))
    values = _clean(fields)
    _check_reference_free(contract.organisation_id, values["reference"], contract.id)
    before = _audit_fields({key: getattr(contract, key) for key in values})
    for key, value in values.items():
        setattr(contract, key, value)
    after = _audit_fields(values)
    changes = {key: [before[key], after[key]] for key in values if before[key] != after[key]}
    db.session.flush()
    if changes:
        record("contract.update", contract, actor=user, organisation_id=contract.organisation_id,
               summary=f"contract {contract.reference} of target {contract.target.code}", changes=changes)
    return contract


def case_contract_context(case) -> dict:
    """What the case page shows of a contractor: its contracts and the clause's steps."""
    return {"contracts": contracts_of_target(case.target), "clause_steps": clause_steps(case),
            "clause_note_limit": NOTE_LIMIT}
