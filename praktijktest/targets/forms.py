"""Forms for the target registry, listings, the import and the sample draw."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from praktijktest.targets.models import TargetKind

KIND_LABELS = {
    TargetKind.EMPLOYER: _l("Employer"),
    TargetKind.LANDLORD: _l("Landlord"),
    TargetKind.AGENCY: _l("Agency (real-estate or recruitment)"),
}
# Largest seed that fits the database's integer column (PostgreSQL int4).
MAX_SEED = 2**31 - 1


class TargetForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    enterprise_number = StringField(
        _l("Enterprise number (KBO/BCE)"),
        validators=[Optional(), Length(max=30)],
        description=_l("10 digits, for example 0123.456.749; leave empty for a private landlord."),
    )
    nace_code = StringField(
        _l("NACE code"), validators=[Optional(), Length(max=10)], description=_l("For example 56.101.")
    )
    sector = StringField(_l("Sector"), validators=[Optional(), Length(max=200)])
    municipality_id = SelectField(_l("Municipality"), validators=[Optional()])
    municipality_name = StringField(
        _l("Other municipality"),
        validators=[Optional(), Length(max=200)],
        description=_l("Only when the municipality is not one of the organisation's."),
    )
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    contact = TextAreaField(_l("Contact"), validators=[Optional(), Length(max=1000)])
    is_contractor = BooleanField(_l("Contractor bound by the non-discrimination clause"))
    contract_reference = StringField(_l("Contract reference"), validators=[Optional(), Length(max=200)])
    version = HiddenField()

    # The service checks these too; checking them here puts each message at its
    # own field, all at once, instead of one page banner after the other.
    def validate_enterprise_number(self, field) -> None:
        from praktijktest.targets.services import enterprise_number_problem

        problem = enterprise_number_problem(field.data) if (field.data or "").strip() else None
        if problem:
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")

    def validate_nace_code(self, field) -> None:
        from praktijktest.targets.services import TargetError, normalise_nace

        try:
            normalise_nace(field.data)
        except TargetError as error:
            raise ValidationError(str(error)) from None

    def set_municipalities(self, municipalities) -> None:
        self.municipality_id.choices = [SelectChoice("", _l("Not one of these"))] + [
            SelectChoice(str(m.id), m.name) for m in municipalities
        ]

    def service_fields(self) -> dict:
        """The form's values as keyword arguments for create_target/update_target."""
        chosen = self.municipality_id.data
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "enterprise_number": self.enterprise_number.data,
            "nace_code": self.nace_code.data,
            "sector": self.sector.data,
            "municipality_id": int(chosen) if chosen else None,
            "municipality_name": None if chosen else self.municipality_name.data,
            "address": self.address.data,
            "contact": self.contact.data,
            "is_contractor": self.is_contractor.data,
            "contract_reference": self.contract_reference.data,
        }


class MergeForm(FlaskForm):
    duplicate = StringField(
        _l("Code or enterprise number of the duplicate"),
        validators=[DataRequired(), Length(max=30)],
        description=_l("The duplicate's tests, listings and rounds move to this target; the duplicate is deleted."),
    )
    confirm = BooleanField(_l("I checked that both are the same employer, landlord or agency"),
                           validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()])


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class ListingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    url = URLField(_l("Web address (URL)"), validators=[Optional(), URL(require_tld=False), Length(max=2000)])
    seen_on = DateField(_l("Date seen"), validators=[Optional()])
    occupation = StringField(_l("Occupation"), validators=[Optional(), Length(max=200)],
                             description=_l("For a vacancy."))
    monthly_rent = DecimalField(_l("Monthly rent (EUR)"), places=2,
                                validators=[Optional(), NumberRange(min=0, max=99_999_999)],
                                description=_l("For a rental ad."))
    snapshot = FileField(_l("Snapshot of the ad"),
                         description=_l("PDF, PNG, JPEG, HTML or MHTML, as the ad was seen."))


class SampleForm(FlaskForm):
    size = IntegerField(_l("Number of targets to draw"), validators=[InputRequired(), NumberRange(min=1, max=100_000)])
    by_sector = BooleanField(_l("Stratify by sector"))
    by_municipality = BooleanField(_l("Stratify by municipality"))
    employer = BooleanField(KIND_LABELS[TargetKind.EMPLOYER])
    landlord = BooleanField(KIND_LABELS[TargetKind.LANDLORD])
    agency = BooleanField(KIND_LABELS[TargetKind.AGENCY])
    months_excluded = IntegerField(
        _l("Leave out targets tested in the last … months"),
        validators=[InputRequired(), NumberRange(min=0, max=240)],
        default=12,
        description=_l("0 leaves out nobody."),
    )
    is_retest = BooleanField(_l("This round is a retest (recently tested targets may be drawn again)"))
    contractors_only = BooleanField(_l("Only contractors bound by the non-discrimination clause"))
    within_round_municipalities = BooleanField(_l("Only targets in the round's municipalities"), default=True)
    seed = IntegerField(
        _l("Seed"),
        validators=[Optional(), NumberRange(min=0, max=MAX_SEED)],
        description=_l("Leave empty for a new random seed; give an earlier seed to repeat a draw."),
    )

    def kinds(self) -> list[str]:
        return [kind for kind in TargetKind if getattr(self, kind.value).data]
