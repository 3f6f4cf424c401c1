"""The target registry for coordinators: list, create, edit, merge, detail with history.

Every page that shows identities records a "target.identity_view" audit
event naming the codes shown. Only coordinators get here (IDENTITY_ROLES).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.pagination import paginate
from praktijktest.permissions import IDENTITY_ROLES, get_owned_or_404, roles_required
from praktijktest.targets.forms import KIND_LABELS, MergeForm, TargetForm
from praktijktest.targets.kbo import InvalidEnterpriseNumber, format_enterprise_number, normalise_enterprise_number
from praktijktest.targets.models import Target
from praktijktest.targets.queries import (
    RegistryFilters,
    municipality_choices,
    registry_query,
    sectors,
    target_history,
)
from praktijktest.targets.services import (
    DuplicateTarget,
    TargetError,
    create_target,
    find_by_enterprise_number,
    merge_targets,
    record_identity_view,
    update_target,
)

bp = Blueprint("targets", __name__, url_prefix="/targets")
PER_PAGE = 50


@bp.app_template_filter("enterprise_number")
def _enterprise_number_filter(digits: str | None) -> str:
    return format_enterprise_number(digits) if digits else "–"


@bp.route("/")
@roles_required(*IDENTITY_ROLES)
def index():
    organisation_id = current_user.organisation_id
    filters = RegistryFilters.from_args(request.args)
    page = paginate(registry_query(organisation_id, filters), PER_PAGE)
    record_identity_view(list(page.items), "registry", organisation_id)
    return render_template(
        "targets/index.html",
        page=page,
        filters=filters,
        kinds=KIND_LABELS,
        sectors=sectors(organisation_id),
        municipalities=municipality_choices(organisation_id),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*IDENTITY_ROLES)
def create():
    form = _target_form()
    duplicate = None
    if form.validate_on_submit():
        try:
            target = create_target(current_user.organisation_id, **form.service_fields())
        except DuplicateTarget as error:
            duplicate = error.existing
        except TargetError as error:
            flash(str(error), "error")
        else:
            flash(_("Target %(code)s added to the registry.", code=target.code), "success")
            return redirect(url_for(".detail", target_id=target.id))
    return render_template("targets/form.html", form=form, target=None, duplicate=duplicate)


@bp.route("/<int:target_id>")
@roles_required(*IDENTITY_ROLES)
def detail(target_id: int):
    target = get_owned_or_404(Target, target_id)
    record_identity_view([target], "detail")
    return render_template(
        "targets/detail.html", target=target, history=target_history(target), kinds=KIND_LABELS
    )


@bp.route("/<int:target_id>/edit", methods=["GET", "POST"])
@roles_required(*IDENTITY_ROLES)
def edit(target_id: int):
    target = get_owned_or_404(Target, target_id)
    form = _target_form(target)
    duplicate = None
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if str(form.version.data or "").isdigit() else None
            update_target(target, version, **form.service_fields())
        except DuplicateTarget as error:
            duplicate = error.existing
        except TargetError as error:
            flash(str(error), "error")
        else:
            flash(_("Target %(code)s saved.", code=target.code), "success")
            return redirect(url_for(".detail", target_id=target.id))
    record_identity_view([target], "edit")
    return render_template("targets/form.html", form=form, target=target, duplicate=duplicate)


@bp.route("/<int:target_id>/merge", methods=["GET", "POST"])
@roles_required(*IDENTITY_ROLES)
def merge(target_id: int):
    target = get_owned_or_404(Target, target_id)
    form = MergeForm()
    if form.validate_on_submit():
        duplicate = _find_target(target.organisation_id, form.duplicate.data)
        if duplicate is None:
            form.duplicate.errors = [_("No other target of the organisation has this code or enterprise number.")]
        else:
            try:
                merge_targets(target, duplicate)
            except TargetError as error:
                flash(str(error), "error")
            else:
                flash(_("%(duplicate)s was merged into %(code)s.", duplicate=form.duplicate.data.strip().upper(),
                        code=target.code), "success")
                return redirect(url_for(".detail", target_id=target.id))
    record_identity_view([target], "merge")
    return render_template("targets/merge.html", form=form, target=target)


def _target_form(target: Target | None = None) -> TargetForm:
    # A submitted form is read from the request only: a missing version must not
    # be filled in from the database, or a stale edit would pass.
    form = TargetForm(obj=None if request.method == "POST" else target)
    organisation = db.session.get(Organisation, current_user.organisation_id)
    form.set_municipalities(organisation.municipalities if organisation else [])
    if target is not None and not form.is_submitted():
        form.municipality_id.data = str(target.municipality_id or "")
        number = target.enterprise_number
        form.enterprise_number.data = format_enterprise_number(number) if number else ""
        form.version.data = str(target.version)
    return form


def _find_target(organisation_id: int, text: str) -> Target | None:
    """The organisation's target with this code, or else this enterprise number."""
    text = (text or "").strip()
    found = db.session.scalars(
        select(Target).where(Target.organisation_id == organisation_id, func.upper(Target.code) == text.upper())
    ).first()
    if found is None:
        try:
            found = find_by_enterprise_number(organisation_id, normalise_enterprise_number(text))
        except InvalidEnterpriseNumber:
            return None
    return found
