"""`retention apply`: what a round past its retention still holds, and removing it.

The plan is computed first and is all a dry run shows; the real run
computes the same plan and carries out exactly its items. Per round and
kind of data, once the round ended more than that kind's period ago:

- identities: a target's name becomes its code; enterprise number,
  address, contact and contract reference are cleared. Kept when the target
  is in another round that has not passed its own identity period, or is
  under legal hold. The code, kind, sector and municipality stay: the
  analysis works on codes, so stored and re-run figures do not change.
- evidence: the files of the round's responses are deleted from the
  evidence store and their rows removed (the hash stays in the audit log).
- listings: the stored snapshot of each tested ad is deleted and its
  address (URL) cleared, unless another live round tested the same ad.
- notes: free-text notes on the round's responses are emptied.
- mystery calls (their own items, on the evidence and notes periods): the
  call's recording is deleted from the evidence store (its hash stays in
  the audit log) and the call's notes are emptied; the question asked and
  the answer (agreed, refused, evasive) stay, as outcomes do.

Each item carried out leaves one audit event with the kind, the counts and
the evidence hashes, never the deleted content.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select

from praktijktest import evidence_store
from praktijktest.audit.models import AuditEvent
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, EvidenceFile, MysteryCall, Response, RoundFieldwork, Test
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.retention.holds import legal_holds
from praktijktest.retention.periods import periods_for
from praktijktest.rounds.models import Round, RoundStatus, RoundTarget
from praktijktest.targets.models import Listing, Target
from praktijktest.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
LIVE = {RoundStatus.DRAFT, RoundStatus.READY, RoundStatus.FIELDWORK}


@dataclass
class Item:
    """One kind of data of one round that is due: the rows it touches and what is kept, with why."""

    round_id: int
    kind: str
    ids: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    kept: dict[int, str] = field(default_factory=dict)

    def line(self) -> str:
        text = f"round {self.round_id}\t{self.kind}\t{len(self.ids)}"
        if self.hashes:
            text += "\t" + ",".join(self.hashes)
        return text + "".join(f"\n  kept target {tid}: {why}" for tid, why in sorted(self.kept.items()))


def round_ended_at(round_: Round) -> datetime | None:
    """When the round ended (None while it is live): its last status change or fieldwork closing."""
    if RoundStatus(round_.status) in LIVE:
        return None
    moments = [round_.created_at,
               db.session.scalar(select(func.max(AuditEvent.created_at)).where(
                   AuditEvent.action.in_(("round.status", "round.analyse")), AuditEvent.object_type == "Round",
                   AuditEvent.object_id == str(round_.id))),
               db.session.scalar(select(RoundFieldwork.closed_at).where(RoundFieldwork.round_id == round_.id)),
               db.session.scalar(select(func.max(AnalysisSnapshot.created_at))
                                 .where(AnalysisSnapshot.round_id == round_.id))]
    return max(as_utc(m) for m in moments if m is not None)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it has fewer (31 Jan + 1 = 28/29 Feb)."""
    import calendar

    year, month = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + year, month + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _due(round_: Round, kind: str, months: int, now: datetime) -> bool:
    ended = round_ended_at(round_)
    return ended is not None and add_months(ended, months) <= now


def _round_targets(round_id: int) -> set[int]:
    drawn = select(RoundTarget.target_id).where(RoundTarget.round_id == round_id)
    tested = select(Test.target_id).where(Test.round_id == round_id)
    return set(db.session.scalars(drawn.union(tested)))


def _still_needed(target_ids: set[int], round_: Round, months: int, now: datetime) -> dict[int, str]:
    """Targets also in another round of the organisation that is not yet past this kind's period."""
    others = db.session.scalars(select(Round).where(Round.organisation_id == round_.organisation_id,
                                                    Round.id != round_.id)).all()
    kept: dict[int, str] = {}
    for other in others:
        if _due(other, "", months, now):
            continue
        for target_id in _round_targets(other.id) & target_ids:
            kept.setdefault(target_id, f"also in round {other.id}, still within retention")
    return kept


