"""Mailbox forms; plain HTML forms that work without JavaScript."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from praktijktest.mailboxes.models import AfterFetch, TlsMode
from praktijktest.mailboxes.services import MAIL_OUTCOMES
from praktijktest.rounds.labels import OUTCOME_LABELS

TLS_LABELS = {TlsMode.TLS: _l("TLS from the start (usually port 993)"),
              TlsMode.STARTTLS: _l("STARTTLS (usually port 143)")}
AFTER_FETCH_LABELS = {AfterFetch.KEEP: _l("Leave the messages as they are (read only)"),
                      AfterFetch.SEEN: _l("Mark the fetched messages as read"),
                      AfterFetch.DELETE: _l("Delete the fetched messages from the server")}


class MailboxForm(FlaskForm):
    host = StringField(_l("Mail server (IMAP)"), validators=[DataRequired(), Length(max=255)])
    port = IntegerField(_l("Port"), default=993, validators=[InputRequired(), NumberRange(1, 65535)])
    tls_mode = RadioField(_l("Secure connection"),
                          choices=[SelectChoice(k, v) for k, v in TLS_LABELS.items()], default=TlsMode.TLS)
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=254)])
    secret_name = StringField(_l("Name of the password in the server's configuration"),
                              validators=[DataRequired(), Length(max=100)])
    folder = StringField(_l("Folder"), default="INBOX", validators=[DataRequired(), Length(max=200)])
    version = HiddenField()


class AfterFetchForm(FlaskForm):
    after_fetch = RadioField(_l("After fetching"),
                             choices=[SelectChoice(k, v) for k, v in AFTER_FETCH_LABELS.items()],
                             default=AfterFetch.KEEP)
    version = HiddenField()


class ConfirmForm(FlaskForm):
    application_id = RadioField(_l("Application"), coerce=int, validate_choice=False, validators=[InputRequired()])
    outcome = RadioField(_l("Outcome"), choices=[SelectChoice(o, OUTCOME_LABELS[o]) for o in MAIL_OUTCOMES],
                         validators=[InputRequired()])
    version = HiddenField()


class AssignMailForm(FlaskForm):
    application_id = SelectField(_l("Application"), coerce=int, validate_choice=False, validators=[InputRequired()])
    version = HiddenField()


class DismissForm(FlaskForm):
    reason = TextAreaField(_l("Why this message answers no application"), validators=[DataRequired(),
                                                                                       Length(max=2000)])
    version = HiddenField()
