"""Fieldwork at phone width, with plain forms: a tester sends both applications of a test,
records an invitation with an .eml file and a rejection, declines the invitation; a coordinator
verifies; another tester cannot see the test; a viewer cannot open evidence; a stale save is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from praktijktest.extensions import db
from tests.browser.conftest import axe_violations, log_in
from tests.fieldwork.conftest import EML

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
# The app ships no script (the CSP forbids inline ones), so every step below is plain HTML forms; JavaScript
# stays on only because axe-core and the overflow check run as scripts in the page.
PHONE_OPTIONS = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


def submit(page, selector: str):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _unsent_test(live_server) -> tuple[int, list[int]]:
    """A test of the demo tester with a listing and both applications still to send."""
    from praktijktest.accounts.services import find_user
    from praktijktest.fieldwork.models import Application, Test

    with live_server.app.app_context():
        tester = find_user("tester@demo.example")
        tests = db.session.scalars(select(Test).where(Test.tester_id == tester.id, Test.listing_id.is_not(None))
                                   .order_by(Test.external_id)).all()
        test = next(t for t in tests if t.status == "planned" and all(a.sent_at is None for a in t.applications))
        ids = [a.id for a in sorted(test.applications, key=lambda a: a.send_order)]
        assert all(db.session.get(Application, i).response is None for i in ids)
        test_id = test.id
        db.session.remove()
    return test_id, ids


def _response_of(live_server, application_id: int):
    from praktijktest.fieldwork.models import Application

    with live_server.app.app_context():
        response = db.session.get(Application, application_id).response
        values = None if response is None else {
            "id": response.id, "outcome": response.outcome, "verified": response.verified_at is not None,
            "decline_sent": response.decline_sent_at is not None, "evidence": [e.id for e in response.evidence],
            "subject": [e.headers.get("subject") for e in response.evidence]}
        db.session.remove()
    return values


def _record(page, application_id: int, outcome: str, files=None, notes: str = "") -> None:
    prefix = f"#response-{application_id}"
    page.check(f"input[name=response-{application_id}-outcome][value={outcome}]")
    page.select_option(f"{prefix}-channel", "email")
    page.fill(f"{prefix}-received_on", _today())
    page.fill(f"{prefix}-received_time", _now_hhmm())
    page.fill(f"{prefix}-notes", notes)
    if files:
        page.set_input_files(f"{prefix}-evidence", files)
    submit(page, f"form[action='/fieldwork/applications/{application_id}/response'] button[type=submit]")


def _today() -> str:
    from praktijktest.fieldwork.clock import BRUSSELS
    from praktijktest.timeutil import utcnow

    return utcnow().astimezone(BRUSSELS).date().isoformat()


def _now_hhmm() -> str:
    from praktijktest.fieldwork.clock import BRUSSELS
    from praktijktest.timeutil import utcnow

    return utcnow().astimezone(BRUSSELS).strftime("%H:%M")


def test_tester_sends_records_and_declines_on_a_phone(open_page, live_server):
    test_id, (first, second) = _unsent_test(live_server)
    page = open_page(as_role="tester", **PHONE_OPTIONS)
    violations: list[str] = []

    page.goto("/fieldwork/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("main .work-list .work-item").count() > 0
    assert overflow(page) <= 0, "the queue scrolls sideways on a phone"
    violations += axe_violations(page)

    page.goto(f"/fieldwork/tests/{test_id}")
    assert overflow(page) <= 0, "the test page scrolls sideways on a phone"
    assert page.locator("main .letter").count() == 2  # the rendered inquiry of each profile
    violations += axe_violations(page)
    for application_id in (first, second):
        submit(page, f"form[action='/fieldwork/applications/{application_id}/sent'] button[type=submit]")
        assert page.locator(".flash-success").count() == 1
    assert page.locator("form[action$='/sent']").count() == 0

    _record(page, first, "invitation", files={"name": "uitnodiging.eml", "mimeType": "message/rfc822",
                                              "buffer": EML})
    _record(page, second, "rejection")
    invitation, rejection = _response_of(live_server, first), _response_of(live_server, second)
    assert invitation["outcome"] == "invitation" and invitation["subject"] == ["Uitnodiging voor een bezoek"]
    assert rejection["outcome"] == "rejection"
    assert "Uitnodiging voor een bezoek" in page.locator("main").inner_text()  # the .eml's subject, read back
    assert overflow(page) <= 0
    violations += axe_violations(page)

    decline = page.locator(f"#decline-{invitation['id']}")
    assert decline.locator(".letter").count() == 1  # the suggested text
    submit(page, f"#decline-{invitation['id']} button[type=submit]")
    assert _response_of(live_server, first)["decline_sent"]
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)

    coordinator = open_page(as_role="coordinator")
    coordinator.goto(f"/fieldwork/tests/{test_id}")
    submit(coordinator, f"form[action='/fieldwork/responses/{invitation['id']}/verify'] button[type=submit]")
    assert _response_of(live_server, first)["verified"]
    coordinator.goto(f"/rounds/{_round_of(live_server, test_id)}/fieldwork")
    assert coordinator.locator("main table").count() == 2  # per tester, per municipality

    # A stale second save: two phones open the same response; the second save is refused, the first kept.
    other_phone = open_page(as_role="tester", **PHONE_OPTIONS)
    other_phone.goto(f"/fieldwork/tests/{test_id}")
    page.goto(f"/fieldwork/tests/{test_id}")
    page.locator(f"#application-{second} details summary").click()
    _record(page, second, "rejection", notes="Eerste bewaring")
    other_phone.locator(f"#application-{second} details summary").click()
    _record(other_phone, second, "information_request", notes="Tweede bewaring")
    assert "Iemand anders heeft deze reactie intussen bewaard" in other_phone.locator(".flash-error").inner_text()
    assert _response_of(live_server, second)["outcome"] == "rejection"


def _round_of(live_server, test_id: int) -> int:
    from praktijktest.fieldwork.models import Test

    with live_server.app.app_context():
        round_id = db.session.get(Test, test_id).round_id
        db.session.remove()
    return round_id


def test_other_testers_and_viewers_are_kept_out(open_page, live_server):
    from praktijktest.accounts.services import create_user, find_user
    from praktijktest.demo import DEMO_PASSWORD
    from praktijktest.fieldwork.models import EvidenceFile, Test

    with live_server.app.app_context():
        first_tester = find_user("tester@demo.example")
        if not find_user("tester2@demo.example"):
            create_user("tester2@demo.example", "Tweede Tester", "tester", first_tester.organisation, DEMO_PASSWORD,
                        check_strength=False)
            db.session.commit()
        test_id = db.session.scalars(select(Test.id).where(Test.tester_id == first_tester.id)).first()
        evidence_id = db.session.scalars(select(EvidenceFile.id)).first()
        db.session.remove()

    second = open_page(**PHONE_OPTIONS)
    log_in(second, "tester2@demo.example")
    assert second.goto(f"/fieldwork/tests/{test_id}").status == 404
    second.goto("/fieldwork/")
    assert second.locator("main .work-list .work-item").count() == 0

    viewer = open_page(as_role="viewer")
    assert viewer.goto(f"/fieldwork/tests/{test_id}").status == 403
    viewer.goto("/")
    token = viewer.locator("input[name=csrf_token]").first.get_attribute("value")
    download = viewer.request.post(f"/fieldwork/evidence/{evidence_id}", form={"csrf_token": token})
    assert download.status == 403
