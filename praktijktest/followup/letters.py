"""Letters of follow-up: the awareness letter to every tested party of a round, the dialogue invitation of a case.

The wording is a round's own (LetterTemplate rows, nl and fr), or the built-in
default in letter_defaults/; it is Jinja text rendered in the same sandbox as the round's
application templates (rounds/materials.py): placeholders, simple filters and
`if`, nothing else. Each letter is filled in for one party only, from values
that name no other party: the round's overall finding is an aggregate, the
dialogue letter's result is that party's own. WORDING.md: facts, no blame,
never "discriminates".

A letter recorded as sent is a SentLetter row (with the SHA-256 of its text),
audited; a dialogue invitation sent for a flagged case is also the case's
step to "in dialogue".
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from jinja2 import nodes
from sqlalchemy import func, select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Test
from praktijktest.followup.letter_models import LETTER_LANGUAGES, LetterKind, LetterTemplate, SentLetter
from praktijktest.followup.models import CaseState, FollowUpCase
from praktijktest.i18n import format_when
from praktijktest.reports.round_report import LOCALES
from praktijktest.results.snapshots import latest_snapshot
from praktijktest.rounds.materials import (
    ALLOWED_FILTERS,
    ALLOWED_NODES,
    TemplateProblem,
    render_in_sandbox,
)
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target

PLACEHOLDERS = {"target", "round", "organisation", "finding", "result", "sender", "today"}


class LetterError(ValueError):
    """No letter can be made; the message says why, in the reader's language."""


DEFAULTS_FOLDER = Path(__file__).parent / "letter_defaults"


def default_source(kind: str, language: str) -> tuple[str, str]:
    """The built-in wording: `letter_defaults/<kind>.<language>.txt`, the subject on its first line."""
    text = (DEFAULTS_FOLDER / f"{LetterKind(kind).value}.{language}.txt").read_text(encoding="utf-8")
    subject, _blank, body = text.partition("\n\n")
    return subject.strip(), body.rstrip("\n")


@dataclass(frozen=True)
class Letter:
    target: Target
    language: str
    subject: str
    body: str

    @property
    def paragraphs(self) -> list[list[str]]:
        """Blank lines separate paragraphs; single line breaks stay inside one (an address, a signature)."""
        blocks = [block.strip("\n") for block in self.body.replace("\r\n", "\n").split("\n\n")]
        return [block.split("\n") for block in blocks if block.strip()]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.subject}\n\n{self.body}".encode()).hexdigest()


def _check_tree(tree: nodes.Template) -> None:
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            raise TemplateProblem(_("Only placeholders such as {{ target.name }} and {{ round.title }}, simple "
                                    "filters and if are allowed in a letter."))
        if isinstance(node, nodes.Name) and node.name not in PLACEHOLDERS:
            raise TemplateProblem(_("Unknown placeholder %(name)s: use one of %(names)s.", name=node.name,
                                    names=", ".join(sorted(PLACEHOLDERS))))
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            raise TemplateProblem(_("The filter %(name)s is not allowed.", name=node.name))
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise TemplateProblem(_("Unknown placeholder %(name)s.", name=node.attr))


def render_letter_text(source: str, values: dict) -> str:
    """One letter text filled in, in the sandbox; TemplateProblem on any error."""
    return render_in_sandbox(source, values, _check_tree)


def letter_source(round_: Round, kind: str, language: str) -> tuple[str, str, LetterTemplate | None]:
    """(subject, body, the round's own row or None): the round's wording, else the built-in default."""
    row = db.session.scalar(select(LetterTemplate).where(LetterTemplate.round_id == round_.id,
                                                         LetterTemplate.kind == kind,
                                                         LetterTemplate.language == language))
    if row is not None:
        return row.subject, row.body, row
    subject, body = default_source(kind, language)
    return subject, body, None


def tested_targets(round_: Round) -> list[tuple[Target, int]]:
    """Every party with at least one test in the round, with its number of tests, by code."""
    rows = db.session.execute(select(Target, func.count(Test.id)).join(Test, Test.target_id == Target.id)
                              .where(Test.round_id == round_.id).group_by(Target.id).order_by(Target.code))
    return [(target, count) for target, count in rows]


