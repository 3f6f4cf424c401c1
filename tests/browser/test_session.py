"""Logging in and out, navigation by role, the language switch, error pages, a phone screen."""
from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, log_in, nav_hrefs

pytestmark = pytest.mark.browser

ADMIN_LINKS = {"/admin/organisations/", "/admin/users/"}
AUDIT_LINK = "/audit/"
EXPECTED_NAV = {
    "admin": {"/", *ADMIN_LINKS, AUDIT_LINK},
    "coordinator": {"/", AUDIT_LINK},
    "tester": {"/"},
    "viewer": {"/"},
}


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def test_login_page_is_dutch_by_default(page):
    response = page.goto("/")
    assert response.status == 200
    assert page.url.endswith("/login?next=%2F")
    assert html_lang(page) == "nl"
    assert page.locator("nav.main-nav").count() == 0  # guests get no navigation


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_each_role_sees_its_own_navigation(page, role):
    response = log_in(page, role)
    assert response.status == 200
    assert page.url.endswith("/")
    links = nav_hrefs(page)
    # Exact for the links of this foundation; features add entries of their own.
    assert links & EXPECTED_NAV["admin"] == EXPECTED_NAV[role]
    assert page.locator("nav.main-nav a[aria-current=page]").get_attribute("href") == "/"
    assert f"{role}@demo.example" not in page.locator("nav.main-nav").inner_text()
    cards = set(page.locator("main a.card").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert cards == links - {"/"}


def test_wrong_password_shows_an_error_and_stays_on_login(page):
    log_in(page, "admin", "not-the-password")
    assert page.url.endswith("/login")
    alert = page.locator("main [role=alert]")
    assert alert.count() == 1 and alert.inner_text().strip()
    assert page.locator("#email").input_value() == "admin@demo.example"
    assert page.locator("#password").input_value() == ""  # never echoed back
    page.goto("/audit/")
    assert "/login?next=" in page.url  # not logged in


def test_logout_ends_the_session(page):
    log_in(page, "coordinator")
    with page.expect_navigation():
        page.click("header form[action='/logout'] button")
    assert page.url.endswith("/login")
    assert page.locator("main [role=status]").count() == 1
    assert page.locator("nav.main-nav").count() == 0
    page.goto("/audit/")
    assert "/login?next=" in page.url


def test_a_form_without_the_right_csrf_token_is_refused(page):
    page.goto("/login")
    page.fill("#email", "admin@demo.example")
    page.fill("#password", "demo")
    page.locator("main input[name=csrf_token]").evaluate("input => input.value = 'forged'")
    with page.expect_navigation() as navigation:
        page.click("main form button[type=submit]")
    assert navigation.value.status == 400
    assert page.goto("/").url.endswith("/login?next=%2F")  # not logged in


def switch_language(page, locale: str) -> None:
    page.select_option("#locale-select", locale)
    with page.expect_navigation():
        page.click(".language-switch button[type=submit]")


def test_language_switch_works_without_javascript(open_page):
    page = open_page(java_script_enabled=False)
    page.goto("/login")
    assert html_lang(page) == "nl"
    switch_language(page, "fr_BE")
    assert page.url.endswith("/login") and html_lang(page) == "fr"
    switch_language(page, "en")
    assert html_lang(page) == "en"
    log_in(page, "viewer")
    assert html_lang(page) == "en"  # the choice survives logging in
    page.goto("/account/password")
    switch_language(page, "nl_BE")
    assert page.url.endswith("/account/password") and html_lang(page) == "nl"


@pytest.mark.parametrize(("role", "path", "status"), [
    ("tester", "/admin/users/", 403),
    ("viewer", "/audit/", 403),
    ("coordinator", "/admin/organisations/new", 403),
    ("admin", "/no/such/page", 404),
    (None, "/no/such/page", 404),
])
def test_error_pages_render(open_page, role, path, status):
    page = open_page(as_role=role)
    response = page.goto(path)
    assert response.status == status
    # The heading says in words what happened; the code is only in the small print.
    assert not any(ch.isdigit() for ch in page.locator("main h1").inner_text())
    assert f"Fout {status}" in page.locator("main .hint").inner_text()
    back = page.locator("main a").last.get_attribute("href")
    assert back == ("/" if role else "/login")
    assert page.locator("link[rel=stylesheet]").count() == 1  # the layout, not a bare error


PHONE = {"width": 375, "height": 667}


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_pages_fit_a_phone_screen(open_page):
    """No page scrolls sideways at 375 px, and axe finds nothing serious there either
    (a table that scrolls inside its frame must be reachable by keyboard). The
    admin reaches every page of this foundation."""
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/login")
    assert horizontal_overflow(page) <= 0, "the login page scrolls sideways"
    log_in(page, "admin")
    paths = ["/", "/account/password", "/admin/organisations/", "/admin/organisations/new", "/admin/users/",
             "/admin/users/new", "/audit/"]
    violations = []
    for path in paths:
        page.goto(path)
        assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways on a phone"
        violations += axe_violations(page)
    assert not violations, "axe-core found serious or critical violations on a phone:\n" + "\n".join(violations)
