"""What a case shows besides its steps: the target's tests and results in every round, flags without a case."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test
from praktijktest.followup.models import FollowUpCase
from praktijktest.followup.services import flagged_codes, target_entry
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.results.snapshots import latest_snapshot
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from praktijktest.timeutil import as_utc


@dataclass
class RoundHistory:
    round: Round
    tests: list[Test] = field(default_factory=list)
    snapshot: AnalysisSnapshot | None = None
    entry: dict | None = None  # the target's entry in the round's latest analysis


def tests_of_target(target: Target, round_id: int | None = None) -> list[Test]:
    """Every test of the target (in one round or all), with applications, responses and evidence loaded."""
    query = (select(Test).where(Test.target_id == target.id)
             .options(selectinload(Test.applications).selectinload(Application.response)
                      .selectinload(Response.evidence),
                      selectinload(Test.applications).selectinload(Application.group),
                      selectinload(Test.applications).selectinload(Application.profile),
                      selectinload(Test.listing))
             .order_by(Test.round_id, Test.external_id, Test.id))
    if round_id is not None:
        query = query.where(Test.round_id == round_id)
    return list(db.session.scalars(query))


def target_history(target: Target) -> list[RoundHistory]:
    """Per round, oldest first: the target's tests and its result in that round's latest analysis."""
    rounds: dict[int, RoundHistory] = {}
    for test in tests_of_target(target):
        rounds.setdefault(test.round_id, RoundHistory(test.round)).tests.append(test)
    for item in rounds.values():
        item.snapshot = latest_snapshot(item.round)
        item.entry = target_entry(item.snapshot, target.code) if item.snapshot else None
    # as_utc: a round loaded from SQLite has a naive time, one created in this session an aware one.
    return sorted(rounds.values(), key=lambda h: (as_utc(h.round.created_at), h.round.id))


def flagged_without_case(organisation_id: int) -> list[tuple[Round, AnalysisSnapshot, list[str]]]:
    """Per round of the organisation: target codes flagged in its latest analysis that have no case yet."""
    round_ids = db.session.scalars(select(AnalysisSnapshot.round_id).distinct()
                                   .where(AnalysisSnapshot.organisation_id == organisation_id)).all()
    cased = {(r, c) for r, c in db.session.execute(
        select(FollowUpCase.round_id, Target.code).join(Target, FollowUpCase.target_id == Target.id)
        .where(FollowUpCase.organisation_id == organisation_id))}
    out = []
    for round_ in db.session.scalars(select(Round).where(Round.id.in_(round_ids)).order_by(Round.id)):
        if round_.is_awareness_only:
            continue  # awareness-only flags allow the awareness letter, not a case
        snapshot = latest_snapshot(round_)
        codes = [c for c in flagged_codes(snapshot) if (round_.id, c) not in cased]
        if codes:
            out.append((round_, snapshot, codes))
    return out
