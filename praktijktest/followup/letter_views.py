"""Letters on the web: the dialogue invitation of a case, the awareness letters of a round, the round's wording.

Coordinators only: a letter names a tested party. Downloads are audited; recording a letter as sent is a
form (CSRF), and a dialogue invitation for a flagged case is also the case's step to "in dialogue".
A round with more parties than WEB_LETTER_LIMIT gets its awareness letters from `reports letters`
(no web request may keep a worker busy for long).
"""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.file_names import _safe
from praktijktest.followup import letters as service
from praktijktest.followup.letter_models import LetterKind
from praktijktest.followup.models import FollowUpCase
from praktijktest.form_errors import form_errors
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.materials import TemplateProblem
from praktijktest.rounds.models import Round

bp = Blueprint("followup_letters", __name__, url_prefix="/follow-up")
WEB_LETTER_LIMIT = 150
LANGUAGES = {"nl": _l("Dutch"), "fr": _l("French")}
KIND_LABELS = {LetterKind.AWARENESS: _l("Awareness letter"), LetterKind.DIALOGUE: _l("Invitation to a dialogue")}


class SentForm(FlaskForm):
    language = SelectField(_l("Language of the letter"), choices=[SelectChoice(k, v) for k, v in LANGUAGES.items()],
                           validators=[DataRequired()])
    sent_on = DateField(_l("Sent on"), validators=[DataRequired()], description=_l("Not later than today."))


