"""The evidence store's key file, header parsing, rotation and command line, each case with its own message.

A mutation run of evidence_store.py (make mutation) found that these passed
unnoticed: a wrong message or a message without the key file's path, a key
line with one or three fields, a comment holding "#", a key file without a
trailing newline, the key file parsed again on every read, the world-readable
warning, a key id that is not ASCII, an empty file's exact length, rotation's
counts, its progress callback and its "did not read back" branch, and
`python -m praktijktest.evidence_store` run in-process. Lengths are worked out
from the documented layout: MAGIC (8 bytes) | id length (1) | id | nonce (12) |
ciphertext (as long as the plaintext) | tag (16).
"""
from __future__ import annotations

import base64
import logging
import os
import time
from pathlib import Path

import pytest

from praktijktest import evidence_store
from praktijktest.config import ConfigError
from tests.foundation.test_evidence_encryption import _production

KEY_A = base64.urlsafe_b64encode(bytes(32)).decode()
KEY_B = base64.urlsafe_b64encode(bytes([7]) * 32).decode()


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    """The session app with an evidence store and a key file of this test's own."""
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setitem(app.config, "EVIDENCE_KEY_FILE", str(tmp_path / "keys" / "evidence-keys"))
    with app.app_context():
        app.extensions.pop("evidence_keyring", None)
        yield tmp_path / "evidence"
        app.extensions.pop("evidence_keyring", None)


# The key file -------------------------------------------------------------------

def test_an_empty_key_text_says_the_key_file_holds_no_key():
    with pytest.raises(evidence_store.EvidenceKeyError, match="^the key file holds no key$"):
        evidence_store.parse_keyring("")


@pytest.mark.parametrize("line", ["k1", f"k1 {KEY_A} extra"])
def test_a_key_line_needs_exactly_two_fields(line):
    expected = "^keys, line 2: expected '<key id> <32 bytes in URL-safe base64>'$"
    with pytest.raises(evidence_store.EvidenceKeyError, match=expected):
        evidence_store.parse_keyring(f"k0 {KEY_B}\n{line}\n", "keys")


def test_a_comment_may_itself_contain_a_hash_sign():
    ring = evidence_store.parse_keyring(f"k1 {KEY_A}  # added 2026-05-04 # by the coordinator\n")
    assert ring.keys == {"k1": bytes(32)} and ring.current == "k1"


def test_a_key_id_used_twice_is_named():
    with pytest.raises(evidence_store.EvidenceKeyError,
                       match="^keys, line 2: key id k1 is used twice for different keys$"):
        evidence_store.parse_keyring(f"k1 {KEY_A}\nk1 {KEY_B}\n", "keys")


