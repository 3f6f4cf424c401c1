"""Round pages: list, create and edit a draft, detail with planning, lock, status, copy.

Coordinators design rounds; viewers read the list and the detail (design,
status, planning figures, pre-registration) but no profiles, templates or
targets; testers get their own pages elsewhere.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.file_names import preregistration_name
from praktijktest.organisations.models import Municipality, Organisation
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.results.context import round_findings
from praktijktest.rounds import lock_views, material_views  # noqa: F401  (their routes are on the same blueprint)
from praktijktest.rounds.blueprint import bp
from praktijktest.rounds.forms import MAX_GROUND_ROWS, ActionForm, LockForm, PlanningForm, RoundForm, StatusForm
from praktijktest.rounds.labels import STATUS_ACTIONS, label_functions, transition_message
from praktijktest.rounds.materials import round_profiles, round_templates
from praktijktest.rounds.models import ALLOWED_TRANSITIONS, IllegalTransition, Round, RoundStatus
from praktijktest.rounds.planning import evidence_plan, save_planning, saved_inputs
from praktijktest.rounds.preregistration import (
    awareness_warning,
    lock_problems,
    power_warning,
    read_preregistration,
    sample_endpoint,
)
from praktijktest.rounds.services import RoundError, change_status, copy_round, create_round, round_counts, update_round
from praktijktest.rounds.tasks import next_task, round_tasks

READERS = (Role.COORDINATOR, Role.VIEWER)


@bp.app_context_processor
def _round_labels() -> dict:
    return label_functions()


# Globals, not context: the round_tabs and next_step macros are imported without context.
bp.add_app_template_global(round_tasks, "round_tasks")
bp.add_app_template_global(next_task, "next_task")


@bp.route("/")
@roles_required(*READERS)
def index():
    rounds = db.session.scalars(
        select(Round)
        .where(Round.organisation_id == current_user.organisation_id)
        .options(selectinload(Round.grounds))  # the list names each round's grounds: one query, not one per row
        .order_by(Round.created_at.desc())
    ).all()
    return render_template("rounds/index.html", rounds=rounds, counts=round_counts([r.id for r in rounds]))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def create():
    form = _round_form(None)
    if _wants_another_ground(form) or not form.validate_on_submit():
        return render_template("rounds/form.html", form=form, round=None)
    try:
        round_ = create_round(_organisation(), created_by=current_user, **_create_kwargs(form))
    except RoundError as error:
        flash(str(error), "error")
        return render_template("rounds/form.html", form=form, round=None)
    flash(_("Round %(title)s created. Add profiles and templates next.", title=round_.title), "success")
    return redirect(url_for(".detail", round_id=round_.id))


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def edit(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    if round_.is_locked:
        flash(_("This round is locked: its protocol can no longer change."), "error")
        return redirect(url_for(".detail", round_id=round_.id))
    form = _round_form(round_)
    if _wants_another_ground(form) or not form.validate_on_submit():
        return render_template("rounds/form.html", form=form, round=round_)
    design = form.design(_municipalities_by_id())
    try:
        update_round(round_, form.version.data, **design)
    except (RoundError, StaleDataError) as error:
        db.session.rollback()
        flash(_stale_message(error), "error")
        return render_template("rounds/form.html", form=form, round=round_)
    flash(_("Round %(title)s saved.", title=round_.title), "success")
    return redirect(url_for(".detail", round_id=round_.id))


@bp.route("/<int:round_id>")
@roles_required(*READERS)
def detail(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    return _render_detail(round_)


@bp.route("/<int:round_id>/planning", methods=["POST"])
@roles_required(Role.COORDINATOR)
def planning(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = PlanningForm()
    if not form.validate_on_submit():
        return _render_detail(round_, planning_form=form)
    try:
        save_planning(round_, form.inputs(), form.version.data or None)
    except RoundError as error:
        flash(str(error), "error")
        return _render_detail(round_, planning_form=form)
    flash(_("Planning saved."), "success")
    return redirect(url_for(".detail", round_id=round_.id, _anchor="planning"))


@bp.route("/<int:round_id>/status", methods=["POST"])
@roles_required(Role.COORDINATOR)
def status(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = StatusForm()
    if not form.validate_on_submit() or form.status.data not in set(RoundStatus):
        flash(_("Choose one of the buttons to change the status."), "error")
        return redirect(url_for(".detail", round_id=round_.id))
    try:
        change_status(round_, form.status.data, reason=form.reason.data)
    except IllegalTransition as error:
        if error.code != "reason_required":
            flash(transition_message(error), "error")
            return redirect(url_for(".detail", round_id=round_.id))
        form.reason.errors = [transition_message(error)]  # shown at the field, by the cancel button
        return _render_detail(round_, status_form=form)
    except (RoundError, ValueError) as error:
        flash(_("The status cannot change: %(reason)s", reason=error), "error")
        return redirect(url_for(".detail", round_id=round_.id))
    flash(_("Status changed."), "success")
    return redirect(url_for(".detail", round_id=round_.id))


@bp.route("/<int:round_id>/copy", methods=["POST"])
@roles_required(Role.COORDINATOR)
def copy(round_id: int):
    source = get_owned_or_404(Round, round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    new = copy_round(source, created_by=current_user)
    flash(_("New round made from %(title)s; it is a draft you can change.", title=source.title), "success")
    return redirect(url_for(".detail", round_id=new.id))


@bp.route("/<int:round_id>/preregistration.pdf")
@roles_required(*READERS)
def preregistration(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    try:
        data = read_preregistration(round_)
    except RoundError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", round_id=round_.id))
    from io import BytesIO

    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=preregistration_name(round_.id))


def _render_detail(round_: Round, planning_form: PlanningForm | None = None, status_form: StatusForm | None = None):
    is_coordinator = current_user.role == Role.COORDINATOR
    plan, plan_error = _plan(round_)
    context = {
        "round": round_, "plan": plan, "plan_error": plan_error, "is_coordinator": is_coordinator,
        "counts": round_counts([round_.id])[round_.id], "copied_from": _copied_from(round_),
        "next_statuses": [s for s in ALLOWED_TRANSITIONS[RoundStatus(round_.status)] if s in STATUS_ACTIONS],
        "can_cancel": RoundStatus.CANCELLED in ALLOWED_TRANSITIONS[RoundStatus(round_.status)],
        "status_actions": STATUS_ACTIONS, "has_saved_planning": saved_inputs(round_) is not None,
        "sample_endpoint": sample_endpoint(),
        "schedule_endpoint": "schedule.index" if "schedule.index" in current_app.view_functions else None,
        "findings": round_findings(round_),
    }
    if is_coordinator:
        profiles, templates = list(round_profiles(round_)), list(round_templates(round_))
        context |= {
            "profiles": profiles, "templates": templates, "action_form": ActionForm(),
            "status_form": status_form or StatusForm(), "lock_form": LockForm(),
            "planning_form": planning_form or _planning_form(round_, plan),
            "problems": lock_problems(round_) if not round_.is_locked else [],
            "awareness_warning": awareness_warning(plan, round_.market) if plan and plan.can_flag is False else None,
            "power_warning": power_warning(plan) if plan and plan.needs_power_confirmation else None,
        }
    return render_template("rounds/detail.html", **context)


def _plan(round_: Round):
    try:
        return evidence_plan(round_), None
    except (RoundError, ValueError) as error:
        return None, str(error)


def _planning_form(round_: Round, plan) -> PlanningForm:
    inputs = saved_inputs(round_) or {}
    form = PlanningForm(formdata=None, data={
        "reference_rate": inputs.get("reference_rate", plan.reference_rate if plan else None),
        "other_rate": inputs.get("other_rate", plan.other_rate if plan else None),
        "discordance": inputs.get("discordance"), "alpha": inputs.get("alpha", 0.05),
        "power": inputs.get("power", 0.8), "targets": inputs.get("targets"), "version": round_.version,
    })
    return form


def _copied_from(round_: Round) -> Round | None:
    if not round_.copied_from_id:
        return None
    source = db.session.get(Round, round_.copied_from_id)
    return source if source and source.organisation_id == round_.organisation_id else None


def _round_form(round_: Round | None) -> RoundForm:
    if round_ is None or request.method == "POST":
        form = RoundForm()
    else:
        form = RoundForm(data=_round_data(round_))
    form.municipalities.choices = [_choice(m) for m in _own_municipalities()]
    return form


def _round_data(round_: Round) -> dict:
    grounds = [
        {"ground": g.ground, "description": g.description,
         "reference": g.reference_group.label if g.reference_group else "",
         "others": "\n".join(x.label for x in g.groups if not x.is_reference)}
        for g in round_.grounds
    ]
    fields = {name: getattr(round_, name) for name in ("title", "market", "test_type", "response_window_days",
                                                        "fdr_level", "planned_tests_per_target", "protocol")}
    return fields | {"grounds": grounds, "municipalities": [m.id for m in round_.municipalities],
            "positive_outcomes": list(round_.positive_outcomes), "version": round_.version,
            "applications_per_group": round_.applications_per_group}


def _choice(municipality: Municipality):
    from wtforms import SelectChoice

    return SelectChoice(municipality.id, municipality.name)


def _wants_another_ground(form: RoundForm) -> bool:
    """The "add another ground" button re-renders the form with one more row, saving nothing."""
    if not (form.is_submitted() and form.add_ground.data):
        return False
    if len(form.grounds) < MAX_GROUND_ROWS:
        form.grounds.append_entry()
    return True


def _create_kwargs(form: RoundForm) -> dict:
    design = form.design(_municipalities_by_id())
    design["planning"] = {"applications_per_group": design.pop("applications_per_group")}
    return design


def _own_municipalities() -> list[Municipality]:
    return list(db.session.scalars(
        select(Municipality).where(Municipality.organisation_id == current_user.organisation_id)
        .order_by(Municipality.name)))


def _municipalities_by_id() -> dict:
    return {m.id: m for m in _own_municipalities()}


def _organisation() -> Organisation:
    return db.session.get(Organisation, current_user.organisation_id)


def _stale_message(error: Exception) -> str:
    if isinstance(error, StaleDataError):
        return _("Someone else changed this round in the meantime; reload the page and try again.")
    return str(error)
