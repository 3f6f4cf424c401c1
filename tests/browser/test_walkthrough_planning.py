"""End-to-end walkthrough: a coordinator plans a round in the Dutch interface, as a new user would.

Create a round from scratch, follow the task list at the top of its page:
add profiles and templates, import targets from a CSV file, draw the
sample, generate the schedule, read the balance report and the planning
warning, check everything on the check-before-locking page, lock the
protocol, and open the pre-registration PDF from the confirmation page.
Every page passes axe; `-s` prints what the coordinator saw at each step.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def submit(page, selector: str = "main form button[type=submit]"):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def follow(page, selector: str):
    with page.expect_navigation():
        page.click(selector)


def valid_number(first_eight: str) -> str:
    """A KBO/BCE number with its mod-97 check digits."""
    return first_eight + f"{97 - int(first_eight) % 97:02d}"


def step(text: str) -> None:
    print(f"  - {text}")


def write_targets_csv(path, suffix: str) -> None:
    rows = [f"Wandelbedrijf {suffix} {i};werkgever;{valid_number(f'08{i:02d}{int(suffix, 16) % 10_000:04d}')};"
            f"{'Horeca' if i % 2 else 'Bouw'};{'Demodorp' if i % 3 else 'Demostad'}" for i in range(16)]
    path.write_text("name;kind;enterprise_number;sector;municipality\n" + "\n".join(rows) + "\n", encoding="utf-8")


def create_round(page, title: str) -> int:
    follow(page, "main a[href='/rounds/new']")
    page.fill("#title", title)
    page.check("input[name=market][value=labour]")
    page.select_option("#grounds-0-ground", "origin")
    page.fill("#grounds-0-reference", "Belgische naam")
    page.fill("#grounds-0-others", "Maghrebijnse naam")
    page.fill("#planned_tests_per_target", "3")
    page.fill("#fdr_level", "5")
    page.fill("#protocol", PROTOCOL)
    submit(page, "#save")
    assert page.locator("main h1").inner_text().startswith(title)
    return int(page.url.rstrip("/").split("/")[-1])


def add_profiles_and_templates(page, round_id: int) -> None:
    page.goto(f"/rounds/{round_id}/profiles")
    for name, group in (("Thomas Peeters", "Belgische naam"), ("Mohamed El Amrani", "Maghrebijnse naam")):
        page.fill("#name", name)
        page.select_option("#group", label=page.locator("#group option", has_text=group).inner_text())
        page.fill("#email", f"{name.split()[0].lower()}@example.com")
        submit(page, "main form:not(.inline-form) button[type=submit]")
    assert page.locator("main table tbody tr").count() == 2
    page.goto(f"/rounds/{round_id}/templates")
    for name in ("Brief A", "Brief B"):
        page.fill("#name", name)
        page.fill("#subject", SUBJECT)
        page.fill("#body", letter(name).replace("\r\n", "\n"))
        submit(page, "main form:not(.inline-form) button[type=submit]")
    assert page.locator("main table tbody tr").count() == 2


def import_targets(page, csv_path) -> None:
    page.goto("/targets/")
    follow(page, "main a[href='/targets/import/']")
    page.set_input_files("#file", str(csv_path))
    submit(page)  # the preview
    assert page.locator("main .field-error, main .flash-error").count() == 0, page.locator("main").inner_text()
    submit(page)  # confirmed
    assert page.locator("main [role=status]").first.inner_text() == (
        "16 werkgevers en verhuurders toegevoegd, 0 bijgewerkt.")


def generate_schedule(page) -> str:
    page.fill("#start_date", "2026-12-01")
    page.fill("#lag_min", "1")
    page.fill("#lag_max", "3")
    page.fill("#tests_per_day", "4")
    page.fill("#seed", "2026")
    submit(page, "main form button[type=submit]")
    assert page.locator("main .field-error").count() == 0, page.locator("main").inner_text()
    return page.locator("main [role=status]").first.inner_text()


PROTOCOL = "Twee sollicitaties per vacature, één tot drie werkdagen na elkaar. Uitnodigingen afzeggen."
SUBJECT = "Sollicitatie {{ listing.title }}"


def letter(name: str) -> str:
    # Browsers send a textarea's line breaks as CRLF (HTML form submission).
    return f"Beste,\r\nik solliciteer als {{{{ listing.title }}}} ({name}).\r\n{{{{ profile.name }}}}"


def _entered_design() -> dict:
    """The design this walkthrough enters, in the pre-registration's canonical form (docs: rounds)."""
    def template(name):
        return {"name": name, "sha256": hashlib.sha256(f"{SUBJECT}\n{letter(name)}".encode()).hexdigest()}

    return {
        "format": "praktijktest-preregistration/1", "market": "labour", "test_type": "correspondence",
        "grounds": [{"ground": "origin", "description": "", "reference_group": "Belgische naam",
                     "other_groups": ["Maghrebijnse naam"]}],
        "positive_outcomes": ["information_request", "invitation"], "response_window_days": 14,
        "fdr_level": 0.05, "planned_tests_per_target": 3, "applications_per_group": 1, "municipalities": [],
        "is_awareness_only": True, "profiles_per_group": {"Belgische naam": 1, "Maghrebijnse naam": 1},
        "templates": [template("Brief A"), template("Brief B")], "protocol": PROTOCOL,
    }


