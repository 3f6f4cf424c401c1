"""The dossier's seal (PAdES, pyHanko) and its PDF/A-3 form, checked from outside: pyHanko's own validator
through `reports verify`, pypdf for the file's structure, and bytes changed by hand."""

from __future__ import annotations

import io
import stat

import pytest
from pypdf import PdfReader

from praktijktest.followup.dossier import generate_dossier, render_unsealed


@pytest.fixture
def dossier(db, flagged_round):
    round_, _, targets = flagged_round()
    return round_, targets[0], generate_dossier(round_, targets[0].code, None, "en")


def verify(app, path):
    return app.test_cli_runner().invoke(args=["reports", "verify", str(path)])


def test_a_genuine_dossier_verifies(app, dossier, tmp_path):
    path = tmp_path / "dossier.pdf"
    path.write_bytes(dossier[2])
    result = verify(app, path)
    assert result.exit_code == 0, result.output
    assert "the seal holds" in result.output


def _signature_contents_span(data: bytes) -> tuple[int, int]:
    """Where the signature's hex /Contents lies: the gap of its /ByteRange [a b c d], bytes b..c."""
    import re

    a, b, c, d = map(int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data).groups())
    assert a == 0 and c + d == len(data)  # the signed ranges reach the end of the file
    return b, c


@pytest.mark.parametrize("where", ["page content", "middle", "signature value", "last bytes"])
def test_one_changed_byte_fails_with_a_non_zero_exit(app, dossier, tmp_path, where):
    data = bytearray(dossier[2])
    gap_start, gap_end = _signature_contents_span(bytes(data))
    position = {
        "page content": len(data) // 10,
        "middle": gap_start // 2,
        "signature value": gap_start + 200,
        "last bytes": len(data) - 30,
    }[where]
    data[position] = (
        data[position] ^ 0x01
        if data[position] not in b"0123456789abcdef"
        else ord("0" if data[position] != ord("0") else "1")
    )  # inside the hex signature, keep it hex
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(data))
    result = verify(app, path)
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output


def test_an_update_appended_after_signing_is_detected(app, dossier, tmp_path):
    """An incremental update leaves the signed bytes intact; the seal must still say the file changed."""
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(dossier[2]))
    info = writer.trailer["/Info"].get_object() if "/Info" in writer.trailer else None
    writer.root[NameObject("/Lang")] = TextStringObject("fr")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(dossier[2])  # really appended, the signed bytes untouched
    path = tmp_path / "appended.pdf"
    path.write_bytes(out.getvalue())
    result = verify(app, path)
    assert result.exit_code == 1
    assert "changed after signing" in result.output or "does not cover the whole file" in result.output
    assert info is None or info  # (the update is a real PDF revision, not garbage)


def test_plain_bytes_appended_after_the_file_fail(app, dossier, tmp_path):
    path = tmp_path / "tail.pdf"
    path.write_bytes(dossier[2] + b"\\n% appended\\n")
    assert verify(app, path).exit_code == 1


def test_an_attachment_swapped_in_an_update_fails_on_seal_and_hash(app, dossier, tmp_path):
    """Replacing an evidence file's stream in an incremental update: the seal fails, and so does the hash."""
    from pyhanko.pdf_utils.generic import StreamObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(dossier[2]))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    filespec = names[1].get_object()
    reference = filespec["/EF"].raw_get("/F")
    stream = reference.get_object()
    replacement = StreamObject(dict(stream.items()), stream_data=b"a different e-mail")
    writer.mark_update(reference)
    writer.objects[(reference.generation, reference.idnum)] = replacement
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "swapped.pdf"
    path.write_bytes(out.getvalue())
    result = verify(app, path)
    assert result.exit_code == 1
    assert "seal:" in result.output and str(names[0])[:64] in result.output


