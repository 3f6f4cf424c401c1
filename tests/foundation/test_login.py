"""Logging in and out, sessions, passwords, rate limiting, CSRF."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import limiter
from tests.conftest import TEST_PASSWORD, log_in, visible_text


def test_login_page_is_dutch_by_default(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="nl">' in html
    assert "Aanmelden" in visible_text(html)


def test_correct_password_logs_in_and_records_it(client, make_user, db):
    user = make_user("tester")
    response = log_in(client, user.email.upper())  # addresses are case-insensitive
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login")).all()
    assert [e.user_id for e in events] == [user.id]
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_wrong_password_is_refused_with_a_message(client, make_user, db):
    user = make_user("viewer")
    response = log_in(client, user.email, "wrong password")
    assert response.status_code == 200
    assert "niet juist" in visible_text(response.get_data(as_text=True))
    assert client.get("/").status_code == 302
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failed) == 1


def test_unknown_address_gets_the_same_message(client):
    response = log_in(client, "nobody@tests.example", "whatever")
    assert "niet juist" in visible_text(response.get_data(as_text=True))


def test_inactive_account_cannot_log_in(client, make_user):
    user = make_user("coordinator", is_active=False)
    assert log_in(client, user.email).status_code == 200
    assert client.get("/").status_code == 302


def test_deactivating_ends_an_existing_session(client, make_user, db):
    user = make_user("coordinator")
    log_in(client, user.email)
    db.session.refresh(user)
    user.is_active = False
    db.session.flush()
    assert client.get("/").status_code == 302


def test_next_parameter_only_redirects_within_the_site(client, make_user):
    user = make_user("coordinator")
    response = client.post("/login?next=/audit/", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/audit/"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={evil}", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_logout_needs_post(client, login_as):
    login_as("viewer")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_password_change_refuses_weak_and_wrong(client, login_as):
    login_as("tester")
    response = client.post(
        "/account/password",
        data={"current_password": "not mine", "new_password": "A-long-new-pass-42",
              "confirm_password": "A-long-new-pass-42"},
    )
    assert "huidige wachtwoord" in visible_text(response.get_data(as_text=True)).lower()
    response = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert "12" in visible_text(response.get_data(as_text=True))


def test_password_change_logs_out_other_sessions(app, client, login_as, db):
    user = login_as("coordinator")
    other_device = app.test_client()
    log_in(other_device, user.email)
    assert other_device.get("/").status_code == 200
    new = "Another-strong-pass-77"
    response = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session was renewed
    assert other_device.get("/").status_code == 302  # the other one is out
    assert log_in(app.test_client(), user.email, new).status_code == 302


@pytest.fixture
def rate_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "5 per minute;30 per hour")
    monkeypatch.setattr(limiter, "enabled", True)
    limiter.reset()
    yield
    limiter.reset()


def test_failed_logins_are_rate_limited(client, make_user, rate_limited):
    user = make_user("viewer")
    codes = [log_in(client, user.email, "wrong").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5
    assert codes[5] == 429
    # Even the right password waits now: the attacker cannot tell.
    assert log_in(client, user.email).status_code == 429


def test_csrf_token_is_required(app, client, make_user, monkeypatch):
    user = make_user("viewer")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = log_in(client, user.email)
    assert response.status_code == 400
    assert client.get("/").status_code == 302
