"""The trend: the same market and protected criterion across an organisation's analysed rounds."""
from __future__ import annotations

from sqlalchemy import select

from praktijktest.extensions import db
from praktijktest.results.snapshots import latest_snapshots, locked_design
from praktijktest.rounds.models import Round, RoundGround

# Design fields whose difference makes two rounds' rates less comparable.
COMPARED_FIELDS = ("positive_outcomes", "response_window_days", "test_type", "applications_per_group", "grounds")


def _ground(round_: Round) -> str | None:
    return round_.grounds[0].ground if round_.grounds else None


def trend_rows(round_: Round) -> list[dict]:
    """One row per comparable round with a snapshot (oldest first): its rates and protocol hash."""
    ground = _ground(round_)
    rounds = db.session.scalars(
        select(Round).join(RoundGround, RoundGround.round_id == Round.id)
        .where(Round.organisation_id == round_.organisation_id, Round.market == round_.market,
               RoundGround.ground == ground).order_by(Round.created_at, Round.id)).unique().all()
    latest = latest_snapshots([r.id for r in rounds])
    rows = []
    for other in rounds:
        snapshot = latest.get(other.id)
        if snapshot is None:
            continue
        result = snapshot.result or {}
        comparison = (result.get("comparisons") or [{}])[0]
        rows.append({
            "round": other, "label": other.title, "snapshot": snapshot, "is_this_round": other.id == round_.id,
            "protocol_sha256": other.protocol_sha256, "tests": result.get("tests"),
            "groups": [{"group": g.get("group"), "rate": g.get("rate")} for g in result.get("groups") or []],
            "rate_difference": comparison.get("rate_difference"),
            "differences": protocol_differences(round_, other),
        })
    return rows


def protocol_differences(round_: Round, other: Round) -> list[str] | None:
    """Design fields in which `other` differs from `round_`; None when either has no pre-registration."""
    if other.id == round_.id:
        return []
    mine, theirs = locked_design(round_), locked_design(other)
    if mine is None or theirs is None:
        return None
    return [name for name in COMPARED_FIELDS if mine.get(name) != theirs.get(name)]


