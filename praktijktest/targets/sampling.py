"""Drawing a round's sample of targets from the registry, reproducibly.

The frame: the organisation's targets of the kinds the round tests
(employers for labour; landlords and agencies for housing; agencies for
mystery calls), optionally only contractors and only targets in the round's
municipalities, minus the targets tested in another round in the last N
months (unless the round is a retest).

Stratified draws use proportional allocation rounded by the largest-remainder
(Hamilton) method: stratum h of size N_h gets floor(n * N_h / N) targets, and
the targets still missing go one each to the strata with the largest
fractional parts (ties: the larger stratum, then the stratum name). Within a
stratum, a simple random sample without replacement is drawn with numpy's
PCG64 Generator seeded with the round's seed, from the candidates sorted by
id, strata taken in name order: the same seed and the same registry give the
same sample.
"""
from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test, TestStatus
from praktijktest.rounds.models import Market, Round, RoundStatus, RoundTarget, TestType
from praktijktest.targets.models import Target, TargetKind
from praktijktest.timeutil import as_utc, utcnow

STRATA = ("sector", "municipality")
UNKNOWN = "unknown"
MAX_SEED = 2**31 - 1  # fits the round's integer column on PostgreSQL
# Rounds whose tests were carried out (a draft or ready round's tests are only planned).
DONE_STATUSES = (RoundStatus.FIELDWORK, RoundStatus.ANALYSED, RoundStatus.REPORTED, RoundStatus.ARCHIVED)


class SamplingError(ValueError):
    """The sample cannot be drawn as asked, with the reason."""


@dataclass(frozen=True)
class StratumRow:
    """One stratum: its size in the frame and in the sample, with shares."""

    stratum: str
    frame: int
    frame_share: float
    sample: int
    sample_share: float


@dataclass(frozen=True)
class SampleSummary:
    """What was drawn and from what; stored in round.planning["sampling"]."""

    seed: int
    size: int
    frame_size: int
    strata: tuple[str, ...]
    kinds: tuple[str, ...]
    months_excluded: int
    is_retest: bool
    contractors_only: bool
    within_round_municipalities: bool
    excluded_recently_tested: int
    rows: tuple[StratumRow, ...]
    drawn_at: str
    target_ids: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def drawn_at_time(self) -> datetime:
        return datetime.fromisoformat(self.drawn_at)

    @classmethod
    def from_dict(cls, data: dict) -> SampleSummary:
        values = dict(data)
        values["rows"] = tuple(StratumRow(**row) for row in values.get("rows", ()))
        for key in ("strata", "kinds", "target_ids"):
            values[key] = tuple(values.get(key, ()))
        return cls(**values)


def default_kinds(round_: Round) -> tuple[str, ...]:
    """The kinds of target a round tests, by its market and test type."""
    if round_.test_type == TestType.MYSTERY_CALL:
        return (TargetKind.AGENCY.value,)
    if round_.market == Market.HOUSING:
        return (TargetKind.LANDLORD.value, TargetKind.AGENCY.value)
    return (TargetKind.EMPLOYER.value,)


def stored_summary(round_: Round) -> SampleSummary | None:
    """The summary of the round's current sample, if one was drawn."""
    data = (round_.planning or {}).get("sampling")
    return SampleSummary.from_dict(data) if data else None


def allocate(frame_counts: dict[str, int], size: int) -> dict[str, int]:
    """Proportional allocation of `size` over strata, rounded by largest remainder (Hamilton)."""
    total = sum(frame_counts.values())
    if size > total:
        raise SamplingError(_("The frame has only %(total)d targets; %(size)d were asked for.", total=total, size=size))
    quotas = {key: size * count / total for key, count in frame_counts.items()} if total else {}
    allocation = {key: math.floor(quota) for key, quota in quotas.items()}
    missing = size - sum(allocation.values())
    by_remainder = sorted(quotas, key=lambda key: (-(quotas[key] - allocation[key]), -frame_counts[key], key))
    for key in by_remainder[:missing]:
        allocation[key] += 1
    return allocation


def stratum_of(target: Target, strata: Sequence[str]) -> str:
    """The stratum label of a target: its sector and/or municipality, joined by " / "."""
    parts = []
    if "sector" in strata:
        parts.append(target.sector or (f"NACE {target.nace_code[:2]}" if target.nace_code else UNKNOWN))
    if "municipality" in strata:
        parts.append(target.municipality.name if target.municipality else target.municipality_name or UNKNOWN)
    return " / ".join(parts)


def recently_tested_ids(round_: Round, months: int) -> set[int]:
    """Targets tested in another round of the organisation within the last `months` months.

    A test counts on its latest send date; a test without recorded sends
    (an imported round) counts on its creation date when its round reached
    fieldwork. Cancelled tests do not count. A month is 30.44 days.
    """
    if months <= 0:
        return set()
    cutoff = utcnow() - timedelta(days=round(months * 30.44))
    rows = db.session.execute(
        select(Test.target_id, Test.created_at, Round.status, func.max(Application.sent_at))
        .join(Round, Round.id == Test.round_id)
        .outerjoin(Application, Application.test_id == Test.id)
        .where(Round.organisation_id == round_.organisation_id, Test.round_id != round_.id,
               Test.status != TestStatus.CANCELLED)
        .group_by(Test.id, Test.target_id, Test.created_at, Round.status)
    ).all()
    recent = set()
    for target_id, created_at, status, last_sent in rows:
        when = as_utc(last_sent) or (as_utc(created_at) if status in DONE_STATUSES else None)
        if when is not None and when >= cutoff:
            recent.add(target_id)
    return recent


