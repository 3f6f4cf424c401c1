"""The coordinator's fieldwork pages of a round: progress, the lists behind its numbers,
assigning tests to testers, decline texts, and closing fieldwork."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from praktijktest.accounts.models import Role, User
from praktijktest.extensions import db
from praktijktest.fieldwork.closure import close_fieldwork, decline_texts, fieldwork_record, set_decline_texts
from praktijktest.fieldwork.forms import AssignForm, CloseFieldworkForm, DeclineTextsForm, SecondEntryModeForm
from praktijktest.fieldwork.models import Test
from praktijktest.fieldwork.queries import (
    application_list,
    page_info,
    round_progress,
)
from praktijktest.fieldwork.second_entry import second_entry_mode, set_second_entry
from praktijktest.fieldwork.services import FieldworkError, assign_tests, close_expired_windows
from praktijktest.pagination import requested_page
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.models import Round

bp = Blueprint("fieldwork_rounds", __name__, url_prefix="/rounds")
PER_PAGE = 50


@bp.route("/<int:round_id>/fieldwork")
@roles_required(Role.COORDINATOR)
def progress(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    return _render_progress(round_)


@bp.route("/<int:round_id>/fieldwork/applications")
@roles_required(Role.COORDINATOR)
def applications(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    close_expired_windows([round_.id])
    filters = {"state": request.args.get("state"), "overdue": request.args.get("overdue"),
               "tester_id": request.args.get("tester", type=int), "municipality_id": request.args.get("municipality",
                                                                                                        type=int)}
    page = requested_page()
    rows, total = application_list(round_, filters["state"], tester_id=filters["tester_id"],
                                   municipality_id=filters["municipality_id"], overdue=filters["overdue"],
                                   page=page, per_page=PER_PAGE)
    return render_template("fieldwork/applications.html", round=round_, rows=rows, total=total,
                           pageinfo=page_info(page, total, PER_PAGE), filters=filters)


@bp.route("/<int:round_id>/fieldwork/assign", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def assign(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    testers = list(db.session.scalars(select(User).where(
        User.organisation_id == round_.organisation_id, User.role == Role.TESTER, User.is_active).order_by(User.name)))
    form = AssignForm()
    form.tester.choices = [SelectChoice(t.id, t.name) for t in testers]
    if form.validate_on_submit():
        tester = next((t for t in testers if t.id == form.tester.data), None)
        try:
            if tester is None:
                raise FieldworkError(_("Choose an active tester of your organisation."))
            moved = assign_tests(round_, form.test_ids.data, tester)
        except FieldworkError as error:
            flash(str(error), "error")
        else:
            flash(_("%(n)s tests given to %(name)s.", n=moved, name=tester.name), "success")
            return redirect(url_for(".assign", round_id=round_.id, page=request.args.get("page", 1, type=int)))
    elif form.is_submitted():
        flash(_("Choose at least one test and a tester."), "error")
    page = requested_page()
    tests = list(db.session.scalars(select(Test).where(Test.round_id == round_.id).order_by(Test.external_id)
                                    .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    count = db.session.scalar(select(func.count(Test.id)).where(Test.round_id == round_.id)) or 0
    names = {t.id: t.name for t in testers}
    return render_template("fieldwork/assign.html", round=round_, form=form, tests=tests, testers=testers,
                           names=names, pageinfo=page_info(page, count, PER_PAGE))


@bp.route("/<int:round_id>/fieldwork/close", methods=["POST"])
@roles_required(Role.COORDINATOR)
def close(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = CloseFieldworkForm()
    if not form.validate_on_submit():
        flash(_("Keep each reason under 2,000 characters."), "error")
        return _render_progress(round_, close_form=form)
    try:
        close_fieldwork(round_, form.reasons(), current_user)
    except FieldworkError as error:
        flash(str(error), "error")
        return _render_progress(round_, close_form=form)
    flash(_("Fieldwork is closed. The accepted open items and their reasons are kept with the round."), "success")
    return redirect(url_for(".progress", round_id=round_.id))


@bp.route("/<int:round_id>/fieldwork/declines", methods=["POST"])
@roles_required(Role.COORDINATOR)
def declines(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = DeclineTextsForm()
    if not form.validate_on_submit():
        return _render_progress(round_, decline_form=form)
    try:
        set_decline_texts(round_, {"nl": form.nl.data, "fr": form.fr.data, "en": form.en.data})
    except FieldworkError as error:
        form.nl.errors = [str(error)]
        return _render_progress(round_, decline_form=form)
    flash(_("The decline texts are saved."), "success")
    return redirect(url_for(".progress", round_id=round_.id, _anchor="declines"))


@bp.route("/<int:round_id>/fieldwork/second-entry", methods=["POST"])
@roles_required(Role.COORDINATOR)
def second_entry(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = SecondEntryModeForm()
    try:
        if not form.validate_on_submit():
            raise FieldworkError(_("Choose who checks the responses."))
        set_second_entry(round_, form.mode.data)
    except FieldworkError as error:
        flash(str(error), "error")
    else:
        flash(_("Saved: who checks the responses."), "success")
    return redirect(url_for(".progress", round_id=round_.id, _anchor="second-entry"))


def _render_progress(round_: Round, close_form=None, decline_form=None):
    texts = decline_texts(round_)
    progress = round_progress(round_)
    return render_template(
        "fieldwork/progress.html", round=round_, progress=progress, open=progress.open,
        record=fieldwork_record(round_), close_form=close_form or CloseFieldworkForm(formdata=None),
        decline_form=decline_form or DeclineTextsForm(formdata=None, data=texts),
        disagreements=progress.totals["disagreement"],
        mode_form=SecondEntryModeForm(formdata=None, data={"mode": second_entry_mode(round_)}),
    )
