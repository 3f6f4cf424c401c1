"""Retest pages: one retest for several cases of a round, the retest's plan and its sequential rule.

Routes live on the follow-up blueprint (coordinators only); another organisation's
round or case is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.followup import retests, sequential
from praktijktest.followup.models import CaseState, FollowUpCase
from praktijktest.followup.services import CaseError
from praktijktest.followup.views import bp
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.models import Round


def _dialogue_cases(round_: Round) -> list[FollowUpCase]:
    return list(
        db.session.scalars(
            select(FollowUpCase)
            .where(
                FollowUpCase.round_id == round_.id,
                FollowUpCase.organisation_id == round_.organisation_id,
                FollowUpCase.state == CaseState.DIALOGUE,
            )
            .order_by(FollowUpCase.id)
        )
    )


@bp.route("/rounds/<int:round_id>/retest", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def retest_cases(round_id: int):
    """Choose the cases of one round to retest together; the page shows the size for each number of them."""
    round_ = get_owned_or_404(Round, round_id)
    cases = _dialogue_cases(round_)
    if request.method == "POST":  # CSRFProtect checks every POST
        chosen_ids = {int(v) for v in request.form.getlist("case_id") if v.isdigit()}
        chosen = [c for c in cases if c.id in chosen_ids]
        try:
            if len(chosen) != len(chosen_ids):
                raise CaseError(_("Choose only cases of this round that are in dialogue."))
            retest = retests.create_retest(chosen, current_user)
        except (CaseError, StaleDataError) as error:
            db.session.rollback()
            flash(
                str(error)
                if isinstance(error, CaseError)
                else _("Someone else changed one of these cases in the meantime; reload the page and try again."),
                "error",
            )
            return redirect(url_for(".retest_cases", round_id=round_id))
        flash(_("The retest round is created as a draft with only the chosen targets."), "success")
        return redirect(url_for(".retest_plan", retest_id=retest.id))
    sizes = [retests.retest_size(round_, k) for k in range(1, len(cases) + 1)]
    return render_template("followup/retest_cases.html", round=round_, cases=cases, sizes=sizes)


def _retest_round(round_id: int) -> Round:
    round_ = get_owned_or_404(Round, round_id)
    if retests.retest_info(round_) is None:
        abort(404)
    return round_


@bp.route("/retests/<int:retest_id>")
@roles_required(Role.COORDINATOR)
def retest_plan(retest_id: int):
    """A retest round's source, size and why, its sequential rule (planner) and the targets it stopped."""
    round_ = _retest_round(retest_id)
    info = retests.retest_info(round_)
    problem = None
    try:
        sequential.check_rule_allowed(round_)
    except sequential.RuleError as error:
        problem = str(error)
    can_rule, preview = problem is None, None
    if problem is None and not sequential.stored_rule(round_):  # the planner: the rule as it would be saved
        try:
            preview = sequential.compute_rule(round_, _max_discordant(request.args.get("max_discordant")))
        except sequential.RuleError as error:
            problem = str(error)
    size = retests.RetestSize(**info["size"]) if info.get("size") else None
    return render_template(
        "followup/retest_plan.html",
        round=round_,
        info=info,
        size=size,
        source=db.session.get(Round, info["source_round_id"]),
        rule=sequential.stored_rule(round_),
        preview=preview,
        rule_problem=problem,
        can_rule=can_rule,
        stops=sequential.stops_of(round_),
    )


def _max_discordant(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise sequential.RuleError(_("The maximum number of informative tests must be a whole number."))
    return int(value)


@bp.route("/retests/<int:retest_id>/rule", methods=["POST"])
@roles_required(Role.COORDINATOR)
def retest_rule(retest_id: int):
    round_ = _retest_round(retest_id)
    try:
        if str(round_.version) != request.form.get("version"):
            raise sequential.RuleError(
                _("Someone else changed this round in the meantime; reload the page and try again.")
            )
        if request.form.get("action") == "remove":
            sequential.remove_rule(round_, current_user)
            flash(_("The sequential rule is removed: the retest runs its planned tests."), "success")
        else:
            sequential.set_rule(round_, _max_discordant(request.form.get("max_discordant")), current_user)
            flash(_("The sequential rule is saved; it is pre-registered when the round is locked."), "success")
    except (sequential.RuleError, StaleDataError) as error:
        db.session.rollback()
        flash(
            str(error)
            if isinstance(error, sequential.RuleError)
            else _("Someone else changed this round in the meantime; reload the page and try again."),
            "error",
        )
    return redirect(url_for(".retest_plan", retest_id=retest_id))


@bp.app_template_global("sequential_stops")
def sequential_stops(round_: Round) -> list:
    """For the fieldwork progress page: the targets a retest's rule stopped (empty for other rounds)."""
    return sequential.stops_of(round_) if sequential.stored_rule(round_) else []


@bp.app_template_global("retest_side_by_side")
def retest_side_by_side(case: FollowUpCase):
    return retests.side_by_side(case)
