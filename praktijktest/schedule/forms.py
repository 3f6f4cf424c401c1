"""Forms of the schedule page."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from praktijktest.schedule.calendar import add_working_days
from praktijktest.schedule.services import SEED_LIMIT


class ScheduleForm(FlaskForm):
    start_date = DateField(_l("First send day"), validators=[InputRequired()],
                           description=_l("Weekends and Belgian public holidays are skipped."))
    lag_min = IntegerField(_l("Shortest lag between two sends to one ad (working days)"), default=1,
                           validators=[InputRequired(), NumberRange(min=1, max=20)])
    lag_max = IntegerField(_l("Longest lag between two sends to one ad (working days)"), default=3,
                           validators=[InputRequired(), NumberRange(min=1, max=20)],
                           description=_l("Each lag is drawn at random between the shortest and the longest."))
    tests_per_day = IntegerField(_l("Tests started per working day"), default=10,
                                 validators=[InputRequired(), NumberRange(min=1, max=500)])
    seed = IntegerField(_l("Seed (optional)"), validators=[Optional(), NumberRange(min=0, max=SEED_LIMIT - 1)],
                        description=_l("Leave empty for a new random seed; the same seed gives the same schedule."))
    replace = BooleanField(_l("Replace the current schedule"))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted() and self.start_date.data is None:
            self.start_date.data = add_working_days(date.today(), 1)

    def validate_lag_max(self, field) -> None:
        if self.lag_min.data is not None and field.data is not None and field.data < self.lag_min.data:
            raise ValidationError(_l("The longest lag cannot be shorter than the shortest."))


class RemoveScheduleForm(FlaskForm):
    confirm = BooleanField(_l("Yes, remove every test of this schedule"), validators=[InputRequired()])
    version = HiddenField()


class DownloadScheduleForm(FlaskForm):
    """The schedule download names targets: a POST with a CSRF token, nothing else."""
