"""Admin pages for organisations and accounts, with audit and conflict checks."""
from __future__ import annotations

from sqlalchemy import func, select

from praktijktest.accounts.models import User
from praktijktest.audit.models import AuditEvent
from praktijktest.organisations.models import Organisation
from tests.conftest import visible_text


def events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_admin_creates_a_partnership(client, login_as, db):
    login_as("admin")
    response = client.post(
        "/admin/organisations/new",
        data={"name": "Regio Leie", "kind": "partnership", "members": "Deinze\nNazareth\n\nDeinze"},
    )
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Regio Leie"))
    assert [m.name for m in org.municipalities] == ["Deinze", "Nazareth"]
    [event] = events(db, "organisation.create")[-1:]
    assert event.changes == {"municipalities": [None, ["Deinze", "Nazareth"]]}


def test_partnership_needs_two_members_and_nothing_is_created(client, login_as, db):
    login_as("admin")
    before = db.session.scalar(select(func.count()).select_from(Organisation))
    response = client.post("/admin/organisations/new", data={"name": "Solo", "kind": "partnership", "members": "Een"})
    assert response.status_code == 200
    assert "minstens twee" in visible_text(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == before


def test_duplicate_organisation_name_is_refused(client, login_as, org):
    login_as("admin")
    response = client.post("/admin/organisations/new", data={"name": org.name.upper(), "kind": "municipality"})
    assert "bestaat al" in visible_text(response.get_data(as_text=True))


def test_stale_organisation_edit_is_refused(client, login_as, org, db):
    login_as("admin")
    stale_version = org.version
    first = client.post(
        f"/admin/organisations/{org.id}/edit",
        data={"name": "Regio Nieuw", "members": "Testdorp\nTeststad", "version": stale_version},
    )
    assert first.status_code == 302
    second = client.post(
        f"/admin/organisations/{org.id}/edit",
        data={"name": "Regio Oud", "members": "Testdorp\nTeststad", "version": stale_version},
    )
    assert second.status_code == 200
    assert "intussen gewijzigd" in visible_text(second.get_data(as_text=True))
    db.session.refresh(org)
    assert org.name == "Regio Nieuw"


def test_renamed_municipality_keeps_its_row(client, login_as, make_org, db):
    town = make_org("Oudenaarde")
    municipality_id = town.municipalities[0].id
    login_as("admin")
    client.post(f"/admin/organisations/{town.id}/edit", data={"name": "Oudenaarde (stad)", "version": town.version})
    db.session.refresh(town)
    assert [(m.id, m.name) for m in town.municipalities] == [(municipality_id, "Oudenaarde (stad)")]


def test_admin_creates_an_account_and_it_can_log_in(app, client, login_as, org, db):
    login_as("admin")
    data = {
        "email": "nieuw@tests.example",
        "name": "Nieuwe Tester",
        "role": "tester",
        "organisation_id": org.id,
        "is_active": "y",
        "password": "Een-sterk-wachtwoord-1",
    }
    assert client.post("/admin/users/new", data=data).status_code == 302
    [event] = events(db, "user.create")[-1:]
    assert event.summary == "nieuw@tests.example (tester)"
    assert "Een-sterk" not in str(event.changes) + event.summary
    other = app.test_client()
    assert other.post("/login", data={"email": "nieuw@tests.example", "password": data["password"]}).status_code == 302


def test_weak_initial_password_is_refused(client, login_as, org, db):
    login_as("admin")
    data = {"email": "zwak@tests.example", "name": "Z", "role": "viewer", "organisation_id": org.id, "password": "kort"}
    response = client.post("/admin/users/new", data=data)
    assert "minstens 12 tekens" in visible_text(response.get_data(as_text=True))
    assert db.session.scalar(select(User).where(User.email == "zwak@tests.example")) is None


def test_edit_records_old_and_new_values(client, login_as, make_user, org, db):
    login_as("admin")
    user = make_user("tester")
    data = {
        "email": user.email,
        "name": user.name,
        "role": "viewer",
        "organisation_id": org.id,
        "is_active": "y",
        "version": user.version,
    }
    assert client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    [event] = events(db, "user.update")
    assert event.changes == {"role": ["tester", "viewer"]}


def test_stale_account_edit_is_refused(client, login_as, make_user, org, db):
    login_as("admin")
    user = make_user("tester")
    base = {"email": user.email, "name": user.name, "organisation_id": org.id, "is_active": "y",
            "version": user.version}
    assert client.post(f"/admin/users/{user.id}/edit", data={**base, "role": "viewer"}).status_code == 302
    response = client.post(f"/admin/users/{user.id}/edit", data={**base, "role": "coordinator"})
    assert "intussen gewijzigd" in visible_text(response.get_data(as_text=True))
    db.session.refresh(user)
    assert user.role == "viewer"


def test_admin_cannot_lock_themselves_out(client, login_as, org, db):
    admin = login_as("admin")
    data = {"email": admin.email, "name": admin.name, "role": "viewer", "organisation_id": org.id,
            "is_active": "y", "version": admin.version}
    response = client.post(f"/admin/users/{admin.id}/edit", data=data)
    assert response.status_code == 200
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_deactivated_account_is_logged_out(app, client, login_as, make_user, org, db):
    login_as("admin")
    victim = make_user("coordinator")
    victim_client = app.test_client()
    victim_client.post("/login", data={"email": victim.email, "password": "Correct-horse-battery-9"})
    assert victim_client.get("/").status_code == 200
    data = {"email": victim.email, "name": victim.name, "role": "coordinator", "organisation_id": org.id,
            "version": victim.version}  # is_active left unticked
    assert client.post(f"/admin/users/{victim.id}/edit", data=data).status_code == 302
    assert victim_client.get("/").status_code == 302
