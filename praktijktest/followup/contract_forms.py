"""The form of one public contract of a target."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from praktijktest.followup.contracts import MAX_LENGTHS

# Public contracts older or later than this are a typing error, not a contract.
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def _plausible(form, field) -> None:
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Give a date between 1990 and 2100."))


class ContractForm(FlaskForm):
    version = HiddenField()
    contracting_authority = StringField(
        _l("Contracting authority"), validators=[InputRequired(), Length(max=MAX_LENGTHS["contracting_authority"])],
        description=_l("The municipal service or body that awarded the contract."))
    reference = StringField(_l("Contract reference"),
                            validators=[InputRequired(), Length(max=MAX_LENGTHS["reference"])])
    subject = StringField(_l("Subject (optional)"), validators=[Optional(), Length(max=MAX_LENGTHS["subject"])])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(), _plausible])
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional(), _plausible])
    has_clause = BooleanField(_l("The contract has a non-discrimination clause"))

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The contract cannot end before it starts."))

    def fields_dict(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("contracting_authority", "reference", "subject", "starts_on", "ends_on", "has_clause")}
