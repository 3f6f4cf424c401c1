"""Forms for logging in, changing a password and managing accounts."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from praktijktest.accounts.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.TESTER: _l("Tester"),
    Role.VIEWER: _l("Viewer"),
}


class EmailAddress:
    """A syntactically valid address. Reserved domains such as the demo's
    `demo.example` are accepted: nothing here sends mail to them."""

    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, globally_deliverable=False)
        except EmailNotValidError:
            raise ValidationError(_l("This is not a valid e-mail address.")) from None


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    is_active = BooleanField(_l("Active (may log in)"), default=True)
    version = HiddenField()


class NewUserForm(UserForm):
    # No role chosen in advance: a new account must not become an administrator by a missed field.
    role = SelectField(
        _l("Role"), validators=[DataRequired(message=_l("Choose the role of the new account."))],
        choices=[SelectChoice("", _l("Choose a role")),
                 *(SelectChoice(r.value, label) for r, label in ROLE_LABELS.items())],
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters. Give it to the person through a separate channel."),
    )


class EditUserForm(UserForm):
    new_password = PasswordField(
        _l("New password (leave empty to keep the current one)"), validators=[Optional(), Length(max=1024)]
    )
    version = IntegerField(validators=[InputRequired()])


class EndSessionsForm(FlaskForm):
    """The administrator's "end all sessions" button: a POST with its CSRF token, nothing else."""
