"""Sessions are revocable on the server and have an absolute lifetime (issue 12, items 2 and 6)."""
from __future__ import annotations

from datetime import timedelta

from praktijktest.accounts.services import update_user
from praktijktest.timeutil import utcnow
from tests.conftest import TEST_PASSWORD, log_in


def _copy_cookie(app, client):
    """A second browser holding a copy of `client`'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_stops_working_at_logout(app, client, login_as):
    login_as("coordinator")
    thief = _copy_cookie(app, client)
    assert thief.get("/").status_code == 200
    client.post("/logout")
    assert thief.get("/").status_code == 302


def test_logout_of_one_browser_keeps_the_others(app, client, login_as):
    user = login_as("viewer")
    laptop = app.test_client()
    log_in(laptop, user.email)
    client.post("/logout")
    assert laptop.get("/").status_code == 200


def test_the_lifetime_is_absolute_not_sliding(app, client, login_as, monkeypatch):
    login_as("tester")
    lifetime = app.config["SESSION_LIFETIME_SECONDS"]
    later = utcnow() + timedelta(seconds=lifetime - 60)
    monkeypatch.setattr("praktijktest.accounts.sessions.utcnow", lambda: later)
    assert client.get("/").status_code == 200  # activity just before the end does not extend it
    monkeypatch.setattr("praktijktest.accounts.sessions.utcnow", lambda: later + timedelta(seconds=61))
    assert client.get("/").status_code == 302


def test_admin_ends_all_sessions_of_an_account(app, client, login_as, make_user, db):
    victim = make_user("coordinator")
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, victim.email)
    log_in(laptop, victim.email)
    login_as("admin")
    response = client.post(f"/admin/users/{victim.id}/sessions/end")
    assert response.status_code == 302
    assert phone.get("/").status_code == 302 and laptop.get("/").status_code == 302
    assert log_in(phone, victim.email).status_code == 302  # the person may log in again


def test_a_reactivated_account_keeps_its_old_sessions_dead(app, make_user, db):
    user = make_user("coordinator")
    browser = app.test_client()
    log_in(browser, user.email)
    update_user(user, is_active=False)
    update_user(user, is_active=True)
    assert browser.get("/").status_code == 302
    assert log_in(browser, user.email).status_code == 302


def test_login_and_logout_clear_the_session(app, client, make_user):
    user = make_user("coordinator")
    with client.session_transaction() as before:
        before["target_import"] = {"path": "pending-imports/x.csv"}
        before["csrf_token"] = "token-of-the-previous-visitor"
    log_in(client, user.email)
    with client.session_transaction() as after_login:
        assert "target_import" not in after_login and after_login.get("csrf_token") != "token-of-the-previous-visitor"
        after_login["dataset_import"] = {"token": "x" * 24}
    client.post("/logout")
    with client.session_transaction() as after_logout:
        assert "dataset_import" not in after_logout and "_user_id" not in after_logout


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, login_as):
    user = login_as("coordinator")
    other = app.test_client()
    log_in(other, user.email)
    new = "Vijf-bruine-ezels-dansen-77"
    client.post("/account/password", data={"current_password": TEST_PASSWORD, "new_password": new,
                                            "confirm_password": new})
    assert client.get("/").status_code == 200 and other.get("/").status_code == 302
