"""Evidence encrypted at rest: nothing readable on disk, tampering detected, keys rotated safely.

The file format is checked against AES-GCM from `cryptography` called here
directly with the key read from the key file, not through the store's own
decrypt, so that the documented layout (evidence_store.py, docs) is what is
really written.
"""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from praktijktest import evidence_store
from praktijktest.audit.models import AuditEvent
from praktijktest.config import ConfigError
from tests.conftest import make_test_app

PLAINTEXT = (b"From: verhuurder@example.invalid\r\nSubject: Uw kandidatuur\r\n\r\n"
             b"Beste mevrouw El Amrani, de woning aan de Kerkstraat 12 is helaas al verhuurd.\r\n") * 3


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    """The session app with an evidence store and key file of this test's own."""
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setitem(app.config, "EVIDENCE_KEY_FILE", str(tmp_path / "keys" / "evidence-keys"))
    with app.app_context():
        yield tmp_path / "evidence"


def _keys(path: Path) -> dict[str, bytes]:
    """The key file read by hand: '<id> <base64>' lines, comments skipped."""
    keys = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key_id, key = line.split()
            keys[key_id] = base64.urlsafe_b64decode(key)
    return keys


def _decrypt_by_hand(blob: bytes, keys: dict[str, bytes]) -> tuple[str, bytes]:
    """The documented layout: MAGIC | id length | id | 12-byte nonce | ciphertext and tag; AAD = the header."""
    assert blob.startswith(b"PTEVENC1")
    length = blob[8]
    key_id = blob[9:9 + length].decode()
    header, nonce = blob[:9 + length], blob[9 + length:21 + length]
    return key_id, AESGCM(keys[key_id]).decrypt(nonce, blob[21 + length:], header)


def _windows(data: bytes, width: int = 12):
    return {data[i:i + width] for i in range(0, len(data) - width + 1)}


def test_a_file_on_disk_contains_none_of_its_plaintext(store):
    saved = evidence_store.save_bytes(PLAINTEXT, "eml", folder="snapshots")
    addressed = evidence_store.save_content_addressed(PLAINTEXT + b"!", "eml")
    key_file = Path(evidence_store.key_file())
    for stored, plain in ((saved, PLAINTEXT), (addressed, PLAINTEXT + b"!")):
        blob = (store / stored.path).read_bytes()
        assert not any(window in blob for window in _windows(plain))  # not a 12-byte piece of it
        key = _keys(key_file)[evidence_store.keyring().current]
        assert not any(window in blob for window in _windows(key, 8))  # nor of the key
        assert stored.sha256 == hashlib.sha256(plain).hexdigest() and stored.size == len(plain)  # hash of plaintext
        key_id, decrypted = _decrypt_by_hand(blob, _keys(key_file))
        assert decrypted == plain and key_id == evidence_store.keyring().current
        assert evidence_store.read_bytes(stored.path) == plain
        assert evidence_store.verify(stored.path, stored.sha256)
    # The same content encrypted twice differs (a fresh nonce each time).
    again = evidence_store.save_bytes(PLAINTEXT, "eml", folder="snapshots")
    assert (store / again.path).read_bytes() != (store / saved.path).read_bytes()


def test_the_development_key_file_is_created_once_readable_by_the_owner_only(store):
    evidence_store.save_bytes(b"x", "txt")
    key_file = Path(evidence_store.key_file())
    assert key_file.stat().st_mode & 0o077 == 0
    first = key_file.read_text()
    evidence_store.save_bytes(b"y", "txt")
    assert key_file.read_text() == first and len(_keys(key_file)) == 1


