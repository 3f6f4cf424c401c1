"""Admin pages: list, create and edit accounts."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice

from praktijktest.accounts.forms import EditUserForm, EndSessionsForm, NewUserForm
from praktijktest.accounts.models import Role, User
from praktijktest.accounts.passwords import password_problem
from praktijktest.accounts.services import (
    AccountError,
    create_user,
    end_sessions_by_admin,
    set_password,
    update_user,
)
from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.permissions import get_owned_or_404, roles_required

bp = Blueprint("user_admin", __name__, url_prefix="/admin/users")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    query = (
        select(User).join(User.organisation).options(contains_eager(User.organisation))
        .order_by(Organisation.name, User.email)
    )
    if org_id := request.args.get("organisation", type=int):
        query = query.where(User.organisation_id == org_id)
    users = db.session.scalars(query).all()
    return render_template("admin/users.html", users=users, organisations=_organisations())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = NewUserForm()
    form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in _organisations()]
    if form.validate_on_submit():
        try:
            organisation = db.session.get(Organisation, form.organisation_id.data)
            user = create_user(
                form.email.data,
                form.name.data,
                form.role.data,
                organisation,
                form.password.data,
                is_active=form.is_active.data,
            )
        except AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for(".index"))
    return render_template("admin/user_form.html", form=form, user=None, end_form=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(user_id: int):
    user = get_owned_or_404(User, user_id)
    form = EditUserForm(obj=user)
    form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in _organisations()]
    if form.validate_on_submit():
        try:
            _apply_edit(user, form)
        except AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for(".index"))
    return render_template("admin/user_form.html", form=form, user=user, end_form=EndSessionsForm())


@bp.route("/<int:user_id>/sessions/end", methods=["POST"])
@roles_required(Role.ADMIN)
def end_sessions(user_id: int):
    """Log the account out everywhere (a lost laptop, a departure): every session row is deleted."""
    user = get_owned_or_404(User, user_id)
    if EndSessionsForm().validate_on_submit():
        ended = end_sessions_by_admin(user)
        flash(_("%(email)s is logged out everywhere (%(n)d sessions ended).", email=user.email, n=ended), "success")
    return redirect(url_for(".edit", user_id=user.id))


def _apply_edit(user: User, form: EditUserForm) -> None:
    if user.id == current_user.id and (form.role.data != Role.ADMIN or not form.is_active.data):
        raise AccountError(_("You cannot remove your own administrator role or deactivate yourself."))
    new_password = form.new_password.data
    if new_password and (problem := password_problem(new_password, form.email.data, form.name.data)):
        raise AccountError(problem)
    update_user(
        user,
        expected_version=form.version.data,
        email=form.email.data,
        name=form.name.data,
        role=form.role.data,
        organisation_id=form.organisation_id.data,
        is_active=form.is_active.data,
    )
    if new_password:
        set_password(user, new_password, by_admin=True)


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
