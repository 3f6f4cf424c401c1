"""The password policy: a strength estimate and leaked-password lists, offline (issue 12, item 9)."""
from __future__ import annotations

import pytest

from praktijktest.accounts.passwords import password_problem


@pytest.fixture(autouse=True)
def _english(app):
    with app.app_context():  # no request: messages in English
        yield


@pytest.mark.parametrize("weak", ["qwertyqwerty", "Welkom2026!!", "Azerty123456", "Bonjour2026!!",
                                  "Motdepasse123", "wachtwoord123", "Wachtwoord2026", "123456789012",
                                  "aaaaaaaaaaaaaaaa", "Anderlecht1908!"])
def test_passwords_the_pentest_and_attackers_try_are_refused(weak):
    assert password_problem(weak) is not None


@pytest.mark.parametrize("strong", ["Vijf-bruine-ezels-dansen-77", "Lange-zin-met-cijfers-2026",
                                    "Correct-horse-battery-9", "le chat dort sur la table verte"])
def test_long_unusual_passphrases_pass(strong):
    assert password_problem(strong) is None


def test_a_leaked_password_is_named_as_such():
    assert "leaked" in password_problem("1q2w3e4r5t6y")


def test_personal_data_is_refused():
    assert "name" in password_problem("Vijf-Peeters-ezels-77", "jan@gemeente.be", "Jan Peeters")


def test_the_check_needs_no_network(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the policy tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert password_problem("Welkom2026!!") is not None