class WordingForm(FlaskForm):
    version = HiddenField()
    subject = StringField(_l("Subject"), validators=[InputRequired(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[InputRequired(), Length(max=20_000)],
                         description=_l("Placeholders: {{ target.name }}, {{ target.tests }}, {{ round.title }}, "
                                        "{{ round.grounds }}, {{ round.parties }}, {{ round.party }}, "
                                        "{{ organisation.name }}, {{ finding }}, {{ result }}, {{ sender.name }}, "
                                        "{{ today }}. A blank line starts a new paragraph."))


@bp.app_template_global()
def followup_letter_form() -> SentForm:
    """The case page's "recorded as sent" form (templates/followup/_documents.html)."""
    return SentForm(formdata=None, prefix="letter")


@bp.app_template_global()
def followup_letters_sent(case: FollowUpCase) -> list:
    return service.letters_of_case(case)


@bp.app_template_global()
def followup_letter_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global()
def followup_letter_rounds() -> list:
    """The organisation's analysed rounds, newest first: each has awareness letters (the follow-up page)."""
    from sqlalchemy import select

    from praktijktest.results.models import AnalysisSnapshot

    analysed = select(AnalysisSnapshot.round_id).where(AnalysisSnapshot.organisation_id == current_user.organisation_id)
    return list(db.session.scalars(select(Round).where(Round.organisation_id == current_user.organisation_id,
                                                       Round.id.in_(analysed)).order_by(Round.id.desc())))


def _language() -> str:
    language = request.args.get("lang", "nl")
    return language if language in ("nl", "fr") else "nl"


def _pdf(data: bytes, name: str):
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.route("/<int:case_id>/letters/dialogue")
@roles_required(Role.COORDINATOR)
def dialogue(case_id: int):
    case = get_owned_or_404(FollowUpCase, case_id)
    language = _language()
    try:
        letter = service.dialogue_letter(case, language, current_user)
    except (service.LetterError, TemplateProblem) as error:
        flash(str(error), "error")
        return redirect(url_for("followup.detail", case_id=case.id))
    service.audit_generation(case.round, LetterKind.DIALOGUE, [letter], current_user)
    data = service.letters_pdf(case.round, [letter], current_user)
    return _pdf(data, _safe(_("invitation-%(round)s-%(code)s", round=case.round_id, code=case.target.code), "pdf"))


@bp.route("/<int:case_id>/letters/dialogue/sent", methods=["POST"])
@roles_required(Role.COORDINATOR)
def dialogue_sent(case_id: int):
    case = get_owned_or_404(FollowUpCase, case_id)
    form = SentForm(prefix="letter")
    if not form.validate_on_submit():
        flash(_("Give the language and the day the invitation was sent."), "error")
        return redirect(url_for("followup.detail", case_id=case.id))
    try:
        letter = service.dialogue_letter(case, form.language.data, current_user)
        service.record_sent(case.round, [letter], LetterKind.DIALOGUE, form.sent_on.data, current_user, case=case)
    except (service.LetterError, TemplateProblem, StaleDataError) as error:
        db.session.rollback()
        flash(str(error) if not isinstance(error, StaleDataError) else
              _("Someone else changed this case in the meantime; reload the page and try again."), "error")
        return redirect(url_for("followup.detail", case_id=case_id))
    flash(_("The invitation is recorded as sent."), "success")
    return redirect(url_for("followup.detail", case_id=case.id))


def _awareness(round_: Round, language: str):
    count = len(service.tested_targets(round_))
    if count > WEB_LETTER_LIMIT:
        raise service.LetterError(_("This round has %(n)s tested parties: make their letters with the command "
                                    "flask --app wsgi reports letters %(id)s --output-dir DIR.", n=count, id=round_.id))
    return service.awareness_letters(round_, language, current_user)


@bp.route("/rounds/<int:round_id>/letters/awareness")
@roles_required(Role.COORDINATOR)
def awareness(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    language = _language()
    try:
        letters = _awareness(round_, language)
    except (service.LetterError, TemplateProblem) as error:
        flash(str(error), "error")
        return redirect(url_for(".wording", round_id=round_.id))
    service.audit_generation(round_, LetterKind.AWARENESS, letters, current_user)
    data = service.letters_pdf(round_, letters, current_user)
    return _pdf(data, _safe(_("awareness-letters-round-%(round)s-%(lang)s", round=round_.id, lang=language), "pdf"))


@bp.route("/rounds/<int:round_id>/letters/awareness/sent", methods=["POST"])
@roles_required(Role.COORDINATOR)
def awareness_sent(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = SentForm(prefix="letter")
    if not form.validate_on_submit():
        flash(_("Give the language and the day the letters were sent."), "error")
        return redirect(url_for(".wording", round_id=round_.id))
    try:
        letters = _awareness(round_, form.language.data)
        service.record_sent(round_, letters, LetterKind.AWARENESS, form.sent_on.data, current_user)
    except (service.LetterError, TemplateProblem) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".wording", round_id=round_.id))
    flash(_("The awareness letters are recorded as sent."), "success")
    return redirect(url_for(".wording", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/letters", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def wording(round_id: int):
    """The round's letters: download and record the awareness letters; edit each letter's wording."""
    round_ = get_owned_or_404(Round, round_id)
    kind = request.args.get("kind", LetterKind.AWARENESS)
    kind = kind if kind in set(LetterKind) else LetterKind.AWARENESS
    language = _language()
    subject, body, row = service.letter_source(round_, kind, language)
    form = WordingForm(formdata=request.form if request.method == "POST" else None,
                       data={"subject": subject, "body": body, "version": str(row.version) if row else ""})
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                version = int(form.version.data) if (form.version.data or "").isdigit() else None
                service.save_template(round_, kind, language, form.subject.data, form.body.data, current_user,
                                      version=version)
            except TemplateProblem as error:
                db.session.rollback()
                form.body.errors = [*form.body.errors, str(error)]  # shown beside the field, nothing stored
            except (service.LetterError, StaleDataError) as error:
                db.session.rollback()
                flash(str(error) if isinstance(error, service.LetterError) else
                      _("Someone else changed this letter in the meantime; reload the page and try again."), "error")
                return redirect(url_for(".wording", round_id=round_.id, kind=kind, lang=language))
            else:
                flash(_("The wording is saved."), "success")
                return redirect(url_for(".wording", round_id=round_.id, kind=kind, lang=language))
    return render_template("followup/letters.html", round=round_, form=form, errors=form_errors(form), kind=kind,
                           language=language, kinds=KIND_LABELS, letter_languages=list(LANGUAGES.items()),
                           custom=row is not None, sent_form=SentForm(formdata=None, prefix="letter"),
                           limit=WEB_LETTER_LIMIT)
