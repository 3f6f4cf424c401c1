"""The registry pages: who may use them, CRUD, duplicates by enterprise number, audit of identity views."""
from __future__ import annotations

import pytest

from praktijktest.extensions import db
from praktijktest.targets.models import Target
from tests.conftest import visible_text
from tests.targets.conftest import audit_events, dotted

REGISTRY_URLS = ["/targets/", "/targets/new", "/targets/import/"]


@pytest.mark.parametrize("role", ["viewer", "tester", "admin"])
def test_only_coordinators_reach_the_registry(client, login_as, make_target, role):
    target = make_target("Geheim BV")
    login_as(role)
    for url in [*REGISTRY_URLS, f"/targets/{target.id}", f"/targets/{target.id}/edit"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geheim BV" not in response.get_data(as_text=True)


def test_another_organisations_target_is_not_found(client, coordinator, make_target, other_org):
    foreign = make_target("Elders NV", organisation=other_org)
    assert client.get(f"/targets/{foreign.id}").status_code == 404
    assert "Elders NV" not in client.get("/targets/?q=Elders").get_data(as_text=True)


def test_create_stores_ten_digits_and_shows_them_formatted(client, coordinator, next_number, org):
    number = next_number()
    response = client.post("/targets/new", data={
        "name": "Bakkerij Test", "kind": "employer", "enterprise_number": "BE " + dotted(number),
        "nace_code": "10711", "sector": "Voeding", "municipality_id": str(org.municipalities[0].id),
        "is_contractor": "y", "contract_reference": "OPDR-2026-7",
    })
    assert response.status_code == 302
    target = db.session.scalars(db.select(Target).where(Target.name == "Bakkerij Test")).one()
    assert target.enterprise_number == number
    assert target.nace_code == "10.711"
    assert target.municipality_id == org.municipalities[0].id
    assert target.is_contractor and target.contract_reference == "OPDR-2026-7"
    page = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert dotted(number) in page and "Bakkerij Test" in page and "OPDR-2026-7" in page


def test_create_refuses_a_bad_check_digit(client, coordinator):
    response = client.post("/targets/new", data={"name": "Fout", "kind": "employer",
                                                 "enterprise_number": "0202.239.952"})
    assert response.status_code == 200
    assert "fails the check" in visible_text(response.get_data(as_text=True))
    assert db.session.scalar(db.select(db.func.count()).select_from(Target)) == 0


def test_a_second_target_with_the_same_number_is_refused_with_a_link(client, coordinator, make_target, next_number):
    number = next_number()
    existing = make_target("Origineel", enterprise_number=number)
    response = client.post("/targets/new", data={"name": "Kopie", "kind": "employer",
                                                 "enterprise_number": dotted(number)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/targets/{existing.id}"' in html
    assert existing.code in visible_text(html)
    assert db.session.scalar(db.select(db.func.count()).select_from(Target).where(Target.name == "Kopie")) == 0


def test_free_text_municipality(client, coordinator):
    client.post("/targets/new", data={"name": "Verre BV", "kind": "agency", "municipality_name": "Hasselt"})
    target = db.session.scalars(db.select(Target).where(Target.name == "Verre BV")).one()
    assert target.municipality_id is None and target.municipality_name == "Hasselt"
    assert target.code.startswith("K-")


def test_edit_with_optimistic_locking(client, coordinator, make_target):
    target = make_target("Oud", sector="Bouw")
    form = client.get(f"/targets/{target.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{target.version}"' in form
    data = {"name": "Nieuw", "kind": "employer", "sector": "Bouw", "version": str(target.version)}
    assert client.post(f"/targets/{target.id}/edit", data=data).status_code == 302
    db.session.refresh(target)
    assert target.name == "Nieuw"
    stale = client.post(f"/targets/{target.id}/edit", data={**data, "name": "Te laat"})  # the old version again
    assert stale.status_code == 200
    assert "Someone else changed this target" in visible_text(stale.get_data(as_text=True))
    db.session.refresh(target)
    assert target.name == "Nieuw"
    update = audit_events("target.update")[-1]
    assert update.summary == target.code and update.changes == {"name": "changed"}


def test_edit_refuses_a_number_of_another_target(client, coordinator, make_target, next_number):
    number = next_number()
    make_target("Eerste", enterprise_number=number)
    second = make_target("Tweede")
    response = client.post(f"/targets/{second.id}/edit", data={
        "name": "Tweede", "kind": "employer", "enterprise_number": number, "version": str(second.version)})
    db.session.refresh(second)
    assert response.status_code == 200 and second.enterprise_number is None
    assert "/merge" in response.get_data(as_text=True)


def test_every_identity_view_is_audited_by_code_only(client, coordinator, make_target):
    target = make_target("Vertrouwelijk Bedrijf")
    client.get("/targets/")
    client.get(f"/targets/{target.id}")
    client.get(f"/targets/{target.id}/edit")
    events = audit_events("target.identity_view")
    assert [e.changes["view"] for e in events] == ["registry", "detail", "edit"]
    assert all(e.summary == target.code and "Vertrouwelijk" not in str(e.changes) for e in events)
    assert all(e.user_id == coordinator.id for e in events)
    created = audit_events("target.create")[-1]
    assert created.summary == target.code


def test_search_and_filters(client, coordinator, make_target, next_number, org):
    number = next_number()
    make_target("Alfa Bouw", sector="Bouw", enterprise_number=number, municipality=org.municipalities[0].name)
    make_target("Beta Horeca", sector="Horeca", is_contractor=True, municipality="Gent")
    make_target("Gamma Verhuur", kind="landlord")

    def names(query: str) -> set[str]:
        text = visible_text(client.get(f"/targets/?{query}").get_data(as_text=True))
        return {name for name in ("Alfa Bouw", "Beta Horeca", "Gamma Verhuur") if name in text}

    assert names("q=alfa") == {"Alfa Bouw"}
    assert names(f"q={dotted(number)}") == {"Alfa Bouw"}
    assert names(f"q=BE{number[1:5]}") == {"Alfa Bouw"}
    assert names("kind=landlord") == {"Gamma Verhuur"}
    assert names("sector=Horeca") == {"Beta Horeca"}
    assert names("contractor=yes") == {"Beta Horeca"}
    assert names(f"municipality=id:{org.municipalities[0].id}") == {"Alfa Bouw"}
    assert names("municipality=name:Gent") == {"Beta Horeca"}
    code = db.session.scalars(db.select(Target.code).where(Target.name == "Gamma Verhuur")).one()
    assert names(f"q={code.lower()}") == {"Gamma Verhuur"}


def test_detail_shows_the_history_of_rounds(client, coordinator, make_target, org):
    from praktijktest.fieldwork.models import Test
    from praktijktest.rounds.models import RoundTarget
    from praktijktest.rounds.services import GroundSpec, create_round

    target = make_target("Historiek NV")
    spring = create_round(org, "Voorjaar 2025", "labour", [GroundSpec("origin", "Belgisch", ["Marokkaans"])])
    autumn = create_round(org, "Najaar 2026", "labour", [GroundSpec("age", "30", ["55"])])
    db.session.add(RoundTarget(round_id=autumn.id, target_id=target.id, stratum="Bouw"))
    db.session.add_all([Test(round=spring, target=target, external_id=f"t{i}") for i in range(3)])
    db.session.flush()
    page = visible_text(client.get(f"/targets/{target.id}").get_data(as_text=True))
    assert "Voorjaar 2025" in page and "Najaar 2026" in page and "Bouw" in page
    assert page.index("Najaar 2026") < page.index("Voorjaar 2025")  # newest first


def test_navigation_shows_targets_to_coordinators_only(client, login_as):
    login_as("coordinator")
    assert 'href="/targets/"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login_as("viewer")
    assert 'href="/targets/"' not in client.get("/").get_data(as_text=True)
