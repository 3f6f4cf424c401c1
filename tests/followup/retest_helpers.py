"""Helpers for retest tests: a retest round locked and in fieldwork, its tests with responses, its analysis."""

from __future__ import annotations

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.followup.retests import create_retest
from praktijktest.rounds.preregistration import lock_round
from praktijktest.rounds.services import change_status


def start_retest(cases, user=None):
    """Create the retest of `cases` (in dialogue), lock it and start its fieldwork."""
    retest = create_retest(list(cases), user)
    lock_round(retest, awareness_confirmed=True, power_confirmed=True)
    change_status(retest, "fieldwork")
    return retest


def add_pair(
    round_,
    target_id: int,
    number: int,
    ref_positive: bool | None,
    other_positive: bool | None,
    tester_id=None,
    sent=True,
) -> Test:
    """One paired test; None for a side leaves that application without a response (or unsent)."""
    ref = next(g for g in round_.groups if g.is_reference)
    other = next(g for g in round_.groups if not g.is_reference)
    complete = ref_positive is not None and other_positive is not None
    test = Test(
        round_id=round_.id,
        target_id=target_id,
        external_id=f"RT{round_.id}-{number:03d}",
        tester_id=tester_id,
        status=TestStatus.COMPLETED if complete else TestStatus.PLANNED,
    )
    db.session.add(test)
    for order, (group, positive) in enumerate(((ref, ref_positive), (other, other_positive)), start=1):
        from datetime import UTC, datetime, timedelta

        application = Application(
            test=test, group=group, send_order=order, scheduled_at=datetime.now(UTC) - timedelta(days=1)
        )
        if positive is not None:
            application.sent_at = datetime.now(UTC) - timedelta(hours=20)
            db.session.add(Response(application=application, outcome="invitation" if positive else "rejection"))
        db.session.add(application)
    db.session.flush()
    return test


def analysed(retest, *per_target):
    """Add pairs (ref_positive, other_positive) to each retested target in turn (its own list, the last list for
    the rest) and run the retest's analysis."""
    from praktijktest.results.snapshots import run_analysis
    from praktijktest.rounds.models import RoundTarget

    number = 0
    rows = db.session.query(RoundTarget).filter_by(round_id=retest.id).order_by(RoundTarget.target_id)
    for i, rt in enumerate(rows):
        for ref, other in per_target[min(i, len(per_target) - 1)]:
            number += 1
            add_pair(retest, rt.target_id, number, ref, other)
    return run_analysis(retest)