@pytest.mark.parametrize(("where", "what"), [
    (lambda blob: 0, "the magic"),  # then read as an unencrypted file, whose hash differs
    (lambda blob: 9 + blob[8] + 2, "the nonce"),
    (lambda blob: len(blob) // 2 + 10, "the ciphertext"),
    (lambda blob: len(blob) - 1, "the tag"),
])
def test_a_tampered_ciphertext_fails_verification(store, where, what):
    saved = evidence_store.save_bytes(PLAINTEXT, "eml")
    path = store / saved.path
    blob = bytearray(path.read_bytes())
    blob[where(blob)] ^= 0x01
    path.write_bytes(bytes(blob))
    assert evidence_store.verify(saved.path, saved.sha256) is False, what
    if what != "the magic":  # a file without the magic is one from before encryption: its hash tells
        with pytest.raises(evidence_store.EvidenceTampered):
            evidence_store.read_bytes(saved.path)


def test_a_changed_key_id_is_refused_whether_or_not_that_key_exists(store):
    saved = evidence_store.save_bytes(PLAINTEXT, "eml")
    path = store / saved.path
    blob = path.read_bytes()
    old_id = evidence_store.key_id_of(blob)
    unknown = blob.replace(old_id.encode(), old_id[:-1].encode() + (b"x" if old_id[-1] != "x" else b"y"), 1)
    path.write_bytes(unknown)
    with pytest.raises(evidence_store.EvidenceKeyError, match="not in the key file"):
        evidence_store.read_bytes(saved.path)
    # Relabelled with another key's id (of the same length): the header is authenticated, so this fails too.
    other_id = evidence_store.add_key(evidence_store.key_file())
    assert len(other_id) == len(old_id)
    path.write_bytes(blob.replace(old_id.encode(), other_id.encode(), 1))
    assert evidence_store.verify(saved.path, saved.sha256) is False


def test_a_cut_short_or_damaged_header_is_refused_not_misread(store):
    saved = evidence_store.save_bytes(PLAINTEXT, "eml")
    path = store / saved.path
    blob = path.read_bytes()
    for damaged in (blob[:40], blob[:9], b"PTEVENC1\x00rest", b"PTEVENC1\x05a b c" + blob[14:]):
        path.write_bytes(damaged)
        with pytest.raises(evidence_store.EvidenceTampered):
            evidence_store.read_bytes(saved.path)
        assert evidence_store.verify(saved.path, saved.sha256) is False


def test_a_file_stored_before_encryption_still_reads(store):
    saved = evidence_store.save_bytes(b"placeholder", "eml")
    (store / saved.path).write_bytes(PLAINTEXT)  # as an installation from before encryption left it
    assert evidence_store.read_bytes(saved.path) == PLAINTEXT
    assert evidence_store.verify(saved.path, hashlib.sha256(PLAINTEXT).hexdigest())


def test_several_keys_coexist_by_the_key_id_in_each_file(store):
    old = evidence_store.save_bytes(PLAINTEXT, "eml")
    old_id = evidence_store.keyring().current
    new_id = evidence_store.add_key(evidence_store.key_file())
    new = evidence_store.save_bytes(PLAINTEXT, "eml")
    assert evidence_store.key_id_of((store / old.path).read_bytes()) == old_id
    assert evidence_store.key_id_of((store / new.path).read_bytes()) == new_id != old_id
    assert evidence_store.read_bytes(old.path) == evidence_store.read_bytes(new.path) == PLAINTEXT
    # Without the old key its files cannot be read, and say which key they need.
    key_file = evidence_store.key_file()
    key_file.write_text("\n".join(line for line in key_file.read_text().splitlines() if old_id not in line))
    with pytest.raises(evidence_store.EvidenceKeyError, match=old_id):
        evidence_store.read_bytes(old.path)
    with pytest.raises(evidence_store.EvidenceKeyError):
        evidence_store.verify(old.path, old.sha256)  # not "changed": the file is fine, the key is missing


def _fill(store) -> dict[str, bytes]:
    """Files of every kind the store holds, one of them unencrypted as before encryption."""
    files = {}
    for number in range(4):
        data = PLAINTEXT + str(number).encode()
        files[evidence_store.save_bytes(data, "eml", folder="snapshots").path] = data
    data = PLAINTEXT + b"addressed"
    files[evidence_store.save_content_addressed(data, "eml").path] = data
    legacy = evidence_store.save_bytes(b"placeholder", "pdf", folder="preregistrations")
    (store / legacy.path).write_bytes(b"%PDF-1.4 an old protocol")
    files[legacy.path] = b"%PDF-1.4 an old protocol"
    return files


def _all_read(files: dict[str, bytes]) -> bool:
    return all(evidence_store.read_bytes(path) == data and
               evidence_store.verify(path, hashlib.sha256(data).hexdigest()) for path, data in files.items())


def test_rotation_moves_every_file_to_a_new_key_then_verify_passes(store, runner, db):
    files = _fill(store)
    old_id = evidence_store.keyring().current
    result = runner.invoke(args=["evidence", "rotate-key"])
    assert result.exit_code == 0, result.output
    new_id = evidence_store.keyring().current
    assert new_id != old_id
    assert f"6 files re-encrypted under key {new_id}, 0 already under it, 0 failed" in result.output
    assert evidence_store.key_use() == {new_id: 6}
    keys = _keys(evidence_store.key_file())
    for path, data in files.items():
        assert _decrypt_by_hand((store / path).read_bytes(), keys) == (new_id, data)
    # The old key can now go, and everything still reads and verifies.
    del keys[old_id]
    lines = (f"{key_id} {base64.urlsafe_b64encode(key).decode()}\n" for key_id, key in keys.items())
    evidence_store.key_file().write_text("".join(lines))
    assert _all_read(files)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("evidence.rotate_key%"))
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["evidence.rotate_key_start", "evidence.rotate_key"]
    assert events[1].changes["rotated"] == {old_id: 5, "unencrypted": 1} and events[1].changes["key_id"] == new_id
    again = runner.invoke(args=["evidence", "rotate-key", "--resume"])
    assert again.exit_code == 0 and "0 files re-encrypted" in again.output and "6 already under it" in again.output


