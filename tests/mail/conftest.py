"""A real Dovecot on the loopback address for the mailbox tests (tests/imap_server.py)."""
from __future__ import annotations

import itertools
import shutil

import pytest

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
    user, password = f"profile{next(_users)}@example.test", "pw-" + str(next(_users))
    dovecot.add_user(user, password)
    return user, password
