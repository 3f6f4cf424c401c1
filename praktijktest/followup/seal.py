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

Trusted timestamp (optional): with `DOSSIER_TSA_URL` set, the seal carries an
RFC 3161 timestamp token from that time-stamping authority (pyHanko's
HTTPTimeStamper, PAdES baseline B-T, ETSI EN 319 142-1 6.3), so the time of
sealing no longer rests on the server's clock. That URL is the only address the
app calls for it; without it nothing is called. A TSA that does not answer
within `DOSSIER_TSA_TIMEOUT` seconds stops the dossier with a message: a
dossier is never sealed without the timestamp the configuration asks for.
`check_seal` checks a timestamp that is there (its token intact and over this
signature; made by `DOSSIER_TSA_CERT_FILE`'s authority when that is set).
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


class TimestampError(SealError):
    """The configured time-stamping authority gave no timestamp; the message says so in the reader's language."""


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


_timestampers: dict[tuple, object] = {}


def timestamper():
    """pyHanko's RFC 3161 client for `DOSSIER_TSA_URL`, or None when no authority is configured.

    Kept per process: its first use asks the authority once more for a token over a dummy digest (pyHanko sizes
    the signature with it), and the client keeps that answer.
    """
    url = current_app.config.get("DOSSIER_TSA_URL")
    if not url:
        return None
    timeout = current_app.config.get("DOSSIER_TSA_TIMEOUT") or 10
    if (url, timeout) not in _timestampers:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        _timestampers.clear()
        _timestampers[(url, timeout)] = HTTPTimeStamper(url, https=url.startswith("https:"), timeout=timeout)
    return _timestampers[(url, timeout)]


def seal_pdf(data: bytes, reason: str = "praktijktest dossier") -> bytes:
    """`data` with a PAdES certification signature over the whole file; nothing may follow it. Baseline B-B, or
    B-T with the configured authority's timestamp (TimestampError when it gives none)."""
    from flask_babel import gettext as _
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import TimestampRequestError

    signer = _signer(seal_files())
    stamper = timestamper()
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    # From the authority: no answer or too late (OSError, TimeoutError), an HTTP error, a refusal or a wrong nonce
    # (TimestampRequestError), or bytes that are no RFC 3161 reply (asn1crypto's ValueError and the like).
    tsa_failures = (TimestampRequestError, OSError, ValueError, TypeError, KeyError) if stamper else ()
    try:
        return _run(lambda: signers.async_sign_pdf(writer, metadata, signer=signer, timestamper=stamper)).getvalue()
    except tsa_failures as error:
        cause = error.__cause__ or error
        current_app.logger.warning("time-stamping authority %s: %s: %s", current_app.config.get("DOSSIER_TSA_URL"),
                                   type(cause).__name__, cause)
        raise TimestampError(_("The time-stamping authority gave no timestamp, so the dossier was not made. Try "
                               "again later; if it keeps failing, ask the administrator to check DOSSIER_TSA_URL."
                               )) from error


def load_certificate(path: Path):
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(str(path))


def _tsa_certificate():
    path = current_app.config.get("DOSSIER_TSA_CERT_FILE")
    return load_certificate(Path(path)) if path else None


def check_seal(data: bytes, certificate=None, details: dict | None = None,
               require_timestamp: bool = False) -> list[str]:
    """What is wrong with the seal of `data`, in words; an empty list when it holds.

    `certificate` is the one the seal must be made with (default: the configured seal certificate); a file
    re-sealed with any other key fails, however intact its own signature. A timestamp token in the seal must be
    intact and over this signature, and made by the authority of `DOSSIER_TSA_CERT_FILE` when that is set;
    `require_timestamp` makes its absence a failure too (a token is an unsigned attribute: removing it leaves the
    signature intact). `details`, when given, gets the token's time and authority ("timestamp", "tsa").
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
    tsa_certificate = _tsa_certificate()
    ts_context = ValidationContext(trust_roots=[tsa_certificate] if tsa_certificate else [], allow_fetching=False,
                                   revocation_mode="soft-fail")
    try:
        status = _run(lambda: async_validate_pdf_signature(signature, context, ts_validation_context=ts_context))
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
    stamp = status.timestamp_validity
    if stamp is None:
        if require_timestamp:
            problems.append("the seal carries no timestamp from a time-stamping authority")
        return problems
    if details is not None:
        details["timestamp"] = stamp.timestamp
        details["tsa"] = stamp.signing_cert.subject.human_friendly if stamp.signing_cert else None
    if not (stamp.intact and stamp.valid):
        problems.append("the seal's timestamp is broken: its token does not match this signature or its authority")
    elif tsa_certificate is not None and not stamp.trusted:
        problems.append("the seal's timestamp was not made by the configured time-stamping authority "
                        "(DOSSIER_TSA_CERT_FILE)")
    return problems
