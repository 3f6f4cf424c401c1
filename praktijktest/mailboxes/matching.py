"""Which application a fetched message answers: a proposal, never a response by itself.

The candidates are the sent applications of the profile whose mailbox
received the message, not yet answered and not cancelled. Then, strongest
evidence first:

1. the message replies to an application's own message: its In-Reply-To or
   References holds the Message-ID the application was sent with
   (`application.attributes["sent_message_id"]`, from the import file or
   recorded when sending);
2. the sender or Reply-To address, or its domain, is known for the target:
   written in the target's contact details, or learned from an earlier
   confirmed match (TargetMailSender);
3. the message came within the test's response window after the send.

Reply (1) decides alone. Otherwise the window (3) bounds the candidates and a
known sender (2) narrows them when it names any. One candidate left: a
proposal the tester confirms; several: they pick one; none: the message goes
to the coordinator's unmatched list. Free-mail domains (gmail.com, ...) say
nothing about who wrote, so only whole addresses count there.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.mailboxes.models import MailCandidate, MailMessage, MessageStatus, TargetMailSender
from praktijktest.rounds.models import Round
from praktijktest.timeutil import as_utc

FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.be", "outlook.com", "outlook.be", "live.com", "live.be",
    "msn.com", "yahoo.com", "yahoo.fr", "icloud.com", "me.com", "telenet.be", "skynet.be", "proximus.be",
    "scarlet.be", "gmx.com", "gmx.net", "protonmail.com", "proton.me", "orange.fr", "free.fr", "mail.com",
})
CLOCK_SKEW = timedelta(hours=1)  # a sender's clock a little behind the tester's
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


def known_senders(target) -> set[str]:
    """Addresses and "@domains" known for a target: its contact details and the learned ones."""
    known = set()
    for found in _ADDRESS.finditer(target.contact or ""):
        known.add(found.group(0).lower())
        if found.group(1).lower() not in FREE_MAIL:
            known.add("@" + found.group(1).lower())
    known.update(db.session.scalars(select(TargetMailSender.value).where(TargetMailSender.target_id == target.id)))
    return known


def sender_matches(message: MailMessage, known: set[str]) -> bool:
    for address in {message.from_address, message.reply_to} - {""}:
        domain = domain_of(address)
        if address in known or ("@" + domain in known) or any(
                value.startswith("@") and domain.endswith("." + value[1:]) for value in known):
            return True
    return False


def open_applications(message: MailMessage) -> list[Application]:
    """Sent, unanswered (or closed without a response by the window), not cancelled, of this profile."""
    query = (select(Application).join(Test, Application.test_id == Test.id)
             .outerjoin(Response, Response.application_id == Application.id)
             .where(Application.profile_id == message.profile_id, Application.sent_at.is_not(None),
                    Test.status != TestStatus.CANCELLED,
                    (Response.id.is_(None)) | ((Response.outcome == "no_response") & Response.recorded_by_id.is_(None)))
             .order_by(Application.id))
    return list(db.session.scalars(query))


def propose(message: MailMessage) -> None:
    """Set the message's candidates, reasons and status (proposed, ambiguous or unmatched)."""
    applications = open_applications(message)
    chosen, reasons = _reply_match(message, applications)
    if not chosen:
        chosen, reasons = _window_and_sender(message, applications)
    message.candidates = [MailCandidate(application_id=app.id) for app in chosen]
    message.match_reasons = reasons
    message.status = (MessageStatus.PROPOSED if len(chosen) == 1 else
                      MessageStatus.AMBIGUOUS if chosen else MessageStatus.UNMATCHED)


def _reply_match(message, applications):
    replied = set(message.reply_to_ids or [])
    if not replied:
        return [], []
    hits = [app for app in applications if (app.attributes or {}).get("sent_message_id", "").lower() in replied]
    return (hits, ["reply"]) if hits else ([], [])


def _window_and_sender(message, applications):
    moment = as_utc(message.sent_at or message.fetched_at)
    days = db.session.get(Round, message.round_id).response_window_days or 0
    in_window = [app for app in applications
                 if as_utc(app.sent_at) - CLOCK_SKEW <= moment <= as_utc(app.sent_at) + timedelta(days=days)]
    if not in_window:
        return [], []
    by_sender = [app for app in in_window if sender_matches(message, known_senders(app.test.target))]
    if by_sender:
        return by_sender, ["window", "sender"]
    return in_window, ["window"]


def learn_sender(message: MailMessage, target) -> list[str]:
    """After a confirmed match: remember the sender's address (and its domain unless free mail)."""
    values = set()
    for address in {message.from_address, message.reply_to} - {""}:
        values.add(address)
        if domain_of(address) and domain_of(address) not in FREE_MAIL:
            values.add("@" + domain_of(address))
    known = set(db.session.scalars(select(TargetMailSender.value).where(TargetMailSender.target_id == target.id)))
    added = sorted(values - known)
    for value in added:
        db.session.add(TargetMailSender(target_id=target.id, value=value[:320], learned_from_id=message.id))
    return added
