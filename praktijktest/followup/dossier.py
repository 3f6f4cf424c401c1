"""The confidential dossier of one target in one round: a PDF for a lawyer, Unia or the target itself.

The statistical section is about the dossier's round (its latest analysis
snapshot, cited by its hash). Besides it the dossier covers every test of the
target in every round of the organisation, each round with its own result from
its own latest snapshot, and the retest's own result when the case has an
analysed retest (never pooled with the original: retests.py says why). It names
only this target: free text that the dossier prints from other rows (round
titles, step reasons) goes through `Redactor`. A tagged PDF/A-3 that carries the
evidence files, sealed with a PAdES signature (seal.py). Coordinators only; every
generation is audited. The wording follows WORDING.md: facts that can support
a presumption of unequal treatment (art. 28 of the act of 10 May 2007), never
a finding of discrimination.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.followup.history import tests_of_target
from praktijktest.followup.models import FollowUpCase
from praktijktest.followup.services import target_entry
from praktijktest.i18n import format_when
from praktijktest.reports.round_report import LOCALES
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.results.snapshots import latest_snapshot
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from praktijktest.timeutil import utcnow


class DossierError(ValueError):
    """No dossier can be made; the message says why."""


def _target(round_: Round, code: str) -> Target:
    target = db.session.scalar(select(Target).where(Target.organisation_id == round_.organisation_id,
                                                    Target.code == code))
    if target is None:
        raise DossierError(_("This round's organisation has no target with the code %(code)s.", code=code))
    return target


class Redactor:
    """Removes every other target's code and name of the organisation from free text the dossier prints.

    Round titles and case steps are written by people or generated with codes: a retest of several cases is
    titled "...: retest of A, B", and its case step quotes that title. A dossier names one target only, so each
    other target's code or name (as a whole word, any case) becomes "[another tested party]". This target's
    own code and name are matched first and kept, so that another name inside its own stays intact.
    """

    def __init__(self, target: Target):
        import re

        rows = db.session.execute(select(Target.code, Target.name).where(
            Target.organisation_id == target.organisation_id, Target.id != target.id)).all()
        own = {value.casefold() for value in (target.code, target.name) if value}
        others = {value for row in rows for value in row if value and value.strip()}
        words = sorted(others | {target.code, target.name} - {None, ""}, key=len, reverse=True)
        self._own = own
        self._pattern = (re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words), re.IGNORECASE)
                         if others else None)

    def __call__(self, text) -> str:
        if not text or self._pattern is None:
            return text or ""
        return self._pattern.sub(lambda m: m.group(0) if m.group(0).casefold() in self._own
                                 else "[" + _("another tested party") + "]", str(text))


@dataclass
class RoundPart:
    """One round in which the target was tested: its tests, their evidence and its own analysis result."""

    round: Round
    title: str  # redacted
    tests: list
    evidence: list
    snapshot: AnalysisSnapshot | None
    entry: dict | None  # the target's entry in that round's latest snapshot
    is_dossier_round: bool
    is_retest: bool

    @property
    def facts(self) -> dict:
        return (self.entry or {}).get("evidence_facts") or {}


def _evidence_of(tests: list) -> list:
    return [file for test in tests for a in test.applications if a.response for file in a.response.evidence]


def _round_parts(round_: Round, target: Target, redact: Redactor) -> list[RoundPart]:
    from praktijktest.followup.history import target_history
    from praktijktest.followup.retests import retest_info

    return [RoundPart(item.round, redact(item.round.title), item.tests, _evidence_of(item.tests), item.snapshot,
                      item.entry, item.round.id == round_.id, retest_info(item.round) is not None)
            for item in target_history(target) if item.round.organisation_id == round_.organisation_id]


def dossier_context(round_: Round, target: Target, user=None) -> dict:
    """Everything the dossier template reads; call inside the dossier's locale."""
    from praktijktest.followup.retests import side_by_side
    from praktijktest.followup.views import template_helpers
    from praktijktest.results.presenters import deviation_text, evidence_label

    snapshot = latest_snapshot(round_)
    if snapshot is None:
        raise DossierError(_("This round has not been analysed yet: analyse it before making a dossier."))
    tests = tests_of_target(target, round_.id)
    if not tests:
        raise DossierError(_("The target %(code)s has no test in this round.", code=target.code))
    entry = target_entry(snapshot, target.code) or {}
    case = db.session.scalar(select(FollowUpCase).where(FollowUpCase.round_id == round_.id,
                                                        FollowUpCase.target_id == target.id))
    redact = Redactor(target)
    rounds = _round_parts(round_, target, redact)
    # The case's retest, read from its own snapshot (its family: the retested targets only).
    retest = side_by_side(case) if case is not None and case.retest_round is not None else None
    return {"clause_steps": _recorded_clause_steps(case), "round": round_, "round_title": redact(round_.title),
            "target": target, "snapshot": snapshot,
            "entry": entry, "facts": entry.get("evidence_facts") or {}, "tests": tests, "rounds": rounds,
            "evidence": [file for part in rounds for file in part.evidence], "case": case, "retest": retest,
            "retest_facts": ((retest.retest or {}).get("evidence_facts") or {}) if retest else {},
            "redact": redact, "evidence_label": evidence_label, "deviation_text": deviation_text,
            "generated_at": format_when(utcnow(), "long"), "generated_by": getattr(user, "name", None),
            **template_helpers()}


def _recorded_clause_steps(case) -> list:
    """The clause steps recorded on a contractor's case, in order: what the contracting authority was told, when."""
    from praktijktest.followup.contracts import clause_steps

    return [view for view in clause_steps(case) if view.done is not None] if case is not None else []