def _party_noun(market: str) -> str:
    return _("landlords and agencies") if market == "housing" else _("employers")


def _round_values(round_: Round, snapshot, parties: int) -> dict:
    from praktijktest.rounds.labels import GROUND_LABELS, MARKET_LABELS

    grounds = ", ".join(str(GROUND_LABELS.get(g.ground, g.ground)).lower() if g.ground != "other" or not g.description
                        else g.description for g in round_.grounds)
    tests = (snapshot.result or {}).get("tests") if snapshot else None
    return {"title": round_.title, "market": str(MARKET_LABELS.get(round_.market, round_.market)),
            "grounds": grounds, "parties": str(parties), "party": _party_noun(round_.market),
            "tests": str(tests if tests is not None else "")}


def overall_finding(round_: Round, snapshot) -> str:
    """The round's finding as a whole: rates and the difference between groups, never a party's name.
    (The summary's sentence about flagged parties is left out: an awareness letter blames no one.)"""
    from praktijktest.results.presenters import summary_sentences

    sentences = summary_sentences({**(snapshot.result or {}), "targets": None}, round_.market)
    return "\n".join(sentences) or _("The analysis gives no comparison between groups.")


def _values(round_, snapshot, target: Target, tests: int, parties: int, sender, result: str) -> dict:
    return {"target": {"name": target.name, "tests": str(tests)},
            "round": _round_values(round_, snapshot, parties),
            "organisation": {"name": round_.organisation.name},
            "finding": overall_finding(round_, snapshot) if snapshot else "",
            "result": result,
            "sender": {"name": getattr(sender, "name", None) or round_.organisation.name},
            "today": format_when(date.today(), "long")}


def _snapshot(round_: Round):
    snapshot = latest_snapshot(round_)
    if snapshot is None:
        raise LetterError(_("This round has not been analysed yet: analyse it before writing letters."))
    return snapshot


def awareness_letters(round_: Round, language: str = "nl", sender=None) -> list[Letter]:
    """The awareness letter of every tested party of the round, each filled in for that party alone."""
    _check_language(language)
    snapshot = _snapshot(round_)
    targets = tested_targets(round_)
    if not targets:
        raise LetterError(_("This round has no tested party yet."))
    with force_locale(LOCALES[language]):
        subject, body, _row = letter_source(round_, LetterKind.AWARENESS, language)
        return [Letter(target, language, render_letter_text(subject, values), render_letter_text(body, values))
                for target, tests in targets
                for values in [_values(round_, snapshot, target, tests, len(targets), sender, "")]]


def dialogue_letter(case: FollowUpCase, language: str = "nl", sender=None) -> Letter:
    """The invitation to a dialogue for the party of one case, with that party's own result."""
    from praktijktest.datasets.evidence_text import evidence_sentence
    from praktijktest.followup.services import target_entry

    _check_language(language)
    round_, target = case.round, case.target
    snapshot = case.snapshot or _snapshot(round_)
    tests = db.session.scalar(select(func.count(Test.id)).where(Test.round_id == round_.id,
                                                                Test.target_id == target.id)) or 0
    parties = len(tested_targets(round_))
    with force_locale(LOCALES[language]):
        entry = target_entry(snapshot, target.code)
        result = evidence_sentence(entry, round_.market) if entry else ""
        subject, body, _row = letter_source(round_, LetterKind.DIALOGUE, language)
        values = _values(round_, snapshot, target, tests, parties, sender, result)
        return Letter(target, language, render_letter_text(subject, values), render_letter_text(body, values))


def _check_language(language: str) -> None:
    if language not in LETTER_LANGUAGES:
        raise LetterError(_("Letters are written in Dutch or French."))


def letters_pdf(round_: Round, letters: list[Letter], sender=None) -> bytes:
    """One PDF with the letters in order, each starting on a new page; tagged (PDF/UA-1)."""
    from praktijktest.reports.pdf import render_pdf
    from praktijktest.reports.round_report import PDF_OPTIONS

    language = letters[0].language if letters else "nl"
    with force_locale(LOCALES[language]):
        html = current_app.jinja_env.get_template("reports/letters.html").render(
            letters=letters, round=round_, organisation=round_.organisation, language=language,
            dated=format_when(date.today(), "long"))
    return render_pdf(html, **PDF_OPTIONS)


