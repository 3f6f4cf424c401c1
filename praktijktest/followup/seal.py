"""The seal of a dossier: a PAdES signature (pyHanko) that makes any change after generation detectable.

The key and certificate come from configuration: `DOSSIER_SEAL_KEY_FILE` and
`DOSSIER_SEAL_CERT_FILE` (PEM; the key may be encrypted with
`DOSSIER_SEAL_KEY_PASSPHRASE`). Production refuses to start without them
(config.py). In development a key and a self-signed certificate are made in
`instance/seal/` on first use, readable by the owner only (0600), so a
developer needs nothing installed.

The seal is a certification signature that allows no later change (DocMDP
level 1, ISO 32000-1 12.8.2.2): a PDF reader shows any incremental update
after it as a change. `check_seal` says, in words, what does not hold: the
signature's integrity, that it covers the whole file (nothing appended after
signing), that there were no later changes, and that the signer is the
configured seal certificate (or another one the verifier names).
"""

from __future__ import annotations

import asyncio
import datetime
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

SEAL_FIELD = "Seal"
DEV_SEAL_FOLDER = "seal"
DEV_KEY_NAME, DEV_CERT_NAME = "dev-seal-key.pem", "dev-seal-cert.pem"


class SealError(RuntimeError):
    """The seal cannot be made: no usable key or certificate; the message says which and why."""


@dataclass(frozen=True)
class SealFiles:
    key: Path
    cert: Path
    passphrase: bytes | None = None


def _write_private(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600 from the start (never world-readable, not even for a moment)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def make_development_seal(folder: Path) -> SealFiles:
    """A P-256 key and a self-signed certificate for development, made once in `folder` (both 0600).

    Made in a temporary folder and renamed into place, so two processes starting together never read a
    half-written key or a key that does not match its certificate.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    files = SealFiles(folder / DEV_KEY_NAME, folder / DEV_CERT_NAME)
    if files.key.exists() and files.cert.exists():
        return files
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}-{os.getpid()}"
    staging.mkdir(mode=0o700, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "praktijktest development seal (not for production)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "praktijktest development"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # digitalSignature + nonRepudiation (contentCommitment): what a seal over a document asserts.
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_private(
        staging / DEV_KEY_NAME,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    _write_private(staging / DEV_CERT_NAME, certificate.public_bytes(serialization.Encoding.PEM))
    try:
        staging.rename(folder)
    except OSError:  # another process made it first: use theirs
        for child in staging.iterdir():
            child.unlink()
        staging.rmdir()
    return files


def seal_files() -> SealFiles:
    """The configured key and certificate, or the development pair (made on first use) outside production."""
    key, cert = current_app.config.get("DOSSIER_SEAL_KEY_FILE"), current_app.config.get("DOSSIER_SEAL_CERT_FILE")
    passphrase = current_app.config.get("DOSSIER_SEAL_KEY_PASSPHRASE")
    if key and cert:
        return SealFiles(Path(key), Path(cert), passphrase.encode() if passphrase else None)
    if current_app.config.get("PRAKTIJKTEST_ENV") == "production":
        raise SealError("DOSSIER_SEAL_KEY_FILE and DOSSIER_SEAL_CERT_FILE must be set in production.")
    return make_development_seal(Path(current_app.instance_path) / DEV_SEAL_FOLDER)


_signers: dict[tuple, object] = {}


def _signer(files: SealFiles):
    """pyHanko's signer for the files, loaded once per process (and again when a file changes)."""
    from pyhanko.sign import signers

    try:
        cache_key = (files.key, files.cert, files.key.stat().st_mtime_ns, files.cert.stat().st_mtime_ns)
    except OSError as error:
        raise SealError(f"The seal's key or certificate cannot be read: {error}") from error
    if cache_key not in _signers:
        signer = signers.SimpleSigner.load(str(files.key), str(files.cert), key_passphrase=files.passphrase)
        if signer is None:
            raise SealError(
                f"The seal's key {files.key} or certificate {files.cert} cannot be loaded "
                "(wrong format, wrong passphrase, or they do not belong together)."
            )
        _signers.clear()
        _signers[cache_key] = signer
    return _signers[cache_key]


def _run(make_coroutine):
    """Run one of pyHanko's coroutines to its end, from any thread.

    pyHanko's blocking wrappers call asyncio.run, which refuses to start in a thread whose event loop is
    already running (Playwright's sync API in the tests, an async server in production). There the
    coroutine gets a loop of its own in a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def seal_pdf(data: bytes, reason: str = "praktijktest dossier") -> bytes:
    """`data` with a PAdES baseline (B-B) certification signature over the whole file; nothing may follow it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(seal_files())
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    return _run(lambda: signers.async_sign_pdf(writer, metadata, signer=signer)).getvalue()


def load_certificate(path: Path):
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(str(path))


def check_seal(data: bytes, certificate=None) -> list[str]:
    """What is wrong with the seal of `data`, in words; an empty list when it holds.

    `certificate` is the one the seal must be made with (default: the configured seal certificate); a file
    re-sealed with any other key fails, however intact its own signature.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if certificate is None:
        certificate = load_certificate(seal_files().cert)
    # pyHanko logs the diff it refuses at ERROR with a traceback; the verdict below says it in one line.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        return [f"the file cannot be read as a PDF ({error})"]
    if not signatures:
        return ["the file carries no seal (no signature)"]
    if len(signatures) > 1:
        return [f"the file carries {len(signatures)} signatures; a dossier has exactly one seal"]
    signature = signatures[0]
    context = ValidationContext(trust_roots=[certificate], allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = _run(lambda: async_validate_pdf_signature(signature, context))
    except Exception as error:  # noqa: BLE001  (a damaged signature is a failed seal, said as such)
        return [f"the seal cannot be checked ({type(error).__name__}: {error})"]
    problems = []
    if not status.intact:
        problems.append("the seal is broken: the signed bytes were changed after signing")
    elif not status.valid:
        problems.append("the seal's signature does not match its certificate")
    if signature.signer_cert.sha256 != certificate.sha256:
        problems.append(
            "the seal was made with another certificate than the dossier seal's "
            f"(signer: {signature.signer_cert.subject.human_friendly})"
        )
    elif not status.trusted:
        problems.append("the seal's certificate is not valid (expired or unusable for signing)")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("the seal does not cover the whole file: something was added after signing")
    if status.modification_level not in (None, ModificationLevel.NONE) or status.docmdp_ok is False:
        problems.append("the file was changed after signing (an incremental update follows the seal)")
    return problems
