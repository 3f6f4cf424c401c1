"""Proxies, login limits and back-off (issue 12, items 4, 5 and 10)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import limiter
from tests.conftest import TEST_PASSWORD, log_in


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Back-off counters live in the limiter's storage, keyed by address or user id: none may leak between
    tests (ids are reused once a test's transaction is rolled back)."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def rate_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "5 per minute;30 per hour")
    monkeypatch.setattr(limiter, "enabled", True)
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def behind_one_proxy(app, monkeypatch):
    from praktijktest import _trust_proxies

    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # restored after the test
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    _trust_proxies(app)


def _login_from(client, address: str, email: str, password: str = TEST_PASSWORD):
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": "10.0.0.1"})


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_behind_a_trusted_proxy_the_client_address_is_recorded(client, make_user, db, behind_one_proxy):
    user = make_user("viewer")
    _login_from(client, "203.0.113.7", user.email)
    assert [e.ip_address for e in _events(db, "login")] == ["203.0.113.7"]


def test_without_a_configured_proxy_the_header_is_not_believed(client, make_user, db):
    user = make_user("viewer")
    _login_from(client, "203.0.113.7", user.email)
    assert [e.ip_address for e in _events(db, "login")] == ["10.0.0.1"]


def test_the_address_limit_applies_per_client_behind_the_proxy(app, make_user, rate_limited, behind_one_proxy):
    users = [make_user("viewer") for _ in range(2)]
    attacker, colleague = app.test_client(), app.test_client()
    codes = [_login_from(attacker, "198.51.100.9", users[0].email, "wrong").status_code for _ in range(6)]
    assert codes[-1] == 429
    assert _login_from(colleague, "203.0.113.20", users[1].email).status_code == 302


def test_successful_logins_do_not_count_against_the_limit(client, make_user, rate_limited):
    user = make_user("viewer")
    for _ in range(7):
        assert log_in(client, user.email).status_code == 302
        client.post("/logout")


def test_failures_on_one_account_back_off_without_locking_its_owner_out(app, client, make_user, db):
    owner = make_user("coordinator")
    owners_laptop = app.test_client()
    assert log_in(owners_laptop, owner.email).status_code == 302  # a browser the owner has used
    owners_laptop.post("/logout")
    for i in range(5):
        _login_from(app.test_client(), f"198.51.100.{i}", owner.email, "guess")
    assert len(_events(db, "login.failed")) == 5 and not _events(db, "login.throttled")
    log_in(app.test_client(), owner.email, "guess-6")
    # the right password from a new browser waits too (an attacker learns nothing), but at most a minute
    assert log_in(app.test_client(), owner.email).status_code == 200
    assert len(_events(db, "login.failed")) == 5  # not even checked
    (event, _second) = _events(db, "login.throttled")
    assert 0 < event.changes["wait_seconds"] <= app.config["LOGIN_BACKOFF_MAX_SECONDS"] <= 60
    # the owner's own browser is not held up at all
    assert log_in(owners_laptop, owner.email).status_code == 302


def test_an_unknown_address_backs_off_the_same_way(app, client, db):
    for _ in range(6):
        log_in(app.test_client(), "niemand@tests.example", "guess")
    assert len(_events(db, "login.failed")) == 5 and len(_events(db, "login.throttled")) == 1


def test_guessing_the_current_password_is_audited_and_backed_off(client, login_as, db):
    user = login_as("coordinator")
    wrong = {"current_password": "guess", "new_password": "Vijf-bruine-ezels-dansen-77",
             "confirm_password": "Vijf-bruine-ezels-dansen-77"}
    for _ in range(5):
        client.post("/account/password", data=wrong)
    assert len(_events(db, "user.password_check_failed")) == 5
    right = dict(wrong, current_password=TEST_PASSWORD)
    client.post("/account/password", data=right)
    assert len(_events(db, "user.password_check_throttled")) == 1
    db.session.refresh(user)
    from praktijktest.accounts.passwords import verify_password

    assert verify_password(user.password_hash, TEST_PASSWORD)  # unchanged while backed off
