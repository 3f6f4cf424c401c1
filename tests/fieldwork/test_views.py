"""The tester's pages through the app: queue, sending, a response with evidence, decline, access."""
from __future__ import annotations

import io
from datetime import timedelta

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.fieldwork.clock import BRUSSELS
from praktijktest.timeutil import utcnow
from tests.conftest import log_in, visible_text
from tests.fieldwork.conftest import EML, round_tests


def _local_now():
    return utcnow().astimezone(BRUSSELS)


def _send(client, app, when=None):
    when = (when or utcnow()).astimezone(BRUSSELS)
    return client.post(f"/fieldwork/applications/{app.id}/sent", data={
        f"send-{app.id}-sent_on": when.date().isoformat(), f"send-{app.id}-sent_time": when.strftime("%H:%M"),
        f"send-{app.id}-channel": "email"})


def _respond(client, app, outcome="invitation", version="", files=(), **extra):
    when = _local_now()
    data = {f"response-{app.id}-version": version, f"response-{app.id}-outcome": outcome,
            f"response-{app.id}-received_on": when.date().isoformat(),
            f"response-{app.id}-received_time": when.strftime("%H:%M"), f"response-{app.id}-channel": "email",
            f"response-{app.id}-notes": "", f"response-{app.id}-evidence": [(io.BytesIO(d), n) for n, d in files]}
    data.update({f"response-{app.id}-{k}": v for k, v in extra.items()})
    return client.post(f"/fieldwork/applications/{app.id}/response", data=data, content_type="multipart/form-data")


def test_queue_lists_what_to_send_and_the_test_page_shows_the_letter(client, login_as, fieldwork_round, org):
    tester = login_as("tester", org)
    round_ = fieldwork_round(tester=tester)
    page = client.get("/fieldwork/")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "To send today or overdue" in text and round_tests(round_)[0].external_id in text
    test = round_tests(round_)[0]
    detail = visible_text(client.get(f"/fieldwork/tests/{test.id}").get_data(as_text=True))
    assert test.target.name in detail and "Lotte Wouters" in detail and "lotte@demo.example" in detail
    assert "Huurwoning Appartement" in detail or "Interesse Appartement" in detail
    views = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "target.identity_view")).all()
    assert any(e.object_id == str(test.target_id) for e in views)


def test_send_record_invitation_with_eml_and_decline(client, login_as, fieldwork_round, org):
    tester = login_as("tester", org)
    test = round_tests(fieldwork_round(tester=tester))[0]
    first, second = sorted(test.applications, key=lambda a: a.send_order)
    assert _send(client, first, utcnow() - timedelta(days=3)).status_code == 302
    assert _send(client, second).status_code == 302
    response = _respond(client, first, files=[("uitnodiging.eml", EML)])
    assert response.status_code == 302, visible_text(response.get_data(as_text=True))
    assert _respond(client, second, outcome="rejection").status_code == 302
    db.session.expire_all()
    saved = first.response
    assert saved.outcome == "invitation" and saved.decline_due_at is not None
    assert saved.evidence[0].headers["subject"] == "Uitnodiging voor een bezoek"
    page = visible_text(client.get(f"/fieldwork/tests/{test.id}").get_data(as_text=True))
    assert "Uitnodiging voor een bezoek" in page and "verhuur@example.invalid" in page
    assert "Decline the invitation" in page
    queue = visible_text(client.get("/fieldwork/").get_data(as_text=True))
    assert "Invitations to decline (1)" in queue
    assert client.post(f"/fieldwork/responses/{saved.id}/decline").status_code == 302
    db.session.expire_all()
    assert saved.decline_sent_at is not None
    assert "Invitations to decline (0)" in visible_text(client.get("/fieldwork/").get_data(as_text=True))


def test_a_stale_second_save_is_refused_and_the_first_kept(client, login_as, fieldwork_round, org):
    tester = login_as("tester", org)
    app = round_tests(fieldwork_round(tester=tester))[0].applications[0]
    _send(client, app)
    _respond(client, app, outcome="rejection")
    db.session.expire_all()
    version = app.response.version
    assert _respond(client, app, outcome="invitation", version=str(version)).status_code == 302
    stale = _respond(client, app, outcome="information_request", version=str(version))
    assert stale.status_code == 302
    db.session.expire_all()
    assert app.response.outcome == "invitation"
    page = visible_text(client.get(stale.headers["Location"]).get_data(as_text=True))
    assert "Someone else saved this response in the meantime" in page


def test_a_file_that_is_not_evidence_refuses_the_whole_save(client, login_as, fieldwork_round, org):
    tester = login_as("tester", org)
    app = round_tests(fieldwork_round(tester=tester))[0].applications[0]
    _send(client, app)
    refused = _respond(client, app, files=[("fake.pdf", b"#!/bin/sh\nrm -rf /\n")])
    assert refused.status_code == 200
    assert "judging by its content" in visible_text(refused.get_data(as_text=True))
    db.session.expire_all()
    assert app.response is None


def test_a_tester_cannot_open_another_testers_test(client, login_as, fieldwork_round, make_user, org):
    other = make_user("tester", org)
    test = round_tests(fieldwork_round(tester=other))[0]
    login_as("tester", org)
    assert client.get(f"/fieldwork/tests/{test.id}").status_code == 404
    assert client.post(f"/fieldwork/applications/{test.applications[0].id}/sent").status_code == 404
    assert test.external_id not in client.get("/fieldwork/").get_data(as_text=True)


def test_only_coordinators_download_evidence_and_it_is_audited(client, login_as, fieldwork_round, make_user, org):
    tester = make_user("tester", org)
    app = round_tests(fieldwork_round(tester=tester))[0].applications[0]
    log_in(client, tester.email)
    client.post("/language", data={"locale": "en"})
    _send(client, app)
    _respond(client, app, files=[("mail.eml", EML)])
    db.session.expire_all()
    evidence = app.response.evidence[0]
    assert client.post(f"/fieldwork/evidence/{evidence.id}").status_code == 403
    client.post("/logout")
    login_as("viewer", org)
    assert client.post(f"/fieldwork/evidence/{evidence.id}").status_code == 403
    client.post("/logout")
    login_as("coordinator", org)
    download = client.post(f"/fieldwork/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == EML
    assert "attachment" in download.headers["Content-Disposition"]
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "evidence.download",
                                                         AuditEvent.object_id == str(evidence.id)))


def test_a_date_outside_the_century_is_refused_not_a_crash(client, login_as, fieldwork_round, org):
    tester = login_as("tester", org)
    app = round_tests(fieldwork_round(tester=tester))[0].applications[0]
    for day in ("0001-01-01", "9999-12-31"):
        response = client.post(f"/fieldwork/applications/{app.id}/sent", data={
            f"send-{app.id}-sent_on": day, f"send-{app.id}-sent_time": "09:00", f"send-{app.id}-channel": "email"})
        assert response.status_code == 200 and "between 2000 and 2099" in response.get_data(as_text=True)
    db.session.expire_all()
    assert app.sent_at is None


def test_the_queue_leaves_out_rounds_not_in_fieldwork(client, login_as, fieldwork_round, org):
    tester = login_as("tester", org)
    round_ = fieldwork_round(tester=tester)
    round_.status = "ready"
    db.session.flush()
    assert round_tests(round_)[0].external_id not in visible_text(client.get("/fieldwork/").get_data(as_text=True))