def sampling_frame(round_: Round, kinds: Sequence[str], *, months_excluded: int, is_retest: bool,
                   contractors_only: bool, within_round_municipalities: bool) -> tuple[list[Target], int]:
    """(eligible targets sorted by id, number left out as recently tested)."""
    query = select(Target).where(Target.organisation_id == round_.organisation_id, Target.kind.in_(list(kinds)))
    if contractors_only:
        query = query.where(Target.is_contractor.is_(True))
    if within_round_municipalities and round_.municipalities:
        query = query.where(Target.municipality_id.in_([m.id for m in round_.municipalities]))
    candidates = list(db.session.scalars(query.order_by(Target.id)))
    recent = set() if is_retest else recently_tested_ids(round_, months_excluded)
    frame = [target for target in candidates if target.id not in recent]
    return frame, len(candidates) - len(frame)


def draw_sample(
    round_: Round,
    n: int,
    *,
    strata: Sequence[str] = (),
    seed: int | None = None,
    months_excluded: int = 12,
    is_retest: bool = False,
    kinds: Sequence[str] | None = None,
    contractors_only: bool = False,
    within_round_municipalities: bool = True,
) -> SampleSummary:
    """Draw `n` targets into the round (replacing an earlier sample); audited. Only for a draft round."""
    _check_round(round_, strata)
    seed = secrets.randbelow(MAX_SEED + 1) if seed is None else int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise SamplingError(_("The seed must be a whole number from 0 to %(max)d.", max=MAX_SEED))
    kinds = tuple(kinds or default_kinds(round_))
    if not set(kinds) <= set(TargetKind):
        raise SamplingError(_("Choose employers, landlords and/or agencies."))
    if n < 1:
        raise SamplingError(_("Draw at least one target."))
    frame, excluded = sampling_frame(
        round_, kinds, months_excluded=months_excluded, is_retest=is_retest,
        contractors_only=contractors_only, within_round_municipalities=within_round_municipalities,
    )
    by_stratum: dict[str, list[Target]] = {}
    for target in frame:
        by_stratum.setdefault(stratum_of(target, strata), []).append(target)
    allocation = allocate({key: len(group) for key, group in by_stratum.items()}, n)
    generator = np.random.Generator(np.random.PCG64(seed))
    drawn: list[tuple[Target, str]] = []
    for key in sorted(by_stratum):
        group = by_stratum[key]
        picks = generator.choice(len(group), size=allocation[key], replace=False) if allocation[key] else []
        drawn += [(group[i], key) for i in sorted(int(i) for i in picks)]
    summary = _summary(round_, drawn, by_stratum, seed, strata, kinds, months_excluded, is_retest,
                       contractors_only, within_round_municipalities, excluded)
    _store(round_, drawn, summary)
    return summary


def _check_round(round_: Round, strata: Sequence[str]) -> None:
    if round_.is_locked:
        raise SamplingError(_("The round's protocol is locked: its sample can no longer change."))
    if unknown := set(strata) - set(STRATA):
        raise SamplingError(_("Unknown strata: %(names)s.", names=", ".join(sorted(unknown))))
    if db.session.scalar(select(func.count()).select_from(Test).where(Test.round_id == round_.id)):
        raise SamplingError(_("The round already has tests; remove its schedule before drawing a new sample."))


def _summary(round_, drawn, by_stratum, seed, strata, kinds, months, is_retest, contractors_only,
             within_municipalities, excluded) -> SampleSummary:
    frame_size = sum(len(group) for group in by_stratum.values())
    counts = Counter(key for _target, key in drawn)
    rows = tuple(
        StratumRow(key, len(by_stratum[key]), len(by_stratum[key]) / frame_size, counts[key],
                   counts[key] / len(drawn) if drawn else 0.0)
        for key in sorted(by_stratum)
    )
    return SampleSummary(
        seed=seed, size=len(drawn), frame_size=frame_size, strata=tuple(strata), kinds=tuple(kinds),
        months_excluded=months, is_retest=is_retest, contractors_only=contractors_only,
        within_round_municipalities=within_municipalities and bool(round_.municipalities),
        excluded_recently_tested=excluded, rows=rows, drawn_at=utcnow().isoformat(),
        target_ids=tuple(target.id for target, _key in drawn),
    )


def _store(round_: Round, drawn: list[tuple[Target, str]], summary: SampleSummary) -> None:
    replaced = db.session.execute(delete(RoundTarget).where(RoundTarget.round_id == round_.id)).rowcount
    db.session.add_all(RoundTarget(round_id=round_.id, target_id=target.id, stratum=key) for target, key in drawn)
    old_seed = round_.sampling_seed
    round_.sampling_seed = summary.seed
    # A new dict, so that the JSON column is seen as changed.
    round_.planning = {**(round_.planning or {}), "sampling": summary.to_dict()}
    db.session.flush()
    record(
        "round.sample",
        round_,
        summary=f"{summary.size} of {summary.frame_size} targets, seed {summary.seed}",
        changes={"sampling_seed": [old_seed, summary.seed], "replaced_targets": replaced,
                 "strata": list(summary.strata), "is_retest": summary.is_retest},
        organisation_id=round_.organisation_id,
    )
