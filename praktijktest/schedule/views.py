"""The schedule page of a round: generate, check the balance, download, remove.

Coordinators only. The page shows target codes, never names; the CSV,
meant to brief the testers, holds names and is recorded as an identity view.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from praktijktest.accounts.models import Role
from praktijktest.datasets.exporter import local_text
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.file_names import schedule_name
from praktijktest.pagination import requested_page
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.models import Round
from praktijktest.schedule.balance import schedule_balance
from praktijktest.schedule.forms import DownloadScheduleForm, RemoveScheduleForm, ScheduleForm
from praktijktest.schedule.services import (
    ScheduleError,
    ScheduleSettings,
    can_schedule,
    generate_schedule,
    remove_schedule,
)
from praktijktest.spreadsheet import csv_cell
from praktijktest.targets.services import record_identity_view

bp = Blueprint("schedule", __name__, url_prefix="/rounds")
PER_PAGE = 50
# The file briefs testers: headers in the reader's language, times in Brussels with their offset.
CSV_COLUMNS = (_l("Test"), _l("Target code"), _l("Target name"), _l("Listing"), _l("Listing URL"), _l("Tester"),
               _l("Send order"), _l("Group"), _l("Profile"), _l("Template"),
               _l("Planned send (Brussels time, with UTC offset)"))


@bp.route("/<int:round_id>/schedule", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def index(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = ScheduleForm()
    count = _test_count(round_)
    if not form.is_submitted():
        _fill_defaults(form, round_)
    # A form with errors gets the error summary of base.html, not a second banner.
    if form.validate_on_submit() and _generate(round_, form, count):
        return redirect(url_for(".index", round_id=round_.id))
    return _render(round_, form, count)


@bp.route("/<int:round_id>/schedule/remove", methods=["POST"])
@roles_required(Role.COORDINATOR)
def remove(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = RemoveScheduleForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that the schedule is to be removed."), "error")
        return redirect(url_for(".index", round_id=round_.id))
    try:
        removed = remove_schedule(round_, expected_version=_version(form.version.data))
    except ScheduleError as error:
        flash(str(error), "error")
    else:
        flash(_("The schedule (%(n)s tests) was removed.", n=removed), "success")
    return redirect(url_for(".index", round_id=round_.id))


@bp.route("/<int:round_id>/schedule.csv", methods=["POST"])
@roles_required(Role.COORDINATOR)
def download(round_id: int):
    """The schedule with target names: a POST with its CSRF token, so no cross-site link can trigger it."""
    round_ = get_owned_or_404(Round, round_id)
    if not DownloadScheduleForm().validate_on_submit():
        flash(_("The download was refused: reload the page and try again."), "error")
        return redirect(url_for(".index", round_id=round_.id))
    tests = _tests(round_)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column) for column in CSV_COLUMNS])
    for test in tests:
        for app in sorted(test.applications, key=lambda a: a.send_order or 0):
            writer.writerow([_cell(v) for v in _csv_row(test, app)])
    record_identity_view(list({t.target_id: t.target for t in tests}.values()), "schedule.csv", round_.organisation_id)
    # A byte-order mark, so that spreadsheet programs read the accents as UTF-8.
    return Response("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={schedule_name(round_.id)}"})


def _generate(round_: Round, form: ScheduleForm, count: int) -> bool:
    if count and not form.replace.data:
        form.replace.errors = [_("The round already has a schedule of %(n)s tests; tick this box to replace it.",
                                 n=count)]
        return False
    settings = ScheduleSettings(form.start_date.data, form.lag_min.data, form.lag_max.data,
                                form.tests_per_day.data, form.seed.data)
    try:
        result = generate_schedule(round_, settings, expected_version=_version(form.version.data))
    except ScheduleError as error:
        flash(str(error), "error")
        return False
    flash(_("Schedule generated: %(tests)s tests, %(apps)s applications, seed %(seed)s.",
            tests=result.tests, apps=result.applications, seed=result.seed), "success")
    return True


def _render(round_: Round, form: ScheduleForm, count: int):
    page = requested_page()
    tests = _tests(round_, page)
    remove_form = RemoveScheduleForm(formdata=None)
    stored = (round_.planning or {}).get("schedule")
    form.version.data = remove_form.version.data = round_.version
    return render_template(
        "schedule/index.html", round=round_, form=form, remove_form=remove_form, download_form=DownloadScheduleForm(),
        can_schedule=can_schedule(round_), count=count, tests=tests, page=page,
        pages=max((count + PER_PAGE - 1) // PER_PAGE, 1), per_page=PER_PAGE,
        stored=stored, start=date.fromisoformat(stored["start_date"]) if stored else None,
        report=schedule_balance(round_) if count else None,
    )


def _fill_defaults(form: ScheduleForm, round_: Round) -> None:
    """Preset the form with the settings of the current schedule."""
    stored = (round_.planning or {}).get("schedule")
    if stored:
        form.lag_min.data, form.lag_max.data = stored["lag_min"], stored["lag_max"]
        form.tests_per_day.data = stored["tests_per_day"]


def _test_count(round_: Round) -> int:
    return db.session.scalar(select(func.count(Test.id)).where(Test.round_id == round_.id)) or 0


def _tests(round_: Round, page: int | None = None) -> list[Test]:
    query = (
        select(Test).where(Test.round_id == round_.id).order_by(Test.external_id)
        .options(selectinload(Test.applications).selectinload(Application.profile),
                 selectinload(Test.applications).selectinload(Application.template),
                 selectinload(Test.applications).selectinload(Application.group),
                 selectinload(Test.target), selectinload(Test.tester), selectinload(Test.listing))
    )
    if page is not None:
        query = query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    return list(db.session.scalars(query))


def _csv_row(test: Test, app: Application) -> list:
    listing = test.listing
    return [
        test.external_id, test.target.code, test.target.name, listing.title if listing else "",
        listing.url if listing else "", test.tester.name if test.tester else "", app.send_order,
        app.group.label, app.profile.name if app.profile else app.profile_label or "",
        app.template.name if app.template else app.template_label or "",
        local_text(app.scheduled_at),
    ]


def _cell(value) -> str:
    """Text for a CSV cell; the shared rule keeps formula-like text as data (CSV injection)."""
    return str(csv_cell(value))


def _version(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
