"""The interface in people's language: error summaries, errors at their field, the audit log, error pages."""
from __future__ import annotations

import re

from praktijktest.audit.services import record
from tests.conftest import visible_text


def test_every_form_error_is_summarised_with_a_link_to_its_field(client, login_as, org):
    login_as("coordinator", org)
    html = client.post("/rounds/new", data={"title": "", "market": "labour"}).get_data(as_text=True)
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'href="#([\w-]+)"', summary)
    assert "title" in links
    for field_id in links:  # each link leads to a field that shows its own error
        assert f'id="{field_id}"' in html
    # No bare "This field is required.": the message names the field.
    text = visible_text(html)
    assert "Dit veld is vereist" not in text and "Vul ‘Titel’ in." in text


def test_enterprise_number_and_nace_errors_appear_together_at_their_fields(client, login_as, org):
    login_as("coordinator", org)
    data = {"name": "Garage", "kind": "employer", "enterprise_number": "0123.456.748", "nace_code": "5"}
    html = client.post("/targets/new", data=data).get_data(as_text=True)
    assert 'id="enterprise_number-error"' in html and 'id="nace_code-error"' in html
    assert "mod 97" in html.split('id="enterprise_number-error"')[1].split("</p>")[0]
    assert 'class="flash flash-error"' not in html  # no page banner for a field's problem


def test_a_new_account_has_no_role_until_one_is_chosen(client, login_as, org):
    login_as("admin", org)
    html = client.get("/admin/users/new").get_data(as_text=True)
    role_select = html.split('id="role"', 1)[1].split("</select>", 1)[0]
    assert "selected" not in role_select and role_select.index('value=""') < role_select.index('value="admin"')
    page = client.post("/admin/users/new", data={"email": "nieuw@tests.example", "name": "Nieuw", "role": "",
                                                 "organisation_id": str(org.id), "password": "Een-lang-wachtwoord-42"})
    assert "Kies de rol van het nieuwe account." in visible_text(page.get_data(as_text=True))


def test_the_audit_log_names_people_and_actions(client, login_as, org, make_user):
    coordinator = login_as("coordinator", org)
    viewer = make_user("viewer", org)
    html = client.get("/audit/?action=user.create").get_data(as_text=True)
    rows = visible_text(html.split("<tbody>", 1)[1])
    assert "Account aangemaakt" in rows and "user.create" not in rows
    assert f"Account {viewer.name}" in rows and f"User {viewer.id}" not in rows
    record("round.planning", org, changes={"power": [None, {"reference_rate": 0.35, "alpha": 0.05}]},
           organisation_id=org.id, actor=coordinator)
    rows = visible_text(client.get("/audit/?action=round.planning").get_data(as_text=True).split("<tbody>", 1)[1])
    assert coordinator.name in rows
    assert "verwacht aandeel, referentiegroep: 35,0" in rows and "significantieniveau: 5,0" in rows
    assert "{'reference_rate'" not in rows and "None" not in rows


def test_the_audit_log_never_shows_a_target_name(client, login_as, org):
    from praktijktest.targets.services import create_target

    login_as("coordinator", org)
    target = create_target(org.id, "Bakkerij Geheim")
    rows = client.get("/audit/?action=target.create").get_data(as_text=True).split("<tbody>", 1)[1]
    assert target.code in rows and "Bakkerij Geheim" not in rows


def test_error_pages_say_what_happened_and_what_to_do(client, login_as):
    login_as("viewer")
    forbidden = visible_text(client.get("/admin/users/").get_data(as_text=True))
    assert "U hebt geen toegang tot deze pagina" in forbidden and "vraag het dan aan uw coördinator" in forbidden
    missing = visible_text(client.get("/nergens").get_data(as_text=True))
    assert "Deze pagina bestaat niet" in missing and "Controleer het adres" in missing
