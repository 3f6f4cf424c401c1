"""Error pages: every error a user can cause gets a page, not a traceback."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from praktijktest.extensions import db

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or it is not yours to see."),
    405: _l("This page cannot be used that way."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged."),
}


def _render(code: int, message=None):
    return render_template("errors/error.html", code=code, message=message or MESSAGES.get(code, "")), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        db.session.rollback()
        return _render(400, _l("The form had expired or was not sent from this site. Go back, reload and try again."))

    # Unhandled exceptions reach this too, as InternalServerError, after Flask
    # has logged them (and in tests they propagate instead).
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        db.session.rollback()
        return _render(error.code or 500)
