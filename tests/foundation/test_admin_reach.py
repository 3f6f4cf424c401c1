"""What an administrator does to accounts is shown to the organisation's coordinators (issue 12, item 17)."""
from __future__ import annotations

from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from tests.conftest import TEST_PASSWORD, log_in


def _english(client) -> None:
    with client.session_transaction() as session:
        session["locale"] = "en"


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_a_coordinator_created_by_an_admin_is_announced_at_the_next_login(app, client, make_user, org, other_org, db):
    coordinator = make_user("coordinator", org)
    first = app.test_client()
    log_in(first, coordinator.email)  # an earlier login: only what follows it is news
    admin = make_user("admin", other_org)
    log_in(client, admin.email)
    new = {"email": "schaduw@tests.example", "name": "Schaduw", "role": "coordinator", "organisation_id": org.id,
           "is_active": "y", "password": "Vijf-bruine-ezels-dansen-77"}
    assert client.post("/admin/users/new", data=new).status_code == 302
    colleague = make_user("tester", org)
    client.post(f"/admin/users/{colleague.id}/edit", data={
        "email": colleague.email, "name": colleague.name, "role": "tester", "organisation_id": org.id,
        "is_active": "y", "version": colleague.version, "new_password": "Zes-grijze-katten-slapen-88"})
    browser = app.test_client()
    _english(browser)
    log_in(browser, coordinator.email)
    (notice,) = _flashes(browser)
    assert "2 accounts" in notice and "schaduw@tests.example" in notice and colleague.email in notice
    # ... and in their audit log, as the administrator's actions
    html = browser.get("/audit/").get_data(as_text=True)
    assert "schaduw@tests.example" in html
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.organisation_id == org.id,
                                                                     AuditEvent.user_id == admin.id)))
    assert {"user.create", "user.password_reset"} <= actions


def test_nothing_to_announce_when_no_admin_acted(app, client, make_user, org):
    coordinator = make_user("coordinator", org)
    log_in(app.test_client(), coordinator.email)
    make_user("tester", org)  # created by the test, not by an administrator
    log_in(client, coordinator.email, TEST_PASSWORD)
    assert _flashes(client) == []