def plan(now: datetime | None = None, organisation_id: int | None = None) -> list[Item]:
    """Everything due for deletion at `now`, round by round, kind by kind; changes nothing."""
    now = now or utcnow()
    query = select(Round).order_by(Round.id)
    if organisation_id is not None:
        query = query.where(Round.organisation_id == organisation_id)
    items = []
    for round_ in db.session.scalars(query).all():
        periods = periods_for(round_.organisation_id)
        targets = _round_targets(round_.id)
        holds = legal_holds(targets)
        for kind, build in BUILDERS.items():
            months = periods[PERIOD_OF.get(kind, kind)].months
            if not _due(round_, kind, months, now):
                continue
            kept = {**(_still_needed(targets, round_, months, now) if kind in SHARED else {}), **holds}
            item = build(round_, targets - set(kept))
            item.kept = {tid: why for tid, why in kept.items() if tid in targets}
            if item.ids:
                items.append(item)
    return items


def _identities(round_: Round, targets: set[int]) -> Item:
    rows = db.session.scalars(select(Target).where(Target.id.in_(targets)).order_by(Target.id)).all()
    ids = [t.id for t in rows if t.name != t.code or t.enterprise_number or t.address or t.contact
           or t.contract_reference]
    return Item(round_.id, "identities", ids)


def _round_responses(round_: Round, targets: set[int]):
    return (select(Response).join(Application, Response.application_id == Application.id)
            .join(Test, Application.test_id == Test.id)
            .where(Test.round_id == round_.id, Test.target_id.in_(targets)))


def _evidence(round_: Round, targets: set[int]) -> Item:
    response_ids = _round_responses(round_, targets).with_only_columns(Response.id)
    rows = db.session.scalars(select(EvidenceFile).where(EvidenceFile.response_id.in_(response_ids))
                              .order_by(EvidenceFile.id)).all()
    return Item(round_.id, "evidence", [e.id for e in rows], [e.sha256 for e in rows])


def _listings(round_: Round, targets: set[int]) -> Item:
    listing_ids = select(Test.listing_id).where(Test.round_id == round_.id, Test.target_id.in_(targets))
    rows = db.session.scalars(select(Listing).where(Listing.id.in_(listing_ids),
                                                    (Listing.snapshot_path.is_not(None)) | (Listing.url.is_not(None)))
                              .order_by(Listing.id)).all()
    return Item(round_.id, "listings", [x.id for x in rows], [x.snapshot_sha256 for x in rows if x.snapshot_sha256])


def _notes(round_: Round, targets: set[int]) -> Item:
    rows = db.session.scalars(_round_responses(round_, targets).where(Response.notes != "")
                              .order_by(Response.id)).all()
    return Item(round_.id, "notes", [r.id for r in rows])


def _round_calls(round_: Round, targets: set[int]):
    return (select(MysteryCall).join(Application, MysteryCall.application_id == Application.id)
            .join(Test, Application.test_id == Test.id)
            .where(Test.round_id == round_.id, Test.target_id.in_(targets)).order_by(MysteryCall.id))


def _call_recordings(round_: Round, targets: set[int]) -> Item:
    rows = db.session.scalars(_round_calls(round_, targets).where(MysteryCall.recording_path.is_not(None))).all()
    return Item(round_.id, "call_recordings", [c.id for c in rows], [c.recording_sha256 for c in rows])


def _call_notes(round_: Round, targets: set[int]) -> Item:
    rows = db.session.scalars(_round_calls(round_, targets).where(MysteryCall.notes != "")).all()
    return Item(round_.id, "call_notes", [c.id for c in rows])


BUILDERS = {"identities": _identities, "evidence": _evidence, "listings": _listings, "notes": _notes,
            "call_recordings": _call_recordings, "call_notes": _call_notes}
# Items whose period is that of another kind: a call's recording is evidence, its notes are notes.
PERIOD_OF = {"call_recordings": "evidence", "call_notes": "notes"}
# Kinds whose rows belong to a target rather than to this round alone: another live round keeps them.
SHARED = {"identities", "listings"}


