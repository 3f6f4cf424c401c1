"""Forms for rounds, evidence planning, profiles and templates. All work without JavaScript."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from praktijktest.rounds.labels import GROUND_LABELS, MARKET_LABELS, OUTCOME_LABELS, TEST_TYPE_LABELS
from praktijktest.rounds.models import DEFAULT_POSITIVE_OUTCOMES, OUTCOMES, Market, TestType
from praktijktest.rounds.services import GroundSpec

MAX_GROUND_ROWS = 8


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (rendered by the checkbox_group macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PercentField(Field):
    """A percentage typed as '5', '5,5' or '5 %'; `data` is the fraction (0.05)."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data * 100:g}"

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").replace("%", "").replace(",", ".").strip()
        self.data = None
        if not text:
            return
        if not re.fullmatch(r"\d+(\.\d+)?", text):
            raise ValueError(_l("Write a percentage, for example 5 or 12,5."))
        self.data = float(text) / 100
        if self.data > 1:
            raise ValueError(_l("A percentage lies between 0 and 100."))


class GroundRow(Form):
    """One ground with its groups; an empty row (no ground chosen) is ignored."""

    ground = SelectField(_l("Ground"), choices=[SelectChoice("", _l("(no ground)"))]
                         + [SelectChoice(value.value, label) for value, label in GROUND_LABELS.items()])
    description = StringField(_l("Description (for another ground)"), validators=[Length(max=200)])
    reference = StringField(_l("Reference group"), validators=[Length(max=100)])
    others = TextAreaField(_l("Other groups"), description=_l("One group per line, for example: Maghrebi origin."))

    def other_labels(self) -> list[str]:
        return [line.strip() for line in (self.others.data or "").splitlines() if line.strip()]


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    market = RadioField(_l("Market"), choices=[SelectChoice(k.value, v) for k, v in MARKET_LABELS.items()],
                        default=Market.LABOUR.value)
    test_type = RadioField(_l("Test type"), choices=[SelectChoice(k.value, v) for k, v in TEST_TYPE_LABELS.items()],
                           default=TestType.CORRESPONDENCE.value)
    grounds = FieldList(FormField(GroundRow), min_entries=1, max_entries=MAX_GROUND_ROWS)
    add_ground = SubmitField(_l("Add another ground"))
    positive_outcomes = MultiCheckboxField(
        _l("Outcomes that count as positive"), choices=[SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        default=list(DEFAULT_POSITIVE_OUTCOMES),
    )
    response_window_days = IntegerField(_l("Response window (days)"), default=14,
                                        validators=[InputRequired(), NumberRange(1, 365)])
    fdr_level = PercentField(_l("False discovery rate for flagging targets (%)"), default=0.05,
                             description=_l("Usually 5 %. Lower is stricter."))
    planned_tests_per_target = IntegerField(_l("Planned tests per target"), validators=[Optional(),
                                            NumberRange(1, 1000)], default=10)
    applications_per_group = IntegerField(_l("Applications per group in one test"), default=1,
                                          validators=[InputRequired(), NumberRange(1, 10)],
                                          description=_l("1 for a pair; 2 for two applications of each group."))
    municipalities = MultiCheckboxField(_l("Municipalities covered"), coerce=int)
    protocol = TextAreaField(_l("Protocol"), description=_l("How the round is run: selection of listings, "
                                                            "spacing, channels, how invitations are declined."))
    version = HiddenField()
    save = SubmitField(_l("Save round"))

    def validate_fdr_level(self, field) -> None:
        if field.data is None or not 0 < field.data < 1:
            raise ValidationError(_l("Choose a false discovery rate between 0 and 100 %."))

    def design(self, municipalities_by_id: dict) -> dict:
        """The keyword arguments of create_round / update_round."""
        grounds = [
            GroundSpec(row.form.ground.data, (row.form.reference.data or "").strip(), row.form.other_labels(),
                       (row.form.description.data or "").strip())
            for row in self.grounds if row.form.ground.data
        ]
        return {
            "title": self.title.data, "market": self.market.data, "test_type": self.test_type.data,
            "grounds": grounds, "positive_outcomes": list(self.positive_outcomes.data or []),
            "response_window_days": self.response_window_days.data, "fdr_level": self.fdr_level.data,
            "planned_tests_per_target": self.planned_tests_per_target.data, "protocol": self.protocol.data or "",
            "municipalities": [municipalities_by_id[i] for i in self.municipalities.data or []],
            "applications_per_group": self.applications_per_group.data,
        }


class PlanningForm(FlaskForm):
    reference_rate = PercentField(_l("Expected positive rate of the reference group (%)"),
                                  validators=[InputRequired()])
    other_rate = PercentField(_l("Expected positive rate of the other group (%)"),
                              description=_l("Or leave empty and give the gap below."))
    gap = PercentField(_l("Or: expected gap (percentage points)"))
    discordance = PercentField(_l("Tests with unequal treatment, if known (%)"),
                               description=_l("Leave empty if unknown: we then assume independent responses."))
    alpha = PercentField(_l("Significance level (%)"), default=0.05, validators=[InputRequired()])
    power = PercentField(_l("Power (%)"), default=0.80, validators=[InputRequired()])
    targets = IntegerField(_l("Number of targets (until the sample is drawn)"),
                           validators=[Optional(), NumberRange(1, 100_000)])
    version = HiddenField()

    def validate_other_rate(self, field) -> None:
        if field.data is None and self.gap.data is None:
            raise ValidationError(_l("Give the other group's rate or the gap."))

    def inputs(self) -> dict:
        other = self.other_rate.data
        if other is None and self.reference_rate.data is not None and self.gap.data is not None:
            other = round(self.reference_rate.data - self.gap.data, 10)
        return {"reference_rate": self.reference_rate.data, "other_rate": other,
                "discordance": self.discordance.data, "alpha": self.alpha.data, "power": self.power.data,
                "targets": self.targets.data}


class LockForm(FlaskForm):
    version = HiddenField()
    is_awareness_only = BooleanField(
        _l("This round is for awareness only: its results will not be used as evidence against single targets.")
    )
    is_low_power_confirmed = BooleanField(
        _l("I know that the round is unlikely to detect the expected gap, and lock it anyway.")
    )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for cancelling"), validators=[Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (copy, delete)."""


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    group = SelectField(_l("Group"), coerce=int)
    email = StringField(_l("E-mail address"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=50)])
    attributes = TextAreaField(_l("Attributes"), description=_l("One per line as key=value, for example age=34."))


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    subject = StringField(_l("Subject"), validators=[Length(max=300)])
    body = TextAreaField(_l("Text"), description=_l(
        "Placeholders: {{ profile.name }}, {{ profile.email }}, {{ profile.phone }}, {{ listing.title }}, "
        "{{ listing.url }}, {{ listing.occupation }}, and for any attribute of the profile its name, "
        "for example {{ profile.age }}."))
