"""Evidence files of responses: checked by content, stored by hash, served to coordinators only.

A file's kind comes from its first bytes (the formats' published signatures),
never from its name: a script renamed to .pdf is refused. E-mails (.eml) have
no signature; they are accepted when they parse as an RFC 5322 message with
at least a From, Date or Subject header, and those three are kept for display.
"""
from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest import evidence_store
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import EvidenceFile, EvidenceKind, Response
from praktijktest.timeutil import utcnow

DEFAULT_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
MEDIA_TYPES = {
    EvidenceKind.PDF: ("pdf", "application/pdf"),
    EvidenceKind.PNG: ("png", "image/png"),
    EvidenceKind.JPEG: ("jpg", "image/jpeg"),
    EvidenceKind.MSG: ("msg", "application/vnd.ms-outlook"),
    EvidenceKind.EML: ("eml", "message/rfc822"),
}
AUDIO_SIGNATURES = (  # (offset, bytes, suffix, media type)
    (0, b"ID3", "mp3", "audio/mpeg"), (0, b"\xff\xfb", "mp3", "audio/mpeg"), (0, b"\xff\xf3", "mp3", "audio/mpeg"),
    (0, b"OggS", "ogg", "audio/ogg"), (0, b"fLaC", "flac", "audio/flac"), (0, b"#!AMR", "amr", "audio/amr"),
    (4, b"ftypM4A", "m4a", "audio/mp4"), (8, b"WAVE", "wav", "audio/wav"),
)
SIGNATURES = ((b"%PDF-", EvidenceKind.PDF), (b"\x89PNG\r\n\x1a\n", EvidenceKind.PNG),
              (b"\xff\xd8\xff", EvidenceKind.JPEG), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", EvidenceKind.MSG))
HEADER_LIMIT = 300  # characters kept of each displayed e-mail header


class EvidenceError(ValueError):
    """An evidence file is refused or cannot be served, with the reason."""


@dataclass(frozen=True)
class Detected:
    kind: str
    suffix: str
    media_type: str
    headers: dict


@dataclass(frozen=True)
class EvidenceDownload:
    data: bytes
    filename: str
    mimetype: str


def max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES))


