"""Pages whose statement count no longer grows with the data (scale issue 16).

Each test counts the statements a page sends with few rows and with more,
on the test's own connection (tests/test_query_counts.py has the helper).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Application, Test
from praktijktest.rounds.models import RoundTarget
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.targets.services import create_target
from tests.test_query_counts import statements_for


def _tested_in_new_rounds(db, org, target, count: int) -> None:
    """`count` rounds in which `target` has a test but no RoundTarget row (imported rounds look like this)."""
    for number in range(count):
        round_ = create_round(org, f"Ronde {number}", "labour", [GroundSpec("origin", "ref", ["other"])])
        test = Test(round=round_, target=target, external_id=f"t{number}")
        test.applications.append(Application(group=round_.groups[0]))
        db.session.add(test)
    db.session.flush()


def test_target_detail_with_rounds_it_was_tested_in_without_a_sample(client, db, login_as, org):
    login_as("coordinator", org)
    target = create_target(org.id, "Werkgever BV")
    _tested_in_new_rounds(db, org, target, 1)
    few = statements_for(client, db, f"/targets/{target.id}")
    _tested_in_new_rounds(db, org, target, 6)
    assert statements_for(client, db, f"/targets/{target.id}") == few


def test_round_list_and_detail_with_more_applications(client, db, login_as, org):
    login_as("coordinator", org)
    round_ = create_round(org, "Ronde", "labour", [GroundSpec("origin", "ref", ["other"])])
    target = create_target(org.id, "Werkgever BV")
    db.session.add(RoundTarget(round_id=round_.id, target_id=target.id))
    _tested_in_new_rounds(db, org, target, 1)
    few = statements_for(client, db, "/rounds/"), statements_for(client, db, f"/rounds/{round_.id}")
    _tested_in_new_rounds(db, org, target, 5)
    assert (statements_for(client, db, "/rounds/"), statements_for(client, db, f"/rounds/{round_.id}")) == few


def test_audit_log_first_and_deep_pages_cost_the_same(client, db, login_as, org):
    login_as("coordinator", org)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.add_all([AuditEvent(created_at=start + timedelta(seconds=n), actor="x@example.be",
                                   organisation_id=org.id, action="bulk.event", summary=str(n)) for n in range(400)])
    db.session.flush()
    # The same kind of events on every page compared: names of people and objects are read
    # in one statement per page when the page shows any, so a page of logins costs more.
    first = statements_for(client, db, "/audit/?action=bulk.event")
    html = client.get("/audit/?action=bulk.event").get_data(as_text=True)
    assert "before=" in html
    deep_anchor = db.session.scalars(
        db.select(AuditEvent.id).where(AuditEvent.summary == "100", AuditEvent.action == "bulk.event")
    ).one()
    deep = statements_for(client, db, f"/audit/?before={deep_anchor}&page=7")
    newer = statements_for(client, db, f"/audit/?after={deep_anchor}&page=6")
    assert first + 1 == deep == newer  # the one extra statement reads the event the cursor names
