"""A real Dovecot on the loopback address for the mailbox tests (tests/imap_server.py), and
a round in fieldwork whose profiles have mailboxes on it."""
from __future__ import annotations

import itertools
import shutil
from datetime import timedelta

import pytest

from praktijktest.extensions import db as _db
from praktijktest.fieldwork.models import Application
from praktijktest.mailboxes.models import ProfileMailbox
from praktijktest.rounds.models import Profile
from praktijktest.timeutil import utcnow
from tests.fieldwork.conftest import english, fieldwork_round, round_tests  # noqa: F401
from tests.imap_server import DOVECOT, Dovecot

_users = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot():
    if not shutil.which("dovecot") and not shutil.which(DOVECOT):
        pytest.fail("Dovecot is missing: scripts/system-deps.sh test installs dovecot-imapd")
    server = Dovecot()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox_user(dovecot):
    """A fresh mailbox on the server: (user name, password)."""
    number = next(_users)
    user, password = f"profile{number}@example.test", f"pw-{number}-secret"
    dovecot.add_user(user, password)
    return user, password


@pytest.fixture
def mail_config(app, dovecot, monkeypatch):
    """The app trusts the test CA and reads passwords from a dict, as an instance configuration would."""
    passwords: dict[str, str] = {}
    monkeypatch.setitem(app.config, "MAILBOX_CA_FILE", str(dovecot.ca_file))
    monkeypatch.setitem(app.config, "MAILBOX_PASSWORDS", passwords)
    monkeypatch.setitem(app.config, "MAILBOX_SECRETS_DIR", None)
    return passwords


@pytest.fixture
def give_mailbox(dovecot, mail_config):
    """Factory: a mailbox on the test server for `profile`; returns (ProfileMailbox, IMAP user)."""

    def give(profile: Profile, *, tls_mode="tls", password=None, user=None):
        number = next(_users)
        user = user or f"profile{number}@example.test"
        secret = f"pw-{number}"
        dovecot.add_user(user, secret)
        mail_config[f"mailbox-{profile.id}"] = password or secret
        mailbox = ProfileMailbox(profile_id=profile.id, host="127.0.0.1",
                                 port=dovecot.tls_port if tls_mode == "tls" else dovecot.port, tls_mode=tls_mode,
                                 username=user, secret_name=f"mailbox-{profile.id}")
        _db.session.add(mailbox)
        _db.session.flush()
        return mailbox, user

    return give


def sent_applications(round_, profile_name: str, *, days_ago: int = 2) -> list[Application]:
    """Every application of `profile_name` in the round, marked sent `days_ago` days ago."""
    apps = [app for test in round_tests(round_) for app in test.applications if app.profile.name == profile_name]
    for app in apps:
        app.sent_at, app.sent_channel = utcnow() - timedelta(days=days_ago), "email"
    _db.session.flush()
    return apps


def message(*, sender="hr@verhuurder.example", to="lotte@demo.example", subject="Uitnodiging",
            message_id="<m1@verhuurder.example>", date="Tue, 01 Dec 2026 10:15:00 +0100", extra="",
            body="Komt u donderdag kijken?") -> bytes:
    """A plain message as a mail server delivers it (CRLF line ends)."""
    date = date or (utcnow() - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S +0100")
    lines = [f"From: Verhuurder <{sender}>", f"To: {to}", f"Subject: {subject}", f"Date: {date}"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()
