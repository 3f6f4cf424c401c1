"""A waiting target import belongs to the user and organisation that uploaded it (issue 12, item 6)."""
from __future__ import annotations

from praktijktest.extensions import db
from praktijktest.targets.models import Target
from tests.conftest import log_in
from tests.targets.test_import import csv_file


def _count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Target))


def _upload(client) -> tuple[str, dict]:
    client.post("/targets/import/", data={"file": (csv_file(["Ander BV;employer;;;;;;;;"]), "l.csv")},
                content_type="multipart/form-data")
    with client.session_transaction() as session:
        return session["target_import"]["path"], dict(session["target_import"])


def test_another_users_waiting_file_cannot_be_confirmed(app, client, login_as, make_user, org):
    login_as("coordinator", org)
    path, pending = _upload(client)
    colleague = make_user("coordinator", org)
    other = app.test_client()
    log_in(other, colleague.email)
    with other.session_transaction() as session:
        session["target_import"] = pending  # carried over, as a shared browser used to do
    response = other.post("/targets/import/confirm", data={"token": path})
    assert response.status_code == 302 and _count() == 0


def test_logout_forgets_the_waiting_file(client, login_as, make_user, org):
    first = login_as("coordinator", org)
    path, _pending = _upload(client)
    client.post("/logout")
    log_in(client, first.email)
    client.post("/targets/import/confirm", data={"token": path})
    assert _count() == 0
