"""The retention periods form: months and legal basis for each kind of data."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from praktijktest.retention.periods import KIND_LABELS, KINDS, MAX_MONTHS


class _Base(FlaskForm):
    seen = HiddenField()

    def values(self) -> dict[str, tuple[int, str]]:
        return {kind: (self[f"{kind}_months"].data, self[f"{kind}_basis"].data or "") for kind in KINDS}


def _make_form_class() -> type[_Base]:
    fields = {}
    for kind in KINDS:
        fields[f"{kind}_months"] = IntegerField(
            KIND_LABELS[kind], description=_l("Months after the end of the round."),
            validators=[InputRequired(_l("Give a number of months.")),
                        NumberRange(1, MAX_MONTHS, _l("A retention period is between 1 and %(max)s months.",
                                                       max=MAX_MONTHS))])
        fields[f"{kind}_basis"] = TextAreaField(
            _l("Legal basis"), validators=[InputRequired(_l("Give the legal basis for every retention period.")),
                                           Length(max=2000)])
    return type("RetentionForm", (_Base,), fields)


RetentionForm = _make_form_class()


def _request_kinds() -> dict:
    from praktijktest.retention.requests import REQUEST_KINDS

    return REQUEST_KINDS


def _decisions() -> dict:
    from praktijktest.retention.requests import DECISIONS

    return DECISIONS


class RequestForm(FlaskForm):
    kind = SelectField(_l("Kind of request"), choices=[SelectChoice(k, v) for k, v in _request_kinds().items()],
                       validators=[InputRequired(_l("Choose the kind of request."))])
    received_on = DateField(_l("Received on"), validators=[InputRequired(_l("Give the date of receipt."))])


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[SelectChoice(k, v) for k, v in _decisions().items()],
                           validators=[InputRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=4000)])
    version = IntegerField(validators=[Optional()])
