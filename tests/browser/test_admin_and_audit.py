"""An admin creates an organisation and an account through the forms; a coordinator reads the audit log."""
from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import log_in, nav_hrefs

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Lange-zin-met-cijfers-2026"


def submit(page):
    with page.expect_navigation() as navigation:
        page.click("main form button[type=submit]")
    return navigation.value


def test_admin_creates_an_organisation_and_an_account(open_page):
    suffix = uuid.uuid4().hex[:8]
    org_name, email = f"Regio Browser {suffix}", f"tester-{suffix}@browser.example"
    page = open_page(as_role="admin")

    page.goto("/admin/organisations/")
    with page.expect_navigation():
        page.click("main a[href='/admin/organisations/new']")
    page.fill("#name", org_name)
    page.check("input[name=kind][value=partnership]")
    page.fill("#members", "Browserdorp\nBrowserstad")
    assert submit(page).status == 200
    assert page.url.endswith("/admin/organisations/")
    assert page.locator("main [role=status]").count() == 1
    row = page.locator("main tbody tr", has=page.locator("th", has_text=org_name))
    assert "Browserdorp, Browserstad" in row.inner_text()

    page.goto("/admin/users/new")
    page.fill("#email", email)
    page.fill("#name", "Bea Browser")
    page.select_option("#role", "tester")
    page.select_option("#organisation_id", label=org_name)
    page.fill("#password", NEW_PASSWORD)
    assert submit(page).status == 200
    assert page.url.endswith("/admin/users/")
    row = page.locator("main tbody tr", has=page.locator("th", has_text=email))
    assert org_name in row.inner_text()

    # The new account works, and is a tester of the new organisation.
    other = open_page()
    log_in(other, email, NEW_PASSWORD)
    assert other.url.endswith("/") and nav_hrefs(other) == {"/", "/fieldwork/"}  # a tester: home and own tests
    assert org_name in other.locator("main").inner_text()


def test_admin_form_errors_are_shown_next_to_the_fields(open_page):
    page = open_page(as_role="admin")
    page.goto("/admin/users/new")
    page.fill("#email", "not-an-address")
    assert submit(page).status == 200
    assert page.url.endswith("/admin/users/new")
    email = page.locator("#email")
    assert email.get_attribute("aria-invalid") == "true"
    assert page.locator(f"#{email.get_attribute('aria-describedby')}").inner_text().strip()
    assert page.locator("#name").get_attribute("aria-invalid") == "true"


def audit_column(page, index: int) -> list[str]:
    return [text.strip() for text in page.locator(f"main tbody tr td:nth-child({index})").all_inner_texts()]


def test_coordinator_filters_the_audit_log(open_page):
    page = open_page(as_role="coordinator")
    page.goto("/audit/")
    assert page.locator("nav.main-nav a[aria-current=page]").get_attribute("href") == "/audit/"
    assert page.locator("main tbody tr td:nth-child(3)").count() > 0
    options = set(page.locator("#f-action option").evaluate_all("options => options.map(o => o.value)"))
    assert {"", "user.create", "login"} <= options

    page.select_option("#f-action", "user.create")
    submit_filter(page)
    assert "action=user.create" in page.url
    assert set(audit_column(page, 3)) == {"Account aangemaakt"}  # the action in words, not its code
    assert len(audit_column(page, 3)) >= 4  # the four demo accounts
    assert page.locator("#f-action").input_value() == "user.create"  # the filter is kept

    page.select_option("#f-action", "")
    page.fill("#f-actor", "coordinator@demo")
    submit_filter(page)
    # Who: the person's name, with the address the event was recorded under.
    assert {" ".join(cell.split()) for cell in audit_column(page, 2)} == {"Chris Coördinator coordinator@demo.example"}

    page.fill("#f-actor", "nobody-at-all")
    submit_filter(page)
    rows = page.locator("main tbody tr")
    assert rows.count() == 1 and rows.locator("td[colspan]").count() == 1


def submit_filter(page):
    with page.expect_navigation():
        page.click("main form.filters button[type=submit]")
