"""Error pages: every error a user can cause gets a page, not a traceback."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from praktijktest.extensions import db

# A heading that says what happened and a sentence that says what to do; the code stays in small print.
TITLES = {
    400: _l("The request could not be handled"),
    403: _l("You do not have access to this page"),
    404: _l("This page cannot be found"),
    405: _l("This page cannot be used that way"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
MESSAGES = {
    400: _l("Go back, reload the page and try again."),
    403: _l("Your role does not give access to it. If you need it, ask your coordinator or administrator."),
    404: _l("The address may be mistyped, or the page belongs to another organisation. Check the address, "
            "or start again from the start page."),
    405: _l("Go back and use the buttons on the page."),
    413: _l("Split the file into smaller files, or leave out columns you do not need, and upload it again."),
    429: _l("Wait a minute and try again."),
    500: _l("The error has been logged. Try again in a moment; if it happens again, tell your administrator "
            "what you were doing."),
}


def _render(code: int, message=None):
    title = TITLES.get(code, _l("Something went wrong"))
    return render_template("errors/error.html", code=code, title=title,
                           message=message or MESSAGES.get(code, "")), code


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
