"""Every route of the app, requested as a guest, as each role, and as a user
of another organisation.

The expectations below are written by hand, not read from the decorators:
a route missing from EXPECTED fails the test, so a new route cannot be
added without deciding who may use it.
"""
from __future__ import annotations

import pytest

ALL = {"admin", "coordinator", "tester", "viewer"}
ROLES = sorted(ALL)

# endpoint -> (roles allowed, whether the route loads an organisation-owned object)
EXPECTED: dict[str, tuple[set[str], bool]] = {
    "core.home": (ALL, False),
    "accounts.logout": (ALL, False),
    "accounts.password": (ALL, False),
    "user_admin.index": ({"admin"}, False),
    "user_admin.create": ({"admin"}, False),
    "user_admin.edit": ({"admin"}, True),
    "user_admin.end_sessions": ({"admin"}, True),
    "organisations.index": ({"admin"}, False),
    "organisations.create": ({"admin"}, False),
    "organisations.edit": ({"admin"}, True),
    "audit.index": ({"coordinator", "admin"}, False),
    "retention.periods": ({"coordinator"}, False),
    "retention.processing_record": ({"coordinator"}, False),
    "data_requests.index": ({"coordinator"}, True),
    "data_requests.decide_request": ({"coordinator"}, True),
    "data_requests.export": ({"coordinator"}, True),
    "data_requests.export_pdf": ({"coordinator"}, True),
    "targets.index": ({"coordinator"}, False),
    "targets.create": ({"coordinator"}, False),
    "targets.detail": ({"coordinator"}, True),
    "targets.edit": ({"coordinator"}, True),
    "targets.merge": ({"coordinator"}, True),
    "target_imports.upload": ({"coordinator"}, False),
    "target_imports.confirm": ({"coordinator"}, False),
    "listings.create": ({"coordinator"}, True),
    "listings.snapshot": ({"coordinator"}, True),
    "sampling.sample": ({"coordinator"}, True),
    # Rounds: coordinators design them; viewers read the list, the design and the pre-registration.
    "rounds.index": ({"coordinator", "viewer"}, False),
    "rounds.create": ({"coordinator"}, False),
    "rounds.detail": ({"coordinator", "viewer"}, True),
    "rounds.edit": ({"coordinator"}, True),
    "rounds.planning": ({"coordinator"}, True),
    "rounds.lock": ({"coordinator"}, True),
    "rounds.locked": ({"coordinator"}, True),
    "rounds.status": ({"coordinator"}, True),
    "rounds.copy": ({"coordinator"}, True),
    "rounds.preregistration": ({"coordinator", "viewer"}, True),
    "rounds.profiles": ({"coordinator"}, True),
    "rounds.profile_edit": ({"coordinator"}, True),
    "rounds.profile_delete": ({"coordinator"}, True),
    "rounds.templates": ({"coordinator"}, True),
    "rounds.template_edit": ({"coordinator"}, True),
    "rounds.template_delete": ({"coordinator"}, True),
    "rounds.template_preview": ({"coordinator"}, True),
    # Round import and data downloads: coordinators only (datasets/views.py says why).
    "datasets.upload": ({"coordinator"}, False),
    "datasets.confirm": ({"coordinator"}, False),
    "datasets.export": ({"coordinator"}, True),
    "datasets.export_identities": ({"coordinator"}, True),
    # Schedule: coordinators generate, check and download it.
    "schedule.index": ({"coordinator"}, True),
    "schedule.remove": ({"coordinator"}, True),
    "schedule.download": ({"coordinator"}, True),
    # Example import files: for the coordinators who import.
    "examples.targets_csv": ({"coordinator"}, False),
    "examples.targets_xlsx": ({"coordinator"}, False),
    "examples.round_csv": ({"coordinator"}, False),
    "examples.round_xlsx": ({"coordinator"}, False),
    # Results: coordinators analyse and may see names (their own route); viewers read codes, charts, the report.
    "results.analyse": ({"coordinator"}, True),
    "results.latest": ({"coordinator", "viewer"}, True),
    "results.show": ({"coordinator", "viewer"}, True),
    "results.targets": ({"coordinator", "viewer"}, True),
    "results.target_identities": ({"coordinator"}, True),
    "results.chart": ({"coordinator", "viewer"}, True),
    "results.report": ({"coordinator", "viewer"}, True),
    # Fieldwork: a tester works on the tests given to them (another tester's are a 404, see
    # tests/fieldwork); coordinators see every test of their organisation; only they verify and
    # download evidence. Viewers and admins see no fieldwork at all.
    "fieldwork.queue": ({"tester"}, False),
    "fieldwork.test": ({"tester", "coordinator"}, True),
    "fieldwork.listing": ({"tester", "coordinator"}, True),
    "fieldwork.sent": ({"tester", "coordinator"}, True),
    "fieldwork.response": ({"tester", "coordinator"}, True),
    "fieldwork.decline": ({"tester", "coordinator"}, True),
    "fieldwork.cancel": ({"tester", "coordinator"}, True),
    "fieldwork.call": ({"tester", "coordinator"}, True),
    "fieldwork.verify": ({"coordinator"}, True),
    "fieldwork.evidence": ({"coordinator"}, True),
    "fieldwork.recording": ({"coordinator"}, True),
    # Second entry: a tester checks another tester's response (their own is refused with a redirect).
    "fieldwork.check": ({"tester"}, True),
    "fieldwork.resolve": ({"coordinator"}, True),
    "fieldwork_rounds.second_entry": ({"coordinator"}, True),
    "fieldwork_rounds.progress": ({"coordinator"}, True),
    "fieldwork_rounds.applications": ({"coordinator"}, True),
    "fieldwork_rounds.assign": ({"coordinator"}, True),
    "fieldwork_rounds.close": ({"coordinator"}, True),
    "fieldwork_rounds.declines": ({"coordinator"}, True),
    # Mailboxes: coordinators set up the profiles' mailboxes, fetch, assign and set aside messages;
    # a tester opens and confirms only a message proposed for one of their own tests.
    "mailboxes.round_mail": ({"coordinator"}, True),
    "mailboxes.settings": ({"coordinator"}, True),
    "mailboxes.fetch": ({"coordinator"}, True),
    "mailboxes.edit": ({"coordinator"}, True),
    "mailboxes.message": ({"tester", "coordinator"}, True),
    "mailboxes.confirm": ({"tester", "coordinator"}, True),
    "mailboxes.assign": ({"coordinator"}, True),
    "mailboxes.dismiss": ({"coordinator"}, True),
    # Follow-up: a case names a tested party, so coordinators only (viewers and testers 403).
    "followup.index": ({"coordinator"}, False),
    "followup.open_": ({"coordinator"}, True),
    "followup.detail": ({"coordinator"}, True),
    "followup.step": ({"coordinator"}, True),
    "followup.clause_step": ({"coordinator"}, True),
    "followup.dossier": ({"coordinator"}, True),
    "followup.retest": ({"coordinator"}, True),
    "followup_letters.dialogue": ({"coordinator"}, True),
    "followup_letters.dialogue_sent": ({"coordinator"}, True),
    "followup_letters.awareness": ({"coordinator"}, True),
    "followup_letters.awareness_sent": ({"coordinator"}, True),
    "followup_letters.wording": ({"coordinator"}, True),
    "contracts.index": ({"coordinator", "viewer"}, False),
    "contracts.report_pdf": ({"coordinator", "viewer"}, False),
    "contracts.report_csv": ({"coordinator", "viewer"}, False),
    "contracts.of_target": ({"coordinator"}, True),
    "contracts.edit": ({"coordinator"}, True),
    "followup.retest_cases": ({"coordinator"}, True),
    "followup.retest_plan": ({"coordinator"}, True),
    "followup.retest_rule": ({"coordinator"}, True),
}
PUBLIC = {"accounts.login", "core.language", "static"}
# GET routes that answer an allowed user with a redirect rather than a page, and why:
# the pre-registration and the lock confirmation of a round that is not locked yet send back to the round.
# The latest results send to the snapshot they name, so that the address cites one snapshot.
# A tester cannot check their own response: the second entry sends them back to their queue.
GET_REDIRECTS = {"rounds.preregistration", "rounds.locked", "results.latest", "fieldwork.check"}
# Admins manage every organisation: for them "another organisation" is in reach.
CROSS_ORGANISATION_ROLES = {"admin"}


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def build_url(app, rule, values):
    with app.test_request_context():
        from flask import url_for

        args = {name: values[name] for name in rule.arguments if name != "filename"}
        if rule.endpoint == "static":
            args["filename"] = "app.css"
        return url_for(rule.endpoint, **args)


