"""The coordinator's page of retention periods (own organisation only; saving is audited)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from praktijktest.accounts.models import Role
from praktijktest.permissions import roles_required
from praktijktest.retention.forms import RetentionForm
from praktijktest.retention.periods import APPLIED_KINDS, KINDS, RetentionError, fingerprint, periods_for, save_periods

bp = Blueprint("retention", __name__, url_prefix="/retention")


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def periods():
    current = periods_for(current_user.organisation_id)
    form = RetentionForm()
    if not form.is_submitted():
        for kind, period in current.items():
            form[f"{kind}_months"].data, form[f"{kind}_basis"].data = period.months, period.legal_basis
        form.seen.data = fingerprint(current)
    if form.validate_on_submit():
        try:
            changed = save_periods(current_user.organisation_id, form.values(), form.seen.data, current_user)
        except RetentionError as error:
            flash(str(error), "error")
        else:
            flash(_("Retention periods saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".periods"))
    return render_template("retention/periods.html", form=form, kinds=KINDS, applied=APPLIED_KINDS,
                           periods=current)


@bp.route("/record.pdf")
@roles_required(Role.COORDINATOR)
def processing_record():
    from flask import Response, request

    from praktijktest.retention.processing_record import render_processing_record

    lang = "fr" if request.args.get("lang") == "fr" else "nl"
    data = render_processing_record(current_user.organisation_id, current_user, lang)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="record-of-processing-{lang}.pdf"'})