def test_keys_lists_the_files_each_key_still_encrypts(store, runner, db):
    _fill(store)
    old_id = evidence_store.keyring().current
    result = runner.invoke(args=["evidence", "keys"])
    assert result.exit_code == 0
    assert f"{old_id}\t5 files\tcurrent" in result.output and "unencrypted\t1 files" in result.output
    runner.invoke(args=["evidence", "rotate-key"])
    result = runner.invoke(args=["evidence", "keys"])
    assert f"{old_id}\t0 files\tunused: may be removed" in result.output and "unencrypted" not in result.output


class _Interrupted(BaseException):
    """Stands for the process being killed (BaseException: nothing in rotate may swallow it)."""


def test_an_interrupted_rotation_leaves_every_file_readable_and_resumes(store, runner, db, monkeypatch):
    files = _fill(store)
    evidence_store.add_key(evidence_store.key_file())
    real_replace, calls = evidence_store._replace_file, []

    def killed_on_the_third(path, blob):
        calls.append(path)
        if len(calls) == 3:  # killed half-way through writing the third file's new version
            (path.parent / f".{path.name}.dead{evidence_store._TEMPORARY}").write_bytes(blob[: len(blob) // 2])
            raise _Interrupted
        real_replace(path, blob)

    monkeypatch.setattr(evidence_store, "_replace_file", killed_on_the_third)
    with pytest.raises(_Interrupted):
        evidence_store.rotate()
    monkeypatch.setattr(evidence_store, "_replace_file", real_replace)
    assert _all_read(files)
    use = evidence_store.key_use()
    assert use[evidence_store.keyring().current] == 2 and sum(use.values()) == 6  # the half-written file is no file
    partial = next(store.rglob(f"*{evidence_store._TEMPORARY}"))
    old = time.time() - evidence_store.PARTIAL_MAX_AGE_SECONDS - 10
    os.utime(partial, (old, old))
    result = runner.invoke(args=["evidence", "rotate-key", "--resume"])
    assert result.exit_code == 0, result.output
    assert "4 files re-encrypted" in result.output and "2 already under it" in result.output
    assert evidence_store.key_use() == {evidence_store.keyring().current: 6}
    assert not partial.exists() and _all_read(files)


def test_a_rename_that_fails_leaves_the_old_file_in_place(store, monkeypatch):
    files = _fill(store)
    evidence_store.add_key(evidence_store.key_file())

    class NoRename:
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def replace(source, destination):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence_store, "os", NoRename())
    with pytest.raises(OSError, match="No space"):
        evidence_store.rotate()
    monkeypatch.setattr(evidence_store, "os", os)
    assert _all_read(files) and not list(Path(evidence_store.root()).rglob(f"*{evidence_store._TEMPORARY}"))


def test_rotation_reports_a_file_it_cannot_decrypt_and_leaves_it_as_it_was(store, runner, db):
    files = _fill(store)
    broken = next(iter(files))
    blob = bytearray((store / broken).read_bytes())
    blob[-1] ^= 0x01
    (store / broken).write_bytes(bytes(blob))
    result = runner.invoke(args=["evidence", "rotate-key"])
    assert result.exit_code == 1 and f"FAILED   {broken}: " in result.output and "5 files re-encrypted" in result.output
    assert (store / broken).read_bytes() == bytes(blob)


def test_a_partial_file_younger_than_an_hour_is_left_for_the_writer(store):
    evidence_store.save_bytes(b"x", "txt")
    partial = Path(evidence_store.root()) / "files" / f".upload{evidence_store._TEMPORARY}"
    partial.write_bytes(b"being written")
    assert evidence_store.remove_partial_files() == 0 and partial.exists()
    assert all(not p.endswith(evidence_store._TEMPORARY) for p in evidence_store.stored_paths())


@pytest.mark.parametrize(("text", "message"), [
    ("", "holds no key"),
    ("# only a comment\n", "holds no key"),
    ("k1 " + base64.urlsafe_b64encode(b"short").decode() + "\n", "line 1"),
    ("k1 not-base64!\n", "line 1"),
    ("# c\nk/1 " + base64.urlsafe_b64encode(bytes(32)).decode() + "\n", "line 2"),
    (f"k1 {base64.urlsafe_b64encode(bytes(32)).decode()}\nk1 {base64.urlsafe_b64encode(bytes([1]) * 32).decode()}\n",
     "used twice"),
])
def test_a_malformed_key_file_is_refused_with_the_line(text, message):
    with pytest.raises(evidence_store.EvidenceKeyError, match=message):
        evidence_store.parse_keyring(text)


def test_the_last_key_is_the_current_one():
    one, two = base64.urlsafe_b64encode(bytes(32)).decode(), base64.urlsafe_b64encode(bytes([7]) * 32).decode()
    ring = evidence_store.parse_keyring(f"a {one}\nb {two}  # newest\n")
    assert ring.current == "b" and ring.keys == {"a": bytes(32), "b": bytes([7]) * 32}


def _production(monkeypatch, tmp_path, **overrides):
    monkeypatch.setenv("PRAKTIJKTEST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 3)
    monkeypatch.delenv("EVIDENCE_KEY_FILE", raising=False)
    # Production also needs the dossier seal's files (followup/seal.py); these tests are about the evidence key.
    for name in ("DOSSIER_SEAL_KEY_FILE", "DOSSIER_SEAL_CERT_FILE"):
        (tmp_path / name).write_text("placeholder")
        monkeypatch.setenv(name, str(tmp_path / name))
    return make_test_app(f"sqlite:///{tmp_path / 'p.sqlite'}", tmp_path, SESSION_COOKIE_SECURE=True,
                         PRAKTIJKTEST_ENV="production", **overrides)


def test_production_refuses_to_start_without_a_key_file(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="EVIDENCE_KEY_FILE must be set"):
        _production(monkeypatch, tmp_path, EVIDENCE_KEY_FILE=None)
    with pytest.raises(ConfigError, match="new-key"):
        _production(monkeypatch, tmp_path, EVIDENCE_KEY_FILE=str(tmp_path / "absent"))
    assert not (tmp_path / "absent").exists()  # production never makes a key of its own


def test_the_command_line_creates_a_production_key_file_the_app_then_starts_with(tmp_path, monkeypatch):
    key_file = tmp_path / "etc" / "evidence-keys"
    created = subprocess.run([sys.executable, "-m", "praktijktest.evidence_store", "new-key", str(key_file)],
                             capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2])
    assert "is now the current key" in created.stdout and key_file.stat().st_mode & 0o077 == 0
    app = _production(monkeypatch, tmp_path, EVIDENCE_KEY_FILE=str(key_file))
    with app.app_context():
        saved = evidence_store.save_bytes(PLAINTEXT, "eml")
        assert _decrypt_by_hand(Path(evidence_store.resolve(saved.path)).read_bytes(), _keys(key_file))[1] == PLAINTEXT
    first = set(_keys(key_file))
    subprocess.run([sys.executable, "-m", "praktijktest.evidence_store", "new-key", str(key_file)],
                   capture_output=True, check=True, cwd=Path(__file__).parents[2])
    assert set(_keys(key_file)) > first and len(_keys(key_file)) == 2
