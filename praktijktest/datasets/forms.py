"""Forms of the coordinator's import page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from praktijktest.rounds.labels import GROUND_LABELS, MARKET_LABELS, OUTCOME_LABELS
from praktijktest.rounds.models import DEFAULT_POSITIVE_OUTCOMES, OUTCOMES, Market


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ImportRoundForm(FlaskForm):
    file = FileField(_l("File (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file."))],
                     description=_l("One row per application sent; the columns are described below, "
                                    "and the example files show them."))
    title = StringField(_l("Name of the round"), validators=[DataRequired(), Length(max=200)])
    market = RadioField(_l("Market"), choices=[SelectChoice(m.value, MARKET_LABELS[m]) for m in Market],
                        default=Market.LABOUR.value, validators=[DataRequired()])
    ground = SelectField(_l("Ground"), choices=[SelectChoice(g.value, label) for g, label in GROUND_LABELS.items()])
    reference = StringField(_l("Reference group"), validators=[DataRequired(), Length(max=100)],
                            description=_l("The group the others are compared with, exactly as written in the "
                                           "group column (for example: white, Belgian, 30)."))
    positive = _Checkboxes(_l("Outcomes that count as a positive response"),
                           choices=[SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
                           default=list(DEFAULT_POSITIVE_OUTCOMES), validators=[DataRequired()])


class ConfirmImportForm(FlaskForm):
    confirm = SubmitField(_l("Import this round"))
    cancel = SubmitField(_l("Cancel"))


class IdentitiesExportForm(FlaskForm):
    format = SelectField(_l("Format"), choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", "XLSX")])
