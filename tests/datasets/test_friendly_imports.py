"""Friendlier imports: Dutch and French outcomes, Excel's Belgian CSV encoding, example files that import."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from praktijktest.encodings import UnknownEncoding, decode_text
from praktijktest.fieldwork.models import Response
from praktijktest.rounds.models import Round
from praktijktest.tabular import read_table
from praktijktest.targets.importing import import_file

ROUND_HEADER = "test_id;target;group;outcome"


@pytest.mark.parametrize(("written", "stored"), [
    ("uitnodiging", "invitation"), ("Uitnodiging", "invitation"), ("invitation", "invitation"),
    ("vraag om informatie", "information_request"), ("demande d'information", "information_request"),
    ("weigering", "rejection"), ("Refus", "rejection"), ("afwijzing", "rejection"),
    ("geen reactie", "no_response"), ("Geen-reactie", "no_response"), ("pas de réponse", "no_response"),
])
def test_outcomes_in_dutch_and_french(cli, org, tmp_path, db, written, stored):
    rows = []
    for test in range(2):
        rows += [f"t{test};Bakkerij {test};belgian;{written}", f"t{test};Bakkerij {test};moroccan;no_response"]
    path = tmp_path / "ronde.csv"
    path.write_text("\n".join([ROUND_HEADER, *rows]) + "\n", encoding="utf-8")
    result = cli("import", path, "--org", org.name, "--name", "Ronde", "--market", "labour", "--ground", "origin",
                 "--reference", "belgian", "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    round_id = json.loads(result.stdout)["round_id"]
    assert _outcomes(db, round_id).count(stored) >= 2


def _outcomes(db, round_id: int) -> list[str]:
    from praktijktest.fieldwork.models import Application, Test

    return list(db.session.scalars(
        db.select(Response.outcome).join(Application, Response.application_id == Application.id)
        .join(Test, Application.test_id == Test.id).where(Test.round_id == round_id)))


def test_an_unknown_outcome_is_still_refused(cli, org, tmp_path, table_counts):
    path = tmp_path / "ronde.csv"
    path.write_text(f"{ROUND_HEADER}\nt1;B;belgian;misschien\nt1;B;moroccan;weigering\n", encoding="utf-8")
    before = table_counts()
    result = cli("import", path, "--org", org.name, "--name", "R", "--market", "labour", "--ground", "origin",
                 "--reference", "belgian")
    assert result.exit_code == 2 and "line 2, column outcome: unknown outcome “misschien”" in result.stderr
    assert table_counts() == before


def test_windows_1252_is_detected_and_named():
    # What Excel writes in Belgium: accents, a curly apostrophe (0x92) and the euro sign (0x80).
    text = "naam;soort\nCafé ’t Hoekske;werkgever\nRené Brûlé – 5 €;verhuurder\nLéonie Dubœuf;bailleur\n"
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    decoded = decode_text(data)
    assert decoded.encoding == "Windows-1252" and decoded.text == text
    table = read_table(io.BytesIO(data), "lijst.csv")
    assert table.encoding == "Windows-1252" and table.rows[0][1]["naam"] == "Café ’t Hoekske"


def test_utf8_stays_utf8_and_binary_is_refused():
    assert decode_text("é;ë\n".encode("utf-8-sig")).encoding == "UTF-8"
    with pytest.raises(UnknownEncoding):
        decode_text(bytes(range(256)) * 40)  # control characters: no spreadsheet wrote this


def test_target_import_from_excel_csv(org):
    data = "name;kind;municipality\nBoulangerie Léonard;employeur;Liège\nMevrouw Peeters;verhuurder;Zelzate\n"
    result = import_file(org, io.BytesIO(data.encode("cp1252")), "lijst.csv")
    assert sorted(t.name for t in result.created) == ["Boulangerie Léonard", "Mevrouw Peeters"]


def test_the_preview_says_which_encoding_was_read(client, login_as):
    login_as("coordinator")
    data = "name;kind\nCafé Brûlé;werkgever\n".encode("cp1252")
    page = client.post("/targets/import/", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "lijst.csv")}).get_data(as_text=True)
    assert "Windows-1252" in page and "Café Brûlé" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_target_examples_import_as_they_are(client, login_as, org, fmt):
    login_as("coordinator", org)
    response = client.get(f"/examples/targets.{fmt}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    result = import_file(org, io.BytesIO(response.get_data()), f"voorbeeld.{fmt}")
    assert len(result.created) == 3  # the three rows of docs/data-format.md


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_round_examples_import_as_they_are(client, login_as, org, cli, tmp_path, db, fmt):
    login_as("coordinator", org)
    response = client.get(f"/examples/round.{fmt}")
    assert response.status_code == 200
    path = tmp_path / f"voorbeeld.{fmt}"
    path.write_bytes(response.get_data())
    if fmt == "xlsx":
        assert load_workbook(path).active.max_row == 5
    result = cli("import", path, "--org", org.name, "--name", "Voorbeeld", "--market", "labour", "--ground",
                 "origin", "--reference", "belgian", "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    summary = json.loads(result.stdout)
    assert db.session.get(Round, summary["round_id"]) is not None
    assert sorted(_outcomes(db, summary["round_id"])) == ["invitation", "no_response", "rejection", "rejection"]


def test_import_pages_offer_the_examples(client, login_as):
    login_as("coordinator")
    for page, links in (("/targets/import/", ("/examples/targets.csv", "/examples/targets.xlsx")),
                        ("/datasets/import", ("/examples/round.csv", "/examples/round.xlsx"))):
        html = client.get(page).get_data(as_text=True)
        assert all(f'href="{link}"' in html for link in links), page


@pytest.fixture
def _english(client):
    client.post("/language", data={"locale": "en", "next": "/"})


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16"])
def test_round_import_page_reads_excel_encodings(client, login_as, app, tmp_path, monkeypatch, _english, encoding):
    monkeypatch.setitem(app.config, "DATASET_UPLOAD_DIR", str(tmp_path / "uploads"))
    login_as("coordinator")
    data = ("test_id;target;group;outcome\nt1;Crème Léon;belgian;uitnodiging\nt1;Crème Léon;moroccan;weigering\n"
            .encode(encoding))
    page = client.post("/datasets/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), "ronde.csv"), "title": "Ronde", "market": "labour", "ground": "origin",
        "reference": "belgian", "positive": ["invitation"]}).get_data(as_text=True)
    assert "Check the import" in page
    assert ("UTF-16" if encoding == "utf-16" else "Windows-1252") in page
