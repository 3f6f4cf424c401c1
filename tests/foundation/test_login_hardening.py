"""Login hardening: what a failed login records, timing of deactivated accounts (issue 12, items 8 and 13)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from tests.conftest import log_in


def _failed_summaries(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "login.failed")))


@pytest.mark.parametrize("typed", ["Mijn-Geheim-Wachtwoord-2026", "jan.peeters gemeente.be", "a@", "@b.example"])
def test_a_failed_login_never_stores_what_is_not_an_address(client, db, typed):
    log_in(client, typed, "whatever")
    assert _failed_summaries(db) == ["[not an e-mail address]"]


def test_a_failed_login_stores_a_valid_address_it_does_not_know(client, db):
    log_in(client, "Iemand@Tests.Example", "whatever")
    assert _failed_summaries(db) == ["iemand@tests.example"]


def test_a_deactivated_account_costs_a_password_check_like_any_other(client, make_user, monkeypatch):
    """Timing told deactivated accounts apart (6 ms against 128 ms): count the hash checks instead of timing."""
    from praktijktest.accounts import services

    calls = []
    real = services.verify_password
    monkeypatch.setattr(services, "verify_password", lambda *args: calls.append(args) or real(*args))
    inactive = make_user("coordinator", is_active=False)
    active = make_user("coordinator")
    log_in(client, inactive.email, "a wrong password")
    log_in(client, active.email, "a wrong password")
    log_in(client, "unknown@tests.example", "a wrong password")
    assert len(calls) == 3
    assert log_in(client, inactive.email).status_code == 200  # the right password, still refused
