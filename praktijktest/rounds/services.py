"""Round operations: create a round with its grounds and groups, change status."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.rounds.models import (
    DEFAULT_POSITIVE_OUTCOMES,
    OUTCOMES,
    Ground,
    Market,
    Round,
    RoundGround,
    RoundGroup,
    RoundStatus,
    TestType,
)


class RoundError(ValueError):
    """A round cannot be created or changed as asked, with the reason."""


@dataclass(frozen=True)
class GroundSpec:
    """A ground with its reference group and the groups compared with it."""

    ground: str
    reference: str
    others: Sequence[str]
    description: str = ""


def create_round(
    organisation: Organisation,
    title: str,
    market: str,
    grounds: Sequence[GroundSpec],
    *,
    test_type: str = TestType.CORRESPONDENCE,
    positive_outcomes: Sequence[str] = DEFAULT_POSITIVE_OUTCOMES,
    status: str = RoundStatus.DRAFT,
    created_by=None,
    **fields,
) -> Round:
    """Create a round in `organisation`; validates everything before adding anything."""
    _check_design(title, market, test_type, grounds, positive_outcomes, fields.get("fdr_level", 0.05))
    round_ = Round(
        organisation=organisation,
        title=title.strip(),
        market=market,
        test_type=test_type,
        positive_outcomes=list(positive_outcomes),
        status=status,
        created_by_id=getattr(created_by, "id", None),
        **fields,
    )
    for spec in grounds:
        ground = RoundGround(ground=spec.ground, description=spec.description)
        ground.groups = [RoundGroup(round=round_, label=spec.reference, is_reference=True)]
        ground.groups += [RoundGroup(round=round_, label=label) for label in spec.others]
        round_.grounds.append(ground)
    db.session.add(round_)
    db.session.flush()
    record("round.create", round_, summary=f"{round_.title} ({round_.status})", organisation_id=organisation.id)
    return round_


def change_status(round_: Round, status: str, *, reason: str | None = None) -> Round:
    """Move a round to `status` through the model's guarded transition, audited."""
    old = round_.status
    round_.transition_to(status, reason=reason)
    db.session.flush()
    record(
        "round.status",
        round_,
        summary=reason or "",
        changes={"status": [old, round_.status]},
        organisation_id=round_.organisation_id,
    )
    return round_


def _check_design(title, market, test_type, grounds, positive_outcomes, fdr_level) -> None:
    if not title or not title.strip():
        raise RoundError("A round needs a title.")
    if market not in set(Market):
        raise RoundError(f"Unknown market {market!r}; choose labour or housing.")
    if test_type not in set(TestType):
        raise RoundError(f"Unknown test type {test_type!r}.")
    if not grounds:
        raise RoundError("A round tests at least one ground.")
    labels: list[str] = []
    for spec in grounds:
        if spec.ground not in set(Ground):
            raise RoundError(f"Unknown ground {spec.ground!r}; choose one of {', '.join(Ground)}.")
        if not spec.others:
            raise RoundError(f"The ground {spec.ground} needs at least one group besides the reference group.")
        labels += [spec.reference, *spec.others]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise RoundError(f"Group labels must be unique within a round: {', '.join(duplicates)}.")
    unknown = sorted(set(positive_outcomes) - set(OUTCOMES))
    if unknown or not positive_outcomes:
        raise RoundError(f"Positive outcomes must be some of {', '.join(OUTCOMES)}.")
    if not 0 < float(fdr_level) < 1:
        raise RoundError("The false discovery rate must lie between 0 and 1.")
