"""The evidence store: files (ad snapshots, e-mails, PDFs) under EVIDENCE_DIR, encrypted at rest.

Files are saved under a random name, never the uploader's, and the database
keeps the path relative to EVIDENCE_DIR together with the SHA-256 of the
content, so that a dossier can show the file is the one stored. Reading
resolves the relative path inside EVIDENCE_DIR and refuses anything that
would lead outside it (absolute paths, "..", symbolic links out).

Encryption at rest: every file is written as

    MAGIC | key id length (1 byte) | key id (ASCII) | nonce (12 bytes) | AES-256-GCM ciphertext and tag

with one of the keys in the key file (EVIDENCE_KEY_FILE), the newest for new
files. AES-GCM (NIST SP 800-38D, from the `cryptography` package) is
authenticated: a changed byte anywhere, header included (it is the
associated data), makes decryption fail instead of giving other content.
The key id in each file lets several keys coexist while `rotate` moves
every file to the newest one. The SHA-256 that names, identifies and
verifies a file is still that of the plaintext, so the hashes printed in
dossiers and kept in the database are unchanged by encryption and rotation.
Files written before encryption (no MAGIC) are read as they are, and
`rotate` encrypts them.

The key file holds one key a line, "<key id> <32 bytes in URL-safe base64>";
the last line is the current key; "#" starts a comment. In development it
is created in instance/ on first use (0600); in production its path must be
configured and the app refuses to start without a readable key in it.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import Flask, current_app

from praktijktest.maintenance import private_dir, write_private

CHUNK = 1024 * 1024
_SAFE_PART = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SAFE_SUFFIX = re.compile(r"^[a-z0-9]{1,10}$")

MAGIC = b"PTEVENC1"  # "praktijktest evidence, encrypted, format 1": no evidence format starts with it
NONCE_BYTES = 12  # the 96-bit nonce SP 800-38D recommends; random, so at most 2**32 files per key
KEY_BYTES = 32  # AES-256
TAG_BYTES = 16  # GCM's full-length authentication tag
PARTIAL_MAX_AGE_SECONDS = 3600  # a temporary file older than this belongs to no write still going on
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TEMPORARY = ".partial"  # suffix of files being written; never read as evidence, removed by `rotate`


class EvidenceStoreError(ValueError):
    """A path that is not inside the evidence store, or a file that is not there or cannot be read."""


class EvidenceKeyError(EvidenceStoreError):
    """The key file is missing, unreadable or malformed, or lacks the key a file was encrypted with."""


class EvidenceTampered(EvidenceStoreError):
    """An encrypted file fails its authentication: it was changed or damaged after it was written."""


@dataclass(frozen=True)
class StoredFile:
    """Where a saved file lives (relative to EVIDENCE_DIR), its hash and its size (of the plaintext)."""

    path: str
    sha256: str
    size: int


def root() -> Path:
    """The configured evidence directory, created when missing (0700: it holds identities)."""
    directory = Path(current_app.config["EVIDENCE_DIR"]).resolve()
    if not directory.is_dir():
        private_dir(directory)
    return directory


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Keys -------------------------------------------------------------------------

@dataclass(frozen=True)
class Keyring:
    """The keys of the key file by id, and the id of the current (last) one."""

    keys: dict[str, bytes]
    current: str


def new_key_line() -> tuple[str, str]:
    """A fresh key: (key id, the line to append to the key file)."""
    from praktijktest.timeutil import utcnow

    key_id = f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    return key_id, f"{key_id} {base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()}\n"


def parse_keyring(text: str, source: str = "the key file") -> Keyring:
    """The keys of a key file's text; EvidenceKeyError saying which line is wrong."""
    keys: dict[str, bytes] = {}
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            key = base64.urlsafe_b64decode(parts[1].encode("ascii")) if len(parts) == 2 else b""
        except ValueError:
            key = b""
        if not _KEY_ID.match(parts[0]) or len(key) != KEY_BYTES:
            raise EvidenceKeyError(f"{source}, line {number}: expected '<key id> <{KEY_BYTES} bytes in URL-safe "
                                   "base64>'")
        if parts[0] in keys and keys[parts[0]] != key:
            raise EvidenceKeyError(f"{source}, line {number}: key id {parts[0]} is used twice for different keys")
        keys[parts[0]] = key
        current = parts[0]
    if not keys:
        raise EvidenceKeyError(f"{source} holds no key")
    return Keyring(keys, current)


