"""Locking a round in two steps: check everything the lock fixes, then a confirmation page.

Locking cannot be undone, so it is never one click: the check page (GOV.UK's
"check your answers") lists what the pre-registration will fix, says plainly
that it is final, and only then offers the button; the confirmation page
shows the protocol hash and the PDF.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from praktijktest.accounts.models import Role
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.blueprint import bp
from praktijktest.rounds.forms import LockForm
from praktijktest.rounds.materials import round_profiles, round_templates
from praktijktest.rounds.models import Round
from praktijktest.rounds.planning import evidence_plan, sampled_targets
from praktijktest.rounds.preregistration import awareness_warning, lock_problems, lock_round, power_warning
from praktijktest.rounds.services import RoundError, round_counts


@bp.route("/<int:round_id>/lock", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def lock(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    if round_.is_locked:
        return redirect(url_for(".locked", round_id=round_.id))
    form = LockForm()
    error = None
    if request.method == "POST":
        plan = _plan(round_)
        if not form.validate_on_submit():
            error = _("The form had expired. Check the summary again and lock once more.")
        elif plan and plan.needs_awareness_confirmation and not form.is_awareness_only.data:
            # Said once, at the box to tick; the warning itself stands just above it.
            form.is_awareness_only.errors = [_("Tick the box to confirm that this round is for awareness only.")]
            return _render_check(round_, form, None)
        elif plan and plan.needs_power_confirmation and not form.is_low_power_confirmed.data:
            form.is_low_power_confirmed.errors = [_("Tick the box to confirm that you lock a round that is unlikely "
                                                    "to detect the expected gap.")]
            return _render_check(round_, form, None)
        else:
            try:
                lock_round(round_, awareness_confirmed=form.is_awareness_only.data,
                           power_confirmed=form.is_low_power_confirmed.data,
                           expected_version=form.version.data or None)
            except RoundError as exc:
                error = str(exc)
            else:
                return redirect(url_for(".locked", round_id=round_.id))
    return _render_check(round_, form, error)


@bp.route("/<int:round_id>/locked")
@roles_required(Role.COORDINATOR)
def locked(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    if not round_.is_locked:
        return redirect(url_for(".lock", round_id=round_.id))
    return render_template("rounds/locked.html", round=round_)


def _render_check(round_: Round, form: LockForm, error: str | None):
    plan = _plan(round_)
    profiles = list(round_profiles(round_))
    per_group = {g.label: sum(1 for p in profiles if p.group_id == g.id) for g in round_.groups}
    form.version.data = round_.version
    return render_template(
        "rounds/lock_check.html", round=round_, form=form, error=error, plan=plan,
        problems=lock_problems(round_), profiles_per_group=per_group, templates=list(round_templates(round_)),
        sampled=sampled_targets(round_), counts=round_counts([round_.id])[round_.id],
        awareness_warning=(awareness_warning(plan, round_.market)
                           if plan and plan.needs_awareness_confirmation else None),
        power_warning=power_warning(plan) if plan and plan.needs_power_confirmation else None,
    )


def _plan(round_: Round):
    try:
        return evidence_plan(round_)
    except (RoundError, ValueError):
        return None
