"""The seal's optional RFC 3161 timestamp, against a time-stamping authority served here over HTTP.

The authority is pyHanko's own test TSA (`DummyTimeStamper`) behind a plain `http.server` on 127.0.0.1, so the
app's real client (pyHanko's HTTPTimeStamper, over aiohttp) talks HTTP to it as to a real one. The token is then
checked from outside with asn1crypto and hashlib: RFC 3161 appendix A says a signature timestamp is over the
signature value of the SignerInfo.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.followup.dossier import DossierError, generate_dossier


def _tsa_identity(name: str):
    """An RSA key and a self-signed certificate for time stamping only (pyHanko's test TSA signs with RSA)."""
    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (cx509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(cx509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return (x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)), keys.PrivateKeyInfo.load(der_key),
            pem)


class LocalTsa:
    """A time-stamping authority on 127.0.0.1: answers RFC 3161 requests, or fails with HTTP 500 on demand."""

    def __init__(self, tmp_path, name="praktijktest test TSA"):
        from asn1crypto import tsp
        from pyhanko.sign.timestamps import DummyTimeStamper

        cert, key, pem = _tsa_identity(name)
        self.cert_file = tmp_path / f"{name.replace(' ', '-')}.pem"
        self.cert_file.write_bytes(pem)
        stamper = DummyTimeStamper(tsa_cert=cert, tsa_key=key)
        self.requests = 0
        self.failing = None  # or "refuses" (HTTP 500), "garbage" (no RFC 3161 reply), "slow" (past the timeout)
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                tsa.requests += 1
                if tsa.failing == "refuses" or self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(500)
                    return
                if tsa.failing == "slow":
                    time.sleep(3)  # beyond the test's timeout of 1 s
                reply = (b"\x30\x03not a reply" if tsa.failing == "garbage"
                         else stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump())
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def tsa(app, tmp_path, monkeypatch):
    from praktijktest.followup import seal

    authority = LocalTsa(tmp_path)
    monkeypatch.setitem(app.config, "DOSSIER_TSA_URL", authority.url)
    monkeypatch.setitem(app.config, "DOSSIER_TSA_TIMEOUT", 5)
    monkeypatch.setattr(seal, "_timestampers", {})
    yield authority
    authority.close()


def _token(data: bytes):
    """(signature value, TSTInfo) of the dossier's one seal, read with pyHanko's reader and asn1crypto."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    signature = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures[0]
    unsigned = signature.signer_info["unsigned_attrs"]
    tokens = [a["values"][0] for a in unsigned if a["type"].native == "signature_time_stamp_token"]
    assert len(tokens) == 1
    tst_info = tokens[0]["content"]["encap_content_info"]["content"].parsed
    return signature.signer_info["signature"].native, tst_info


def test_the_seal_carries_the_authoritys_timestamp_over_its_signature(app, db, flagged_round, tsa, tmp_path):
    round_, _, targets = flagged_round()
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    data = generate_dossier(round_, targets[0].code, None, "en")
    after = datetime.datetime.now(datetime.UTC)
    assert tsa.requests >= 1
    signature_value, tst_info = _token(data)
    imprint = tst_info["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha256"
    assert imprint["hashed_message"].native == hashlib.sha256(signature_value).digest()
    assert before <= tst_info["gen_time"].native <= after

    path = tmp_path / "dossier.pdf"
    path.write_bytes(data)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "verify", str(path), "--require-timestamp"])
    assert result.exit_code == 0, result.output
    assert "Timestamp:" in result.output and "praktijktest test TSA" in result.output
    # With the authority's certificate configured, the token must be that authority's.
    app.config["DOSSIER_TSA_CERT_FILE"] = str(tsa.cert_file)
    try:
        assert runner.invoke(args=["reports", "verify", str(path)]).exit_code == 0
        other = LocalTsa(tmp_path, name="another TSA")
        other.close()
        app.config["DOSSIER_TSA_CERT_FILE"] = str(other.cert_file)
        result = runner.invoke(args=["reports", "verify", str(path)])
        assert result.exit_code == 1 and "not made by the configured time-stamping authority" in result.output
    finally:
        app.config["DOSSIER_TSA_CERT_FILE"] = None


def test_one_changed_byte_still_fails_with_a_timestamp(app, db, flagged_round, tsa, tmp_path):
    round_, _, targets = flagged_round()
    data = bytearray(generate_dossier(round_, targets[0].code, None, "en"))
    data[len(data) // 3] ^= 0x01
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(data))
    assert app.test_cli_runner().invoke(args=["reports", "verify", str(path)]).exit_code == 1


def test_without_an_authority_no_timestamp_is_asked_and_require_timestamp_fails(app, db, flagged_round, tmp_path):
    from praktijktest.followup import seal

    assert app.config.get("DOSSIER_TSA_URL") is None
    with app.app_context():
        assert seal.timestamper() is None
    round_, _, targets = flagged_round()
    path = tmp_path / "dossier.pdf"
    path.write_bytes(generate_dossier(round_, targets[0].code, None, "en"))
    runner = app.test_cli_runner()
    plain = runner.invoke(args=["reports", "verify", str(path)])
    assert plain.exit_code == 0 and "No timestamp" in plain.output
    strict = runner.invoke(args=["reports", "verify", str(path), "--require-timestamp"])
    assert strict.exit_code == 1 and "no timestamp" in strict.output


@pytest.mark.parametrize("failure", ["refuses", "garbage", "slow", "unreachable"])
def test_an_authority_that_gives_no_timestamp_stops_the_dossier(app, db, flagged_round, tsa, failure, tmp_path,
                                                                 monkeypatch):
    """Nothing is made and nothing audited; the command line exits 2 with the reason and writes no file."""
    round_, _, targets = flagged_round()
    monkeypatch.setitem(app.config, "DOSSIER_TSA_TIMEOUT", 1)
    if failure == "unreachable":
        tsa.close()
    else:
        tsa.failing = failure
    with pytest.raises(DossierError, match="time-stamping authority gave no timestamp"):
        generate_dossier(round_, targets[0].code, None, "en")
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "followup.dossier")).all()
    out = tmp_path / "dossier.pdf"
    result = app.test_cli_runner().invoke(args=["reports", "dossier", str(round_.id), targets[0].code,
                                                "--output", str(out)])
    assert result.exit_code == 2 and "DOSSIER_TSA_URL" in result.output and not out.exists()  # said in Dutch


def test_the_case_page_download_says_why_instead_of_failing(db, client, login_as, org, flagged_round, tsa):
    from praktijktest.followup.services import open_case

    round_, snapshot, targets = flagged_round(organisation=org)
    case = open_case(snapshot, targets[0].code)
    tsa.failing = "refuses"
    login_as("coordinator", org)
    response = client.get(f"/follow-up/{case.id}/dossier")
    assert response.status_code == 302 and response.location.endswith(f"/follow-up/{case.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "tijdstempeldienst" in page  # the reason, in the coordinator's language (nl-BE by default)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DOSSIER_TSA_URL", "ftp://tsa.example.test/", "http:// or https://"),
    ("DOSSIER_TSA_URL", "https:///no-host", "http:// or https://"),
    ("DOSSIER_TSA_TIMEOUT", "0", "DOSSIER_TSA_TIMEOUT"),
    ("DOSSIER_TSA_TIMEOUT", "60", "at most 20"),
    ("DOSSIER_TSA_TIMEOUT", "ten", "DOSSIER_TSA_TIMEOUT"),
    ("DOSSIER_TSA_CERT_FILE", "/nonexistent/tsa.pem", "does not exist"),
])
def test_bad_authority_settings_refuse_to_start(tmp_path, monkeypatch, name, value, message):
    from praktijktest.config import ConfigError, load_config

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "instance")


def test_authority_settings_are_read(tmp_path, monkeypatch):
    from praktijktest.config import load_config

    assert load_config(tmp_path / "a")["DOSSIER_TSA_URL"] is None
    monkeypatch.setenv("DOSSIER_TSA_URL", " https://tsa.example.test/rfc3161 ")
    monkeypatch.setenv("DOSSIER_TSA_TIMEOUT", "7.5")
    config = load_config(tmp_path / "b")
    assert (config["DOSSIER_TSA_URL"], config["DOSSIER_TSA_TIMEOUT"]) == ("https://tsa.example.test/rfc3161", 7.5)
