"""axe-core finds no serious or critical violation on any page a role can reach.

The pages are found by following the links each role sees, starting from
its home page, so a feature's new pages are checked without editing this
file. Pages that no link leads to (error pages, forms showing errors) are
added by hand.
"""
from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser

MAX_PAGES = 60
# Pages the crawl must find, so that a broken crawl cannot pass by checking nothing.
MUST_REACH = {
    "admin": {
        "/", "/account/password", "/admin/organisations/", "/admin/organisations/new",
        "/admin/organisations/{id}/edit", "/admin/users/", "/admin/users/new", "/admin/users/{id}/edit", "/audit/",
    },
    "coordinator": {"/", "/account/password", "/audit/"},
    "tester": {"/", "/account/password", "/fieldwork/", "/fieldwork/tests/{id}"},
    "viewer": {"/", "/account/password"},
}
# Forms to send empty, to check the page that shows the errors.
FORMS_WITH_ERRORS = {
    "admin": ["/account/password", "/admin/organisations/new", "/admin/users/new"],
    "coordinator": ["/account/password"],
    "tester": ["/account/password"],
    "viewer": ["/account/password"],
}
FORBIDDEN = {"coordinator": "/admin/users/", "tester": "/audit/", "viewer": "/admin/organisations/"}


def page_kind(path: str) -> str:
    """One representative per kind of page: /admin/users/7/edit and /admin/users/9/edit are one."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def is_file(path: str) -> bool:
    """A download (report.pdf, targets.csv), not a page: axe has nothing to check there."""
    return "." in path.rsplit("/", 1)[-1]


def crawl(page, origin: str, start: str):
    """Visit every kind of page reachable by links from `start`; yield each path once loaded."""
    queue, seen = [start], {page_kind(start)}
    while queue:
        assert len(seen) <= MAX_PAGES, f"more than {MAX_PAGES} kinds of pages: {sorted(seen)}"
        path = queue.pop(0)
        try:
            response = page.goto(path)
        except PlaywrightError as error:
            if "Download is starting" in error.message:
                continue  # a file (an export), not a page
            raise
        assert response.status == 200, f"{path} answered {response.status}"
        yield path
        for href in page.locator("a[href]:not([download])").evaluate_all("links => links.map(a => a.href)"):
            url, _ = urldefrag(href)
            parts = urlsplit(url)
            if not url.startswith(origin + "/") or parts.path.startswith("/static/") or is_file(parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if page_kind(parts.path) not in seen:
                seen.add(page_kind(parts.path))
                queue.append(link)


@pytest.mark.parametrize("role", sorted(MUST_REACH))
def test_every_page_of_a_role_passes_axe(open_page, live_server, role):
    violations: list[str] = []
    page = open_page(as_role=role)
    reached = set()
    for path in crawl(page, live_server.url, "/"):
        reached.add(page_kind(urlsplit(path).path))
        violations += axe_violations(page)
    assert MUST_REACH[role] <= reached, f"the crawl missed {sorted(MUST_REACH[role] - reached)}"

    for path in FORMS_WITH_ERRORS[role]:
        page.goto(path)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.locator("main .field-error, main [role=alert]").count() > 0, f"{path} showed no error"
        violations += axe_violations(page)
    if role in FORBIDDEN:
        assert page.goto(FORBIDDEN[role]).status == 403
        violations += axe_violations(page)
    assert page.goto("/no/such/page").status == 404
    violations += axe_violations(page)
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)


def test_guest_pages_pass_axe(page):
    violations: list[str] = []
    page.goto("/login")
    violations += axe_violations(page)
    log_in(page, "viewer", "wrong-password")
    assert page.locator("main [role=alert]").count() == 1
    violations += axe_violations(page)
    page.goto("/login")
    with page.expect_navigation():
        page.click("main form button[type=submit]")  # empty: errors next to the fields
    assert page.locator("main .field-error").count() == 2
    violations += axe_violations(page)
    assert page.goto("/no/such/page").status == 404
    violations += axe_violations(page)
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)
