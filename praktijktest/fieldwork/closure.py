"""Closing fieldwork, and the per-round fieldwork settings (decline texts).

`close_fieldwork` records that fieldwork is over: every open item is either
resolved or accepted with a reason, which the round keeps (RoundFieldwork)
and the reports print. It does not change the round's status: the
"Analyse" action (results) moves the round on, and can require
`fieldwork_record(round_).closed_at` first.
"""
from __future__ import annotations

from flask_babel import gettext as _

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import RoundFieldwork
from praktijktest.fieldwork.queries import OPEN_ITEMS, open_items
from praktijktest.fieldwork.services import FieldworkError, close_expired_windows
from praktijktest.rounds.materials import TemplateProblem, listing_context, profile_context, render_text
from praktijktest.rounds.models import Profile, Round, RoundStatus
from praktijktest.timeutil import utcnow

LANGUAGES = ("nl", "fr", "en")
# The suggested decline, in the profile's language (not the reader's): the text goes to the employer or landlord.
DEFAULT_DECLINE_TEXTS = {
    "nl": "Goedendag,\n\nHartelijk dank voor uw reactie. Intussen heb ik een andere keuze gemaakt, dus ik ga niet "
          "verder in op uw uitnodiging.\n\nMet vriendelijke groeten,\n{{ profile.name }}",
    "fr": "Bonjour,\n\nMerci beaucoup pour votre réponse. Entre-temps, j'ai fait un autre choix ; je ne donne donc "
          "pas suite à votre invitation.\n\nBien cordialement,\n{{ profile.name }}",
    "en": "Hello,\n\nThank you very much for your reply. In the meantime I have made another choice, so I will not "
          "take up your invitation.\n\nKind regards,\n{{ profile.name }}",
}
MAX_REASON = 2000


def fieldwork_record(round_: Round) -> RoundFieldwork | None:
    """The round's fieldwork record; `closed_at` is set once fieldwork was closed."""
    return db.session.get(RoundFieldwork, round_.id)


def is_fieldwork_closed(round_: Round) -> bool:
    record_ = fieldwork_record(round_)
    return bool(record_ and record_.closed_at)


def _record_for_update(round_: Round) -> RoundFieldwork:
    existing = fieldwork_record(round_)
    if existing is None:
        existing = RoundFieldwork(round_id=round_.id, decline_texts={}, accepted_open_items={})
        db.session.add(existing)
    return existing


def close_fieldwork(round_: Round, accepted: dict[str, str], user, *, now=None) -> RoundFieldwork:
    """Close fieldwork when every open item is resolved or accepted with a reason; audited."""
    if round_.status != RoundStatus.FIELDWORK:
        raise FieldworkError(_("Only a round in fieldwork can close its fieldwork."))
    if is_fieldwork_closed(round_):
        raise FieldworkError(_("Fieldwork of this round is already closed."))
    close_expired_windows([round_.id], now=now)
    items = open_items(round_, now)
    reasons = {name: (accepted.get(name) or "").strip() for name in OPEN_ITEMS}
    missing = [name for name in OPEN_ITEMS if items[name] and not reasons[name]]
    if missing:
        raise FieldworkError(_("Resolve each open item, or accept it with a reason, before closing fieldwork."))
    if any(len(reason) > MAX_REASON for reason in reasons.values()):
        raise FieldworkError(_("Keep each reason under 2,000 characters."))
    record_ = _record_for_update(round_)
    record_.closed_at, record_.closed_by_id = now or utcnow(), user.id
    record_.accepted_open_items = {name: {"count": items[name], "reason": reasons[name]}
                                   for name in OPEN_ITEMS if items[name]}
    db.session.flush()
    record("fieldwork.close", round_, summary=f"{sum(items.values())} open items accepted",
           changes={"accepted_open_items": record_.accepted_open_items}, organisation_id=round_.organisation_id)
    return record_


def profile_language(profile: Profile | None) -> str:
    language = str(((profile.attributes or {}) if profile else {}).get("language", "nl")).lower()[:2]
    return language if language in LANGUAGES else "nl"


def decline_texts(round_: Round) -> dict[str, str]:
    stored = (fieldwork_record(round_).decline_texts if fieldwork_record(round_) else None) or {}
    return {lang: stored.get(lang) or DEFAULT_DECLINE_TEXTS[lang] for lang in LANGUAGES}


def decline_text(round_: Round, application, texts: dict[str, str] | None = None) -> str:
    """The suggested decline for one application, in its profile's language."""
    texts = texts or decline_texts(round_)
    source = texts[profile_language(application.profile)]
    try:
        return render_text(source, profile_context(application.profile), listing_context(application.test.listing))
    except TemplateProblem:
        return source


def set_decline_texts(round_: Round, texts: dict[str, str]) -> None:
    """Change the round's suggested decline texts; each must render like a template. Audited."""
    clean = {lang: (texts.get(lang) or "").strip() for lang in LANGUAGES}
    for source in clean.values():
        if source:
            try:
                render_text(source, profile_context(None), listing_context(None))
            except TemplateProblem as problem:
                raise FieldworkError(str(problem)) from None
    record_ = _record_for_update(round_)
    old = dict(record_.decline_texts or {})
    record_.decline_texts = {lang: text for lang, text in clean.items() if text}
    db.session.flush()
    if old != record_.decline_texts:
        record("fieldwork.decline_texts", round_, changes={"languages": [sorted(old), sorted(record_.decline_texts)]},
               organisation_id=round_.organisation_id)
