"""The round report read back from the PDF: locale formats, no identity anywhere, every section, page count."""
from __future__ import annotations

import io

import numpy as np
import pytest
from pypdf import PdfReader

from praktijktest.audit.models import AuditEvent
from praktijktest.reports.round_report import render_round_report
from praktijktest.results.snapshots import latest_snapshot, run_analysis
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from tests.conftest import validation_file
from tests.results.conftest import write_csv
from tests.rounds.util import fresh


def pdf_text(data: bytes) -> str:
    """Extracted text with white space folded (a non-breaking space counts as a space)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").replace("\u00a0", " ").split()) for page in reader.pages)


def _report(db, round_id: int, lang: str, app) -> bytes:
    round_ = db.session.get(Round, round_id)
    snapshot = latest_snapshot(round_) or run_analysis(round_)
    with app.test_request_context():
        return render_round_report(round_, snapshot, None, lang)


@pytest.fixture
def bertrand_mullainathan(import_round):
    return import_round(validation_file("bertrand-mullainathan-2004.csv"), "white")["round_id"]


def test_bertrand_mullainathan_report_in_dutch_and_english(db, app, bertrand_mullainathan):
    # Published rates: 9.65% of white-sounding and 6.45% of Black-sounding names called back (Table 1 of the paper).
    dutch = _report(db, bertrand_mullainathan, "nl", app)
    english = _report(db, bertrand_mullainathan, "en", app)
    nl_text, en_text = pdf_text(dutch), pdf_text(english)
    assert "9,65 %" in nl_text and "6,45 %" in nl_text
    assert "9.65%" in en_text and "6.45%" in en_text
    names = {t.name for t in db.session.query(Target)} | {t.code for t in db.session.query(Target)}
    assert len(names) > 1000
    for data, text in ((dutch, nl_text), (english, en_text)):
        words = set(text.replace(",", " ").replace("(", " ").replace(")", " ").split())
        assert not names & words
        assert not any(name.encode() in data for name in names if len(name) > 4)  # metadata and streams
    reader = PdfReader(io.BytesIO(dutch))
    assert reader.metadata.title.startswith("Rapport") or reader.metadata.title
    assert reader.metadata.author == "Regio Test"
    assert reader.trailer["/Root"].get("/Lang") == "nl"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged (PDF/UA)


DUTCH_SECTIONS = ("Samenvatting", "Methode", "Resultaten", "Opdeling", "Per werkgever", "Beperkingen",
                  "Afwijkingen van het vooraf geregistreerde protocol", "Herhaalbaarheid")


def test_demo_round_report_has_every_section(db, app):
    from praktijktest.demo import load_demo
    from praktijktest.demo_rounds import LABOUR_TITLE

    load_demo()
    round_ = db.session.query(Round).filter_by(title=LABOUR_TITLE).one()
    snapshot = latest_snapshot(round_)
    assert snapshot is not None and round_.status == "analysed"  # `flask demo` analysed it
    with app.test_request_context():
        text = pdf_text(render_round_report(round_, snapshot, None, "nl"))
    for heading in DUTCH_SECTIONS:
        assert heading in text, heading
    packed = text.replace(" ", "")  # long hashes wrap inside their table cell
    assert snapshot.sha256 in packed and snapshot.input_sha256 in packed and round_.protocol_sha256 in packed
    assert "Demobedrijf" not in text


def _thousand_tests(tmp_path):
    """1,000 paired tests at 100 employers, outcomes drawn with a fixed seed."""
    rng = np.random.Generator(np.random.PCG64(1000))
    rows = []
    for i in range(1000):
        for group, rate in (("ref", 0.35), ("other", 0.28)):
            outcome = "invitation" if rng.random() < rate else "rejection"
            template = ("Brief A", "Brief B")[(i + (group == "ref")) % 2]
            rows.append(f"t{i},Werkgever {i % 100} NV,{group},{outcome},{template}")
    return write_csv(tmp_path / "thousand.csv", "test_id,target,group,outcome,template", rows)


def test_a_thousand_test_round_gives_a_compact_report(db, app, import_round, tmp_path):
    round_id = import_round(_thousand_tests(tmp_path), "ref")["round_id"]
    pages = len(PdfReader(io.BytesIO(_report(db, round_id, "nl", app))).pages)
    # The issue asks for about 20 pages: summary tables and charts, no per-application detail.
    assert 5 <= pages <= 25, pages


def test_download_is_audited_and_a_coordinators_report_marks_the_round_reported(db, client, login_as, import_round,
                                                                                 tmp_path, make_user, org):
    round_id = import_round(_thousand_tests(tmp_path), "ref")["round_id"]
    snapshot = run_analysis(db.session.get(Round, round_id))
    url = f"/rounds/{round_id}/results/{snapshot.id}/report.pdf?lang=en"
    login_as("viewer")
    response = client.get(url)
    assert response.mimetype == "application/pdf" and "attachment" in response.headers["Content-Disposition"]
    assert fresh(db, Round, round_id).status == "analysed"  # a viewer reading the report changes nothing
    client.post("/logout")
    login_as("coordinator")
    assert client.get(url.replace("lang=en", "lang=xx")).status_code == 200  # unknown language: Dutch
    assert fresh(db, Round, round_id).status == "reported"
    assert db.session.query(AuditEvent).filter_by(action="round.report", object_id=str(round_id)).count() == 2


def test_reports_round_command_makes_a_snapshot_first_and_says_so(db, runner, import_round, tmp_path):
    round_id = import_round(_thousand_tests(tmp_path), "ref")["round_id"]
    output = tmp_path / "report.pdf"
    result = runner.invoke(args=["reports", "round", str(round_id), "--output", str(output), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "analysing it first" in result.stderr
    assert "Round report" in pdf_text(output.read_bytes())
    assert latest_snapshot(db.session.get(Round, round_id)).sha256 in result.stdout
    missing = runner.invoke(args=["reports", "round", "999999", "--output", str(output)])
    assert missing.exit_code == 2
