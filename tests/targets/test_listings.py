"""Listings with snapshots: stored with their hash, downloaded only as attachments, audited."""
from __future__ import annotations

import hashlib
import html
import io
from pathlib import Path

import pytest

from praktijktest import evidence_store
from praktijktest.extensions import db
from praktijktest.targets.listings import ListingError, add_listing
from praktijktest.targets.models import Listing
from tests.targets.conftest import audit_events

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><body><script>alert('x')</script>Vacature</body></html>"


def upload(client, target, data: bytes, filename: str, **fields):
    form = {"title": "Magazijnier", "url": "https://jobs.example/123", "seen_on": "2026-11-02",
            "occupation": "Magazijnier", "snapshot": (io.BytesIO(data), filename), **fields}
    return client.post(f"/targets/{target.id}/listings/new", data=form, content_type="multipart/form-data")


def test_upload_stores_the_snapshot_with_its_sha256(client, coordinator, make_target, app):
    target = make_target("Logistiek NV")
    assert upload(client, target, PDF, "vacature.pdf").status_code == 302
    listing = db.session.scalars(db.select(Listing)).one()
    assert listing.snapshot_sha256 == hashlib.sha256(PDF).hexdigest()
    stored = Path(app.config["EVIDENCE_DIR"]) / listing.snapshot_path
    assert evidence_store.read_bytes(listing.snapshot_path) == PDF and listing.snapshot_path.endswith(".pdf")
    assert stored.read_bytes() != PDF  # encrypted at rest
    assert "vacature" not in listing.snapshot_path  # never the uploader's file name
    event = audit_events("listing.create")[-1]
    assert event.changes == {"snapshot_sha256": listing.snapshot_sha256}


def test_download_is_an_attachment_and_audited(client, coordinator, make_target):
    target = make_target("Logistiek NV")
    upload(client, target, PDF, "vacature.pdf")
    listing = db.session.scalars(db.select(Listing)).one()
    response = client.post(f"/listings/{listing.id}/snapshot")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={target.code}-listing-{listing.id}.pdf"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    event = audit_events("evidence.download")[-1]
    assert event.user_id == coordinator.id and event.object_id == str(listing.id)
    assert "Logistiek" not in event.summary


def test_an_html_snapshot_is_never_served_as_html(client, coordinator, make_target):
    target = make_target("Web NV")
    upload(client, target, HTML, "advertentie.html", monthly_rent="850.00", occupation="")
    listing = db.session.scalars(db.select(Listing)).one()
    assert float(listing.monthly_rent) == 850.0
    response = client.post(f"/listings/{listing.id}/snapshot")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"MZ\x90\x00", "virus.exe", "A snapshot is a PDF, PNG, JPEG, HTML or MHTML file."),
    (b"<html>", "fake.pdf", "The file's content is not a PDF file."),
    (b"", "leeg.png", "The snapshot file is empty."),
])
def test_bad_snapshots_are_refused(client, coordinator, make_target, data, filename, message):
    target = make_target("X")
    response = upload(client, target, data, filename)
    assert response.status_code == 200 and message in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(db.select(db.func.count()).select_from(Listing)) == 0


def test_snapshot_size_limit(app, db, make_target):
    target = make_target("Groot")
    app.config["SNAPSHOT_MAX_BYTES"] = 100
    try:
        with pytest.raises(ListingError, match="larger than"):
            add_listing(target, "Te groot", snapshot=("groot.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100))
    finally:
        del app.config["SNAPSHOT_MAX_BYTES"]


@pytest.mark.parametrize(
    "path", ["../secret_key", "/etc/passwd", "snapshots/../../x", "..\\x", "", "snapshots/nope.pdf"]
)
def test_the_store_refuses_paths_outside_it(app, path):
    with app.app_context(), pytest.raises(evidence_store.EvidenceStoreError):
        evidence_store.resolve(path)


def test_a_tampered_path_or_file_is_not_served(client, coordinator, make_target, app):
    target = make_target("Y")
    upload(client, target, PDF, "v.pdf")
    listing = db.session.scalars(db.select(Listing)).one()
    (Path(app.config["EVIDENCE_DIR"]) / listing.snapshot_path).write_bytes(PDF + b"changed")
    response = client.post(f"/listings/{listing.id}/snapshot", follow_redirects=True)
    assert "no longer matches its SHA-256" in response.get_data(as_text=True)
    listing.snapshot_path = "../../../../etc/passwd"
    db.session.flush()
    response = client.post(f"/listings/{listing.id}/snapshot", follow_redirects=True)
    assert "missing from the evidence store" in response.get_data(as_text=True)
    assert audit_events("evidence.download") == []


def test_save_bytes_never_overwrites_and_checks_names(app):
    with app.app_context():
        first = evidence_store.save_bytes(b"a", "pdf", folder="snapshots")
        second = evidence_store.save_bytes(b"a", "pdf", folder="snapshots")
        assert first.path != second.path and first.sha256 == second.sha256
        assert evidence_store.verify(first.path, first.sha256)
        with pytest.raises(evidence_store.EvidenceStoreError):
            evidence_store.save_bytes(b"a", "pdf", folder="../up")
        with pytest.raises(evidence_store.EvidenceStoreError):
            evidence_store.save_bytes(b"a", "p/df")


def test_a_listing_without_snapshot(client, coordinator, make_target):
    target = make_target("Z")
    response = client.post(f"/targets/{target.id}/listings/new", data={"title": "Alleen titel"})
    assert response.status_code == 302
    listing = db.session.scalars(db.select(Listing)).one()
    assert listing.snapshot_path is None
    assert client.post(f"/listings/{listing.id}/snapshot").status_code == 302
