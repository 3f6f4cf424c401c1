"""The test server itself: a delivered message can be read back over TLS and STARTTLS."""
from __future__ import annotations

import imaplib
import ssl

import pytest


def test_a_delivered_message_is_read_back_over_starttls(dovecot, mailbox_user):
    user, password = mailbox_user
    dovecot.deliver(user, b"From: hr@employer.test\r\nSubject: Uitnodiging\r\nMessage-ID: <a1@employer.test>\r\n"
                          b"\r\nKomt u langs?\r\n")
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10) as imap:
        imap.starttls(ssl_context=dovecot.client_context())
        imap.login(user, password)
        imap.select("INBOX", readonly=True)
        _status, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"Uitnodiging" in data[0][1]


def test_a_client_without_the_test_ca_refuses_the_certificate(dovecot):
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(dovecot.host, dovecot.tls_port, ssl_context=ssl.create_default_context(), timeout=10)