def request(client, method, url):
    response = client.open(url, method=method, data={})
    response.close()  # static files are streamed from an open file
    return response


def give_own_test_to(user, objects) -> None:
    """A tester reaches only the tests given to them: give them the organisation's test."""
    if user.role == "tester":
        from praktijktest.extensions import db
        from praktijktest.fieldwork.models import Test

        db.session.get(Test, objects["own"]["test_id"]).tester_id = user.id
        db.session.flush()


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC - EXPECTED.keys() == set(), "add the new routes to EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "EXPECTED names routes that no longer exist"


def test_guest_is_sent_to_login(app, client, objects):
    for rule, method in routes(app):
        url = build_url(app, rule, objects["own"])
        response = request(client, method, url)
        if rule.endpoint in PUBLIC:
            assert response.status_code in (200, 302), (method, url)
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"], (method, url)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_routes(app, client, objects, login_as, org, role):
    user = login_as(role, org)
    give_own_test_to(user, objects)
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC or rule.endpoint == "accounts.logout":
            continue
        allowed, _ = EXPECTED[rule.endpoint]
        own = dict(objects["own"], user_id=user.id) if role != "admin" else objects["own"]
        response = request(client, method, build_url(app, rule, own))
        if role in allowed:
            expected = (200, 302) if method == "POST" or rule.endpoint in GET_REDIRECTS else (200,)
            assert response.status_code in expected, (role, method, rule.rule, response.status_code)
            if response.status_code == 302:
                assert "/login" not in response.headers["Location"], (role, method, rule.rule)
        else:
            assert response.status_code == 403, (role, method, rule.rule, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_other_organisations_objects_are_not_found(app, client, objects, login_as, org, role):
    user = login_as(role, org)
    give_own_test_to(user, objects)
    # Even a foreign test that names this tester stays out of reach: it belongs to another organisation.
    give_own_test_to(user, {"own": objects["foreign"]})
    for rule, method in routes(app):
        allowed, owned = EXPECTED.get(rule.endpoint, (set(), False))
        if not owned or role not in allowed:
            continue
        response = request(client, method, build_url(app, rule, objects["foreign"]))
        expected = (200, 302) if role in CROSS_ORGANISATION_ROLES else (404,)
        assert response.status_code in expected, (role, method, rule.rule, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_own_parent_with_another_organisations_child_is_not_found(app, client, objects, login_as, org, role):
    """An own round with another organisation's profile (and the like): each id is checked, not only the first."""
    login_as(role, org)
    tried = 0
    for rule, method in routes(app):
        allowed, owned = EXPECTED.get(rule.endpoint, (set(), False))
        arguments = sorted(a for a in rule.arguments if a.endswith("_id"))  # ids, not names such as a chart
        if not owned or role not in allowed or len(arguments) < 2:
            continue
        for argument in arguments:
            mixed = dict(objects["own"], **{argument: objects["foreign"][argument]})
            response = request(client, method, build_url(app, rule, mixed))
            expected = (200, 302) if role in CROSS_ORGANISATION_ROLES else (404,)
            assert response.status_code in expected, (role, method, rule.rule, argument, response.status_code)
            tried += 1
    if role == "coordinator":
        assert tried >= 10, "no route with two ids was tried"


@pytest.mark.parametrize("role", ROLES)
def test_logout_works_for_every_role(client, login_as, role):
    login_as(role)
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_unknown_object_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999/edit").status_code == 404
    assert client.get("/admin/organisations/999999/edit").status_code == 404
