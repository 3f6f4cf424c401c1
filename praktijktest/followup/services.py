"""Opening follow-up cases and moving them on; every write is audited and only flushed."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.followup.models import CaseState, FollowUpCase, FollowUpStep
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target


class CaseError(ValueError):
    """A case cannot be opened; the message says why, in the reader's language."""


def target_entry(snapshot: AnalysisSnapshot, code: str) -> dict | None:
    """The snapshot's `targets` entry of one target code (the overall one, not a breakdown's)."""
    for entry in (snapshot.result or {}).get("targets") or []:
        if isinstance(entry, dict) and entry.get("target") == code:
            return entry
    return None


def flagged_codes(snapshot: AnalysisSnapshot) -> list[str]:
    return sorted({e["target"] for e in (snapshot.result or {}).get("targets") or []
                   if isinstance(e, dict) and e.get("flagged") and e.get("target")})


def open_case(snapshot: AnalysisSnapshot, code: str, user=None, reason: str = "") -> FollowUpCase:
    """Open a case for a target flagged in `snapshot`; refused for awareness-only rounds and unflagged targets."""
    round_ = snapshot.round
    if round_.is_awareness_only:
        raise CaseError(_("This round was planned for awareness only: its flags allow the awareness letter, "
                          "not a case against a single party."))
    entry = target_entry(snapshot, code)
    if entry is None or not entry.get("flagged"):
        raise CaseError(_("Only a target flagged for follow-up in this analysis can get a case."))
    target = db.session.scalar(select(Target).where(Target.organisation_id == round_.organisation_id,
                                                    Target.code == code))
    if target is None:
        raise CaseError(_("Only a target flagged for follow-up in this analysis can get a case."))
    existing = db.session.scalar(select(FollowUpCase).where(FollowUpCase.round_id == round_.id,
                                                            FollowUpCase.target_id == target.id))
    if existing is not None:
        raise CaseError(_("This target already has a case for this round."))
    case = FollowUpCase(organisation_id=round_.organisation_id, round_id=round_.id, snapshot_id=snapshot.id,
                        target_id=target.id, state=CaseState.FLAGGED, opened_by_id=getattr(user, "id", None))
    case.steps.append(FollowUpStep(from_state=None, to_state=CaseState.FLAGGED, occurred_on=date.today(),
                                   reason=reason.strip() or _("Flagged in analysis %(hash)s.",
                                                              hash=snapshot.sha256[:12]),
                                   created_by_id=getattr(user, "id", None)))
    db.session.add(case)
    db.session.flush()
    record("followup.open", case, actor=user, organisation_id=case.organisation_id,
           summary=f"case for target {code} of round {round_.id}, snapshot {snapshot.sha256}",
           changes={"state": [None, CaseState.FLAGGED]})
    return case


def move_case(case: FollowUpCase, to_state: str, *, reason: str, on: date, user=None,
              referral: dict | None = None) -> FollowUpStep:
    """One step of a case (IllegalMove when the state does not allow it), audited."""
    before = case.state
    step = case.move(to_state, reason=reason, on=on, user=user, referral=referral)
    db.session.flush()
    changes = {"state": [before, case.state], "reason": [None, step.reason], "on": [None, on.isoformat()]}
    if to_state == CaseState.REFERRED:
        changes |= {"referral_body": [None, case.referral_body], "referral_reference": [None, case.referral_reference]}
    record("followup.step", case, actor=user, organisation_id=case.organisation_id,
           summary=f"case {case.id}: {before} -> {case.state}", changes=changes)
    return step


def cases_of(organisation_id: int, state: str | None = None) -> list[FollowUpCase]:
    query = select(FollowUpCase).where(FollowUpCase.organisation_id == organisation_id)
    if state:
        query = query.where(FollowUpCase.state == state)
    return list(db.session.scalars(query.order_by(FollowUpCase.opened_at.desc(), FollowUpCase.id.desc())))


def create_retest(case: FollowUpCase, user=None) -> Round:
    """A retest round from one case in dialogue (`retests.create_retest` takes several cases of one round)."""
    from praktijktest.followup.retests import create_retest as create

    return create([case], user)
