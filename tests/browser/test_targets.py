"""A coordinator imports targets from a CSV file and draws a round's sample; axe checks each page."""
from __future__ import annotations

import uuid

import pytest

from praktijktest.extensions import db
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def valid_number(first_eight: str) -> str:
    return first_eight + f"{97 - int(first_eight) % 97:02d}"


def submit(page, selector: str = "main form button[type=submit]"):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def make_draft_round(live_server, title: str) -> int:
    """A draft labour round of the demo organisation, made through the service."""
    from praktijktest.demo import DEMO_ORGANISATION
    from praktijktest.organisations.services import find_organisation
    from praktijktest.rounds.services import GroundSpec, create_round

    with live_server.app.app_context():
        round_ = create_round(find_organisation(DEMO_ORGANISATION), title, "labour",
                              [GroundSpec("origin", "Belgisch", ["Marokkaans"])])
        db.session.commit()
        round_id = round_.id
        db.session.remove()
    return round_id


def test_coordinator_imports_targets_and_draws_a_sample(open_page, live_server, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    rows = [f"Browserbedrijf {suffix} {i};werkgever;{valid_number(f'07{i:02d}{int(suffix, 16) % 10_000:04d}')};;"
            f"{'Bouw' if i % 3 else 'Zorg'};Demostad;;;nee;" for i in range(12)]
    csv_path = tmp_path / "werkgevers.csv"
    csv_path.write_text("name;kind;enterprise_number;nace_code;sector;municipality;address;contact;contractor;"
                        "contract_reference\n" + "\n".join(rows) + "\n", encoding="utf-8")
    round_id = make_draft_round(live_server, f"Steekproef {suffix}")
    page = open_page(as_role="coordinator")
    violations: list[str] = []

    page.goto("/targets/")
    violations += axe_violations(page)
    with page.expect_navigation():
        page.click("main a[href='/targets/import/']")
    violations += axe_violations(page)
    page.set_input_files("#file", str(csv_path))
    assert submit(page).status == 200
    assert f"Browserbedrijf {suffix} 11" in page.locator("main table").inner_text()
    violations += axe_violations(page)
    assert submit(page).status == 200
    assert page.url.endswith("/targets/")
    assert "12" in page.locator("main [role=status]").inner_text()

    page.fill("#f-q", f"Browserbedrijf {suffix} 1")
    submit(page, "main form.filters button[type=submit]")
    with page.expect_navigation():
        page.locator("main tbody tr", has_text=f"Browserbedrijf {suffix} 1").first.locator("a").click()
    assert "Demostad" in page.locator("main").inner_text()
    violations += axe_violations(page)

    page.goto(f"/rounds/{round_id}/sample")
    violations += axe_violations(page)
    page.fill("#size", "6")
    page.check("#by_sector")
    page.fill("#seed", "2026")
    assert submit(page).status == 200
    assert "2026" in page.locator("main [role=status]").inner_text()
    table = page.locator("main table").inner_text()
    assert "Bouw" in table and "Zorg" in table
    violations += axe_violations(page)
    assert not violations, "\n".join(violations)


def test_import_errors_are_listed_by_line(open_page, tmp_path):
    csv_path = tmp_path / "fout.csv"
    csv_path.write_text("name;kind;enterprise_number\nGoed;employer;\n;employer;0202.239.952\n", encoding="utf-8")
    page = open_page(as_role="coordinator")
    page.goto("/targets/import/")
    page.set_input_files("#file", str(csv_path))
    assert submit(page).status == 200
    problems = page.locator("main [role=alert]").inner_text()
    # The interface is Dutch: the problems are named by "regel" (line) and "kolom" (column).
    assert "regel 3, kolom name" in problems and "regel 3, kolom enterprise_number" in problems
    assert not axe_violations(page)
