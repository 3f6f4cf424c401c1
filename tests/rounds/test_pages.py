"""Round pages: create from an empty form (no JavaScript), edit while draft, list, and who sees what."""
from __future__ import annotations

from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.rounds.models import Round
from tests.conftest import visible_text
from tests.rounds.util import fresh


def _form(**changes) -> dict:
    data = {
        "title": "Arbeidsmarkt Gent 2027", "market": "labour", "test_type": "correspondence",
        "grounds-0-ground": "origin", "grounds-0-reference": "Belgische naam",
        "grounds-0-others": "Marokkaanse naam\nTurkse naam", "grounds-0-description": "",
        "positive_outcomes": ["invitation", "information_request"], "response_window_days": "14",
        "fdr_level": "5", "planned_tests_per_target": "10", "applications_per_group": "1",
        "protocol": "Twee kandidaten per vacature.", "save": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _own_round(db, org) -> Round:
    return db.session.scalars(select(Round).where(Round.organisation_id == org.id).order_by(Round.id.desc())).first()


def test_coordinator_creates_a_round_from_an_empty_form(db, client, login_as, org):
    login_as("coordinator", org)
    assert client.get("/rounds/new").status_code == 200
    municipality = org.municipalities[0]
    response = client.post("/rounds/new", data=_form(municipalities=[str(municipality.id)], fdr_level="10"))
    assert response.status_code == 302
    round_ = _own_round(db, org)
    assert round_.title == "Arbeidsmarkt Gent 2027" and round_.status == "draft"
    assert [g.label for g in round_.groups] == ["Belgische naam", "Marokkaanse naam", "Turkse naam"]
    assert round_.groups[0].is_reference and round_.fdr_level == 0.10
    assert [m.name for m in round_.municipalities] == [municipality.name]
    assert round_.applications_per_test == 3


def test_add_another_ground_rerenders_without_saving(db, client, login_as, org):
    login_as("coordinator", org)
    data = _form(add_ground="Add another ground", save=None)
    response = client.post("/rounds/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="grounds-1-ground"' in page and "Marokkaanse naam" in page
    assert _own_round(db, org) is None
    data = _form(**{"grounds-1-ground": "age", "grounds-1-reference": "30 jaar", "grounds-1-others": "55 jaar"})
    client.post("/rounds/new", data=data)
    assert [g.ground for g in _own_round(db, org).grounds] == ["origin", "age"]


def test_bad_design_is_a_form_error_not_a_500(db, client, login_as, org):
    login_as("coordinator", org)
    for changes in ({"grounds-0-others": ""}, {"grounds-0-ground": ""}, {"fdr_level": "abc"}, {"fdr_level": "150"},
                    {"grounds-0-others": "Belgische naam"}, {"positive_outcomes": []}, {"response_window_days": "0"}):
        response = client.post("/rounds/new", data=_form(**changes))
        assert response.status_code == 200, changes
    assert _own_round(db, org) is None


def test_edit_while_draft_keeps_profiles_with_their_group(db, client, login_as, org, complete_round):
    round_ = complete_round()
    login_as("coordinator", org)
    form = client.get(f"/rounds/{round_.id}/edit").get_data(as_text=True)
    assert "Marokkaans" in form
    data = _form(version=str(round_.version), **{"grounds-0-reference": "Belgisch",
                                                   "grounds-0-others": "Marokkaans\nTurks"})
    assert client.post(f"/rounds/{round_.id}/edit", data=data).status_code == 302
    round_ = fresh(db, Round, round_.id)
    assert [g.label for g in round_.groups] == ["Belgisch", "Marokkaans", "Turks"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "round.update")).one()
    assert "grounds" in event.changes and "title" in event.changes


def test_removing_a_group_with_profiles_is_refused(db, client, login_as, org, complete_round):
    round_ = complete_round()
    login_as("coordinator", org)
    data = _form(version=str(round_.version), **{"grounds-0-reference": "Belgisch", "grounds-0-others": "Turks"})
    page = client.post(f"/rounds/{round_.id}/edit", data=data).get_data(as_text=True)
    assert "has profiles" in page
    assert [g.label for g in fresh(db, Round, round_.id).groups] == ["Belgisch", "Marokkaans"]


def test_stale_edit_is_refused(db, client, login_as, org, make_round):
    round_ = make_round()
    login_as("coordinator", org)
    stale = str(round_.version)
    client.post(f"/rounds/{round_.id}/edit", data=_form(version=stale, title="Eerste wijziging"))
    page = client.post(f"/rounds/{round_.id}/edit", data=_form(version=stale, title="Tweede wijziging"))
    assert "Someone else changed this round" in page.get_data(as_text=True)
    assert fresh(db, Round, round_.id).title == "Eerste wijziging"


def test_edit_after_lock_is_refused(db, client, login_as, org, make_round):
    round_ = make_round(status="ready")
    login_as("coordinator", org)
    response = client.post(f"/rounds/{round_.id}/edit", data=_form(version=str(round_.version), title="Nieuw"))
    assert response.status_code == 302
    assert fresh(db, Round, round_.id).title != "Nieuw"
    assert "Edit design" not in client.get(f"/rounds/{round_.id}").get_data(as_text=True)


def test_list_shows_counts_and_labels_synthetic_rounds(client, login_as, org, other_org, make_round, draw_sample):
    real = make_round(title="Echte ronde")
    draw_sample(real, 3)
    make_round(title="Demoronde", is_synthetic=True)
    make_round(other_org, title="Ronde van een ander")
    login_as("viewer", org)
    text = visible_text(client.get("/rounds/").get_data(as_text=True))
    assert "Echte ronde" in text and "Demoronde synthetic data" in text
    assert "Ronde van een ander" not in text
    assert "Echte ronde Labour market Origin Draft 3 0 0" in text


def test_viewer_reads_the_design_but_no_profiles_or_actions(client, login_as, org, complete_round):
    round_ = complete_round(protocol="Geheim protocol? Nee, openbaar.")
    login_as("viewer", org)
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Geheim protocol? Nee, openbaar." in page and "Evidence planning" in page
    assert "Kandidaat" not in page and "@example.test" not in page
    assert "Lock protocol" not in page and "/copy" not in page and "Werkgever" not in page
    assert client.get(f"/rounds/{round_.id}/profiles").status_code == 403


def test_tester_and_admin_do_not_see_rounds(client, login_as, org, make_round):
    round_ = make_round()
    for role in ("tester", "admin"):
        login_as(role, org)
        assert client.get("/rounds/").status_code == 403
        assert client.get(f"/rounds/{round_.id}").status_code == 403
        client.post("/logout")


def test_navigation_shows_rounds_to_coordinators_and_viewers(client, login_as, org):
    for role, shown in (("coordinator", True), ("viewer", True), ("tester", False)):
        login_as(role, org)
        assert ('href="/rounds/"' in client.get("/").get_data(as_text=True)) is shown, role
        client.post("/logout")