def test_a_dossier_resealed_with_another_key_fails(app, db, flagged_round, tmp_path, monkeypatch):
    """An intact signature is not enough: it must be the dossier seal's own certificate."""
    from praktijktest.followup import seal

    round_, _, targets = flagged_round()
    unsealed = render_unsealed(round_, targets[0].code, None, "en")
    other = seal.make_development_seal(tmp_path / "other-seal")
    monkeypatch.setitem(app.config, "DOSSIER_SEAL_KEY_FILE", str(other.key))
    monkeypatch.setitem(app.config, "DOSSIER_SEAL_CERT_FILE", str(other.cert))
    forged = seal.seal_pdf(unsealed)
    monkeypatch.setitem(app.config, "DOSSIER_SEAL_KEY_FILE", None)
    monkeypatch.setitem(app.config, "DOSSIER_SEAL_CERT_FILE", None)
    path = tmp_path / "forged.pdf"
    path.write_bytes(forged)
    result = verify(app, path)
    assert result.exit_code == 1 and "another certificate" in result.output
    ok = app.test_cli_runner().invoke(args=["reports", "verify", str(path), "--cert", str(other.cert)])
    assert ok.exit_code == 0, ok.output  # the same file checks out against the key it was made with


def test_an_unsealed_pdf_fails(app, db, flagged_round, tmp_path):
    round_, _, targets = flagged_round()
    path = tmp_path / "unsealed.pdf"
    path.write_bytes(render_unsealed(round_, targets[0].code, None, "en"))
    result = verify(app, path)
    assert result.exit_code == 1 and "no seal" in result.output


def test_the_development_seal_is_private_and_made_once(tmp_path):
    from praktijktest.followup.seal import make_development_seal

    first = make_development_seal(tmp_path / "seal")
    key_bytes = first.key.read_bytes()
    for path in (first.key, first.cert):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert make_development_seal(tmp_path / "seal").key.read_bytes() == key_bytes


def test_production_without_seal_files_refuses_to_seal(app, monkeypatch):
    from praktijktest.followup.seal import SealError, seal_files

    monkeypatch.setitem(app.config, "PRAKTIJKTEST_ENV", "production")
    monkeypatch.setitem(app.config, "DOSSIER_SEAL_KEY_FILE", None)
    with app.app_context(), pytest.raises(SealError, match="DOSSIER_SEAL_KEY_FILE"):
        seal_files()


def test_the_dossier_is_tagged_pdf_a_3_with_typed_evidence_files(dossier):
    """ISO 19005-3: XMP says part 3, level A (tagged); an output intent; every embedded file has a media type
    and an AFRelationship, and the catalogue's /AF lists it."""
    reader = PdfReader(io.BytesIO(dossier[2]))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root and root["/Lang"]
    assert root["/OutputIntents"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    filespecs = [names[i].get_object() for i in range(1, len(names), 2)]
    assert len(filespecs) == 20
    af = {ref.idnum for ref in root["/AF"]}
    for filespec in filespecs:
        assert filespec["/AFRelationship"] == "/Source"
        assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/message/rfc822"  # the fixture's .eml files
        assert filespec.indirect_reference.idnum in af


def test_sealing_and_checking_work_in_a_thread_whose_event_loop_runs(app, dossier):
    # Playwright's sync API (and an async server) keep a loop running: pyHanko's blocking wrappers refuse there.
    # The loop runs in a thread of its own, so this test runs whatever loop the test session already has.
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from praktijktest.followup.seal import check_seal, seal_pdf

    unsealed = render_unsealed(dossier[0], dossier[1].code, None, "en")

    def in_a_thread_with_a_running_loop():
        async def inside():
            sealed = seal_pdf(unsealed)
            return sealed, check_seal(sealed)

        with app.app_context():
            return asyncio.run(inside())

    with ThreadPoolExecutor(max_workers=1) as pool:
        sealed, problems = pool.submit(in_a_thread_with_a_running_loop).result()
    assert problems == [] and check_seal(sealed[:-1] + b"x") != []
