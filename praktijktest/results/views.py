"""Results pages: run the analysis, read a snapshot, its charts, the per-target table, the report.

Coordinators and viewers of the round's organisation read results; only
coordinators run the analysis and see the names of tested targets (an
audited identity view on its own route, so a viewer cannot reach it by URL).
"""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField

from praktijktest.accounts.models import Role
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.results import presenters
from praktijktest.results.context import results_context
from praktijktest.results.figures import chart_by_key
from praktijktest.results.snapshots import (
    AnalysisError,
    RunRequest,
    latest_snapshot,
    run_analysis,
    snapshot_of_round,
    uses_verification,
)
from praktijktest.results.target_table import TableRequest, target_names, target_table
from praktijktest.results.trend import trend_rows
from praktijktest.rounds.models import Round

bp = Blueprint("results", __name__, url_prefix="/rounds")
READERS = (Role.COORDINATOR, Role.VIEWER)
REPORT_LANGUAGES = ("nl", "fr", "en")
# Chart images carry matplotlib's own style attributes; they hold no script and fetch nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


class AnalyseForm(FlaskForm):
    version = HiddenField()
    # Offered only when the round has verified responses (templates check `uses_verification`).
    verified_only = BooleanField()


def _snapshot_or_404(round_: Round, snapshot_id: int):
    snapshot = snapshot_of_round(round_, snapshot_id)
    if snapshot is None:
        abort(404)
    return snapshot


@bp.route("/<int:round_id>/analyse", methods=["POST"])
@roles_required(Role.COORDINATOR)
def analyse(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = AnalyseForm()
    if not form.validate_on_submit():
        abort(400)
    if form.version.data and form.version.data != str(round_.version):
        flash(_("Someone else changed this round in the meantime; reload the page and try again."), "error")
        return redirect(url_for("rounds.detail", round_id=round_.id))
    try:
        snapshot = run_analysis(round_, current_user, RunRequest(verified_only=bool(form.verified_only.data)))
    except AnalysisError as error:
        flash(str(error), "error")
        return redirect(url_for("rounds.detail", round_id=round_.id))
    flash(_("The analysis is stored (snapshot %(hash)s).", hash=snapshot.short_hash), "success")
    return redirect(url_for(".show", round_id=round_.id, snapshot_id=snapshot.id))


@bp.route("/<int:round_id>/results")
@roles_required(*READERS)
def latest(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    snapshot = latest_snapshot(round_)
    if snapshot is not None:
        return redirect(url_for(".show", round_id=round_.id, snapshot_id=snapshot.id))
    return render_template("results/none.html", round=round_, form=AnalyseForm(),
                           is_coordinator=current_user.role == Role.COORDINATOR,
                           uses_verification=uses_verification(round_))


@bp.route("/<int:round_id>/results/<int:snapshot_id>")
@roles_required(*READERS)
def show(round_id: int, snapshot_id: int):
    round_ = get_owned_or_404(Round, round_id)
    snapshot = _snapshot_or_404(round_, snapshot_id)
    return render_template("results/show.html", form=AnalyseForm(), languages_report=REPORT_LANGUAGES,
                           is_coordinator=current_user.role == Role.COORDINATOR,
                           uses_verification=uses_verification(round_),
                           **results_context(round_, snapshot, trend_rows(round_)))


def _targets_page(round_: Round, snapshot, with_names: bool):
    table = TableRequest.from_args(request.args)
    page = target_table(snapshot.result or {}, table)
    names = target_names(round_, [str(r.get("target")) for r in page.rows]) if with_names else {}
    return render_template("results/targets.html", round=round_, snapshot=snapshot, page=page, table=table,
                           names=names, with_names=with_names, market=round_.market, fmt=presenters,
                           is_coordinator=current_user.role == Role.COORDINATOR)


@bp.route("/<int:round_id>/results/<int:snapshot_id>/targets")
@roles_required(*READERS)
def targets(round_id: int, snapshot_id: int):
    round_ = get_owned_or_404(Round, round_id)
    return _targets_page(round_, _snapshot_or_404(round_, snapshot_id), with_names=False)


@bp.route("/<int:round_id>/results/<int:snapshot_id>/targets/names")
@roles_required(Role.COORDINATOR)
def target_identities(round_id: int, snapshot_id: int):
    round_ = get_owned_or_404(Round, round_id)
    return _targets_page(round_, _snapshot_or_404(round_, snapshot_id), with_names=True)


@bp.route("/<int:round_id>/results/<int:snapshot_id>/charts/<chart>.svg")
@roles_required(*READERS)
def chart(round_id: int, snapshot_id: int, chart: str):
    round_ = get_owned_or_404(Round, round_id)
    snapshot = _snapshot_or_404(round_, snapshot_id)
    trend = trend_rows(round_) if chart == "trend" else None
    found = chart_by_key(snapshot.result or {}, round_.market, chart, trend, snapshot.sha256)
    if found is None:
        abort(404)
    response = send_file(BytesIO(found.svg().encode()), mimetype="image/svg+xml", download_name=f"{chart}.svg")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.route("/<int:round_id>/results/<int:snapshot_id>/report.pdf")
@roles_required(*READERS)
def report(round_id: int, snapshot_id: int):
    from praktijktest.reports.round_report import generate_round_report

    round_ = get_owned_or_404(Round, round_id)
    snapshot = _snapshot_or_404(round_, snapshot_id)
    lang = request.args.get("lang", "nl")
    if lang not in REPORT_LANGUAGES:
        lang = "nl"
    data = generate_round_report(round_, snapshot, current_user, lang)
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"round-report-{round_.id}-{snapshot.short_hash}-{lang}.pdf")
