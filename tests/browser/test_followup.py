"""Follow-up in the browser: a coordinator opens a case from a flagged target, records the dialogue, creates the
retest, records its result, refers the case to Unia and downloads the dossier; an illegal step is refused with a
message; a viewer reaches neither a case nor a dossier, also by URL; the case pages pass axe."""
from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from praktijktest.extensions import db
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser
REFERENCE = "UNIA-BROWSER-0001"


def submit(page, selector: str):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def record_step(page, state: str, reason: str, **referral) -> None:
    page.select_option("#to_state", state)
    page.fill("#reason", reason)
    page.fill("#occurred_on", date.today().isoformat())
    if referral:
        page.select_option("#referral_body", referral["body"])
        page.fill("#referral_reference", referral["reference"])
    submit(page, "form[action$='/step'] button[type=submit]")
    assert "De stap is geregistreerd" in page.locator(".flashes").inner_text(), page.locator("main").inner_text()


def _case_state(live_server, case_id: int) -> str:
    from praktijktest.followup.models import FollowUpCase

    with live_server.app.app_context():
        state = db.session.get(FollowUpCase, case_id).state
        db.session.remove()
        return state


def _run_the_retest(live_server, case_id: int) -> None:
    """The retest's fieldwork and analysis through the service layer (a whole round by browser is too long)."""
    from praktijktest.accounts.services import find_user
    from praktijktest.followup.demo import _run_retest
    from praktijktest.followup.models import FollowUpCase

    with live_server.app.app_context():
        case = db.session.get(FollowUpCase, case_id)
        _run_retest(case.retest_round, case.target, find_user("tester@demo.example"))
        db.session.commit()
        db.session.remove()


def _target_name(live_server, case_id: int) -> str:
    from praktijktest.followup.models import FollowUpCase

    with live_server.app.app_context():
        name = db.session.get(FollowUpCase, case_id).target.name
        db.session.remove()
        return name


def test_a_coordinator_follows_a_case_from_the_flag_to_the_dossier(open_page, live_server):
    page = open_page(as_role="coordinator")
    page.goto("/follow-up/")
    violations = axe_violations(page)
    submit(page, "form[action*='/open'] button[type=submit]")
    assert "Het dossier is geopend" in page.locator(".flashes").inner_text()
    case_id = int(re.search(r"/follow-up/(\d+)$", page.url).group(1))
    violations += axe_violations(page)

    # An illegal step: a referral straight from "flagged" (a crafted form) is refused, with a message, unchanged.
    page.evaluate("document.querySelector('#to_state option').value = 'referred'")
    page.fill("#reason", "Meteen doorverwijzen")
    page.fill("#occurred_on", date.today().isoformat())
    submit(page, "form[action$='/step'] button[type=submit]")
    assert page.locator(".error-summary").count() == 1 and _case_state(live_server, case_id) == "flagged"
    page.goto(f"/follow-up/{case_id}")

    record_step(page, "dialogue", "Brief met uitnodiging voor een gesprek verstuurd.")
    submit(page, "form[action$='/retest'] button[type=submit]")
    # The retest opens on its plan page: its size and why, before its own round is locked.
    assert "/follow-up/retests/" in page.url and _case_state(live_server, case_id) == "retest_planned"
    _run_the_retest(live_server, case_id)
    page.goto(f"/follow-up/{case_id}")
    record_step(page, "retested", "De hertest is geanalyseerd op zijn eigen tests.")
    record_step(page, "persistent", "De hertest stelt hetzelfde patroon opnieuw vast.")
    record_step(page, "referred", "Dossier aan Unia bezorgd.", body="unia", reference=REFERENCE)
    main = page.locator("main").inner_text()
    assert "Unia" in main and REFERENCE in main
    violations += axe_violations(page)

    with page.expect_download() as download:
        page.click(f"a[href='/follow-up/{case_id}/dossier']")
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in
                                      PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages))
    assert re.sub(r"\s+", "", _target_name(live_server, case_id)) in text and REFERENCE in text
    assert violations == []


def test_a_viewer_reaches_no_case_and_no_dossier(open_page, live_server):
    from praktijktest.followup.models import FollowUpCase

    with live_server.app.app_context():
        case_id = db.session.query(FollowUpCase.id).order_by(FollowUpCase.id).first()[0]
        db.session.remove()
    page = open_page(as_role="viewer")
    page.goto("/")
    assert page.locator("nav a[href='/follow-up/']").count() == 0
    for url in ("/follow-up/", f"/follow-up/{case_id}", f"/follow-up/{case_id}/dossier"):
        response = page.goto(url)
        assert response.status == 403, url
    # The contractors report is for viewers too, pseudonymised.
    page.goto("/follow-up/contractors/")
    assert "Gepseudonimiseerd" in page.locator("main").inner_text()
    assert axe_violations(page) == []


def test_contract_pages_pass_axe(open_page, live_server):
    from praktijktest.followup.models import FollowUpCase

    with live_server.app.app_context():
        target_id = db.session.query(FollowUpCase.target_id).order_by(FollowUpCase.id).first()[0]
        db.session.remove()
    page = open_page(as_role="coordinator", viewport={"width": 390, "height": 844})
    page.goto(f"/follow-up/contractors/targets/{target_id}")
    page.fill("#contracting_authority", "Stad Demodorp, dienst aankoop")
    page.fill("#reference", "AK-BROWSER-1")
    page.fill("#starts_on", "2026-01-01")
    page.fill("#ends_on", "2025-01-01")
    submit(page, "main form button[type=submit]")
    assert page.locator(".error-summary").count() == 1  # ends before it starts: refused, said at the top
    violations = axe_violations(page)
    page.fill("#ends_on", "2028-12-31")
    page.check("#has_clause")
    submit(page, "main form button[type=submit]")
    assert "AK-BROWSER-1" in page.locator("main table").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    violations += axe_violations(page)
    page.goto("/follow-up/contractors/")
    assert "AK-BROWSER-1" in page.locator("main").inner_text()
    violations += axe_violations(page)
    assert violations == []