def detect(data: bytes) -> Detected:
    """The kind of an evidence file from its content; EvidenceError when it is none we keep."""
    if not data:
        raise EvidenceError(_("The file is empty."))
    if len(data) > max_bytes():
        raise EvidenceError(_("The file is larger than %(size)d MB.", size=max_bytes() // (1024 * 1024)))
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            suffix, media_type = MEDIA_TYPES[kind]
            return Detected(kind, suffix, media_type, {})
    for offset, signature, suffix, media_type in AUDIO_SIGNATURES:
        if data[offset:offset + len(signature)] == signature and (offset != 8 or data.startswith(b"RIFF")):
            return Detected(EvidenceKind.AUDIO, suffix, media_type, {})
    headers = email_headers(data)
    if headers is not None:
        return Detected(EvidenceKind.EML, "eml", "message/rfc822", headers)
    raise EvidenceError(_("This file is not an e-mail (.eml or .msg), PDF, PNG, JPEG or audio file, judging by "
                          "its content."))


def email_headers(data: bytes) -> dict | None:
    """Sender, date and subject of an RFC 5322 message; None when the bytes are not one."""
    if b"\x00" in data[:65536]:
        return None
    first_line = data.lstrip()[:1000].split(b"\n", 1)[0]
    name, colon, _rest = first_line.partition(b":")
    if not colon or not name or any(c <= 32 or c > 126 for c in name):
        return None
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        found = {key: _header(message, key) for key in ("From", "Date", "Subject")}
    except Exception:  # noqa: BLE001  (a malformed header of any kind means: not a message we can read)
        return None
    found = {key.lower(): value for key, value in found.items() if value}
    return found or None


def _header(message, key: str) -> str:
    value = message.get(key)
    return str(value)[:HEADER_LIMIT] if value is not None else ""


def add_evidence(response: Response, filename: str, data: bytes, *, uploaded_by=None,
                 is_synthetic: bool = False) -> EvidenceFile:
    """Check and store one file for `response`, audited with its hash."""
    detected = detect(data)
    stored = evidence_store.save_content_addressed(data, detected.suffix, folder="evidence")
    evidence = EvidenceFile(
        response=response, sha256=stored.sha256, path=stored.path, size=stored.size, kind=detected.kind,
        media_type=detected.media_type, original_name=(filename or "")[-255:], headers=detected.headers,
        is_synthetic=is_synthetic, uploaded_at=utcnow(), uploaded_by_id=getattr(uploaded_by, "id", None),
    )
    db.session.add(evidence)
    db.session.flush()
    record("evidence.upload", evidence, summary=f"response {response.id}: {detected.kind}, {stored.size} bytes",
           changes={"sha256": stored.sha256}, organisation_id=response.application.test.round.organisation_id)
    return evidence


def evidence_download(evidence: EvidenceFile) -> EvidenceDownload:
    """The file's bytes for a coordinator, after checking its hash; audited."""
    test = evidence.response.application.test
    data = _checked_bytes(evidence.path, evidence.sha256)
    record("evidence.download", evidence, summary=f"{test.external_id}, response {evidence.response_id}",
           changes={"sha256": evidence.sha256}, organisation_id=test.round.organisation_id)
    suffix = evidence.path.rsplit(".", 1)[-1]
    return EvidenceDownload(data, f"{test.external_id}-evidence-{evidence.id}.{suffix}",
                            "application/octet-stream" if evidence.kind == EvidenceKind.EML else evidence.media_type)


def recording_download(call) -> EvidenceDownload:
    """A mystery call's recording for a coordinator: the same hash check and audit as any evidence file."""
    if not call.recording_path:
        raise EvidenceError(_("This call has no recording."))
    test = call.application.test
    data = _checked_bytes(call.recording_path, call.recording_sha256)
    record("evidence.download", call, summary=f"{test.external_id}, call recording of application "
           f"{call.application_id}", changes={"sha256": call.recording_sha256},
           organisation_id=test.round.organisation_id)
    suffix = call.recording_path.rsplit(".", 1)[-1]
    media_type = next((media for _offset, _signature, known, media in AUDIO_SIGNATURES if known == suffix),
                      "application/octet-stream")
    return EvidenceDownload(data, f"{test.external_id}-call-{call.id}.{suffix}", media_type)


def _checked_bytes(path: str, sha256: str) -> bytes:
    """A stored file's bytes, refused when missing or when they no longer match the kept hash."""
    try:
        data = evidence_store.read_bytes(path)
    except evidence_store.EvidenceStoreError:
        raise EvidenceError(_("The evidence file is missing from the evidence store.")) from None
    if evidence_store.sha256_of(data) != sha256:
        raise EvidenceError(_("The stored file no longer matches its SHA-256 hash; it was changed."))
    return data


@dataclass(frozen=True)
class VerifyReport:
    verified: int
    mismatched: list[str]
    missing: list[str]
    unreadable: list[str] = ()  # encrypted with a key that is not in the key file

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.missing and not self.unreadable


def verify_all() -> VerifyReport:
    """Decrypt and re-hash every stored file whose hash the database keeps: evidence, call recordings, ad snapshots,
    fetched mail.

    A changed encrypted file fails its authentication and counts as mismatched,
    like an unencrypted one whose hash differs.
    """
    from praktijktest.fieldwork.models import MysteryCall
    from praktijktest.mailboxes.models import MailMessage
    from praktijktest.targets.models import Listing

    sources = (
        select(EvidenceFile.path, EvidenceFile.sha256),
        select(MysteryCall.recording_path, MysteryCall.recording_sha256).where(MysteryCall.recording_path.is_not(None)),
        select(Listing.snapshot_path, Listing.snapshot_sha256).where(Listing.snapshot_path.is_not(None)),
        select(MailMessage.path, MailMessage.sha256),  # fetched messages, confirmed or not yet
    )
    verified, mismatched, missing, unreadable = 0, [], [], []
    checked = set()
    for query in sources:
        for path, sha256 in db.session.execute(query):
            if (path, sha256) in checked:
                continue  # content-addressed files are shared by identical uploads
            checked.add((path, sha256))
            try:
                good = evidence_store.verify(path, sha256)
            except evidence_store.EvidenceKeyError:
                unreadable.append(path)
                continue
            except (evidence_store.EvidenceStoreError, OSError):
                missing.append(path)
                continue
            verified += good
            if not good:
                mismatched.append(path)
    return VerifyReport(verified, mismatched, missing, unreadable)
