"""Evidence: kinds by content, e-mail headers, content addressing, immutability, `evidence verify`."""
from __future__ import annotations

from pathlib import Path

import pytest

from praktijktest import evidence_store
from praktijktest.extensions import db
from praktijktest.fieldwork.evidence import EvidenceError, add_evidence, detect
from praktijktest.fieldwork.services import save_response
from praktijktest.timeutil import utcnow
from tests.fieldwork.conftest import EML, PDF, PNG, round_tests

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 20
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20


@pytest.mark.parametrize(("data", "kind"), [(PDF, "pdf"), (PNG, "png"), (JPEG, "jpeg"), (OLE, "msg"), (EML, "eml"),
                                            (WAV, "audio"), (MP3, "audio")])
def test_kinds_are_read_from_the_content(app, data, kind):
    with app.app_context():
        assert detect(data).kind == kind


@pytest.mark.parametrize("data", [b"", b"<html><script>alert(1)</script></html>", b"MZ\x90\x00binary",
                                  b"just some text without headers\n", b"RIFF\x00\x00\x00\x00AVI LIST",
                                  b"From: a@b\x00\r\n\r\nNUL inside"])
def test_other_content_is_refused_whatever_its_name(app, data):
    with app.app_context(), pytest.raises(EvidenceError):
        detect(data)


def test_a_file_over_the_limit_is_refused(app):
    with app.app_context():
        app.config["EVIDENCE_MAX_BYTES"] = 100
        try:
            with pytest.raises(EvidenceError, match="larger"):
                detect(PDF + b"x" * 100)
        finally:
            del app.config["EVIDENCE_MAX_BYTES"]


def test_eml_headers_are_kept_for_display(app):
    with app.app_context():
        headers = detect(EML).headers
    assert headers == {"from": "Verhuurder <verhuur@example.invalid>", "date": "Tue, 01 Dec 2026 10:15:00 +0100",
                       "subject": "Uitnodiging voor een bezoek"}


def _response(fieldwork_round, make_user):
    tester = make_user("tester")
    app = round_tests(fieldwork_round(tester=tester))[0].applications[0]
    app.sent_at = utcnow()
    return save_response(app, expected_version=None, outcome="invitation", received_at=utcnow(), channel="email",
                         notes="", user=tester), tester


def test_files_are_stored_under_their_hash_and_never_changed(fieldwork_round, make_user):
    response, tester = _response(fieldwork_round, make_user)
    first = add_evidence(response, "a.pdf", PDF, uploaded_by=tester)
    again = add_evidence(response, "b.pdf", PDF, uploaded_by=tester)
    import hashlib

    digest = hashlib.sha256(PDF).hexdigest()
    assert first.sha256 == digest and first.path == f"evidence/{digest[:2]}/{digest}.pdf" == again.path
    assert evidence_store.read_bytes(first.path) == PDF
    first.original_name = "changed.pdf"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_evidence_verify_counts_verified_mismatched_and_missing(fieldwork_round, make_user, runner, app):
    response, tester = _response(fieldwork_round, make_user)
    good = add_evidence(response, "a.png", PNG, uploaded_by=tester)
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0 and "0 mismatched, 0 missing" in result.output
    verified = int(result.output.split()[0])
    tampered = add_evidence(response, "b.eml", EML, uploaded_by=tester)
    gone = add_evidence(response, "c.pdf", PDF + b"%unique", uploaded_by=tester)
    Path(evidence_store.resolve(tampered.path)).write_bytes(EML + b"changed")
    Path(evidence_store.resolve(gone.path)).unlink()
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"{verified} files verified, 1 mismatched, 1 missing" in result.output
    assert good.path not in result.output
    Path(evidence_store.root() / tampered.path).write_bytes(EML)  # leave the store as other tests expect it


def test_evidence_verify_passes_after_a_key_rotation_and_names_files_without_their_key(
        fieldwork_round, make_user, runner, app, tmp_path, monkeypatch):
    response, tester = _response(fieldwork_round, make_user)
    files = [add_evidence(response, "a.pdf", PDF + b"%rotated"), add_evidence(response, "b.eml", EML + b"\r\nRotated")]
    rotated = runner.invoke(args=["evidence", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    current = evidence_store.keyring().current
    for evidence in files:
        assert evidence_store.key_id_of(Path(evidence_store.resolve(evidence.path)).read_bytes()) == current
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0 and "0 mismatched, 0 missing" in result.output, result.output
    monkeypatch.setitem(app.config, "EVIDENCE_KEY_FILE", str(tmp_path / "another-key-file"))  # the key file lost
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"NO KEY   {files[0].path}" in result.output and "without their key" in result.output


def test_random_bytes_are_either_recognised_or_refused_cleanly(app):
    """A seeded fuzz: 500 random files, with and without real signatures in front, never crash the check."""
    import random

    rng = random.Random(9)
    prefixes = [b"", b"%PDF-", b"\xff\xd8\xff", b"From: x\r\n", b"RIFF\x00\x00\x00\x00WAVE", b"Subject:", b"\xd0\xcf"]
    with app.app_context():
        for _ in range(500):
            data = rng.choice(prefixes) + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
            try:
                assert detect(data).kind in {"eml", "msg", "pdf", "png", "jpeg", "audio"}
            except EvidenceError:
                pass


def test_hostile_uploads_never_crash_or_store(client, login_as, fieldwork_round, org, app, monkeypatch):
    import io

    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1000)
    from tests.conftest import visible_text

    tester = login_as("tester", org)
    app = round_tests(fieldwork_round(tester=tester))[0].applications[0]
    app.sent_at = utcnow()
    db.session.flush()
    for name, data in (("../../etc/passwd.eml", b"root:x:0:0\n"), ("leeg.pdf", b""), ("x.png", b"\x89PNG"),
                       ("<script>.eml", b"<script>alert(1)</script>"), ("groot.pdf", b"%PDF-" + b"0" * 2000)):
        response = client.post(f"/fieldwork/applications/{app.id}/response", content_type="multipart/form-data", data={
            f"response-{app.id}-version": "", f"response-{app.id}-outcome": "invitation",
            f"response-{app.id}-received_on": "2026-12-01", f"response-{app.id}-received_time": "10:00",
            f"response-{app.id}-channel": "email", f"response-{app.id}-evidence": [(io.BytesIO(data), name)]})
        assert response.status_code == 200, (name, response.status_code)
        assert "field-error" in response.get_data(as_text=True), visible_text(response.get_data(as_text=True))
        db.session.expire_all()
        assert app.response is None
