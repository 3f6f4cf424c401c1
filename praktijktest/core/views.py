"""The start page of each role, and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session

from praktijktest.permissions import any_role, public
from praktijktest.urls import safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
@any_role
def home():
    return render_template("core/home.html")


@bp.route("/language", methods=["POST"])
@public
def language():
    # CSRFProtect has checked the token before we get here, as for every POST.
    choice = request.form.get("locale", "")
    if choice in current_app.config["LANGUAGES"]:
        session["locale"] = choice
    return redirect(safe_next(request.form.get("next")))