def audit_generation(round_: Round, kind: str, letters: list[Letter], user=None) -> None:
    """Letters name parties: their generation is audited like any view of identities."""
    record("followup.letters", round_, actor=user, organisation_id=round_.organisation_id,
           summary=f"{len(letters)} {kind} letter(s) of round {round_.id}",
           changes={"kind": [None, kind], "targets": [None, [letter.target.code for letter in letters]]})


def record_sent(round_: Round, letters: list[Letter], kind: str, on: date, user=None,
                case: FollowUpCase | None = None) -> list[SentLetter]:
    """Record letters as sent on `on` (not in the future); a dialogue invitation moves a flagged case on."""
    from praktijktest.followup.services import move_case

    if on > date.today():
        raise LetterError(_("The date cannot be in the future."))
    rows = []
    for letter in letters:
        row = SentLetter(organisation_id=round_.organisation_id, round_id=round_.id, target_id=letter.target.id,
                         case_id=case.id if case else _case_id(round_, letter.target), kind=kind,
                         language=letter.language, sent_on=on, sha256=letter.sha256,
                         created_by_id=getattr(user, "id", None))
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    record("followup.letter_sent", round_, actor=user, organisation_id=round_.organisation_id,
           summary=f"{len(rows)} {kind} letter(s) of round {round_.id} sent on {on.isoformat()}",
           changes={"kind": [None, kind], "sent_on": [None, on.isoformat()],
                    "letters": [None, [{"target": r.target.code, "sha256": r.sha256} for r in rows]]})
    if case is not None and kind == LetterKind.DIALOGUE and case.state == CaseState.FLAGGED:
        move_case(case, CaseState.DIALOGUE, on=on, user=user,
                  reason=_("Invitation to a dialogue sent (letter %(hash)s).", hash=rows[0].sha256[:12]))
    return rows


def _case_id(round_: Round, target: Target) -> int | None:
    return db.session.scalar(select(FollowUpCase.id).where(FollowUpCase.round_id == round_.id,
                                                           FollowUpCase.target_id == target.id))


def letters_of_case(case: FollowUpCase) -> list[SentLetter]:
    """Letters sent to the case's party about the case's round (awareness letters included)."""
    return list(db.session.scalars(select(SentLetter).where(SentLetter.round_id == case.round_id,
                                                            SentLetter.target_id == case.target_id)
                                   .order_by(SentLetter.sent_on, SentLetter.id)))


def save_template(round_: Round, kind: str, language: str, subject: str, body: str, user=None,
                  version: int | None = None) -> LetterTemplate:
    """Store the round's wording of a letter after checking it fills in for a sample party; audited."""
    _check_language(language)
    if kind not in set(LetterKind):
        raise LetterError(_("Unknown kind of letter."))
    sample = {"target": {"name": "Voorbeeld bv", "tests": "3"},
              "round": {"title": round_.title, "market": "", "grounds": "", "parties": "10", "party": "",
                        "tests": "30"},
              "organisation": {"name": round_.organisation.name}, "finding": "…", "result": "…",
              "sender": {"name": "…"}, "today": "…"}
    for source in (subject, body):
        render_letter_text(source, sample)  # TemplateProblem: nothing is stored
    _subject, _body, row = letter_source(round_, kind, language)
    if row is not None and version is not None and row.version != version:
        raise LetterError(_("Someone else changed this letter in the meantime; reload the page and try again."))
    changes = {field: [old, new] for field, old, new in (("subject", _subject, subject), ("body", _body, body))
               if old != new}
    if row is None:
        row = LetterTemplate(round_id=round_.id, kind=kind, language=language)
        db.session.add(row)
    row.subject, row.body, row.updated_by_id = subject, body, getattr(user, "id", None)
    db.session.flush()
    record("followup.letter_template", round_, actor=user, organisation_id=round_.organisation_id,
           summary=f"{kind} letter ({language}) of round {round_.id}",
           changes=changes)
    return row
