"""The tester's queue, the test page and the progress page cost a fixed number of statements,
whatever the number of tests (one query per row is a bug at 100,000 applications)."""
from __future__ import annotations

from datetime import timedelta

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Response
from praktijktest.timeutil import utcnow
from tests.fieldwork.conftest import round_tests
from tests.test_query_counts import statements_for


def _work_on(round_) -> None:
    """Send every application and answer half of them positively, so every queue section has rows."""
    for number, test in enumerate(round_tests(round_)):
        for app in test.applications:
            app.sent_at = utcnow() - timedelta(days=1)
            if number % 2:
                db.session.add(Response(application=app, outcome="invitation", responded_at=utcnow(),
                                        decline_due_at=utcnow() + timedelta(days=1)))
    db.session.flush()


def test_queue_and_progress_pages(client, db, login_as, make_user, fieldwork_round, org):
    tester = make_user("tester", org)
    few_round = fieldwork_round(tests=2, tester=tester)
    _work_on(few_round)
    fieldwork_round(tests=2, tester=tester)  # unsent work too
    coordinator = make_user("coordinator", org)
    from tests.conftest import log_in

    log_in(client, tester.email)
    few_queue = statements_for(client, db, "/fieldwork/")
    first_test = round_tests(few_round)[1]
    few_test_page = statements_for(client, db, f"/fieldwork/tests/{first_test.id}")
    many_round = fieldwork_round(tests=12, tester=tester)
    _work_on(many_round)
    fieldwork_round(tests=12, tester=tester)
    assert statements_for(client, db, "/fieldwork/") == few_queue
    assert statements_for(client, db, f"/fieldwork/tests/{round_tests(many_round)[1].id}") == few_test_page
    client.post("/logout")
    log_in(client, coordinator.email)
    few_progress = statements_for(client, db, f"/rounds/{few_round.id}/fieldwork")
    few_list = statements_for(client, db, f"/rounds/{few_round.id}/fieldwork/applications?state=answered")
    assert statements_for(client, db, f"/rounds/{many_round.id}/fieldwork") == few_progress
    assert statements_for(client, db, f"/rounds/{many_round.id}/fieldwork/applications?state=answered") == few_list
