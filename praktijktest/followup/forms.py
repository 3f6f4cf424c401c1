"""Forms of follow-up: opening a case, one step of a case."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from praktijktest.followup.models import BODY_LABELS, STATE_LABELS


class OpenCaseForm(FlaskForm):
    target = HiddenField(validators=[DataRequired(), Length(max=20)])
    reason = TextAreaField(_l("Why you open this case (optional)"), validators=[Optional(), Length(max=2000)])


class StepForm(FlaskForm):
    version = HiddenField()
    to_state = SelectField(_l("Next step"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=4000)],
                           description=_l("What happened and why: a letter sent, a meeting held, a retest's result."))
    occurred_on = DateField(_l("Date"), validators=[DataRequired()],
                            description=_l("The day it happened, not later than today."))
    referral_body = SelectField(_l("Referred to (only for a referral)"), validators=[Optional()])
    referral_reference = StringField(_l("Their reference (only for a referral)"),
                                     validators=[Optional(), Length(max=100)])

    def __init__(self, case, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.to_state.choices = [(s, STATE_LABELS[s]) for s in case.allowed_moves()]
        self.referral_body.choices = [("", "–")] + [(b.value, label) for b, label in BODY_LABELS.items()]

    def validate_occurred_on(self, field) -> None:
        if field.data and field.data > date.today():
            raise ValidationError(_l("The date cannot be in the future."))


class ClauseStepForm(FlaskForm):
    """One step of a contractor's non-discrimination clause, done: when and what happened."""

    step = HiddenField(validators=[DataRequired(), Length(max=30)])
    occurred_on = DateField(_l("Date"), validators=[DataRequired(_l("Give the day it happened."))],
                            description=_l("The day it happened, not later than today."))
    note = TextAreaField(_l("What happened"), validators=[DataRequired(_l("Write what happened: who was informed or "
                                                                         "heard, and how.")), Length(max=2000)],
                         description=_l("Who was informed or heard, how, and what was agreed."))
