"""Fieldwork forms; every one works without JavaScript on a phone."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional, ValidationError

from praktijktest.fieldwork.labels import CHANNEL_LABELS
from praktijktest.fieldwork.queries import OPEN_ITEMS
from praktijktest.fieldwork.services import CHANNELS, SEND_CHANNELS
from praktijktest.rounds.forms import MultiCheckboxField
from praktijktest.rounds.labels import OUTCOME_LABELS
from praktijktest.rounds.models import OUTCOMES


def plausible_date(_form, field) -> None:
    """A fieldwork date lies in this century: year 1 or 9999 would overflow the time-zone conversion."""
    if field.data is not None and not 2000 <= field.data.year <= 2099:
        raise ValidationError(_l("Give a date between 2000 and 2099."))


class AssignForm(FlaskForm):
    test_ids = MultiCheckboxField(_l("Tests"), coerce=int, validate_choice=False)
    tester = SelectField(_l("Give the chosen tests to"), coerce=int, validate_choice=False,
                         validators=[InputRequired()])


class TestListingForm(FlaskForm):
    title = StringField(_l("Title of the vacancy or ad"), validators=[DataRequired(), Length(max=300)])
    url = URLField(_l("Web address (URL)"), validators=[Optional(), URL(require_tld=False), Length(max=2000)])
    seen_on = DateField(_l("Date seen"), validators=[InputRequired(), plausible_date])
    snapshot = FileField(_l("Snapshot of the ad"), description=_l("PDF, PNG, JPEG, HTML or MHTML, as you saw it."))


class SendForm(FlaskForm):
    sent_on = DateField(_l("Sent on"), validators=[InputRequired(), plausible_date])
    sent_time = TimeField(_l("At (Brussels time)"), validators=[InputRequired()])
    channel = SelectField(_l("Sent by"), choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in SEND_CHANNELS],
                          validators=[InputRequired()])


class ResponseForm(FlaskForm):
    version = HiddenField()
    outcome = RadioField(_l("Outcome"), choices=[SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
                         validators=[InputRequired(_l("Choose one of the outcomes."))])
    received_on = DateField(_l("Received on"), validators=[Optional(), plausible_date])
    received_time = TimeField(_l("At (Brussels time)"), validators=[Optional()])
    channel = SelectField(_l("Received by"), validators=[Optional()],
                          choices=[SelectChoice("", "–"), *(SelectChoice(c, CHANNEL_LABELS[c]) for c in CHANNELS)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    evidence = MultipleFileField(_l("Evidence files"),
                                 description=_l("The e-mail (.eml or .msg), a PDF, a screenshot (PNG, JPEG) or a "
                                                "voicemail (audio). Files are kept as they are and cannot be "
                                                "removed."))
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=2000)],
                           description=_l("Needed when the response was already verified."))


class VersionForm(FlaskForm):
    version = HiddenField()


class CancelTestForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling this test"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("For example: the ad was withdrawn before every application was sent."))


class CloseFieldworkForm(FlaskForm):
    unsent = TextAreaField(_l("Reason to accept the applications not sent"), validators=[Length(max=2000)])
    open_windows = TextAreaField(_l("Reason to accept the response windows still open"),
                                 validators=[Length(max=2000)])
    unverified = TextAreaField(_l("Reason to accept the responses not verified"), validators=[Length(max=2000)])
    open_declines = TextAreaField(_l("Reason to accept the declines not sent"), validators=[Length(max=2000)])

    def reasons(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in OPEN_ITEMS}


class DeclineTextsForm(FlaskForm):
    nl = TextAreaField(_l("Decline in Dutch"), validators=[Length(max=5000)])
    fr = TextAreaField(_l("Decline in French"), validators=[Length(max=5000)])
    en = TextAreaField(_l("Decline in English"), validators=[Length(max=5000)])


class SecondEntryForm(FlaskForm):
    outcome = RadioField(_l("Outcome, as you read it in the evidence"),
                         choices=[SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES if o != "no_response"],
                         validators=[InputRequired(_l("Choose one of the outcomes."))])


class ResolveForm(FlaskForm):
    version = HiddenField()
    outcome = RadioField(_l("The outcome that stands"), choices=[SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
                         validators=[InputRequired(_l("Choose one of the outcomes."))])
    reason = TextAreaField(_l("Reason for your choice"), validators=[DataRequired(), Length(max=2000)])


class SecondEntryModeForm(FlaskForm):
    mode = RadioField(_l("Who checks each response against its evidence?"), choices=[
        SelectChoice("coordinator", _l("A coordinator")),
        SelectChoice("tester", _l("A second tester, who enters the outcome without seeing the first entry"))],
        validators=[InputRequired()])


class CallForm(FlaskForm):
    version = HiddenField()
    called_on = DateField(_l("Called on"), validators=[InputRequired(), plausible_date])
    called_time = TimeField(_l("At (Brussels time)"), validators=[InputRequired()])
    question = TextAreaField(_l("The question you asked"), validators=[DataRequired(), Length(max=5000)])
    answer = RadioField(_l("The answer"), choices=[
        SelectChoice("agreed", _l("Agreed to exclude the group")), SelectChoice("refused", _l("Refused")),
        SelectChoice("evasive", _l("Evasive"))], validators=[InputRequired(_l("Choose the answer."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    recording = FileField(_l("Recording of the call"), description=_l("An audio file; it is kept as it is."))
