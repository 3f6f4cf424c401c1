"""Log in, log out, change one's own password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from praktijktest.accounts.forms import LoginForm, PasswordChangeForm
from praktijktest.accounts.services import AccountError, attempt_login, change_password
from praktijktest.accounts.sessions import end_session, start_session
from praktijktest.accounts.throttle import is_known_device, remember_device
from praktijktest.extensions import limiter
from praktijktest.permissions import any_role, public
from praktijktest.urls import safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    # A successful login redirects; only the rest counts against the address's limit.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        attempt = attempt_login(email, form.password.data, known_device=is_known_device(email))
        if attempt.user:
            start_session(attempt.user)
            _tell_admin_changes(attempt.admin_changes)
            response = redirect(safe_next(request.args.get("next")))
            remember_device(response, email)
            return response
        if attempt.wait_seconds:
            flash(_("Too many failed attempts for this account. Wait %(n)d seconds and try again; on a computer "
                    "where you logged in before, you need not wait.", n=attempt.wait_seconds), "error")
            # 200, like any refused login: the request commits, and with it the audit event.
            return render_template("accounts/login.html", form=form)
        flash(_("The e-mail address or password is not correct."), "error")
    return render_template("accounts/login.html", form=form)


def _tell_admin_changes(addresses: tuple[str, ...]) -> None:
    # An administrator who creates a coordinator or resets a password can log in as that person:
    # the coordinators hear of it at their next login (docs/permissions.md, "What an administrator can reach").
    if addresses:
        flash(ngettext("Since your last login an administrator created or changed %(num)d account of your "
                       "organisation: %(accounts)s. The audit log shows what was done.",
                       "Since your last login an administrator created or changed %(num)d accounts of your "
                       "organisation: %(accounts)s. The audit log shows what was done.",
                       len(addresses), accounts=", ".join(addresses)), "info")


@bp.route("/logout", methods=["POST"])
@any_role
def logout():
    end_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@any_role
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(user := current_user._get_current_object(), form.current_password.data,
                            form.new_password.data)
        except AccountError as error:
            flash(str(error), "error")
        else:
            start_session(user)  # every session of the account ended with the change; this one starts anew
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("core.home"))
    return render_template("accounts/password.html", form=form)
