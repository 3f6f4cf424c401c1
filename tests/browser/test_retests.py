"""Retest pages in the browser: creating a retest from a case, its sequential rule, the case page with both results
side by side, and what a tester sees of a target the rule stopped. Each page passes axe (no serious or critical
violation) and shows no English; the tester's pages fit a 390 px phone without sideways scrolling."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from praktijktest.extensions import db
from tests.browser.conftest import axe_violations
from tests.browser.test_dutch_and_phone import PHONE, VISIBLE_TEXT, english_words, sideways

pytestmark = pytest.mark.browser


def submit(page, selector: str):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def checked(page, problems: list[str]) -> None:
    """axe and the Dutch word check on the page as it is now."""
    problems += axe_violations(page)
    if words := english_words(page.evaluate(VISIBLE_TEXT)):
        problems.append(f"{page.url}: English words {sorted(words)}")


@pytest.fixture(scope="module")
def dialogue_case(live_server) -> dict:
    """A case in dialogue on a flagged employer of the demo's targeted round that has no case yet."""
    from praktijktest.accounts.services import find_user
    from praktijktest.followup.demo import FOLLOWUP_TITLE
    from praktijktest.followup.models import CaseState, FollowUpCase
    from praktijktest.followup.services import flagged_codes, move_case, open_case
    from praktijktest.results.snapshots import latest_snapshot
    from praktijktest.rounds.models import Round

    with live_server.app.app_context():
        round_ = db.session.scalar(db.select(Round).filter_by(title=FOLLOWUP_TITLE))
        snapshot = latest_snapshot(round_)
        taken = set(db.session.scalars(db.select(FollowUpCase.target_id).filter_by(round_id=round_.id)))
        coordinator = find_user("coordinator@demo.example")
        from praktijktest.targets.models import Target

        taken_codes = set(db.session.scalars(db.select(Target.code).where(Target.id.in_(taken or {0}))))
        code = next(c for c in reversed(flagged_codes(snapshot)) if c not in taken_codes)
        case = open_case(snapshot, code, coordinator, "Aangeduid (browsertest).")
        move_case(case, CaseState.DIALOGUE, on=date(2026, 11, 2), user=coordinator,
                  reason="Gesprek met de werkgever gevoerd (browsertest).")
        db.session.commit()
        found = {"case_id": case.id, "round_id": round_.id, "target_id": case.target_id}
        db.session.remove()
        return found


def test_a_coordinator_creates_a_retest_and_pre_registers_its_rule(open_page, live_server, dialogue_case):
    problems: list[str] = []
    page = open_page(as_role="coordinator")
    page.goto(f"/follow-up/rounds/{dialogue_case['round_id']}/retest")
    checked(page, problems)
    # Only this case: the demo's own case in dialogue stays as it is.
    for box in page.locator("input[name=case_id]").all():
        box.set_checked(box.get_attribute("value") == str(dialogue_case["case_id"]))
    submit(page, "main form button[type=submit]")
    assert "/follow-up/retests/" in page.url, page.locator("main").inner_text()
    assert "met alleen de gekozen" in page.locator(".flashes").inner_text()
    retest_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    main = page.locator("main").inner_text()
    # The planner: the default rule beside the fixed design, before anything is saved.
    assert "Vaste opzet zonder stopregel" in main, main
    checked(page, problems)

    # A maximum that is not a number: a message, no error page, nothing saved.
    page.fill("#preview-max", "veel")
    submit(page, "form[method=get] button[type=submit]")
    assert "geheel getal" in page.locator("main").inner_text()
    checked(page, problems)

    page.goto(f"/follow-up/retests/{retest_id}")
    submit(page, "form[action$='/rule'] input[value=set] ~ button[type=submit]")
    assert page.locator(".flashes").count() == 1
    assert page.locator("form[action$='/rule'] input[value=remove]").count() == 1  # saved: it can be removed
    checked(page, problems)
    with live_server.app.app_context():
        from praktijktest.followup.sequential import stored_rule
        from praktijktest.rounds.models import Round

        rule = stored_rule(db.session.get(Round, retest_id))
        assert rule and rule["power"] >= rule["fixed_power"]
        db.session.remove()
    assert problems == []


