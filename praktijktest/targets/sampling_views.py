"""The sample page of a round: draw (or redraw) its targets from the registry.

Coordinator only; only while the round is a draft. The drawn list shows
each code with its name and a link, because a coordinator checks a sample
by recognising the employers in it; coordinators may see identities, and
the page is recorded as an identity view like the registry.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.extensions import db
from praktijktest.permissions import IDENTITY_ROLES, get_owned_or_404, roles_required
from praktijktest.rounds.models import Round, RoundTarget
from praktijktest.targets.forms import KIND_LABELS, SampleForm
from praktijktest.targets.models import Target
from praktijktest.targets.sampling import SamplingError, default_kinds, draw_sample, stored_summary
from praktijktest.targets.services import record_identity_view

bp = Blueprint("sampling", __name__, url_prefix="/rounds")


@bp.route("/<int:round_id>/sample", methods=["GET", "POST"])
@roles_required(*IDENTITY_ROLES)
def sample(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    summary = stored_summary(round_)
    form = SampleForm()
    if not form.is_submitted():
        _fill_defaults(form, round_, summary)
    if form.validate_on_submit() and not round_.is_locked:
        strata = [name for name, on in (("sector", form.by_sector.data), ("municipality", form.by_municipality.data))
                  if on]
        try:
            summary = draw_sample(
                round_, form.size.data, strata=strata, seed=form.seed.data, months_excluded=form.months_excluded.data,
                is_retest=form.is_retest.data, kinds=form.kinds() or None, contractors_only=form.contractors_only.data,
                within_round_municipalities=form.within_round_municipalities.data,
            )
        except SamplingError as error:
            flash(str(error), "error")
        else:
            flash(_("%(size)d targets drawn with seed %(seed)d.", size=summary.size, seed=summary.seed), "success")
            return redirect(url_for(".sample", round_id=round_.id))
    elif form.is_submitted() and round_.is_locked:
        flash(_("The round's protocol is locked: its sample can no longer change."), "error")
    drawn = db.session.execute(
        select(RoundTarget.stratum, Target).join(Target, Target.id == RoundTarget.target_id)
        .where(RoundTarget.round_id == round_.id).order_by(RoundTarget.stratum, Target.code)
    ).all()
    record_identity_view([target for _stratum, target in drawn], "sample", round_.organisation_id)
    # The round pages are another feature's; link back when they are installed.
    round_url = url_for("rounds.detail", round_id=round_.id) if "rounds.detail" in current_app.view_functions else None
    return render_template("targets/sample.html", round=round_, form=form, summary=summary, drawn=drawn,
                           kinds=KIND_LABELS, round_url=round_url)


def _fill_defaults(form: SampleForm, round_: Round, summary) -> None:
    """Preset the form with the last draw, or with the round's kinds of target."""
    kinds = summary.kinds if summary else default_kinds(round_)
    for kind in ("employer", "landlord", "agency"):
        getattr(form, kind).data = kind in kinds
    form.within_round_municipalities.data = summary.within_round_municipalities if summary else True
    if summary:
        form.size.data = summary.size
        form.by_sector.data = "sector" in summary.strata
        form.by_municipality.data = "municipality" in summary.strata
        form.months_excluded.data = summary.months_excluded
        form.is_retest.data = summary.is_retest
        form.contractors_only.data = summary.contractors_only