def attachment_name(file) -> str:
    """The embedded file's name carries its full hash, so `reports verify` can re-hash it without the database."""
    return f"{file.sha256}.{file.kind}"


def _attachments(evidence: list) -> tuple[list, set[int]]:
    """WeasyPrint attachments of the evidence files whose stored bytes still match their hash.

    Each goes in as a `data:` URL, so that the embedded file carries the evidence file's own media type
    (PDF/A-3 requires one; a name such as `<hash>.audio` would give none), with the PDF/A-3 relationship
    "Source": the material the dossier's text is drawn from.
    """
    import base64

    from weasyprint import Attachment

    from praktijktest import evidence_store

    attachments, missing = [], set()
    for file in evidence:
        try:
            data = evidence_store.read_bytes(file.path)
        except evidence_store.EvidenceStoreError:
            data = None
        if data is None or evidence_store.sha256_of(data) != file.sha256:
            missing.add(file.id)  # said in the dossier: a file that is gone or changed is never attached
            continue
        url = f"data:{file.media_type or 'application/octet-stream'};base64,{base64.b64encode(data).decode()}"
        attachments.append(Attachment(url=url, name=attachment_name(file), description=file.sha256,
                                      relationship="Source"))
    return attachments, missing


# PDF/A-3 level A: archivable, tagged (structure tree, language, alternative texts), and the only PDF/A part
# that may embed files other than PDF/A (ISO 19005-3, 6.8). WeasyPrint's PDF/A-1 and -2 variants drop the
# .eml, audio and image evidence files; its PDF/UA-1 variant keeps them but is no archive format.
# Streams are stored uncompressed: the evidence files are mostly screenshots and recordings, compressed
# already, and deflating them again took a third of the rendering time for 4 % of the file's size
# (benchmarks/bench_dossier.py: 5.77 MB compressed, 6.01 MB not).
DOSSIER_PDF_OPTIONS = {"pdf_variant": "pdf/a-3a", "uncompressed_pdf": True}


def render_unsealed(round_: Round, code: str, user=None, lang: str = "nl") -> bytes:
    """The dossier's PDF/A-3 bytes with the evidence files embedded, before the seal; no audit."""
    target = _target(round_, code)
    locale = LOCALES.get(lang, LOCALES["nl"])
    with force_locale(locale):
        context = dossier_context(round_, target, user)
        attachments, missing = _attachments(context["evidence"])
        html = current_app.jinja_env.get_template("reports/dossier.html").render(
            current_locale=locale, missing=missing, **context)
    return _render_pdf_a(html, attachments)


def _render_pdf_a(html: str, attachments: list) -> bytes:
    # WeasyPrint 70 opens its sRGB output-intent profile for PDF/A and never closes it; the garbage collector
    # closes it later (a ResourceWarning, silent outside the tests; pyproject.toml says why the tests ignore
    # it). Collecting here instead cost 0.4 s per dossier.
    from praktijktest.reports.pdf import render_pdf

    return render_pdf(html, attachments=attachments, **DOSSIER_PDF_OPTIONS)


def render_dossier(round_: Round, code: str, user=None, lang: str = "nl") -> bytes:
    """The sealed dossier: the PDF/A-3 rendering with a PAdES seal over the whole file; no audit.
    A configured time-stamping authority that gives no timestamp is a DossierError: nothing is made."""
    from praktijktest.followup.seal import TimestampError, seal_pdf

    unsealed = render_unsealed(round_, code, user, lang)
    try:
        with force_locale(LOCALES.get(lang, LOCALES["nl"])):
            return seal_pdf(unsealed, reason=f"praktijktest dossier of {code} in round {round_.id}")
    except TimestampError as error:
        raise DossierError(str(error)) from error


def check_attachments(data: bytes) -> list[str]:
    """Problems with the embedded evidence files: a file whose bytes do not match the hash it is filed under,
    or whose hash the dossier's text does not print; an empty list when every file matches."""
    import hashlib
    import re

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    problems = []
    for name, contents in reader.attachments.items():
        expected = name.split(".")[0]
        if expected not in text:
            problems.append(f"{name}: its hash is not printed in the dossier")
        for content in contents:
            if hashlib.sha256(content).hexdigest() != expected:
                problems.append(f"{name}: the embedded bytes do not match their SHA-256 hash")
    return problems


def verify_dossier(data: bytes, certificate=None, details: dict | None = None,
                   require_timestamp: bool = False) -> list[str]:
    """Everything wrong with a dossier PDF, in words: its seal (followup/seal.py) and its evidence files.
    An empty list when the seal holds and every embedded file matches the hash printed in the dossier."""
    from praktijktest.followup.seal import check_seal

    problems = [f"seal: {problem}" for problem in check_seal(data, certificate, details, require_timestamp)]
    try:
        problems += check_attachments(data)
    except Exception as error:  # noqa: BLE001  (a file pypdf cannot read is a failed check, said as such)
        problems.append(f"evidence files: the PDF cannot be read ({type(error).__name__}: {error})")
    return problems


def generate_dossier(round_: Round, code: str, user=None, lang: str = "nl") -> bytes:
    """Render the dossier and audit its generation (it shows an identity and its evidence)."""
    data = render_dossier(round_, code, user, lang)
    target = _target(round_, code)
    record("followup.dossier", target, actor=user, organisation_id=round_.organisation_id,
           summary=f"dossier of {code} in round {round_.id} ({lang})",
           changes={"round_id": [None, round_.id], "language": [None, lang]})
    return data
