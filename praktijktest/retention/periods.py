"""Retention periods: the defaults per kind of data, each organisation's own, and saving them (audited).

A period counts in months from the end of a round (the last change of its
status to analysed, reported, archived or cancelled, or its fieldwork
closing, whichever is later). The defaults are what a municipality can
defend without further thought; a coordinator may shorten or lengthen them
and must then say why in the legal basis.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.retention.models import RetentionPeriod
from praktijktest.timeutil import utcnow

# The kinds `retention apply` acts on (per round, then tester accounts), then the audit log: recorded, not pruned.
ROUND_KINDS = ("identities", "evidence", "listings", "notes")
APPLIED_KINDS = (*ROUND_KINDS, "tester_accounts")
KINDS = (*APPLIED_KINDS, "audit_log")
MAX_MONTHS = 240

KIND_LABELS = {
    "identities": _l("Identities and contact data of tested targets"),
    "evidence": _l("Evidence files (e-mails, screenshots, recordings)"),
    "listings": _l("Listings and their stored snapshots"),
    "notes": _l("Free-text notes on responses"),
    "tester_accounts": _l("Tester accounts after their last login"),
    "audit_log": _l("Audit log"),
}

DEFAULT_MONTHS = {"identities": 24, "evidence": 24, "listings": 24, "notes": 12, "tester_accounts": 12,
                  "audit_log": 60}

DEFAULT_BASIS = {
    "identities": _l("Task in the public interest (GDPR art. 6.1.e) of fighting discrimination; data on possible "
                     "offences (art. 10) kept only as long as the report of the round can be questioned "
                     "and followed up."),
    "evidence": _l("Same task; the evidence proves what a target answered and is needed as long as the findings "
                   "can be contested or followed up."),
    "listings": _l("Same task; the ad as it was tested shows what the target offered, needed as long as the "
                   "evidence."),
    "notes": _l("Same task; notes are working material for entering responses and are not needed once the "
                "round is analysed and reported."),
    "tester_accounts": _l("Employment or assignment of the tester (art. 6.1.b and 6.1.c); access ends with the "
                          "assignment."),
    "audit_log": _l("Accountability (art. 5.2) and security of processing (art. 32): who saw identities and "
                    "evidence must stay provable."),
}


class RetentionError(ValueError):
    """Periods that cannot be saved (out of range, or changed by someone else meanwhile)."""


@dataclass(frozen=True)
class Period:
    kind: str
    months: int
    legal_basis: str
    is_default: bool

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def periods_for(organisation_id: int) -> dict[str, Period]:
    """Every kind's period for the organisation: its own where saved, else the default."""
    own = {row.kind: row for row in db.session.scalars(
        select(RetentionPeriod).where(RetentionPeriod.organisation_id == organisation_id))}
    periods = {}
    for kind in KINDS:
        row = own.get(kind)
        periods[kind] = (Period(kind, row.months, row.legal_basis, False) if row is not None
                         else Period(kind, DEFAULT_MONTHS[kind], str(DEFAULT_BASIS[kind]), True))
    return periods


def fingerprint(periods: dict[str, Period]) -> str:
    """A short hash of the periods as shown, so that a save over someone else's change is refused."""
    values = {kind: [p.months, p.legal_basis] for kind, p in sorted(periods.items())}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def save_periods(organisation_id: int, values: dict[str, tuple[int, str]], seen: str, user) -> list[str]:
    """Save the organisation's periods (kind -> (months, legal basis)); returns the kinds that changed."""
    current = periods_for(organisation_id)
    if seen != fingerprint(current):
        raise RetentionError(_("Someone else changed the retention periods meanwhile. "
                               "Check the periods below and save again."))
    changes: dict[str, list] = {}
    for kind, (months, basis) in values.items():
        if kind not in KINDS or not 1 <= months <= MAX_MONTHS:
            raise RetentionError(_("A retention period is between 1 and %(max)s months.", max=MAX_MONTHS))
        basis = basis.strip()
        if not basis:
            raise RetentionError(_("Give the legal basis for every retention period."))
        old = current[kind]
        if old.months != months:
            changes[f"{kind}.months"] = [old.months, months]
        if old.legal_basis != basis:
            changes[f"{kind}.legal_basis"] = [old.legal_basis, basis]
        if old.is_default or (old.months, old.legal_basis) != (months, basis):
            _store(organisation_id, kind, months, basis, user)
    if changes:
        kinds = sorted({key.split(".")[0] for key in changes})
        record("retention.update", None, actor=user, organisation_id=organisation_id,
               summary="retention periods changed: " + ", ".join(kinds), changes=changes)
    return sorted({key.split(".")[0] for key in changes})


def _store(organisation_id: int, kind: str, months: int, basis: str, user) -> None:
    row = db.session.scalar(select(RetentionPeriod).filter_by(organisation_id=organisation_id, kind=kind))
    if row is None:
        row = RetentionPeriod(organisation_id=organisation_id, kind=kind)
        db.session.add(row)
    row.months, row.legal_basis = months, basis
    row.updated_at, row.updated_by_id = utcnow(), getattr(user, "id", None)
    db.session.flush()
