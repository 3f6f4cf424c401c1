"""Follow-up pages: the case list of an organisation, a case with its steps and the target's history.

Coordinators only: a case names a tested party. Another organisation's case is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.followup import history
from praktijktest.followup.forms import ClauseStepForm, OpenCaseForm, StepForm
from praktijktest.followup.models import STATE_LABELS, FollowUpCase, IllegalMove
from praktijktest.followup.services import CaseError, move_case, open_case
from praktijktest.form_errors import form_errors
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.results.snapshots import snapshot_of_round
from praktijktest.rounds.models import Round
from praktijktest.targets.services import record_identity_view

bp = Blueprint("followup", __name__, url_prefix="/follow-up")


def _organisation_id() -> int | None:
    return current_user.organisation_id


@bp.route("/")
@roles_required(Role.COORDINATOR)
def index():
    from praktijktest.followup.case_list import case_list_context

    organisation_id = _organisation_id()
    return render_template("followup/index.html", **case_list_context(organisation_id, request.args),
                           states=STATE_LABELS, open_form=OpenCaseForm(),
                           uncased=history.flagged_without_case(organisation_id))


@bp.route("/rounds/<int:round_id>/snapshots/<int:snapshot_id>/open", methods=["POST"])
@roles_required(Role.COORDINATOR)
def open_(round_id: int, snapshot_id: int):
    round_ = get_owned_or_404(Round, round_id)
    snapshot = snapshot_of_round(round_, snapshot_id)
    if snapshot is None:
        abort(404)
    form = OpenCaseForm()
    if not form.validate_on_submit():
        flash(_("Choose a flagged target to open a case for."), "error")
        return redirect(url_for(".index"))
    try:
        case = open_case(snapshot, form.target.data, current_user, form.reason.data or "")
    except CaseError as error:
        flash(str(error), "error")
        return redirect(url_for(".index"))
    flash(_("The case is open."), "success")
    return redirect(url_for(".detail", case_id=case.id))


def template_helpers() -> dict:
    """Label functions the case page and the dossier share."""
    from praktijktest.datasets.evidence_text import evidence_sentence
    from praktijktest.followup.models import BODY_LABELS
    from praktijktest.rounds.labels import label_functions

    return {"state_label": lambda s: STATE_LABELS.get(s, s), "body_label": lambda b: BODY_LABELS.get(b, b),
            "evidence_sentence": evidence_sentence, **label_functions()}


def _detail(case: FollowUpCase, form: StepForm, status: int = 200):
    record_identity_view([case.target], "follow-up case")
    from praktijktest.followup.contracts import case_contract_context

    return render_template("followup/detail.html", case=case, form=form, errors=form_errors(form),
                           clause_form=ClauseStepForm(formdata=None),
                           rounds=history.target_history(case.target), **case_contract_context(case),
                           **template_helpers()), status


@bp.route("/<int:case_id>")
@roles_required(Role.COORDINATOR)
def detail(case_id: int):
    case = get_owned_or_404(FollowUpCase, case_id)
    return _detail(case, StepForm(case, formdata=None, version=str(case.version)))


@bp.route("/<int:case_id>/step", methods=["POST"])
@roles_required(Role.COORDINATOR)
def step(case_id: int):
    case = get_owned_or_404(FollowUpCase, case_id)
    form = StepForm(case)
    if not case.allowed_moves():
        flash(_("This case is closed: it has no further steps."), "error")
        return redirect(url_for(".detail", case_id=case.id))
    if not form.validate_on_submit():
        return _detail(case, form)
    if form.version.data != str(case.version):
        flash(_("Someone else changed this case in the meantime; reload the page and try again."), "error")
        return redirect(url_for(".detail", case_id=case.id))
    referral = {"body": form.referral_body.data, "date": form.occurred_on.data,
                "reference": form.referral_reference.data}
    try:
        move_case(case, form.to_state.data, reason=form.reason.data, on=form.occurred_on.data, user=current_user,
                  referral=referral)
    except (IllegalMove, StaleDataError) as error:
        db.session.rollback()
        flash(str(error) if isinstance(error, IllegalMove) else
              _("Someone else changed this case in the meantime; reload the page and try again."), "error")
        return redirect(url_for(".detail", case_id=case_id))
    flash(_("The step is recorded."), "success")
    return redirect(url_for(".detail", case_id=case.id))


@bp.route("/<int:case_id>/clause-step", methods=["POST"])
@roles_required(Role.COORDINATOR)
def clause_step(case_id: int):
    """Record one step of a contractor's clause as done (dated, attributed, with a note; audited)."""
    from praktijktest.followup.contracts import ClauseStepError, record_clause_step

    case = get_owned_or_404(FollowUpCase, case_id)
    form = ClauseStepForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
        return redirect(url_for(".detail", case_id=case.id, _anchor="clause-steps"))
    try:
        record_clause_step(case, form.step.data, form.occurred_on.data, form.note.data, current_user)
    except ClauseStepError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".detail", case_id=case.id, _anchor="clause-steps"))
    flash(_("The step of the clause is recorded."), "success")
    return redirect(url_for(".detail", case_id=case.id, _anchor="clause-steps"))


@bp.route("/<int:case_id>/dossier")
@roles_required(Role.COORDINATOR)
def dossier(case_id: int):
    from io import BytesIO

    from flask import send_file

    from praktijktest.followup.dossier import DossierError, generate_dossier

    case = get_owned_or_404(FollowUpCase, case_id)
    try:
        data = generate_dossier(case.round, case.target.code, current_user)
    except DossierError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", case_id=case.id))
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"dossier-{case.round_id}-{case.target.code}.pdf")


@bp.route("/<int:case_id>/retest", methods=["POST"])
@roles_required(Role.COORDINATOR)
def retest(case_id: int):
    from praktijktest.followup.services import create_retest

    case = get_owned_or_404(FollowUpCase, case_id)  # CSRFProtect checks every POST, so no form class here
    try:
        retest_round = create_retest(case, current_user)
    except CaseError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", case_id=case.id))
    flash(_("The retest round is created as a draft with only this target."), "success")
    return redirect(url_for(".retest_plan", retest_id=retest_round.id))
from praktijktest.followup import retest_views  # noqa: E402, F401  (its routes are on this blueprint)
