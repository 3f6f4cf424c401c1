"""Readable, translated names for the fieldwork vocabulary."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CHANNEL_LABELS = {
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "sms": _l("Text message (SMS)"),
    "voicemail": _l("Voicemail"),
    "web_form": _l("Web form"),
    "letter": _l("Letter"),
}
STATE_LABELS = {
    "planned": _l("Not sent yet"),
    "awaiting": _l("Sent, awaiting a response"),
    "answered": _l("Answered"),
    "no_response": _l("No response within the window"),
    "cancelled": _l("Test cancelled"),
    "verified": _l("Verified"),
    "unverified": _l("Answered, not verified"),
    "open_declines": _l("Decline still to send"),
    "disagreement": _l("Entries disagree"),
}
OPEN_ITEM_LABELS = {
    "unsent": _l("Applications not sent"),
    "open_windows": _l("Response windows still open"),
    "unverified": _l("Responses not verified"),
    "open_declines": _l("Declines not sent"),
}
# "Application" is a different word per market in Dutch and French (WORDING.md).
APPLICATION_NOUNS = {"labour": _l("job application"), "housing": _l("rental inquiry")}
APPLICATION_PLURALS = {"labour": _l("job applications"), "housing": _l("rental inquiries")}
TEST_STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}


CALL_ANSWER_LABELS = {
    "agreed": _l("Agreed to exclude the group"),
    "refused": _l("Refused"),
    "evasive": _l("Evasive"),
}


def label_functions() -> dict:
    """Template globals for fieldwork pages (the value itself when unknown)."""
    tables = {"channel_label": CHANNEL_LABELS, "state_label": STATE_LABELS, "open_item_label": OPEN_ITEM_LABELS,
              "test_status_label": TEST_STATUS_LABELS, "application_noun_for": APPLICATION_NOUNS,
              "call_answer_label": CALL_ANSWER_LABELS}
    return {name: (lambda value, table=table: table.get(value, value or "–")) for name, table in tables.items()}
