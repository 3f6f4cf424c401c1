"""The evidence store: files (ad snapshots, e-mails, PDFs) under EVIDENCE_DIR.

Files are saved under a random name, never the uploader's, and the database
keeps the path relative to EVIDENCE_DIR together with the SHA-256 of the
content, so that a dossier can show the file is the one stored. Reading
resolves the relative path inside EVIDENCE_DIR and refuses anything that
would lead outside it (absolute paths, "..", symbolic links out).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app

from praktijktest.maintenance import private_dir, write_private

CHUNK = 1024 * 1024
_SAFE_PART = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SAFE_SUFFIX = re.compile(r"^[a-z0-9]{1,10}$")


class EvidenceStoreError(ValueError):
    """A path that is not inside the evidence store, or a file that is not there."""


@dataclass(frozen=True)
class StoredFile:
    """Where a saved file lives (relative to EVIDENCE_DIR), its hash and its size."""

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


def save_bytes(data: bytes, suffix: str, folder: str = "files") -> StoredFile:
    """Store `data` under `folder` with a random name ending in `.suffix`."""
    suffix = suffix.lower().lstrip(".")
    if not _SAFE_SUFFIX.match(suffix) or not all(_SAFE_PART.match(part) for part in folder.split("/")):
        raise EvidenceStoreError(f"unsafe file name parts: {folder!r}, {suffix!r}")
    relative = f"{folder}/{secrets.token_hex(16)}.{suffix}"
    path = root() / relative
    private_dir(path.parent)
    write_private(path, data)  # 0600, and never over an existing file
    return StoredFile(relative, sha256_of(data), len(data))


def save_content_addressed(data: bytes, suffix: str, folder: str = "evidence") -> StoredFile:
    """Store `data` under `folder/<first two hex digits>/<sha256>.suffix`.

    The name is the content's hash, so the same file uploaded twice is stored
    once, and a file can never be overwritten by other content: an existing
    file of that name is kept as it is.
    """
    suffix = suffix.lower().lstrip(".")
    if not _SAFE_SUFFIX.match(suffix) or not all(_SAFE_PART.match(part) for part in folder.split("/")):
        raise EvidenceStoreError(f"unsafe file name parts: {folder!r}, {suffix!r}")
    digest = sha256_of(data)
    relative = f"{folder}/{digest[:2]}/{digest}.{suffix}"
    path = root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "xb") as handle:
            handle.write(data)
    except FileExistsError:
        pass  # the same content is already stored under its hash
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
    """The content of a stored file (path checked as in `resolve`)."""
    return resolve(relative_path).read_bytes()


def verify(relative_path: str, expected_sha256: str) -> bool:
    """Whether the stored file still has the hash recorded when it was saved."""
    digest = hashlib.sha256()
    with open(resolve(relative_path), "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return secrets.compare_digest(digest.hexdigest(), expected_sha256 or "")


def remove(relative_path: str) -> None:
    """Delete a stored file (temporary uploads; evidence itself goes only by retention rules)."""
    resolve(relative_path).unlink()
