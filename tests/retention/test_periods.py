"""The retention periods page: defaults shown, saving audited, bad input and conflicting edits refused."""
from __future__ import annotations

import re

from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.retention.models import RetentionPeriod
from praktijktest.retention.periods import DEFAULT_MONTHS, KINDS, periods_for


def _form(client) -> dict[str, str]:
    html = client.get("/retention/").get_data(as_text=True)
    data = dict(re.findall(r'name="(\w+_months)"[^>]*value="(\d+)"', html))
    for kind in KINDS:
        data[f"{kind}_basis"] = re.search(rf'name="{kind}_basis"[^>]*>\s*([^<]*)</textarea>', html).group(1)
    data["seen"] = re.search(r'name="seen"[^>]*value="(\w+)"', html).group(1)
    return data


def test_the_page_shows_the_defaults_with_their_legal_basis(client, login_as, db):
    login_as("coordinator")
    data = _form(client)
    assert {kind: int(data[f"{kind}_months"]) for kind in KINDS} == DEFAULT_MONTHS
    assert "6.1.e" in data["identities_basis"]


def test_saving_stores_the_periods_and_audits_the_change(client, login_as, db):
    user = login_as("coordinator")
    data = {**_form(client), "evidence_months": "36", "evidence_basis": "Beslissing college 1 dec 2026"}
    response = client.post("/retention/", data=data)
    assert response.status_code == 302
    periods = periods_for(user.organisation_id)
    assert (periods["evidence"].months, periods["evidence"].legal_basis) == (36, "Beslissing college 1 dec 2026")
    assert periods["identities"].months == DEFAULT_MONTHS["identities"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.update")).one()
    assert event.changes["evidence.months"] == [DEFAULT_MONTHS["evidence"], 36]
    assert set(event.changes) == {"evidence.months", "evidence.legal_basis"}


def test_bad_months_are_refused_and_change_nothing(client, login_as, db):
    login_as("coordinator")
    for bad in ("0", "-3", "241", "twelve", ""):
        response = client.post("/retention/", data={**_form(client), "notes_months": bad})
        assert response.status_code == 200
    assert db.session.scalars(select(RetentionPeriod)).all() == []


def test_an_edit_over_someone_elses_change_is_refused(client, login_as, db):
    user = login_as("coordinator")
    stale = _form(client)
    assert client.post("/retention/", data={**stale, "notes_months": "6"}).status_code == 302
    response = client.post("/retention/", data={**stale, "notes_months": "18"})
    assert response.status_code == 200 and "meanwhile" in response.get_data(as_text=True)
    assert periods_for(user.organisation_id)["notes"].months == 6


def test_another_organisation_keeps_its_own_periods(client, login_as, db, other_org):
    login_as("coordinator")
    client.post("/retention/", data={**_form(client), "notes_months": "6"})
    assert periods_for(other_org.id)["notes"].months == DEFAULT_MONTHS["notes"]