def test_without_a_configured_key_file_nothing_is_encrypted(store, app, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_KEY_FILE", "")
    with pytest.raises(evidence_store.EvidenceKeyError, match="^EVIDENCE_KEY_FILE is not configured$"):
        evidence_store.save_bytes(b"x", "pdf")


def test_a_malformed_key_file_is_named_in_the_error(store, app):
    path = Path(app.config["EVIDENCE_KEY_FILE"])
    path.parent.mkdir(parents=True)
    path.write_text("k1 short\n")
    with pytest.raises(evidence_store.EvidenceKeyError, match=f"^{path}, line 1: expected"):
        evidence_store.keyring()
    with pytest.raises(evidence_store.EvidenceKeyError, match=f"^{path}, line 1: expected"):
        evidence_store.add_key(path)  # never appended to a file that cannot be read back
    assert path.read_text() == "k1 short\n"
    with pytest.raises(evidence_store.EvidenceKeyError, match=f"^{path}, line 1: expected"):
        evidence_store.create_key_file(path)  # exists already: read back, not replaced


def test_an_unreadable_key_file_says_so_with_its_path(store, app):
    path = Path(app.config["EVIDENCE_KEY_FILE"])
    path.mkdir(parents=True)  # a folder where the key file should be
    with pytest.raises(evidence_store.EvidenceKeyError, match=f"^the evidence key file {path} cannot be read: "):
        evidence_store.keyring()


def test_the_key_file_is_ascii(store, app):
    path = Path(app.config["EVIDENCE_KEY_FILE"])
    path.parent.mkdir(parents=True)
    path.write_bytes(f"# sleutel van de coördinator\nk1 {KEY_A}\n".encode())
    with pytest.raises(evidence_store.EvidenceKeyError, match="cannot be read"):
        evidence_store.keyring()


def test_the_key_file_is_parsed_once_while_it_is_unchanged(store, app, monkeypatch):
    path = Path(app.config["EVIDENCE_KEY_FILE"])
    path.parent.mkdir(parents=True)
    path.write_text(f"k1 {KEY_A}\n")
    calls = []
    real = evidence_store.parse_keyring
    monkeypatch.setattr(evidence_store, "parse_keyring", lambda *a: calls.append(a) or real(*a))
    assert evidence_store.keyring().current == "k1"
    assert evidence_store.keyring().current == "k1"
    assert len(calls) == 1


def test_another_key_file_of_the_same_size_and_time_is_read_anew(store, app, monkeypatch, tmp_path):
    # The cache is keyed by path, time and size: a second file with the same time and size is not the first.
    first, second = tmp_path / "one", tmp_path / "two"
    first.write_text(f"k1 {KEY_A}\n")
    second.write_text(f"k2 {KEY_B}\n")
    stamp = first.stat().st_mtime_ns
    os.utime(second, ns=(stamp, stamp))
    monkeypatch.setitem(app.config, "EVIDENCE_KEY_FILE", str(first))
    assert evidence_store.keyring().current == "k1"
    monkeypatch.setitem(app.config, "EVIDENCE_KEY_FILE", str(second))
    assert evidence_store.keyring().current == "k2"


def test_a_new_key_file_starts_with_its_explanation(tmp_path):
    path = tmp_path / "keys"
    key_id = evidence_store.create_key_file(path)
    lines = path.read_text().splitlines()
    assert lines[:2] == [
        "# praktijktest evidence keys, one a line: '<key id> <key>'. The last line is the current key.",
        "# Keep every key a stored file may still use; back this file up apart from the evidence."]
    assert len(lines) == 3 and lines[2].startswith(f"{key_id} ")
    assert evidence_store.create_key_file(path) == key_id  # an existing file is kept and its key returned
    assert path.read_text().splitlines() == lines


@pytest.mark.parametrize("ending", ["\n", ""])
def test_add_key_appends_exactly_one_line(tmp_path, ending):
    path = tmp_path / "keys"
    path.write_text(f"k1 {KEY_A}{ending}")
    key_id = evidence_store.add_key(path)
    lines = path.read_text().splitlines()
    assert lines[0] == f"k1 {KEY_A}" and len(lines) == 2 and lines[1].startswith(f"{key_id} ")
    assert evidence_store.parse_keyring(path.read_text()).current == key_id


def test_add_key_creates_a_missing_key_file(tmp_path):
    path = tmp_path / "new" / "keys"
    key_id = evidence_store.add_key(path)
    assert evidence_store.parse_keyring(path.read_text()).current == key_id


def test_production_without_a_key_file_says_where_to_read(tmp_path, monkeypatch):
    expected = ("^EVIDENCE_KEY_FILE must be set when PRAKTIJKTEST_ENV=production: the evidence files are encrypted "
                r"with the keys in that file \(docs/deployment.md, 'Evidence encryption key'\).$")
    with pytest.raises(ConfigError, match=expected):
        _production(monkeypatch, tmp_path, EVIDENCE_KEY_FILE=None)


@pytest.mark.parametrize(("mode", "warned"), [(0o600, False), (0o640, False), (0o604, True), (0o601, True)])
def test_a_key_file_other_users_can_read_is_warned_about(tmp_path, monkeypatch, caplog, mode, warned):
    # Only the "others" bits (0o007) matter: the group of the service account may be trusted.
    path = tmp_path / "evidence-keys"
    evidence_store.create_key_file(path)
    path.chmod(mode)
    with caplog.at_level(logging.WARNING):
        _production(monkeypatch, tmp_path, EVIDENCE_KEY_FILE=str(path))
    messages = [r.getMessage() for r in caplog.records if "evidence key file" in r.getMessage()]
    expected = f"The evidence key file {path} can be read by every user of the machine; make it 0600."
    assert messages == ([expected] if warned else [])


# The header ---------------------------------------------------------------------

@pytest.mark.parametrize("blob", [evidence_store.MAGIC, evidence_store.MAGIC + b"\x00",
                                  evidence_store.MAGIC + b"\x02k\xff" + bytes(40)])
def test_a_header_without_a_key_id_or_with_a_non_ascii_one_is_damaged(blob):
    with pytest.raises(evidence_store.EvidenceTampered, match="^the stored file's encryption header is damaged$"):
        evidence_store.key_id_of(blob)


def test_an_empty_file_is_exactly_header_nonce_and_tag_and_reads_back(store):
    ring = evidence_store.keyring()
    blob = evidence_store.encrypt(b"", ring)
    assert len(blob) == 8 + 1 + len(ring.current) + 12 + 16
    assert evidence_store.decrypt(blob, ring) == b""
    with pytest.raises(evidence_store.EvidenceTampered, match="^the stored file is cut short: it was damaged$"):
        evidence_store.decrypt(blob[:-1], ring)
    with pytest.raises(evidence_store.EvidenceTampered,
                       match="^the stored file fails its authentication: it was changed or damaged$"):
        evidence_store.decrypt(blob[:-1] + bytes([blob[-1] ^ 1]), ring)


# Housekeeping and rotation ------------------------------------------------------

def test_key_use_counts_each_damaged_file(store):
    evidence_store.save_bytes(b"a", "pdf")
    for name in ("x.pdf", "y.pdf"):
        (store / "files" / name).write_bytes(evidence_store.MAGIC + b"\x00")
    counts = evidence_store.key_use()
    assert counts["damaged"] == 2 and sum(counts.values()) == 3


def test_remove_partial_files_says_how_many_it_removed(store):
    old = time.time() - 2 * evidence_store.PARTIAL_MAX_AGE_SECONDS
    (store / "files").mkdir(parents=True)
    for name in (".a.pdf.0000.partial", ".b.pdf.0001.partial"):
        (store / "files" / name).write_bytes(b"half")
        os.utime(store / "files" / name, (old, old))
    assert evidence_store.remove_partial_files() == 2
    assert list((store / "files").iterdir()) == []


def _two_plain_files(store):
    (store / "files").mkdir(parents=True, exist_ok=True)
    for name in ("a.eml", "b.eml"):
        (store / "files" / name).write_bytes(b"stored before encryption: " + name.encode())
    return ["files/a.eml", "files/b.eml"]


def test_rotation_reports_its_key_its_counts_and_each_file_to_progress(store):
    paths = _two_plain_files(store)
    encrypted = evidence_store.save_bytes(b"already encrypted", "eml")
    seen = []
    report = evidence_store.rotate(lambda path, previous: seen.append((path, previous)))
    assert report.key_id == evidence_store.keyring().current
    assert seen == [(p, "unencrypted") for p in paths] and report.rotated == {"unencrypted": 2}
    assert report.already == 1 and report.ok
    evidence_store.add_key(Path(evidence_store.key_file()))
    seen.clear()
    second = evidence_store.rotate(lambda path, previous: seen.append((path, previous)))
    assert sorted(seen) == sorted([(p, report.key_id) for p in [*paths, encrypted.path]])
    assert second.already == 0 and second.rotated == {report.key_id: 3}


def test_rotation_goes_on_after_a_file_that_vanished_or_would_not_read_back(store, monkeypatch):
    paths = _two_plain_files(store)
    real_paths, real_encrypt = evidence_store.stored_paths, evidence_store.encrypt
    monkeypatch.setattr(evidence_store, "stored_paths", lambda: iter(["files/gone.eml", *real_paths()]))
    monkeypatch.setattr(evidence_store, "encrypt", lambda plaintext, ring: real_encrypt(b"other", ring))
    report = evidence_store.rotate()
    assert report.failed == [(p, "the re-encrypted file did not read back") for p in paths]
    assert [(store / p).read_bytes() for p in paths] == [b"stored before encryption: a.eml",
                                                       b"stored before encryption: b.eml"]


def test_rotation_does_not_bring_back_a_file_removed_while_it_was_encrypted(store, monkeypatch):
    paths = _two_plain_files(store)
    real_encrypt = evidence_store.encrypt

    def encrypt_and_remove_the_first(plaintext, ring):
        (store / paths[0]).unlink(missing_ok=True)
        return real_encrypt(plaintext, ring)

    monkeypatch.setattr(evidence_store, "encrypt", encrypt_and_remove_the_first)
    report = evidence_store.rotate()
    assert not (store / paths[0]).exists()
    assert report.rotated == {"unencrypted": 1}
    assert evidence_store.key_id_of((store / paths[1]).read_bytes()) == report.key_id


def test_a_file_that_cannot_be_decrypted_is_reported_with_why(store):
    (store / "files").mkdir(parents=True)
    (store / "files" / "bad.eml").write_bytes(evidence_store.MAGIC + b"\x00")
    report = evidence_store.rotate()
    assert report.failed == [("files/bad.eml", "the stored file's encryption header is damaged")]


# The command line ---------------------------------------------------------------

@pytest.mark.parametrize("argv", [[], ["new-key"], ["old-key", "x"], ["new-key", "a", "b"]])
def test_the_command_line_explains_its_use(argv, capsys, tmp_path):
    assert evidence_store.main(argv) == 2
    out, err = capsys.readouterr()
    assert err == "usage: python -m praktijktest.evidence_store new-key FILE\n" and out == ""


def test_the_command_line_adds_a_key_and_says_which(capsys, tmp_path):
    path = tmp_path / "etc" / "keys"
    assert evidence_store.main(["new-key", str(path)]) == 0
    current = evidence_store.parse_keyring(path.read_text()).current
    out = capsys.readouterr().out
    assert out == f"Key {current} is now the current key in {path}. Back the file up (docs/deployment.md).\n"
    assert evidence_store.main(["new-key", str(path)]) == 0
    assert len(evidence_store.parse_keyring(path.read_text()).keys) == 2


def test_the_command_line_refuses_a_key_file_it_cannot_read_back_and_changes_nothing(capsys, tmp_path):
    # A malformed or non-ASCII key file gave a traceback; now it is one line naming the file.
    for content in (b"k1 short\n", f"# coördinator\nk1 {KEY_A}\n".encode()):
        path = tmp_path / "keys"
        path.write_bytes(content)
        assert evidence_store.main(["new-key", str(path)]) == 1
        err = capsys.readouterr().err
        unreadable = f"the evidence key file {path} cannot be read"
        assert err.startswith(str(path) if content.startswith(b"k1") else unreadable)
        assert err.endswith("; nothing was changed.\n") and path.read_bytes() == content


def test_an_existing_non_ascii_key_file_is_refused_not_read_as_utf8(tmp_path):
    path = tmp_path / "keys"
    path.write_bytes(f"# coördinator\nk1 {KEY_A}\n".encode())
    for call in (evidence_store.add_key, evidence_store.create_key_file):
        with pytest.raises(evidence_store.EvidenceKeyError, match=f"^the evidence key file {path} cannot be read"):
            call(path)
