"""Browser fixtures: one live server and one headless Chromium per session.

The server runs the real app (CSRF on, rate limiting off, fast hashing) in a
background thread against its own database with the demo committed: a
SQLite file, or on PostgreSQL a schema of its own, so that it never meets
the per-test rolled-back transactions of `tests/conftest.py`.

Every test gets fresh browser contexts (own cookies). When a test ends, its
contexts are checked: no console error (a CSP violation is one), no script
error, no server error, and no request to anything but the live server.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from praktijktest.demo import DEMO_PASSWORD, load_demo
from praktijktest.extensions import db
from tests.conftest import make_test_app
from tests.live import QuietRequestHandler, own_database, recreate_schema

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_EMAILS = {role: f"{role}@demo.example" for role in ("admin", "coordinator", "tester", "viewer")}
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class LiveServer:
    url: str
    app: Flask




@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    tmp_dir = tmp_path_factory.mktemp("browser")
    url, admin_url, schema = own_database(tmp_dir, "browser")
    if admin_url:
        recreate_schema(admin_url, schema)
    app = make_test_app(url, tmp_dir, WTF_CSRF_ENABLED=True, PROPAGATE_TEST_ERRORS=False)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin_url:
            recreate_schema(admin_url, schema, create=False)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        # No test may skip: a browser test that is not run checks nothing.
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium "
                    "(make test does, through scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@dataclass
class ContextWatch:
    """What went wrong in one browser context, as readable lines."""

    origin: str
    problems: list[str] = field(default_factory=list)
    failed_documents: set[str] = field(default_factory=set)

    def on_request(self, route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith(("data:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"external request blocked: {url}")
            route.abort()

    def on_response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type == "document":
            # The browser logs "Failed to load resource" for error pages; those are expected.
            self.failed_documents.add(response.url)
        if response.status >= 500:
            self.problems.append(f"server error {response.status}: {response.url}")

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and location in self.failed_documents:
            return
        self.problems.append(f"console error at {location}: {message.text}")

    def on_page_error(self, error) -> None:
        self.problems.append(f"script error: {error}")


@pytest.fixture(scope="session")
def role_sessions(browser, live_server) -> Callable[[str], dict]:
    """The cookies of a demo account logged in once through the form, reused by later contexts."""
    states: dict[str, dict] = {}

    def state(role: str) -> dict:
        if role not in states:
            context = browser.new_context(base_url=live_server.url)
            try:
                page = context.new_page()
                log_in(page, role)
                assert page.url.endswith("/"), f"{role} could not log in: {page.url}"
                states[role] = context.storage_state()
            finally:
                context.close()
        return states[role]

    return state


@pytest.fixture
def open_page(browser, live_server, role_sessions) -> Iterator[Callable]:
    """Factory: a page in a new browser context, watched for console errors and external requests.

    `as_role="admin"` starts the context logged in as that demo account.
    """
    contexts = []

    def open_(as_role: str | None = None, **context_options):
        if as_role:
            context_options["storage_state"] = role_sessions(as_role)
        context = browser.new_context(base_url=live_server.url, **context_options)
        watch = ContextWatch(live_server.url)
        context.route(lambda url: True, watch.on_request)
        context.on("response", watch.on_response)
        context.on("console", watch.on_console)
        context.on("weberror", lambda web_error: watch.on_page_error(web_error.error))
        contexts.append((context, watch))
        return context.new_page()

    yield open_
    problems = []
    for context, watch in contexts:
        context.close()
        problems += watch.problems
    assert not problems, "Problems in the browser:\n" + "\n".join(problems)


@pytest.fixture
def page(open_page):
    return open_page()


def log_in(page, role_or_email: str, password: str = DEMO_PASSWORD):
    """Log in through the login form; returns the response of the page that follows."""
    email = DEMO_EMAILS.get(role_or_email, role_or_email)
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation() as navigation:
        page.click("main form button[type=submit]")
    return navigation.value


def nav_hrefs(page) -> set[str]:
    return set(page.locator("nav.main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))


_axe = Axe()


def axe_violations(page) -> list[str]:
    """The serious and critical axe-core violations on the page, one readable block each."""
    violations = _axe.run(page).response["violations"]
    lines = []
    for violation in violations:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        lines.append(f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return lines
