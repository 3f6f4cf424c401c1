"""Reading the target registry: search and filters, and a target's history of rounds."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.organisations.models import Municipality
from praktijktest.rounds.models import Round, RoundTarget
from praktijktest.targets.models import Target


@dataclass
class RegistryFilters:
    """What the registry list is narrowed to; empty strings mean "any"."""

    q: str = ""
    kind: str = ""
    sector: str = ""
    municipality: str = ""  # "id:3" for one of the organisation's, "name:Gent" for free text
    contractor: str = ""  # "yes", "no" or ""

    @classmethod
    def from_args(cls, args) -> RegistryFilters:
        return cls(**{key: (args.get(key) or "").strip() for key in cls.__dataclass_fields__})


def registry_query(organisation_id: int, filters: RegistryFilters) -> Select:
    """The organisation's targets matching `filters`, by name then code."""
    query = select(Target).where(Target.organisation_id == organisation_id)
    if filters.q:
        # ILIKE on PostgreSQL, where the trigram indexes serve it; lower() LIKE lower() on SQLite.
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", filters.q) + "%"
        conditions = [Target.name.ilike(pattern, escape="\\"), Target.code.ilike(pattern, escape="\\")]
        digits = re.sub(r"[\s.\-/]|^BE", "", filters.q.upper())
        if digits.isdigit():
            conditions.append(Target.enterprise_number.like(f"%{digits}%"))
        query = query.where(or_(*conditions))
    if filters.kind:
        query = query.where(Target.kind == filters.kind)
    if filters.sector:
        query = query.where(Target.sector == filters.sector)
    if filters.municipality.startswith("id:") and filters.municipality[3:].isdigit():
        query = query.where(Target.municipality_id == int(filters.municipality[3:]))
    elif filters.municipality.startswith("name:"):
        query = query.where(Target.municipality_name == filters.municipality[5:])
    if filters.contractor in ("yes", "no"):
        query = query.where(Target.is_contractor.is_(filters.contractor == "yes"))
    return query.order_by(func.lower(Target.name), Target.code)


def sectors(organisation_id: int) -> list[str]:
    """The sectors used in the organisation's registry, for the filter."""
    return list(db.session.scalars(
        select(Target.sector).where(Target.organisation_id == organisation_id, Target.sector.is_not(None))
        .distinct().order_by(Target.sector)
    ))


def municipality_choices(organisation_id: int) -> list[tuple[str, str]]:
    """(filter value, label) for the organisation's municipalities and the free-text ones in use."""
    own = db.session.execute(
        select(Municipality.id, Municipality.name).where(Municipality.organisation_id == organisation_id)
        .order_by(Municipality.name)
    ).all()
    free = db.session.scalars(
        select(Target.municipality_name).where(
            Target.organisation_id == organisation_id, Target.municipality_name.is_not(None)
        ).distinct().order_by(Target.municipality_name)
    )
    return [(f"id:{m_id}", name) for m_id, name in own] + [(f"name:{name}", name) for name in free]


@dataclass
class RoundHistory:
    """One round in which a target was drawn or tested."""

    round: Round
    stratum: str | None = None
    drawn_at: datetime | None = None
    test_count: int = 0
    first_send_at: datetime | None = None  # the first application sent (or planned, before it is sent)
    statuses: dict[str, int] = field(default_factory=dict)


def target_history(target: Target) -> list[RoundHistory]:
    """Every round in which the target was drawn (RoundTarget) or tested (Test), newest first."""
    history: dict[int, RoundHistory] = {}
    memberships = db.session.execute(
        select(RoundTarget, Round).join(Round, Round.id == RoundTarget.round_id)
        .where(RoundTarget.target_id == target.id)
    ).all()
    for membership, round_ in memberships:
        history[round_.id] = RoundHistory(round_, membership.stratum or "", membership.drawn_at)
    tests = db.session.execute(
        select(Test.round_id, Test.status, func.count())
        .where(Test.target_id == target.id).group_by(Test.round_id, Test.status)
    ).all()
    first_sends = dict(db.session.execute(
        select(Test.round_id, func.min(func.coalesce(Application.sent_at, Application.scheduled_at)))
        .join(Application, Application.test_id == Test.id)
        .where(Test.target_id == target.id).group_by(Test.round_id)
    ).all())
    # Rounds where the target was tested without being drawn, loaded together rather than one by one.
    missing = {round_id for round_id, *_ in tests} - history.keys()
    for round_ in db.session.scalars(select(Round).where(Round.id.in_(missing))) if missing else ():
        history[round_.id] = RoundHistory(round_)
    for round_id, status, count in tests:
        entry = history[round_id]
        entry.test_count += count
        entry.statuses[status] = count
        entry.first_send_at = first_sends.get(round_id)
    return sorted(history.values(), key=lambda h: (h.round.created_at, h.round.id), reverse=True)
