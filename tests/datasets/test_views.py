"""The coordinator's import page (upload, preview, confirm, error table) and the round downloads."""
from __future__ import annotations

import html
import io

import pytest

from praktijktest import evidence_store
from praktijktest.audit.models import AuditEvent
from praktijktest.rounds.models import Round
from tests.conftest import visible_text as _visible_text


def visible_text(page: str) -> str:
    return html.unescape(_visible_text(page))

CSV = ("test_id,target,group,outcome\n" + "".join(
    f"t{t},Bakkerij {t},belgian,invitation\nt{t},Bakkerij {t},moroccan,no_response\n" for t in range(1, 6)))


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DATASET_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture(autouse=True)
def in_english(client):
    """The pages' source strings are English; the default locale is Dutch."""
    client.post("/language", data={"locale": "en", "next": "/"})


def _post(client, data: bytes, filename: str = "round.csv", reference: str = "belgian"):
    return client.post("/datasets/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), filename), "title": "Ronde 2019", "market": "labour", "ground": "origin",
        "reference": reference, "positive": ["invitation", "information_request"]})


def _rounds(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Round))


def test_upload_preview_confirm(client, login_as, db, upload_dir):
    login_as("coordinator")
    assert "Import a finished round" in client.get("/datasets/import").get_data(as_text=True)
    before = _rounds(db)
    page = _post(client, CSV.encode())
    text = visible_text(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Check the import" in text and "Tests 5" in text and "Applications 10" in text
    assert "Targets 5 (5 new, 0 already in the registry)" in text
    assert "belgian 5 reference group" in text
    assert _rounds(db) == before and len(list(upload_dir.iterdir())) == 1
    waiting = next(upload_dir.iterdir()).read_bytes()
    assert b"Bakkerij" not in waiting and waiting.startswith(evidence_store.MAGIC)  # encrypted while it waits
    done = client.post("/datasets/import/confirm", data={"confirm": "1"})
    assert done.status_code == 302
    assert _rounds(db) == before + 1 and list(upload_dir.iterdir()) == []
    round_ = db.session.scalars(db.select(Round).order_by(Round.id.desc())).first()
    assert (round_.title, round_.status, round_.source) == ("Ronde 2019", "analysed", "imported")
    # confirming twice does not import twice
    assert client.post("/datasets/import/confirm", data={"confirm": "1"}).status_code == 302
    assert _rounds(db) == before + 1


def test_cancel_removes_the_waiting_file(client, login_as, db, upload_dir):
    login_as("coordinator")
    _post(client, CSV.encode())
    assert client.post("/datasets/import/confirm", data={"cancel": "1"}).status_code == 302
    assert list(upload_dir.iterdir()) == []


def test_preview_shows_warnings(client, login_as):
    login_as("coordinator")
    page = _post(client, (CSV + "t9,Garage,belgian,invitation\n").encode())
    assert "1 test has applications of one group only" in visible_text(page.get_data(as_text=True))


@pytest.mark.parametrize(("data", "filename", "message"), [
    (CSV.replace("t3,Bakkerij 3,moroccan,no_response", "t3,Bakkerij 3,moroccan,nope").encode(), "round.csv",
     "unknown outcome “nope”"),
    (b"", "round.csv", "the file is empty"),
    (CSV.encode(), "round.pdf", "Choose a CSV or XLSX file."),
    (bytes(range(256)) * 40, "round.csv", "not UTF-8"),
    (b"PK\x03\x04" + bytes(range(256)) * 10, "round.xlsx", "cannot be opened"),
    # UTF-16 and Windows-1252 files are read since the encoding is detected (test_friendly_imports.py).
    (b"test_id,target,group,outcome\nt1,A\x00,belgian,invitation\n", "round.csv", ""),
])
def test_bad_files_show_the_error_table(client, login_as, db, data, filename, message):
    login_as("coordinator")
    before = _rounds(db)
    page = _post(client, data, filename)
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "Nothing was imported" in text and message in text
    assert _rounds(db) == before


def test_unknown_reference_group_in_the_table(client, login_as):
    login_as("coordinator")
    text = visible_text(_post(client, CSV.encode(), reference="white").get_data(as_text=True))
    assert "group the reference group 'white' does not occur in the file" in text


def test_belgian_excel_semicolons_and_bom(client, login_as, db):
    login_as("coordinator")
    page = _post(client, CSV.replace(",", ";").encode("utf-8-sig"))
    assert "Applications 10" in visible_text(page.get_data(as_text=True))


def test_huge_file_is_a_413_page(client, login_as, app, monkeypatch):
    login_as("coordinator")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    page = _post(client, CSV.encode() * 50)
    assert page.status_code == 413 and "too large" in page.get_data(as_text=True)


def test_a_confirmation_without_upload_goes_back(client, login_as):
    login_as("coordinator")
    response = client.post("/datasets/import/confirm", data={"confirm": "1"}, follow_redirects=True)
    assert "upload it again" in response.get_data(as_text=True)


@pytest.fixture
def imported(client, login_as):
    user = login_as("coordinator")
    _post(client, CSV.encode())
    client.post("/datasets/import/confirm", data={"confirm": "1"})
    from praktijktest.extensions import db

    return user, db.session.scalars(db.select(Round).order_by(Round.id.desc())).first()


def test_coordinator_downloads(client, imported, db):
    _, round_ = imported
    csv_file = client.get(f"/datasets/rounds/{round_.id}/export?format=csv")
    assert csv_file.status_code == 200 and csv_file.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = csv_file.get_data().decode("utf-8-sig")
    assert text.startswith("test_id,target,target_type,group,outcome") and "Bakkerij" not in text
    xlsx = client.get(f"/datasets/rounds/{round_.id}/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"
    named = client.post(f"/datasets/rounds/{round_.id}/export/identities", data={"format": "csv"})
    assert named.status_code == 200 and "Bakkerij 1" in named.get_data().decode("utf-8-sig")
    assert 'filename="round-' in named.headers["Content-Disposition"]
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.object_id == str(round_.id)))
    assert {"round.import", "round.export", "round.export_identities"} <= set(actions)


@pytest.mark.parametrize("role", ["viewer", "tester", "admin"])
def test_other_roles_may_not_download(client, imported, login_as, role):
    _, round_ = imported
    client.post("/logout")
    login_as(role)
    assert client.get(f"/datasets/rounds/{round_.id}/export").status_code == 403
    assert client.post(f"/datasets/rounds/{round_.id}/export/identities").status_code == 403


def test_another_organisations_coordinator_gets_404(client, imported, login_as, other_org):
    _, round_ = imported
    client.post("/logout")
    login_as("coordinator", other_org)
    assert client.get(f"/datasets/rounds/{round_.id}/export").status_code == 404


def test_round_page_offers_downloads_to_coordinators_only(client, imported, login_as):
    _, round_ = imported
    page = visible_text(client.get(f"/rounds/{round_.id}").get_data(as_text=True))
    assert "Download as CSV" in page and "Download with identities" in page
    client.post("/logout")
    login_as("viewer")
    page = client.get(f"/rounds/{round_.id}")
    assert page.status_code == 200 and "Download as CSV" not in page.get_data(as_text=True)
