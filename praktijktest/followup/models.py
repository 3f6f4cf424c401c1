"""A follow-up case per flagged target of an analysis snapshot, and its dated, attributed steps.

The state changes only through `FollowUpCase.move`, which refuses a move the
policy does not allow: dialogue comes before any formal step, a referral
needs a retest that found the pattern again on its own tests (issue 11,
`retests.check_retest_evidence`).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from praktijktest.accounts.models import User
from praktijktest.extensions import db
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from praktijktest.timeutil import utcnow


class CaseState(enum.StrEnum):
    FLAGGED = "flagged"
    DIALOGUE = "dialogue"
    RETEST_PLANNED = "retest_planned"
    RETESTED = "retested"
    CLEARED = "cleared"
    PERSISTENT = "persistent"
    REFERRED = "referred"
    CLOSED = "closed"


class ReferralBody(enum.StrEnum):
    UNIA = "unia"
    HUMAN_RIGHTS_INSTITUTE = "human_rights_institute"
    IGVM = "igvm"
    BIV = "biv"


STATE_LABELS = {
    CaseState.FLAGGED: _l("Flagged for follow-up"),
    CaseState.DIALOGUE: _l("In dialogue"),
    CaseState.RETEST_PLANNED: _l("Retest planned"),
    CaseState.RETESTED: _l("Retested"),
    CaseState.CLEARED: _l("Cleared"),
    CaseState.PERSISTENT: _l("Pattern found again"),
    CaseState.REFERRED: _l("Referred"),
    CaseState.CLOSED: _l("Closed"),
}
BODY_LABELS = {
    ReferralBody.UNIA: _l("Unia"),
    ReferralBody.HUMAN_RIGHTS_INSTITUTE: _l("Flemish Human Rights Institute"),
    ReferralBody.IGVM: _l("Institute for the Equality of Women and Men (IGVM)"),
    ReferralBody.BIV: _l("Professional Institute of Estate Agents (BIV)"),
}
# The allowed moves: dialogue first; "persistent" only after a retest; a referral only when persistent.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseState.FLAGGED: (CaseState.DIALOGUE,),
    CaseState.DIALOGUE: (CaseState.RETEST_PLANNED,),
    CaseState.RETEST_PLANNED: (CaseState.RETESTED,),
    CaseState.RETESTED: (CaseState.CLEARED, CaseState.PERSISTENT),
    CaseState.CLEARED: (CaseState.CLOSED,),
    CaseState.PERSISTENT: (CaseState.REFERRED,),
    CaseState.REFERRED: (CaseState.CLOSED,),
    CaseState.CLOSED: (),
}


class IllegalMove(ValueError):
    """A move the case's state does not allow, or one without what it needs; the message says why."""


class FollowUpCase(db.Model):
    __tablename__ = "followup_case"
    # One case per target and round: a second flag of the same round is the same matter.
    __table_args__ = (UniqueConstraint("round_id", "target_id", name="uq_followup_case_round_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("analysis_snapshot.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=CaseState.FLAGGED, index=True)
    # The retest round made from this case (a copy of the round with only this target).
    retest_round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    referral_body: Mapped[str | None] = mapped_column(String(30))
    referral_date: Mapped[date | None] = mapped_column(Date)
    referral_reference: Mapped[str | None] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[Round] = relationship(foreign_keys=[round_id])
    retest_round: Mapped[Round | None] = relationship(foreign_keys=[retest_round_id])
    snapshot: Mapped[AnalysisSnapshot] = relationship()
    target: Mapped[Target] = relationship()
    opened_by: Mapped[User | None] = relationship()
    steps: Mapped[list[FollowUpStep]] = relationship(back_populates="case", order_by="FollowUpStep.id",
                                                      cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    def allowed_moves(self) -> tuple[str, ...]:
        return TRANSITIONS[CaseState(self.state)]

    def move(self, to_state: str, *, reason: str, on: date, user=None, referral: dict | None = None) -> FollowUpStep:
        """Change the state with a reason and a date, or raise IllegalMove; returns the new step."""
        if to_state not in self.allowed_moves():
            raise IllegalMove(_("A case that is “%(state)s” cannot become “%(to)s”.",
                                 state=STATE_LABELS[CaseState(self.state)],
                                 to=STATE_LABELS.get(to_state, to_state)))
        if not (reason or "").strip():
            raise IllegalMove(_("Give a reason for this step."))
        if to_state in (CaseState.RETESTED, CaseState.CLEARED, CaseState.PERSISTENT):
            from praktijktest.followup.retests import check_retest_evidence

            check_retest_evidence(self, to_state)  # the retest's own result, never the original round's
        if to_state == CaseState.REFERRED:
            self._refer(referral or {})
        step = FollowUpStep(from_state=self.state, to_state=to_state, reason=reason.strip(), occurred_on=on,
                            created_by_id=getattr(user, "id", None))
        self.steps.append(step)
        self.state = to_state
        return step

    def _refer(self, referral: dict) -> None:
        if referral.get("body") not in set(ReferralBody) or not referral.get("date"):
            raise IllegalMove(_("A referral needs the body it goes to and its date."))
        self.referral_body = referral["body"]
        self.referral_date = referral["date"]
        self.referral_reference = (referral.get("reference") or "").strip() or None

    @property
    def state_label(self):
        return STATE_LABELS[CaseState(self.state)]

    def __repr__(self) -> str:
        return f"<FollowUpCase {self.id} round {self.round_id} target {self.target_id} {self.state}>"


class FollowUpStep(db.Model):
    __tablename__ = "followup_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("followup_case.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    # The day it happened (a letter sent, a meeting held), which may be before it was recorded.
    occurred_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[FollowUpCase] = relationship(back_populates="steps")
    created_by: Mapped[User | None] = relationship()
