"""Forms for managing organisations."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from praktijktest.organisations.models import OrganisationKind

KIND_LABELS = {
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.PARTNERSHIP: _l("Regional partnership of municipalities"),
}


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    members = TextAreaField(
        _l("Member municipalities"),
        description=_l("For a partnership: one municipality per line, at least two."),
    )

    def member_names(self) -> list[str]:
        return [line.strip() for line in (self.members.data or "").splitlines() if line.strip()]


class NewOrganisationForm(OrganisationForm):
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default=OrganisationKind.MUNICIPALITY.value,
    )


class EditOrganisationForm(OrganisationForm):
    version = IntegerField(validators=[InputRequired()])
