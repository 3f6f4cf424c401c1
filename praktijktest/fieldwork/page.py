"""The test page: everything a tester needs to send the applications of one test and
record what came back, built once for the GET and for a form shown again with errors."""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.fieldwork.clock import BRUSSELS, local_date
from praktijktest.fieldwork.closure import decline_text, decline_texts
from praktijktest.fieldwork.forms import (
    CallForm,
    CancelTestForm,
    ResolveForm,
    ResponseForm,
    SendForm,
    TestListingForm,
    VersionForm,
)
from praktijktest.fieldwork.models import Application, MysteryCall, Response, Test
from praktijktest.fieldwork.services import close_expired_windows
from praktijktest.rounds.materials import Rendered, TemplateProblem, render_template_for
from praktijktest.rounds.models import TestType
from praktijktest.targets.services import record_identity_view
from praktijktest.timeutil import as_utc, utcnow


@dataclass
class ApplicationView:
    application: Application
    letter: Rendered | None
    letter_problem: str | None
    send_form: SendForm
    response_form: ResponseForm
    decline: str | None
    resolve_form: ResolveForm | None = None
    call_form: CallForm | None = None
    call: MysteryCall | None = None


def _load(test_id: int) -> Test:
    return db.session.scalar(
        select(Test).where(Test.id == test_id).execution_options(populate_existing=True).options(
            selectinload(Test.applications).selectinload(Application.profile),
            selectinload(Test.applications).selectinload(Application.template),
            selectinload(Test.applications).selectinload(Application.group),
            selectinload(Test.applications).selectinload(Application.response).selectinload(Response.evidence),
            selectinload(Test.target), selectinload(Test.listing), selectinload(Test.round)))


def render_test_page(test: Test, *, listing_form=None, send_forms=None, response_forms=None, cancel_form=None,
                     call_forms=None):
    close_expired_windows([test.round_id])
    test = _load(test.id)
    texts = decline_texts(test.round)
    views = [_application_view(app, test, texts, (send_forms or {}).get(app.id), (response_forms or {}).get(app.id))
             for app in sorted(test.applications, key=lambda a: (a.send_order or 0, a.id))]
    if test.round.test_type == TestType.MYSTERY_CALL:
        _add_calls(views, call_forms or {})
    record_identity_view([test.target], "fieldwork test page", test.round.organisation_id)
    return render_template(
        "fieldwork/test.html", test=test, round=test.round, applications=views,
        listing_form=listing_form or TestListingForm(formdata=None, data={"seen_on": local_date(utcnow())}),
        cancel_form=cancel_form or CancelTestForm(formdata=None), action_form=VersionForm(formdata=None),
        is_coordinator=current_user.role == Role.COORDINATOR,
    )


def _application_view(app: Application, test: Test, texts, send_form, response_form) -> ApplicationView:
    letter, problem = None, None
    if app.template is not None:
        try:
            letter = render_template_for(app.template, app.profile, test.listing)
        except TemplateProblem as error:
            problem = str(error)
    return ApplicationView(
        app, letter, problem, send_form or _send_form(app), response_form or _response_form(app),
        decline_text(test.round, app, texts) if app.response and app.response.decline_due_at else None,
        _resolve_form(app.response) if app.response is not None and app.response.is_disagreement else None,
    )


def _add_calls(views: list[ApplicationView], forms: dict) -> None:
    """Each application's recorded call and its form (one query for the page's calls)."""
    calls = {c.application_id: c for c in db.session.scalars(
        select(MysteryCall).where(MysteryCall.application_id.in_([v.application.id for v in views])))}
    for view in views:
        view.call = calls.get(view.application.id)
        view.call_form = forms.get(view.application.id) or _call_form(view.application, view.call)


def _call_form(app: Application, call: MysteryCall | None) -> CallForm:
    now = utcnow().astimezone(BRUSSELS)
    if call is None:
        return CallForm(formdata=None, prefix=f"call-{app.id}", data={
            "version": "", "called_on": now.date(), "called_time": now.time().replace(second=0, microsecond=0)})
    local = as_utc(call.called_at).astimezone(BRUSSELS)
    return CallForm(formdata=None, prefix=f"call-{app.id}", data={
        "version": call.version, "called_on": local.date(), "question": call.question, "answer": call.answer,
        "called_time": local.time().replace(second=0, microsecond=0), "notes": call.notes})


def _resolve_form(response: Response) -> ResolveForm:
    form = ResolveForm(formdata=None, prefix=f"resolve-{response.id}", data={"version": response.version})
    form.outcome.choices = [choice for choice in form.outcome.choices
                            if choice.value in (response.outcome, response.second_outcome)]
    return form


def _send_form(app: Application) -> SendForm:
    now = utcnow().astimezone(BRUSSELS)
    return SendForm(formdata=None, prefix=f"send-{app.id}",
                    data={"sent_on": now.date(), "sent_time": now.time().replace(second=0, microsecond=0),
                          "channel": "email" if (app.profile and app.profile.email) else "phone"})


def _response_form(app: Application) -> ResponseForm:
    response = app.response
    if response is None:
        return ResponseForm(formdata=None, prefix=f"response-{app.id}", data={"version": ""})
    local = as_utc(response.responded_at).astimezone(BRUSSELS) if response.responded_at else None
    return ResponseForm(formdata=None, prefix=f"response-{app.id}", data={
        "version": response.version, "outcome": response.outcome, "channel": response.channel or "",
        "received_on": local.date() if local else None,
        "received_time": local.time().replace(second=0, microsecond=0) if local else None,
        "notes": response.notes})