def key_file() -> Path:
    configured = current_app.config.get("EVIDENCE_KEY_FILE")
    if not configured:
        raise EvidenceKeyError("EVIDENCE_KEY_FILE is not configured")
    return Path(configured)


def keyring() -> Keyring:
    """The configured keys, read again whenever the key file changes (a new key from another process)."""
    path = key_file()
    if not path.exists() and current_app.config.get("PRAKTIJKTEST_ENV") != "production":
        create_key_file(path)  # development: a key of its own in instance/, on first use
    try:
        stat = path.stat()
        stamp = (str(path), stat.st_mtime_ns, stat.st_size)
        cached = current_app.extensions.get("evidence_keyring")
        if cached and cached[0] == stamp:
            return cached[1]
        ring = parse_keyring(path.read_text(encoding="ascii"), str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise EvidenceKeyError(f"the evidence key file {path} cannot be read: {error}") from None
    current_app.extensions["evidence_keyring"] = (stamp, ring)
    return ring


def create_key_file(path: Path) -> str:
    """Create a key file holding one new key (0600, never over an existing file); returns its id."""
    key_id, line = new_key_line()
    if not path.parent.exists():
        private_dir(path.parent)
    header = ("# praktijktest evidence keys, one a line: '<key id> <key>'. The last line is the current key.\n"
              "# Keep every key a stored file may still use; back this file up apart from the evidence.\n")
    try:
        write_private(path, (header + line).encode("ascii"))
    except FileExistsError:
        return parse_keyring(_read_key_text(path), str(path)).current  # another process was first
    return key_id


def _read_key_text(path: Path) -> str:
    """The key file's text; EvidenceKeyError (not a traceback) when it is not ASCII."""
    try:
        return path.read_text(encoding="ascii")
    except UnicodeDecodeError as error:
        raise EvidenceKeyError(f"the evidence key file {path} cannot be read: {error}") from None


def add_key(path: Path) -> str:
    """Append a new key to the key file (created when missing), which makes it the current key."""
    if not path.exists():
        return create_key_file(path)
    text = _read_key_text(path)
    parse_keyring(text, str(path))  # never add to a file that cannot be read back
    key_id, line = new_key_line()
    _replace_file(path, (text if text.endswith("\n") else text + "\n").encode("ascii") + line.encode("ascii"))
    return key_id


def check_keys(app: Flask) -> None:
    """At start-up in production: refuse to start without a readable key file (ConfigError)."""
    from praktijktest.config import ConfigError

    if app.config.get("PRAKTIJKTEST_ENV") != "production":
        return
    if not app.config.get("EVIDENCE_KEY_FILE"):
        raise ConfigError("EVIDENCE_KEY_FILE must be set when PRAKTIJKTEST_ENV=production: the evidence files are "
                          "encrypted with the keys in that file (docs/deployment.md, 'Evidence encryption key').")
    with app.app_context():
        try:
            keyring()
        except EvidenceKeyError as error:
            raise ConfigError(f"{error}. Create one with: python -m praktijktest.evidence_store new-key "
                              f"{app.config['EVIDENCE_KEY_FILE']}") from None
    if Path(app.config["EVIDENCE_KEY_FILE"]).stat().st_mode & 0o007:
        app.logger.warning("The evidence key file %s can be read by every user of the machine; make it 0600.",
                           app.config["EVIDENCE_KEY_FILE"])


# Encryption ---------------------------------------------------------------------

def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    return MAGIC + bytes([len(encoded)]) + encoded


def key_id_of(blob: bytes) -> str | None:
    """The id of the key a stored file is encrypted with; None for a file stored before encryption."""
    if not blob.startswith(MAGIC):
        return None
    length = blob[len(MAGIC)] if len(blob) > len(MAGIC) else 0
    key_id = blob[len(MAGIC) + 1:len(MAGIC) + 1 + length].decode("ascii", errors="replace")
    if not length or not _KEY_ID.match(key_id):
        raise EvidenceTampered("the stored file's encryption header is damaged")
    return key_id


def encrypt(plaintext: bytes, ring: Keyring) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = _header(ring.current)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return header + nonce + AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext, header)


