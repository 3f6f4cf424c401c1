"""Admin pages: list, create and edit organisations."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from praktijktest.accounts.models import Role, User
from praktijktest.extensions import db
from praktijktest.organisations.forms import EditOrganisationForm, NewOrganisationForm
from praktijktest.organisations.models import Organisation
from praktijktest.organisations.services import OrganisationError, create_organisation, update_organisation
from praktijktest.permissions import roles_required

bp = Blueprint("organisations", __name__, url_prefix="/admin/organisations")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    user_counts = dict(
        db.session.execute(select(User.organisation_id, func.count()).group_by(User.organisation_id)).all()
    )
    organisations = db.session.scalars(
        select(Organisation).options(selectinload(Organisation.municipalities)).order_by(Organisation.name)
    ).all()
    return render_template("admin/organisations.html", organisations=organisations, user_counts=user_counts)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = NewOrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = create_organisation(form.name.data, form.kind.data, form.member_names())
        except OrganisationError as error:
            flash(str(error), "error")
        else:
            flash(_("Organisation %(name)s created.", name=organisation.name), "success")
            return redirect(url_for(".index"))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = EditOrganisationForm(obj=organisation)
    if not form.is_submitted():
        form.members.data = "\n".join(m.name for m in organisation.municipalities)
    if form.validate_on_submit():
        try:
            update_organisation(organisation, form.name.data, form.member_names(), form.version.data)
        except OrganisationError as error:
            flash(str(error), "error")
        else:
            flash(_("Organisation %(name)s saved.", name=organisation.name), "success")
            return redirect(url_for(".index"))
    return render_template("admin/organisation_form.html", form=form, organisation=organisation)
