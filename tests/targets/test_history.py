"""A target's history across rounds: the first send is an application's, not a row's creation time."""
from __future__ import annotations

from datetime import UTC, datetime

from praktijktest.fieldwork.models import Application, Test
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.targets.queries import target_history
from praktijktest.targets.services import create_target


def test_first_send_is_the_earliest_application_sent_or_planned(db, org):
    round_ = create_round(org, "Ronde", "labour", [GroundSpec("origin", "ref", ["other"])])
    target = create_target(org.id, "Werkgever BV")
    reference, other = round_.groups
    planned, sent = datetime(2026, 3, 9, 8, tzinfo=UTC), datetime(2026, 3, 4, 8, tzinfo=UTC)
    first = Test(round_id=round_.id, target_id=target.id, external_id="T-1")
    second = Test(round_id=round_.id, target_id=target.id, external_id="T-2")
    db.session.add_all([first, second])
    db.session.flush()
    db.session.add_all([
        Application(test_id=first.id, group_id=reference.id, scheduled_at=planned),  # planned, not sent
        Application(test_id=first.id, group_id=other.id, scheduled_at=planned, sent_at=planned),
        Application(test_id=second.id, group_id=reference.id, scheduled_at=planned, sent_at=sent),  # sent early
    ])
    db.session.flush()
    (entry,) = target_history(target)
    assert entry.test_count == 2
    got = entry.first_send_at if entry.first_send_at.tzinfo else entry.first_send_at.replace(tzinfo=UTC)  # SQLite
    assert got == sent  # not the tests' creation time (today)
