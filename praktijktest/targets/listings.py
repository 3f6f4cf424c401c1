"""Listings (vacancies, rental ads) of a target, with the snapshot of the ad as seen.

The snapshot goes to the evidence store with its SHA-256. It is served back
only as a download (attachment) with a content type that a browser will
not render as a page: an HTML snapshot of somebody else's site must never
run in ours.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from flask import current_app
from flask_babel import gettext as _

from praktijktest import evidence_store
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.targets.models import Listing, Target

DEFAULT_SNAPSHOT_MAX_BYTES = 20 * 1024 * 1024
# Extension -> content type used for the download. HTML and MHTML are sent as
# bytes, never as text/html.
SNAPSHOT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "html": "application/octet-stream",
    "htm": "application/octet-stream",
    "mhtml": "application/octet-stream",
    "mht": "application/octet-stream",
}
# The first bytes of the binary formats (their specifications' signatures).
MAGIC = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",)}


class ListingError(ValueError):
    """A listing or its snapshot cannot be stored or served, with the reason."""


@dataclass(frozen=True)
class SnapshotDownload:
    data: bytes
    filename: str
    mimetype: str


def snapshot_max_bytes() -> int:
    return int(current_app.config.get("SNAPSHOT_MAX_BYTES", DEFAULT_SNAPSHOT_MAX_BYTES))


def snapshot_problem(filename: str, data: bytes) -> str | None:
    """Why this file cannot be a snapshot; None when it can."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix not in SNAPSHOT_TYPES:
        return _("A snapshot is a PDF, PNG, JPEG, HTML or MHTML file.")
    if not data:
        return _("The snapshot file is empty.")
    if len(data) > snapshot_max_bytes():
        return _("The snapshot is larger than %(size)d MB.", size=snapshot_max_bytes() // (1024 * 1024))
    if suffix in MAGIC and not data.startswith(MAGIC[suffix]):
        return _("The file's content is not a %(kind)s file.", kind=suffix.upper())
    return None


def add_listing(
    target: Target,
    title: str,
    *,
    url: str | None = None,
    seen_on: date | None = None,
    occupation: str | None = None,
    monthly_rent: Decimal | float | None = None,
    snapshot: tuple[str, bytes] | None = None,
) -> Listing:
    """Add a listing to `target`; `snapshot` is (original file name, content). Audited by code."""
    title = (title or "").strip()
    if not title:
        raise ListingError(_("A listing needs a title."))
    if snapshot is not None and (problem := snapshot_problem(*snapshot)):
        raise ListingError(problem)
    listing = Listing(
        target=target, title=title, url=(url or "").strip() or None, seen_on=seen_on,
        occupation=(occupation or "").strip() or None, monthly_rent=monthly_rent,
    )
    if snapshot is not None:
        suffix = PurePath(snapshot[0]).suffix.lower().lstrip(".")
        stored = evidence_store.save_bytes(snapshot[1], suffix, folder="snapshots")
        listing.snapshot_path, listing.snapshot_sha256 = stored.path, stored.sha256
    db.session.add(listing)
    db.session.flush()
    record(
        "listing.create",
        listing,
        summary=f"{target.code} listing {listing.id}",
        changes={"snapshot_sha256": listing.snapshot_sha256} if listing.snapshot_sha256 else None,
        organisation_id=target.organisation_id,
    )
    return listing


def snapshot_download(listing: Listing) -> SnapshotDownload:
    """The snapshot's bytes with a safe file name and type; audited as an evidence download.

    Refuses a file whose hash no longer matches the one stored with it.
    """
    if not listing.snapshot_path:
        raise ListingError(_("This listing has no snapshot."))
    try:
        data = evidence_store.read_bytes(listing.snapshot_path)
    except evidence_store.EvidenceStoreError:
        raise ListingError(_("The snapshot file is missing from the evidence store.")) from None
    if evidence_store.sha256_of(data) != listing.snapshot_sha256:
        raise ListingError(_("The stored snapshot no longer matches its SHA-256 hash; it was changed."))
    suffix = PurePath(listing.snapshot_path).suffix.lower().lstrip(".")
    record(
        "evidence.download",
        listing,
        summary=f"{listing.target.code} listing {listing.id} snapshot",
        changes={"sha256": listing.snapshot_sha256},
        organisation_id=listing.target.organisation_id,
    )
    filename = f"{listing.target.code}-listing-{listing.id}.{suffix}"
    return SnapshotDownload(data, filename, SNAPSHOT_TYPES.get(suffix, "application/octet-stream"))
