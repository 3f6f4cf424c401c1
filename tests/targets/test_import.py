"""Importing the registry from CSV/XLSX: all or nothing, problems by line and column."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from praktijktest.extensions import db
from praktijktest.tabular import FileRejected, read_table
from praktijktest.targets.importing import import_file, import_targets
from praktijktest.targets.models import Target
from tests.targets.conftest import audit_events, dotted, valid_number

HEADER = "name;kind;enterprise_number;nace_code;sector;municipality;address;contact;contractor;contract_reference"


def csv_file(rows: list[str], header: str = HEADER) -> io.BytesIO:
    return io.BytesIO(("\ufeff" + "\n".join([header, *rows]) + "\n").encode())


def target_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Target))


def problems_of(org, data: io.BytesIO) -> list[str]:
    with pytest.raises(FileRejected) as rejected:
        import_file(org, data, "targets.csv")
    return [str(p) for p in rejected.value.problems.items]


def test_a_valid_file_is_imported(org, next_number):
    number = next_number()
    data = csv_file([
        f"Garage Janssens;werkgever;BE {dotted(number)};45.201;Auto;teststad;Kerkstraat 1;info@x.test;ja;C-12",
        "Mevr. Peeters;landlord;;;;Leuven;;;;",
        "Immo Zuid;agency;;68.31;Vastgoed;;;;no;",
    ])
    result = import_file(org, data, "targets.csv")
    assert len(result.created) == 3 and target_count() == 3
    garage = db.session.scalars(db.select(Target).where(Target.name == "Garage Janssens")).one()
    assert garage.enterprise_number == number and garage.nace_code == "45.201"
    assert garage.municipality.name == "Teststad"  # matched case-insensitively to the organisation's
    assert garage.is_contractor and garage.contract_reference == "C-12"
    landlord = db.session.scalars(db.select(Target).where(Target.kind == "landlord")).one()
    assert landlord.municipality_name == "Leuven" and landlord.code.startswith("V-")
    event = audit_events("target.import")[-1]
    assert event.summary == "3 targets created, 0 updated"
    assert "Janssens" not in str(event.changes)


def test_one_bad_row_among_2000_imports_nothing(org):
    rows = [f"Bedrijf {i};employer;{valid_number(f'0{5_000_000 + i:07d}')};;;;;;;" for i in range(2000)]
    bad = valid_number("05001499")
    rows[1499] = f"Bedrijf 1499;employer;{bad[:-1]}{(int(bad[-1]) + 1) % 10};;;;;;;"  # wrong check digit
    problems = problems_of(org, csv_file(rows))
    assert problems == ["line 1501, column enterprise_number: the enterprise number fails the check (mod 97): "
                        "a digit is wrong"]
    assert target_count() == 0


def test_every_problem_is_named_by_line_and_column(org, next_number):
    number = next_number()
    problems = problems_of(org, csv_file([
        f";employer;{number};;;;;;;",
        f"Twee;boer;{number};;;;;;;",
        "Drie;employer;12345;5x;;;;;misschien;",
        "Vier;;;;;;;;nee;REF",
    ]))
    assert problems == [
        "line 2, column name: the name is missing",
        "line 3, column kind: unknown kind 'boer'; use employer, landlord or agency",
        "line 4, column enterprise_number: an enterprise number has 10 digits",
        "line 4, column nace_code: A NACE code has 2 to 5 digits, like 56.101.",
        "line 4, column contractor: write yes or no, not 'misschien'",
        "line 5, column kind: the kind is missing (employer, landlord or agency)",
        "line 5, column contract_reference: a contract reference needs contractor = yes",
        f"line 3, column enterprise_number: the enterprise number {dotted(number)} is also on line 2",
    ]
    assert target_count() == 0


def test_header_problems(org):
    problems = problems_of(org, csv_file(["x;y"], header="naam;kind"))
    assert problems[0].startswith("line 1, column naam: unknown column")
    assert problems[1] == "line 1, column name: the column is missing"


def test_a_known_enterprise_number_updates_the_target(org, make_target, next_number):
    number = next_number()
    existing = make_target("Oude Naam", enterprise_number=number, sector="Bouw", is_contractor=True,
                           contract_reference="C-1")
    code = existing.code
    result = import_file(org, csv_file([f"Nieuwe Naam;employer;{dotted(number)};;;;Nieuwstraat 2;;;"]), "t.csv")
    assert result.updated == [existing] and not result.created
    assert (existing.code, existing.name, existing.sector, existing.address) == (code, "Nieuwe Naam", "Bouw",
                                                                               "Nieuwstraat 2")
    assert existing.is_contractor and existing.contract_reference == "C-1"  # empty cells keep what is there


def test_xlsx_and_dict_rows(org, next_number):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "kind", "enterprise_number"])
    sheet.append(["Excel NV", "employer", int(next_number())])  # Excel drops the leading zero
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    assert len(import_file(org, buffer, "targets.xlsx").created) == 1
    result = import_targets(org, [{"name": "Dict BV", "kind": "agency"}, {"name": "Dict 2", "kind": "employer"}])
    assert sorted(t.name for t in result.created) == ["Dict 2", "Dict BV"]
    with pytest.raises(FileRejected, match="line 3, column kind"):
        import_targets(org, [{"name": "Goed", "kind": "agency"}, {"name": "Fout", "kind": "?"}])


def test_import_pages_preview_then_confirm(client, coordinator, next_number, app):
    data = csv_file([f"Web BV;employer;{next_number()};;Bouw;;;;;", "Web 2;landlord;;;;;;;;"])
    preview = client.post("/targets/import/", data={"file": (data, "lijst.csv")}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Web BV" in html and target_count() == 0
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    assert token.startswith("pending-imports/")
    response = client.post("/targets/import/confirm", data={"token": token})
    assert response.status_code == 302 and target_count() == 2
    assert client.post("/targets/import/confirm", data={"token": token}).status_code == 302  # not twice
    assert target_count() == 2


def test_the_preview_of_updates_is_an_audited_identity_view(client, coordinator, make_target, next_number):
    number = next_number()
    existing = make_target("Bekend", enterprise_number=number)
    client.post("/targets/import/", data={"file": (csv_file([f"Bekend BV;employer;{number};;;;;;;"]), "l.csv")},
                content_type="multipart/form-data")
    event = audit_events("target.identity_view")[-1]
    assert event.summary == existing.code and event.changes["view"] == "import preview"


def test_import_page_lists_the_problems(client, coordinator):
    response = client.post("/targets/import/", data={"file": (csv_file([";employer;;;;;;;;"]), "lijst.csv")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "line 2, column name: the name is missing" in text
    assert target_count() == 0


def test_cli_import(runner, org, next_number, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file([f"Cli BV;employer;{next_number()};;;;;;;"]).getvalue())
    result = runner.invoke(args=["targets", "import", str(good), "--org", org.name])
    assert result.exit_code == 0, result.output
    assert "1 targets created, 0 updated" in result.output


def test_cli_import_exits_2_with_the_problems(runner, org, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(["Cli BV;employer;0202.239.952;;;;;;;", "Tweede;werkgever;;;;;;;;"]).getvalue())
    result = runner.invoke(args=["targets", "import", str(bad), "--org", org.name])
    assert result.exit_code == 2
    assert "line 2, column enterprise_number: the enterprise number fails the check" in result.stderr
    assert target_count() == 0


def test_tabular_reads_the_semicolon_file_with_bom():
    table = read_table(csv_file(["a;employer;;;;;;;;"]), "x.csv")
    assert table.columns[0] == "name"