def decrypt(blob: bytes, ring: Keyring) -> bytes:
    """The plaintext of a stored file's bytes (those stored before encryption as they are)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key_id = key_id_of(blob)
    if key_id is None:
        return blob
    if key_id not in ring.keys:
        raise EvidenceKeyError(f"the file is encrypted with key {key_id}, which is not in the key file")
    header = _header(key_id)
    if len(blob) < len(header) + NONCE_BYTES + TAG_BYTES:
        raise EvidenceTampered("the stored file is cut short: it was damaged")
    nonce = blob[len(header):len(header) + NONCE_BYTES]
    try:
        return AESGCM(ring.keys[key_id]).decrypt(nonce, blob[len(header) + NONCE_BYTES:], header)
    except InvalidTag:
        raise EvidenceTampered("the stored file fails its authentication: it was changed or damaged") from None


def seal(plaintext: bytes) -> bytes:
    """`plaintext` encrypted under the current key, for a file kept outside the store (waiting dataset imports).

    Such files are not moved by `rotate` (they live for an hour at most, see
    UPLOAD_MAX_AGE_SECONDS); one sealed under a key removed since can no longer be read.
    """
    return encrypt(plaintext, keyring())


def unseal(blob: bytes) -> bytes:
    """The plaintext of bytes made by `seal`; EvidenceTampered or EvidenceKeyError when they cannot be read."""
    return decrypt(blob, keyring())


# Files --------------------------------------------------------------------------

def _write_new(path: Path, blob: bytes) -> None:
    """Write a new file whole or not at all: to a temporary name, then linked into place (never over a file).

    A crash while writing leaves only the temporary file, never a half-written
    evidence file under its real name (which a content-addressed save would
    then keep for ever). FileExistsError when `path` exists.
    """
    _through_temporary(path, blob, os.link)


def _replace_file(path: Path, blob: bytes) -> None:
    """Replace `path` by `blob` atomically: readers see the old file or the new one, never a mix."""
    _through_temporary(path, blob, os.replace)


def _through_temporary(path: Path, blob: bytes, put_in_place) -> None:
    """Write `blob` to a synced temporary file beside `path`, then `put_in_place(temporary, path)`."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{_TEMPORARY}")
    write_private(temporary, blob)
    try:
        _sync(temporary)
        put_in_place(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    try:
        _sync(folder)
    except OSError:  # some file systems cannot fsync a folder; the rename itself is still atomic
        pass


def _check_names(suffix: str, folder: str) -> str:
    suffix = suffix.lower().lstrip(".")
    if not _SAFE_SUFFIX.match(suffix) or not all(_SAFE_PART.match(part) for part in folder.split("/")):
        raise EvidenceStoreError(f"unsafe file name parts: {folder!r}, {suffix!r}")
    return suffix


def save_bytes(data: bytes, suffix: str, folder: str = "files") -> StoredFile:
    """Store `data` encrypted under `folder` with a random name ending in `.suffix`."""
    suffix = _check_names(suffix, folder)
    relative = f"{folder}/{secrets.token_hex(16)}.{suffix}"
    path = root() / relative
    private_dir(path.parent)
    _write_new(path, encrypt(data, keyring()))  # 0600, and never over an existing file
    return StoredFile(relative, sha256_of(data), len(data))


def save_content_addressed(data: bytes, suffix: str, folder: str = "evidence") -> StoredFile:
    """Store `data` encrypted under `folder/<first two hex digits>/<sha256>.suffix`.

    The name is the plaintext's hash, so the same file uploaded twice is
    stored once, and a file can never be overwritten by other content: an
    existing file of that name is kept as it is.
    """
    suffix = _check_names(suffix, folder)
    digest = sha256_of(data)
    relative = f"{folder}/{digest[:2]}/{digest}.{suffix}"
    path = root() / relative
    private_dir(path.parent)
    if not path.exists():
        try:
            _write_new(path, encrypt(data, keyring()))
        except FileExistsError:
            pass  # the same content was stored under its hash meanwhile
    return StoredFile(relative, digest, len(data))


def resolve(relative_path: str) -> Path:
    """The absolute path of a stored file; EvidenceStoreError if it lies outside the store."""
    pure = PurePosixPath(relative_path or "")
    if not relative_path or pure.is_absolute() or "\\" in relative_path or ".." in pure.parts:
        raise EvidenceStoreError(f"not a path inside the evidence store: {relative_path!r}")
    base = root()
    path = (base / pure).resolve()
    if not path.is_relative_to(base):
        raise EvidenceStoreError(f"not a path inside the evidence store: {relative_path!r}")
    if not path.is_file():
        raise EvidenceStoreError(f"the stored file is missing: {relative_path!r}")
    return path


def read_bytes(relative_path: str) -> bytes:
    """The plaintext of a stored file (path checked as in `resolve`); EvidenceTampered if it was changed."""
    blob = resolve(relative_path).read_bytes()
    try:
        return decrypt(blob, keyring())
    except EvidenceStoreError as error:
        raise type(error)(f"{error}: {relative_path!r}") from None


def verify(relative_path: str, expected_sha256: str) -> bool:
    """Whether the stored file decrypts and still has the hash recorded when it was saved.

    False for a changed file (failed authentication or another hash);
    EvidenceStoreError when it is missing or its key is not in the key file.
    """
    try:
        data = read_bytes(relative_path)
    except EvidenceTampered:
        return False
    return secrets.compare_digest(sha256_of(data), expected_sha256 or "")


def remove(relative_path: str) -> None:
    """Delete a stored file (temporary uploads; evidence itself goes only by retention rules)."""
    resolve(relative_path).unlink()


# Key rotation -------------------------------------------------------------------

@dataclass
class RotationReport:
    """What one `rotate` run did: files moved to the current key, by the key they had before."""

    key_id: str
    rotated: Counter = field(default_factory=Counter)  # previous key id ("unencrypted" for old files) -> count
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, why), left exactly as they were

    @property
    def ok(self) -> bool:
        return not self.failed