def _stop_a_target(live_server, retest_id: int, target_id: int) -> dict:
    """Lock the retest, start its fieldwork and answer its first tests so that the rule stops the target for
    evidence; one test is under way, the rest have not started. Returns the test ids."""
    from flask_babel import force_locale

    from praktijktest.accounts.services import find_user
    from praktijktest.demo_rounds import _add_listings
    from praktijktest.fieldwork.models import Response, Test
    from praktijktest.followup import sequential
    from praktijktest.rounds.models import Round, RoundStatus
    from praktijktest.rounds.preregistration import lock_round
    from praktijktest.rounds.services import change_status
    from praktijktest.schedule.services import ScheduleSettings, generate_schedule
    from praktijktest.targets.models import Target
    from praktijktest.timeutil import as_utc

    with live_server.app.app_context():
        retest = db.session.get(Round, retest_id)
        tester = find_user("tester@demo.example")
        rule = sequential.rule_of(retest)
        decisive = next(k for k in range(1, rule.max_discordant + 1) if rule.evidence[k] <= k)
        target = db.session.get(Target, target_id)
        _add_listings({target: [(f"Vacature hertest browser nr. {j + 1}", None) for j in range(decisive + 3)]},
                      date.today() - timedelta(days=30))
        generate_schedule(retest, ScheduleSettings(date.today() - timedelta(days=21), tests_per_day=50, seed=7))
        with force_locale("nl_BE"):
            lock_round(retest, awareness_confirmed=True, power_confirmed=True)
        change_status(retest, RoundStatus.FIELDWORK)
        tests = list(db.session.scalars(db.select(Test).filter_by(round_id=retest.id).order_by(Test.id)))
        now = datetime.now(UTC)
        for test in tests:
            test.tester_id = tester.id
        for test in tests[:decisive]:  # the reference invited, the other group rejected
            for app in test.applications:
                app.sent_at, app.sent_channel = now - timedelta(days=3), "email"
                db.session.add(Response(application=app, outcome="invitation" if app.group.is_reference else
                                        "rejection", responded_at=now - timedelta(days=2), channel="email",
                                        recorded_by_id=tester.id))
            test.mark_progress()
        under_way = tests[decisive]
        under_way.applications[0].sent_at, under_way.applications[0].sent_channel = now - timedelta(hours=5), "email"
        under_way.mark_progress()
        db.session.flush()
        assert sequential.update_stops(retest)
        db.session.commit()
        waiting = tests[decisive + 1]
        assert min(as_utc(a.scheduled_at) for a in waiting.applications) < now  # due: only the stop holds it back
        ids = {"under_way": under_way.id, "waiting": waiting.id}
        db.session.remove()
        return ids


def test_a_tester_no_longer_gets_a_stopped_targets_tests_and_the_pages_fit_a_phone(open_page, live_server,
                                                                                  dialogue_case):
    from praktijktest.followup.models import FollowUpCase

    with live_server.app.app_context():
        retest_id = db.session.get(FollowUpCase, dialogue_case["case_id"]).retest_round_id
        db.session.remove()
    assert retest_id, "the retest of the first test is missing"
    ids = _stop_a_target(live_server, retest_id, dialogue_case["target_id"])
    problems: list[str] = []
    page = open_page(as_role="tester", viewport=PHONE)
    page.goto("/fieldwork/")
    links = set(page.locator("main a[href^='/fieldwork/tests/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href').split('#')[0])"))
    assert f"/fieldwork/tests/{ids['under_way']}" in links, links  # a started pair is completed
    assert f"/fieldwork/tests/{ids['waiting']}" not in links, links  # due, but its target has stopped
    checked(page, problems)
    assert sideways(page) <= 0, "the queue scrolls sideways at 390 px"
    # The held-back test opened by URL: sending it is refused with the reason, in Dutch; nothing is sent.
    page.goto(f"/fieldwork/tests/{ids['waiting']}")
    checked(page, problems)
    assert sideways(page) <= 0, "the test page scrolls sideways at 390 px"
    send = page.locator("form[action$='/sent']").first
    send.locator("input[type=date]").fill(date.today().isoformat())
    send.locator("input[type=time]").fill("00:05")
    with page.expect_navigation():
        send.locator("button[type=submit]").click()
    assert "heeft deze partij stopgezet" in " ".join(page.locator("main").inner_text().split())
    checked(page, problems)
    assert sideways(page) <= 0, "the refused send scrolls sideways at 390 px"
    with live_server.app.app_context():
        from praktijktest.fieldwork.models import Test

        assert all(a.sent_at is None for a in db.session.get(Test, ids["waiting"]).applications)
        db.session.remove()

    coordinator = open_page(as_role="coordinator")
    coordinator.goto(f"/rounds/{retest_id}/fieldwork")
    assert coordinator.locator("#sequential-stops").count() == 1
    checked(coordinator, problems)
    coordinator.goto(f"/follow-up/retests/{retest_id}")
    assert "Partijen gestopt door de regel" in coordinator.locator("main").inner_text()
    checked(coordinator, problems)
    assert problems == []


def test_the_case_page_shows_both_results_side_by_side(open_page, live_server):
    """The demo's referred case: its original round's result and its retest's own result in one table."""
    from praktijktest.followup.demo import UNIA_REFERENCE
    from praktijktest.followup.models import FollowUpCase

    with live_server.app.app_context():
        case_id = db.session.scalar(db.select(FollowUpCase.id).filter_by(referral_reference=UNIA_REFERENCE))
        db.session.remove()
    problems: list[str] = []
    page = open_page(as_role="coordinator")
    page.goto(f"/follow-up/{case_id}")
    table = page.locator("#retest-result + .table-wrap table")
    assert table.count() == 1
    headers = table.locator("thead th").all_inner_texts()
    assert len(headers) >= 3, headers  # what, the original round, the retest
    rows = table.locator("tbody tr").all_inner_texts()
    assert rows and all(row.count("\t") >= 2 for row in rows), rows
    checked(page, problems)
    assert problems == []
