"""Reading a fetched message: its headers, a plain-text view and its attachments, never live HTML.

A message from the outside is hostile until shown otherwise: it may be huge,
its MIME broken, its HTML full of scripts and remote images, its attachments
lying about their type. So nothing of it is ever rendered as HTML: the page
shows the headers and a plain-text view (text/plain parts, or the text of
the HTML with tags, scripts and styles dropped), escaped by the template like
any other text. Attachments are listed with the type they declare and the
kind their first bytes show (fieldwork.evidence signatures); none is served
from this view. Every step is bounded (parts walked, characters kept).
"""
from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser

HEADER_LIMIT = 300
TEXT_LIMIT = 100_000  # characters of the plain-text view
MAX_PARTS = 200  # MIME parts walked; a message with more is shown in part
SIGNATURES = ((b"%PDF-", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"),
              (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE (Office, .msg)"), (b"PK\x03\x04", "ZIP (or Office)"),
              (b"MZ", "Windows program"), (b"\x7fELF", "Linux program"), (b"GIF8", "GIF"))
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,900}>")


@dataclass
class Attachment:
    filename: str
    declared_type: str
    size: int
    content_kind: str  # what the first bytes show ("" when nothing known)

    @property
    def lies(self) -> bool:
        """The declared type and the content disagree (a program sent as a PDF)."""
        declared = self.declared_type.lower()
        kind = self.content_kind.lower()
        if not kind:
            return False
        return not any(word in declared for word in kind.replace("(", " ").replace(")", " ").replace(",", " ")
                       .split() if len(word) > 2)


@dataclass
class ReadMessage:
    message_id: str | None
    from_header: str  # as written ("Verhuurder <verhuur@firm.be>"), as fieldwork keeps it
    from_address: str
    reply_to: str
    to: str
    subject: str
    date_header: str
    sent_at: datetime | None  # UTC
    utc_offset_minutes: int | None
    reply_to_ids: list[str]
    text: str
    has_html: bool
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def display_headers(self) -> dict:
        """The three headers fieldwork keeps for an .eml evidence file."""
        found = {"from": self.from_header, "date": self.date_header, "subject": self.subject}
        return {key: value for key, value in found.items() if value}


def read_message(data: bytes) -> ReadMessage:
    """Everything the app shows or matches on, from the raw bytes; never raises on a broken message."""
    problems: list[str] = []
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception:  # noqa: BLE001  (any parse failure: fall back to the lenient parser)
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        problems.append("the message could not be parsed strictly")
    if getattr(message, "defects", None):
        problems.append("malformed MIME: " + ", ".join(sorted({type(d).__name__ for d in message.defects}))[:200])
    date_header = header(message, "Date")
    sent_at, offset = parse_date(date_header)
    text, has_html, attachments = _walk(message, problems)
    return ReadMessage(
        message_id=first_message_id(header(message, "Message-ID")), from_header=header(message, "From"),
        from_address=address(message, "From"), reply_to=address(message, "Reply-To"),
        to=header(message, "To"), subject=header(message, "Subject"), date_header=date_header,
        sent_at=sent_at, utc_offset_minutes=offset,
        reply_to_ids=(message_ids(header(message, "In-Reply-To", 5000)) +
                      message_ids(header(message, "References", 20000)))[:50],
        text=text, has_html=has_html, attachments=attachments, problems=problems)


def header(message: Message, name: str, limit: int = HEADER_LIMIT) -> str:
    try:
        value = message.get(name)
        return " ".join(str(value).split())[:limit] if value is not None else ""
    except Exception:  # noqa: BLE001  (a header that cannot be decoded is shown as missing)
        raw = message.get_all(name, failobj=[]) if hasattr(message, "get_all") else []
        return " ".join(str(raw[0]).split())[:limit] if raw else ""


def address(message: Message, name: str) -> str:
    """The one e-mail address of a From or Reply-To header, lower case; "" when there is none."""
    _name, found = email.utils.parseaddr(header(message, name, 2000))
    return found.strip().lower()[:320] if "@" in found else ""


def first_message_id(value: str) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None


def message_ids(value: str) -> list[str]:
    return [found.lower() for found in _MESSAGE_ID.findall(value or "")]


def parse_date(value: str) -> tuple[datetime | None, int | None]:
    """The Date header as a UTC moment and the sender's UTC offset in minutes (None when unreadable)."""
    try:
        moment = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None, None
    if moment is None:
        return None, None
    if moment.tzinfo is None:  # "-0000": the time zone is unknown (RFC 5322, 3.3); read as UTC
        return moment.replace(tzinfo=UTC), None
    return moment.astimezone(UTC), int(moment.utcoffset().total_seconds() // 60)


def _walk(message: Message, problems: list[str]) -> tuple[str, bool, list[Attachment]]:
    texts, html_texts, attachments = [], [], []
    for count, part in enumerate(message.walk()):
        if count >= MAX_PARTS:
            problems.append(f"more than {MAX_PARTS} parts: the rest is not shown")
            break
        if part.is_multipart():
            continue
        content_type = (part.get_content_type() or "text/plain").lower()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if disposition == "attachment" or filename or not content_type.startswith("text/"):
            payload = _payload(part)
            attachments.append(Attachment(filename or "", content_type[:100], len(payload), content_kind(payload)))
        elif content_type == "text/html":
            html_texts.append(html_to_text(_text(part)))
        else:
            texts.append(_text(part))
    has_html = bool(html_texts)
    body = "\n\n".join(t for t in texts if t.strip()) or "\n\n".join(html_texts)
    return body[:TEXT_LIMIT], has_html, attachments


def _filename(part: Message) -> str:
    try:
        return (part.get_filename() or "")[:255]
    except Exception:  # noqa: BLE001
        return ""


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return b""
    return payload if isinstance(payload, bytes) else b""


def _text(part: Message) -> str:
    payload = _payload(part)
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")


def content_kind(data: bytes) -> str:
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[:100].lstrip().lower().startswith((b"<!doctype html", b"<html", b"<script")):
        return "HTML"
    return ""


class _TextOnly(HTMLParser):
    """The text of an HTML part; the contents of script, style and head are dropped."""

    SKIP = {"script", "style", "head", "title", "noscript", "template"}
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOnly()
    try:
        parser.feed(html[: TEXT_LIMIT * 5])
        parser.close()
    except Exception:  # noqa: BLE001  (broken HTML: whatever text was read so far)
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)