def task_statuses(page) -> dict[str, str]:
    """The round page's task list, as {step: status}."""
    tasks = page.locator("ol.task-list li")
    return {tasks.nth(i).locator(".task-name").inner_text(): tasks.nth(i).locator(".task-status").inner_text()
            for i in range(tasks.count())}


def test_coordinator_plans_a_round_from_scratch(open_page, live_server, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    csv_path = tmp_path / "werkgevers.csv"
    write_targets_csv(csv_path, suffix)
    page = open_page(as_role="coordinator")
    violations: list[str] = []
    print("\nWalkthrough (coordinator, Dutch interface):")

    page.goto("/rounds/")
    assert page.locator("html").get_attribute("lang") == "nl"
    round_id = create_round(page, f"Arbeidsmarkt wandeling {suffix}")
    step(f"created round {round_id}: {page.locator('main h1').inner_text()}")
    violations += axe_violations(page)
    tasks = task_statuses(page)
    step(f"task list: {tasks}")
    assert tasks["Opzet van de testronde"] == "Klaar" and tasks["Profielen (de fictieve kandidaten)"] == "Te doen"
    assert tasks["Controleren en het protocol vastleggen"] == "Kan nog niet"
    # The task list links to the first step that is left, and each step's page to the next.
    follow(page, f"ol.task-list a[href='/rounds/{round_id}/profiles']")
    assert page.locator(f"nav.round-tabs a[aria-current=page][href='/rounds/{round_id}/profiles']").count() == 1
    assert page.locator(f"p.next-step a[href='/rounds/{round_id}/templates']").count() == 1

    add_profiles_and_templates(page, round_id)
    step("added 2 profiles (one per group) and 2 templates")
    violations += axe_violations(page)

    import_targets(page, csv_path)
    step(f"imported: {page.locator('main [role=status]').inner_text()}")
    violations += axe_violations(page)

    page.goto(f"/rounds/{round_id}")
    assert task_statuses(page)["Profielen (de fictieve kandidaten)"] == "Klaar"
    follow(page, f"ol.task-list a[href='/rounds/{round_id}/sample']")
    page.fill("#size", "12")
    page.fill("#seed", "2026")
    submit(page)
    assert page.locator("main .field-error").count() == 0, page.locator("main").inner_text()
    drawn = page.locator("main [role=status]").first.inner_text()
    step(f"sample: {drawn}")
    assert drawn == "12 werkgevers en verhuurders getrokken met lotingsgetal 2026."
    violations += axe_violations(page)

    follow(page, f"p.next-step a[href='/rounds/{round_id}/schedule']")  # the sample page's next step
    violations += axe_violations(page)
    flash = generate_schedule(page)
    step(f"schedule: {flash}")
    tests = page.locator("section[aria-labelledby=tests-heading] tbody tr").count()
    assert tests >= 12  # one test per sampled target at least (these targets have no listing yet)
    assert flash == f"Planning gemaakt: {tests} tests, {2 * tests} aanvragen, lotingsgetal 2026."
    balance = page.locator("#balance-heading + p + p").inner_text()
    step(f"balance report: {balance}")
    tables = page.locator("section[aria-labelledby=balance-heading] table")
    hints = page.locator("section[aria-labelledby=balance-heading] p.hint")
    assert tables.count() == 3 and hints.count() == 3
    largest = []
    for i in range(3):
        step(" | ".join(tables.nth(i).inner_text().split("\n")))
        body_rows = tables.nth(i).locator("tbody tr")
        rows = [[int(c.replace(".", "")) for c in body_rows.nth(r).locator("td").all_inner_texts()]
                for r in range(body_rows.count())]
        # Every application is counted once per table: the cells add up to all applications.
        assert sum(map(sum, rows)) == 2 * tests
        largest.append(max(max(row) - min(row) for row in rows))
        stated = re.search(r"grootste verschil binnen een rij: (\d+)", hints.nth(i).inner_text())
        assert stated and int(stated.group(1)) == largest[-1], hints.nth(i).inner_text()
    if max(largest) == 0:
        assert balance == "Volledig in evenwicht: elke rij van elke tabel heeft gelijke aantallen."
    else:
        assert balance.startswith(f"Bijna in evenwicht: twee cellen van één rij verschillen hoogstens {max(largest)}.")
    violations += axe_violations(page)
    # The schedule names targets: it comes by a form (POST with CSRF), not by a link.
    with page.expect_download() as download_info:
        page.click("section[aria-labelledby=tests-heading] form button[type=submit]")
    csv_text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("Test,Code van de werkgever of verhuurder,Naam van de werkgever of verhuurder")

    page.goto(f"/rounds/{round_id}")
    page.fill("#reference_rate", "40")
    page.fill("#other_rate", "30")
    submit(page, "#planning-section form button[type=submit]")
    warning = page.locator("#planning-section [role=alert]")
    assert warning.count() == 1
    step(f"planning warning: {warning.inner_text()}")
    violations += axe_violations(page)

    assert task_statuses(page)["Controleren en het protocol vastleggen"] == "Te doen"
    follow(page, f"ol.task-list a[href='/rounds/{round_id}/lock']")
    check = page.locator("main").inner_text()
    assert "niet ongedaan maken" in check and "Uitnodigingen afzeggen." in check  # final, and shows the protocol
    step("check before locking: " + " | ".join(page.locator("main h2").all_inner_texts()))
    violations += axe_violations(page)
    page.check("#is_awareness_only")
    page.check("#is_low_power_confirmed")  # 36 tests in all: the round is unlikely to detect the gap
    submit(page, "form[action$='/lock'] button[type=submit]")
    assert page.url.endswith(f"/rounds/{round_id}/locked")
    sha = page.locator("#prereg-heading + p code").inner_text()
    assert len(sha) == 64 and page.locator("main a[href$='/preregistration.pdf']").count() == 1
    step(f"locked; confirmation page shows the protocol SHA-256 {sha} and the PDF")
    violations += axe_violations(page)

    # The hash recomputed from what this walkthrough entered, as the PDF tells a reader to
    # (sort_keys, compact, UTF-8): the page's figure is the design's, not just a stored value.
    assert sha == hashlib.sha256(json.dumps(_entered_design(), sort_keys=True, separators=(",", ":"),
                                            ensure_ascii=False).encode("utf-8")).hexdigest()

    pdf = page.request.get(f"/rounds/{round_id}/preregistration.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.body()))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert sha in text and "Uitnodigingen afzeggen." in text
    step(f"pre-registration PDF: {len(reader.pages)} page(s), shows the protocol and its hash")

    page.goto(f"/rounds/{round_id}/schedule")
    assert page.locator("#generate-heading").count() == 1  # ready: the schedule may still be redone
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)
