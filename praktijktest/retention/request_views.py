"""Requests from tested persons: the list per target, recording, deciding, the access export (coordinators)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.retention.forms import DecisionForm, RequestForm
from praktijktest.retention.models import DataRequest
from praktijktest.retention.requests import (
    DECISIONS,
    REQUEST_KINDS,
    RequestError,
    access_export,
    access_export_pdf,
    decide,
    record_request,
)
from praktijktest.targets.models import Target

bp = Blueprint("data_requests", __name__, url_prefix="/retention")


@bp.route("/targets/<int:target_id>/requests", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def index(target_id: int):
    target = get_owned_or_404(Target, target_id)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            record_request(target, form.kind.data, form.received_on.data, current_user)
        except RequestError as error:
            flash(str(error), "error")
        else:
            flash(_("Request recorded."), "success")
            return redirect(url_for(".index", target_id=target.id))
    requests = db.session.scalars(select(DataRequest).where(DataRequest.target_id == target.id)
                                  .order_by(DataRequest.received_on.desc(), DataRequest.id.desc())).all()
    return render_template("retention/requests.html", target=target, form=form, requests=requests,
                           decision_form=DecisionForm(), kinds=REQUEST_KINDS, decisions=DECISIONS)


@bp.route("/requests/<int:request_id>/decide", methods=["POST"])
@roles_required(Role.COORDINATOR)
def decide_request(request_id: int):
    data_request = get_owned_or_404(DataRequest, request_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision."), "error")
    else:
        try:
            decide(data_request, form.decision.data, form.reason.data, form.version.data, current_user)
        except RequestError as error:
            flash(str(error), "error")
        else:
            flash(_("Decision recorded."), "success")
    return redirect(url_for(".index", target_id=data_request.target_id))


@bp.route("/targets/<int:target_id>/export.json")
@roles_required(Role.COORDINATOR)
def export(target_id: int):
    target = get_owned_or_404(Target, target_id)
    body = json.dumps(access_export(target, current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="access-{target.code}.json"'})


@bp.route("/targets/<int:target_id>/export.pdf")
@roles_required(Role.COORDINATOR)
def export_pdf(target_id: int):
    from flask import request

    target = get_owned_or_404(Target, target_id)
    lang = "fr" if request.args.get("lang") == "fr" else "nl"
    return Response(access_export_pdf(target, current_user, lang), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="access-{target.code}-{lang}.pdf"'})