def stored_paths() -> Iterator[str]:
    """Every file in the store (relative paths, sorted), without files being written and without links."""
    base = root()
    for path in sorted(base.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(_TEMPORARY):
            yield path.relative_to(base).as_posix()


def key_use() -> Counter:
    """How many stored files each key id encrypts ("unencrypted" for files stored before encryption)."""
    counts: Counter = Counter()
    base = root()
    for relative in stored_paths():
        with open(base / relative, "rb") as handle:
            head = handle.read(len(MAGIC) + 1 + 64)
        try:
            counts[key_id_of(head) or "unencrypted"] += 1
        except EvidenceTampered:
            counts["damaged"] += 1
    return counts


def remove_partial_files(older_than: float = PARTIAL_MAX_AGE_SECONDS) -> int:
    """Delete temporary files left by an interrupted write or rotation (never a stored file).

    Only those older than `older_than` seconds: a younger one may be an upload
    that another process is writing at this moment.
    """
    limit = time.time() - older_than
    removed = 0
    for path in root().rglob(f"*{_TEMPORARY}"):
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def rotate(progress: Callable[[str, str], None] | None = None) -> RotationReport:
    """Re-encrypt every stored file that is not under the current key, one file at a time.

    Each file is decrypted, encrypted under the current key into a temporary
    file, read back and decrypted to the same plaintext, and only then moved
    over the old one (an atomic rename). Interrupted at any point, every file
    is either still the old one (readable with the old key, which stays in the
    key file) or already the new one; running `rotate` again goes on with the
    files not yet moved. A file that cannot be decrypted (changed, or its key
    missing) is left as it is and reported.
    """
    ring = keyring()
    report = RotationReport(ring.current)
    remove_partial_files()
    base = root()
    for relative in stored_paths():
        path = base / relative
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            continue  # removed meanwhile (an upload confirmed or swept)
        try:
            previous = key_id_of(blob)
            if previous == ring.current:
                report.already += 1
                continue
            plaintext = decrypt(blob, ring)
        except EvidenceStoreError as error:
            report.failed.append((relative, str(error)))
            continue
        fresh = encrypt(plaintext, ring)
        if decrypt(fresh, ring) != plaintext:  # never replace a readable file by one we cannot read back
            report.failed.append((relative, "the re-encrypted file did not read back"))
            continue
        if not path.exists():
            continue  # removed while we were encrypting: do not bring it back
        _replace_file(path, fresh)
        report.rotated[previous or "unencrypted"] += 1
        if progress:
            progress(relative, previous or "unencrypted")
    return report


def main(argv: list[str]) -> int:
    """`python -m praktijktest.evidence_store new-key FILE`: create a key file, or add a key to it.

    Works without the app, which refuses to start in production until the key file exists.
    """
    if len(argv) != 2 or argv[0] != "new-key":
        print("usage: python -m praktijktest.evidence_store new-key FILE", file=sys.stderr)
        return 2
    try:
        key_id = add_key(Path(argv[1]))
    except EvidenceKeyError as error:
        print(f"{error}; nothing was changed.", file=sys.stderr)
        return 1
    print(f"Key {key_id} is now the current key in {argv[1]}. Back the file up (docs/deployment.md).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
