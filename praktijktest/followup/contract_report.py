"""The contractors report for the council: every tested contractor, by contract, with its outcome per round.

One row per contract and round in which the contractor was tested: the
round's latest analysis in words (counts only), whether it flagged the
target, and the follow-up case's state. Coordinators see the contractor's
name, the contracting authority and the contract reference; viewers see the
target's code and a contract number per target (C1, C2 ...), nothing that
names a party. A fixed number of queries, however many contracts.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from praktijktest.audit.services import record
from praktijktest.datasets.evidence_text import evidence_sentence
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Test
from praktijktest.followup.contracts import TargetContract
from praktijktest.followup.models import STATE_LABELS, CaseState, FollowUpCase
from praktijktest.followup.services import target_entry
from praktijktest.i18n import format_when
from praktijktest.results.snapshots import latest_snapshots
from praktijktest.rounds.models import Round
from praktijktest.spreadsheet import csv_row
from praktijktest.targets.models import Target
from praktijktest.timeutil import utcnow

LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en"}


@dataclass(frozen=True)
class ContractorRow:
    code: str
    name: str | None  # None when pseudonymised
    contract: str  # the reference, or "C1" when pseudonymised
    authority: str | None
    starts_on: object
    ends_on: object
    has_clause: bool
    round_title: str
    tests: int
    outcome: str  # the evidence sentence of the round's latest analysis, or why there is none
    flagged: bool | None
    case_state: str | None  # a translated label


def _tests_per_target_and_round(target_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    rows = db.session.execute(select(Test.target_id, Test.round_id, func.count(Test.id))
                              .where(Test.target_id.in_(target_ids)).group_by(Test.target_id, Test.round_id)
                              .order_by(Test.target_id, Test.round_id))
    out: dict[int, list[tuple[int, int]]] = {}
    for target_id, round_id, count in rows:
        out.setdefault(target_id, []).append((round_id, count))
    return out


def contractor_rows(organisation_id: int, pseudonymised: bool) -> list[ContractorRow]:
    """Every tested contractor of the organisation, by contract and round, in the reader's locale."""
    contracts = db.session.execute(
        select(TargetContract, Target).join(Target, TargetContract.target_id == Target.id)
        .where(TargetContract.organisation_id == organisation_id)
        .order_by(Target.code, TargetContract.starts_on, TargetContract.id)).all()
    tested = _tests_per_target_and_round([target.id for _, target in contracts])
    round_ids = {round_id for pairs in tested.values() for round_id, _ in pairs}
    rounds = {r.id: r for r in db.session.scalars(select(Round).where(Round.id.in_(round_ids)))}
    snapshots = latest_snapshots(round_ids)
    cases = {(c.round_id, c.target_id): c.state for c in db.session.scalars(
        select(FollowUpCase).where(FollowUpCase.organisation_id == organisation_id))}
    rows, numbers = [], {}
    for contract, target in contracts:
        numbers[target.id] = numbers.get(target.id, 0) + 1
        for round_id, count in tested.get(target.id, []):
            rows.append(_row(contract, target, rounds[round_id], count, snapshots.get(round_id),
                             cases.get((round_id, target.id)), pseudonymised, numbers[target.id]))
    return rows


def _row(contract, target, round_, tests, snapshot, case_state, pseudonymised, number) -> ContractorRow:
    entry = target_entry(snapshot, target.code) if snapshot else None
    outcome = (evidence_sentence(entry, round_.market) if entry else
               _("No analysis of this round names this target yet."))
    return ContractorRow(
        code=target.code, name=None if pseudonymised else target.name,
        contract=f"C{number}" if pseudonymised else contract.reference,
        authority=None if pseudonymised else contract.contracting_authority,
        # Exact contract dates can be looked up in published tenders, so viewers do not get them.
        starts_on=None if pseudonymised else contract.starts_on,
        ends_on=None if pseudonymised else contract.ends_on, has_clause=contract.has_clause,
        round_title=round_.title, tests=tests, outcome=outcome,
        flagged=bool(entry.get("flagged")) if entry else None,
        case_state=str(STATE_LABELS[CaseState(case_state)]) if case_state else None)


def _audit(organisation_id: int, user, kind: str, rows: list[ContractorRow], pseudonymised: bool) -> None:
    record("contract.report", None, actor=user, organisation_id=organisation_id,
           summary=f"contractors report ({kind}, {'pseudonymised' if pseudonymised else 'with names'}), "
                   f"{len(rows)} rows")


def contractors_pdf(organisation, user, pseudonymised: bool, lang: str = "nl") -> bytes:
    """The report's PDF in `lang`, tagged (PDF/UA-1) like the round report; audited."""
    from praktijktest.reports.pdf import render_pdf
    from praktijktest.reports.round_report import PDF_OPTIONS

    locale = LOCALES.get(lang, LOCALES["nl"])
    with force_locale(locale):
        rows = contractor_rows(organisation.id, pseudonymised)
        html = current_app.jinja_env.get_template("reports/contractors.html").render(
            current_locale=locale, rows=rows, organisation=organisation, pseudonymised=pseudonymised,
            generated_at=format_when(utcnow(), "long"))
    _audit(organisation.id, user, "pdf", rows, pseudonymised)
    return render_pdf(html, **PDF_OPTIONS)


def csv_header(pseudonymised: bool) -> list[str]:
    if pseudonymised:
        return [_("Code"), _("Contract"), _("Non-discrimination clause"), _("Round"), _("Tests"),
                _("Flagged for follow-up"), _("Case"), _("Outcome")]
    return [_("Code"), _("Name"), _("Contracting authority"), _("Contract"), _("Starts"), _("Ends"),
            _("Non-discrimination clause"), _("Round"),
            _("Tests"), _("Flagged for follow-up"), _("Case"), _("Outcome")]


def csv_values(row: ContractorRow, pseudonymised: bool) -> list:
    yes_no = {True: _("yes"), False: _("no"), None: ""}
    outcome = [yes_no[row.has_clause], row.round_title, row.tests, yes_no[row.flagged], row.case_state or "",
               row.outcome]
    if pseudonymised:
        return [row.code, row.contract, *outcome]
    return [row.code, row.name, row.authority, row.contract, row.starts_on.isoformat(),
            row.ends_on.isoformat() if row.ends_on else "", *outcome]


def contractors_csv(organisation, user, pseudonymised: bool) -> str:
    """The same rows as CSV, every cell through the safe cell writer; audited."""
    rows = contractor_rows(organisation.id, pseudonymised)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(csv_header(pseudonymised)))
    for row in rows:
        writer.writerow(csv_row(csv_values(row, pseudonymised)))
    _audit(organisation.id, user, "csv", rows, pseudonymised)
    return out.getvalue()