def apply(items: list[Item], user=None) -> set[str]:
    """Carry out the planned items in the database, each with its audit event; only flushes.

    Returns the stored files no row points at any more: the caller removes
    them (`remove_files`) after committing, so that a failed commit never
    leaves rows whose files are gone.
    """
    paths: set[str] = set()
    for item in items:
        paths |= APPLIERS[item.kind](item)
        round_ = db.session.get(Round, item.round_id)
        # Spelled out so that the audit log's list of actions can read them (tests/foundation/test_audit_actions).
        action = ("retention.identities" if item.kind == "identities"
                  else "retention.evidence" if item.kind == "evidence"
                  else "retention.listings" if item.kind == "listings"
                  else "retention.call_recordings" if item.kind == "call_recordings"
                  else "retention.call_notes" if item.kind == "call_notes" else "retention.notes")
        record(action, round_, actor=user, organisation_id=round_.organisation_id,
               summary=f"{item.kind}: {len(item.ids)} removed after the retention period"
                       + (f", {len(item.kept)} kept" if item.kept else ""),
               changes={"count": [len(item.ids), 0], "ids": item.ids, "sha256": item.hashes,
                        "kept": {str(k): v for k, v in item.kept.items()}})
    return paths - _paths_in_use(paths)


def _paths_in_use(paths: set[str]) -> set[str]:
    # A file is stored once per content: it goes only when no remaining row points at it.
    evidence = db.session.scalars(select(EvidenceFile.path).where(EvidenceFile.path.in_(paths)))
    listings = db.session.scalars(select(Listing.snapshot_path).where(Listing.snapshot_path.in_(paths)))
    calls = db.session.scalars(select(MysteryCall.recording_path).where(MysteryCall.recording_path.in_(paths)))
    return set(evidence) | set(listings) | set(calls)


def remove_files(paths: set[str]) -> int:
    """Delete the stored files (after the commit); returns how many were there to delete."""
    removed = 0
    for path in sorted(paths):
        try:
            evidence_store.remove(path)
            removed += 1
        except evidence_store.EvidenceStoreError:
            log.warning("retention: stored file already gone: %s", path)
    return removed


def _apply_identities(item: Item) -> set[str]:
    for target in db.session.scalars(select(Target).where(Target.id.in_(item.ids))):
        target.name = target.code
        target.enterprise_number = target.address = target.contact = target.contract_reference = None
    db.session.flush()
    return set()


def _apply_evidence(item: Item) -> set[str]:
    paths = set(db.session.scalars(select(EvidenceFile.path).where(EvidenceFile.id.in_(item.ids))))
    # The ORM refuses to delete evidence (fieldwork.models._refuse_evidence_rewrites): the end of
    # retention is the one sanctioned way it goes, hence a plain DELETE, audited by `apply`.
    db.session.execute(delete(EvidenceFile).where(EvidenceFile.id.in_(item.ids)),
                       execution_options={"synchronize_session": False})
    db.session.expire_all()
    return paths


def _apply_listings(item: Item) -> set[str]:
    paths = set()
    for listing in db.session.scalars(select(Listing).where(Listing.id.in_(item.ids))):
        if listing.snapshot_path:
            paths.add(listing.snapshot_path)
        listing.snapshot_path = listing.snapshot_sha256 = listing.url = None
    db.session.flush()
    return paths


def _apply_notes(item: Item) -> set[str]:
    for response in db.session.scalars(select(Response).where(Response.id.in_(item.ids))):
        response.notes = ""
    db.session.flush()
    return set()


def _apply_call_recordings(item: Item) -> set[str]:
    paths = set()
    for call in db.session.scalars(select(MysteryCall).where(MysteryCall.id.in_(item.ids))):
        paths.add(call.recording_path)
        call.recording_path = call.recording_sha256 = None
    db.session.flush()
    return paths


def _apply_call_notes(item: Item) -> set[str]:
    for call in db.session.scalars(select(MysteryCall).where(MysteryCall.id.in_(item.ids))):
        call.notes = ""
    db.session.flush()
    return set()


APPLIERS = {"identities": _apply_identities, "evidence": _apply_evidence, "listings": _apply_listings,
            "notes": _apply_notes, "call_recordings": _apply_call_recordings, "call_notes": _apply_call_notes}
