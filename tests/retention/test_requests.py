"""Requests from tested persons: deadline, decision with reason, stale forms, and the access export."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from praktijktest.audit.models import AuditEvent
from praktijktest.retention.models import DataRequest
from praktijktest.retention.requests import due_date
from praktijktest.targets.models import Target
from tests.retention.test_apply import _with_personal_data
from tests.rounds.util import pdf_text


def test_the_deadline_is_one_calendar_month():
    assert due_date(date(2026, 3, 15)) == date(2026, 4, 15)
    assert due_date(date(2026, 1, 31)) == date(2026, 2, 28)
    assert due_date(date(2026, 12, 20)) == date(2027, 1, 20)


def test_a_request_is_recorded_and_decided_with_its_reason_audited(client, login_as, db, objects):
    login_as("coordinator")
    target_id = objects["own"]["target_id"]
    response = client.post(f"/retention/targets/{target_id}/requests",
                           data={"kind": "erasure", "received_on": "2026-11-30"})
    assert response.status_code == 302
    item = db.session.scalars(select(DataRequest).filter_by(target_id=target_id, kind="erasure")).one()
    assert item.due_on == date(2026, 12, 30)
    url = f"/retention/requests/{item.id}/decide"
    client.post(url, data={"decision": "refused", "reason": "", "version": item.version})
    db.session.expire_all()
    assert item.decision is None  # a refusal needs its reason
    client.post(url, data={"decision": "refused", "reason": "Lopend onderzoek (art. 23)", "version": item.version})
    db.session.expire_all()
    assert (item.decision, item.reason) == ("refused", "Lopend onderzoek (art. 23)")
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(item.id))))
    assert {"data_request.create", "data_request.decide"} <= actions


def test_a_stale_decision_form_is_refused(client, login_as, db, objects):
    login_as("coordinator")
    item = db.session.get(DataRequest, objects["own"]["request_id"])
    stale = item.version
    url = f"/retention/requests/{item.id}/decide"
    client.post(url, data={"decision": "granted", "version": stale})
    response = client.post(url, data={"decision": "refused", "reason": "x", "version": stale}, follow_redirects=True)
    db.session.expire_all()
    assert "meanwhile" in response.get_data(as_text=True) and item.decision == "granted"


def test_bad_request_input_changes_nothing(client, login_as, db, objects):
    login_as("coordinator")
    target_id = objects["own"]["target_id"]
    before = db.session.query(DataRequest).count()
    for data in ({"kind": "nonsense", "received_on": "2026-11-30"}, {"kind": "access", "received_on": "gisteren"},
                 {"kind": "access", "received_on": "2999-01-01"}):
        assert client.post(f"/retention/targets/{target_id}/requests", data=data).status_code in (200, 302)
    assert db.session.query(DataRequest).count() == before


def test_the_access_export_holds_everything_about_the_target_and_nothing_else(
        client, login_as, db, fieldwork_round):
    user = login_as("coordinator")
    round_ = fieldwork_round()
    tests, listing, response, stored = _with_personal_data(db, round_)
    mine = db.session.get(Target, tests[1].target_id)  # the target with the note and the evidence file
    other = db.session.get(Target, tests[0].target_id)  # the target with the listing
    assert mine.organisation_id == user.organisation_id
    body = client.get(f"/retention/targets/{mine.id}/export.json")
    export = json.loads(body.get_data(as_text=True))
    text = json.dumps(export, ensure_ascii=False)
    assert export["target"]["name"] == mine.name and export["target"]["address"] == "Kerkstraat 1"
    assert [t["test"] for t in export["tests"]] == [tests[1].external_id]
    evidence = [e for a in export["tests"][0]["applications"] if a["response"] for e in a["response"]["evidence"]]
    assert [e["sha256"] for e in evidence] == [stored.sha256]
    assert response.notes in text
    assert other.name not in text and tests[0].external_id not in text and listing.url not in text
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data_request.export",
                                                       AuditEvent.object_id == str(mine.id))).one()


def test_another_organisations_target_is_not_found(client, login_as, objects):
    login_as("coordinator")
    foreign = objects["foreign"]["target_id"]
    assert client.get(f"/retention/targets/{foreign}/export.json").status_code == 404
    assert client.get(f"/retention/targets/{foreign}/requests").status_code == 404


def _cases(db, round_, mine, other):
    """A referred case about `mine` (with its steps) and a case about `other` that must not appear."""
    from praktijktest.followup.models import CaseState, FollowUpCase
    from praktijktest.results.snapshots import run_analysis

    snapshot = run_analysis(round_)
    case = FollowUpCase(organisation_id=round_.organisation_id, round_id=round_.id, snapshot_id=snapshot.id,
                        target_id=mine.id, state=CaseState.PERSISTENT)
    foreign = FollowUpCase(organisation_id=round_.organisation_id, round_id=round_.id, snapshot_id=snapshot.id,
                           target_id=other.id, state=CaseState.FLAGGED)
    db.session.add_all([case, foreign])
    db.session.flush()
    case.move("referred", reason="Het patroon bleef bij de hertest.", on=date(2026, 11, 20),
              referral={"body": "unia", "date": date(2026, 11, 21), "reference": "UNIA-2026-77"})
    foreign.move("dialogue", reason="Gesprek met de andere verhuurder gepland.", on=date(2026, 11, 22))
    db.session.flush()
    return case


def test_the_access_export_includes_the_follow_up_cases_about_the_target_only(
        client, login_as, db, fieldwork_round):
    login_as("coordinator")
    round_ = fieldwork_round()
    tests, *_ = _with_personal_data(db, round_)
    mine, other = db.session.get(Target, tests[1].target_id), db.session.get(Target, tests[0].target_id)
    case = _cases(db, round_, mine, other)
    export = json.loads(client.get(f"/retention/targets/{mine.id}/export.json").get_data(as_text=True))
    assert [(c["case"], c["state"]) for c in export["cases"]] == [(case.id, "referred")]
    assert export["cases"][0]["referral"] == {"body": "unia", "date": "2026-11-21", "reference": "UNIA-2026-77"}
    assert [(s["to"], s["occurred_on"], s["reason"]) for s in export["cases"][0]["steps"]] == [
        ("referred", "2026-11-20", "Het patroon bleef bij de hertest.")]
    assert "andere verhuurder" not in json.dumps(export, ensure_ascii=False)


def test_the_access_export_as_pdf_holds_what_the_json_holds_in_dutch_and_french(
        client, login_as, db, fieldwork_round):
    login_as("coordinator")
    round_ = fieldwork_round()
    tests, listing, response, stored = _with_personal_data(db, round_)
    mine, other = db.session.get(Target, tests[1].target_id), db.session.get(Target, tests[0].target_id)
    _cases(db, round_, mine, other)
    export = json.loads(client.get(f"/retention/targets/{mine.id}/export.json").get_data(as_text=True))
    for lang, heading in (("nl", "Opvolgingsdossiers"), ("fr", "Dossiers de suivi")):
        pdf = client.get(f"/retention/targets/{mine.id}/export.pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert f'filename="access-{mine.code}-{lang}.pdf"' in pdf.headers["Content-Disposition"]
        text = pdf_text(pdf.data)
        flat = "".join(text.split())  # hashes and long texts wrap across lines in the PDF
        for value in (mine.code, mine.name, "Kerkstraat 1", "info@example.be", response.notes, stored.sha256,
                      tests[1].external_id, "Het patroon bleef bij de hertest.", "UNIA-2026-77"):
            assert "".join(value.split()) in flat, (lang, value)
        assert heading in text
        assert [t["test"] for t in export["tests"]] == [tests[1].external_id]
        for absent in (other.name, tests[0].external_id, listing.url, "andere verhuurder"):
            assert "".join(absent.split()) not in flat, (lang, absent)
    summaries = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "data_request.export",
                                                                    AuditEvent.object_id == str(mine.id))).all()
    formats = ("json", "pdf, nl", "pdf, fr")
    assert sorted(summaries) == sorted(f"access export of {mine.code} ({how})" for how in formats)
