"""Adaptive retests: a pre-registered sequential rule per target, its stops, and the queue filter.

The statistics are in `analysis/sequential.py` (exact error rates by path
enumeration, seeded simulation of the tests used). Here: the rule stored with a
retest round (`round.planning["sequential"]`, hashed into the pre-registration),
each target's path of discordant tests in the order their outcome became known,
the stop recorded the first time the rule decides (`SequentialStop`), and the
condition the tester's queue uses to stop offering a stopped target's tests.

A stop is the decision the rule takes along the target's recorded path. When
a correction changes that path (a response edited, a disagreement resolved, a
test cancelled), `update_stops` runs the rule again: the stop is lifted or
moved, audited with the old and the new decision. Tests already under way when
a target stops (an application sent) are still completed; their outcomes are
the overrun, reported beside the decision and never used for it (Jennison &
Turnbull 2000, sec. 7.6, "overrunning"): they lie after the stop on the path,
so they cannot move it.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import DateTime, Float, ForeignKey, String, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis import sequential as seq
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.rounds.models import Round, RoundTarget
from praktijktest.targets.models import Target
from praktijktest.timeutil import as_utc, utcnow

RULE_FORMAT = "praktijktest-sequential-sign-test/1"
# Simulation of the tests used: fixed runs and seed, so the planner and the pre-registration agree.
SIMULATION_RUNS, SIMULATION_SEED = 4000, 20261202


class RuleError(ValueError):
    """The rule cannot be set for this round; the message says why, in the reader's language."""


class SequentialStop(db.Model):
    """A target whose pre-registered rule has decided: no new tests of it are sent."""

    __tablename__ = "sequential_stop"
    __table_args__ = (UniqueConstraint("round_id", "target_id", name="uq_sequential_stop_round_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"))
    decision: Mapped[str] = mapped_column(String(20))  # evidence or futility
    at_discordant: Mapped[int] = mapped_column()
    reference: Mapped[int] = mapped_column()
    p_value: Mapped[float] = mapped_column(Float)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    target: Mapped[Target] = relationship()


def stored_rule(round_: Round) -> dict | None:
    return (round_.planning or {}).get("sequential")


def rule_of(round_: Round) -> seq.Rule | None:
    stored = stored_rule(round_)
    if not stored:
        return None
    return seq.Rule(stored["max_discordant"], stored["boundary"], tuple(stored["evidence"]), tuple(stored["futility"]))


def design_entry(round_: Round) -> dict | None:
    """What the pre-registration hash covers of the rule (the boundaries follow from these)."""
    stored = stored_rule(round_)
    if not stored:
        return None
    return {
        "format": RULE_FORMAT,
        **{k: stored[k] for k in ("max_discordant", "boundary", "alpha", "comparisons", "max_tests")},
    }


def _assumptions(round_: Round) -> tuple[float, float, float]:
    """(share favouring the reference among discordant tests, discordance, power) from the round's planning."""
    from praktijktest.rounds.planning import DEFAULT_INPUTS, saved_inputs

    inputs = {**DEFAULT_INPUTS, **(saved_inputs(round_) or {})}
    ref, other = inputs["reference_rate"], inputs["other_rate"]
    disc = inputs.get("discordance") or ref * (1 - other) + other * (1 - ref)
    return (disc + ref - other) / (2 * disc), disc, inputs["power"]


def check_rule_allowed(round_: Round) -> None:
    """RuleError unless the round is a draft retest of pairs (one reference, one other application per test)."""
    if not (round_.planning or {}).get("retest"):
        raise RuleError(_("A sequential rule can be pre-registered only for a retest round."))
    if round_.is_locked:
        raise RuleError(_("The round is locked: its rule can no longer change."))
    if len(round_.groups) != 2 or round_.applications_per_group != 1:
        raise RuleError(
            _(
                "A sequential rule needs paired tests: one application of the reference group and one "
                "of the other group per test."
            )
        )
    if not round_.planned_tests_per_target:
        raise RuleError(_("Set the planned number of tests per target first: it is the rule's maximum."))


def fixed_design_power(round_: Round) -> float:
    """Exact flag probability of the fixed design (the round's planned tests per target, flagged alone)."""
    from analysis import power as stats
    from praktijktest.rounds.planning import sampled_targets

    share, discordance, _power = _assumptions(round_)
    comparisons = max(1, sampled_targets(round_))
    return stats.flag_probability(round_.planned_tests_per_target, share, discordance, comparisons, round_.fdr_level)


def compute_rule(round_: Round, max_discordant: int | None = None) -> dict:
    """The rule's design, exact error rates and simulated tests used, as stored with the round.

    The fixed design is the round's planned tests per target. By default the maximum is the smallest
    whose exact power within its maximum tests reaches the fixed design's exact power at the round's
    assumptions (`seq.maximum_for_power`); its maximum tests then lie above the fixed design's, and its
    expected tests below. A maximum given by hand gets max(fixed tests, the tests in which that many
    informative tests are expected).
    """
    from praktijktest.rounds.planning import sampled_targets

    share, discordance, power = _assumptions(round_)
    comparisons = max(1, sampled_targets(round_))
    alpha = round_.fdr_level / comparisons  # Bonferroni over the retest's family: family-wise error <= fdr level
    fixed_tests = round_.planned_tests_per_target
    fixed_power = fixed_design_power(round_)
    if max_discordant is None:
        found = seq.maximum_for_power(alpha, share, discordance, fixed_power, fixed_tests)
        max_discordant = found[0] if found else seq.MAX_DISCORDANT
    if not 1 <= max_discordant <= seq.MAX_DISCORDANT:
        raise RuleError(
            _("The maximum number of informative tests must lie between 1 and %(n)s.", n=seq.MAX_DISCORDANT)
        )
    tests = seq.tests_for_discordant(max_discordant, discordance, fixed_tests)
    design = seq.design(max_discordant, tests, alpha, comparisons, share, discordance)
    rule = seq.Rule(design.max_discordant, design.boundary, design.evidence, design.futility)
    simulation = seq.simulate(rule, tests, fixed_tests, discordance, share, SIMULATION_RUNS, SIMULATION_SEED)
    return {
        "format": RULE_FORMAT,
        **design.to_dict(),
        "simulation": simulation.to_dict(),
        "planned_power": power,
        "fixed_tests": fixed_tests,
        "fixed_power": fixed_power,
    }


def set_rule(round_: Round, max_discordant: int | None, user=None) -> dict:
    """Pre-register (or replace) the rule of a draft retest round; audited."""
    check_rule_allowed(round_)
    old = design_entry(round_)
    stored = compute_rule(round_, max_discordant)
    round_.planning = {**(round_.planning or {}), "sequential": stored}
    db.session.flush()
    record(
        "round.sequential_rule",
        round_,
        actor=user,
        organisation_id=round_.organisation_id,
        summary=f"sequential rule for round {round_.id}",
        changes={"rule": [old, design_entry(round_)]},
    )
    return stored


def remove_rule(round_: Round, user=None) -> None:
    check_rule_allowed(round_)
    old = design_entry(round_)
    round_.planning = {k: v for k, v in (round_.planning or {}).items() if k != "sequential"}
    db.session.flush()
    record(
        "round.sequential_rule",
        round_,
        actor=user,
        organisation_id=round_.organisation_id,
        summary=f"sequential rule of round {round_.id} removed",
        changes={"rule": [old, None]},
    )


def refresh_rule(round_: Round) -> None:
    """On lock: recompute the stored rule for the round's final size (the planned tests may have changed)."""
    stored = stored_rule(round_)
    if stored:
        round_.planning = {**round_.planning, "sequential": compute_rule(round_, stored["max_discordant"])}


def discordant_paths(round_: Round, target_ids: list[int] | None = None) -> dict[int, list[bool]]:
    """Per target: its complete discordant tests in the order their outcome became known (True: the reference
    group alone was positive). A test's outcome is known when its last response is recorded."""
    from praktijktest.fieldwork.models import Application, Response, Test, TestStatus

    query = (
        select(Test.id, Test.target_id, Application.group_id, Application.id, Response.outcome, Response.recorded_at)
        .join(Application, Application.test_id == Test.id)
        .outerjoin(Response, Response.application_id == Application.id)
        .where(Test.round_id == round_.id, Test.status != TestStatus.CANCELLED)
    )
    if target_ids is not None:
        query = query.where(Test.target_id.in_(target_ids))
    reference = next(g.id for g in round_.groups if g.is_reference)
    positive = set(round_.positive_outcomes)
    tests: dict[int, dict] = {}
    for test_id, target_id, group_id, _app_id, outcome, recorded_at in db.session.execute(query):
        item = tests.setdefault(test_id, {"target": target_id, "known": None, "open": False, "pos": {}})
        if outcome is None:
            item["open"] = True
            continue
        item["pos"][group_id == reference] = outcome in positive
        stamp = as_utc(recorded_at).timestamp() if recorded_at else 0.0
        item["known"] = max(item["known"] or 0.0, stamp)
    paths: dict[int, list[tuple]] = {t: [] for t in (target_ids or [])}
    for test_id, item in tests.items():
        ref, other = item["pos"].get(True), item["pos"].get(False)
        paths.setdefault(item["target"], [])
        if item["open"] or ref is None or other is None or ref == other:
            continue  # not complete yet, or concordant: no information on unequal treatment
        paths[item["target"]].append((item["known"] or 0.0, test_id, ref))
    return {target: [ref for _, _, ref in sorted(path)] for target, path in paths.items()}


def _stop_entry(stop: SequentialStop | None) -> dict | None:
    """What the audit log keeps of a stop: the decision and where it was taken."""
    if stop is None:
        return None
    return {
        "target_id": stop.target_id,
        "decision": stop.decision,
        "at_discordant": stop.at_discordant,
        "reference": stop.reference,
        "p_value": stop.p_value,
    }


def update_stops(
    round_: Round, target_ids: list[int] | None = None, *, actor=None, cause: str = ""
) -> list[tuple[dict | None, dict | None]]:
    """Run the rule again along each target's current path and make its stop follow.

    Returns the changes as (old stop, new stop) entries (None: no stop), by target.

    A new decision records a stop (audited `round.sequential_stop`). A target already
    stopped is re-evaluated as well: a correction of a response (an edit, a resolved
    disagreement) or a cancelled test changes its path, and with it the decision the
    rule would have taken. The stop is then lifted (the path no longer decides: its
    tests not yet started go out again) or moved to the new decision, each audited
    `round.sequential_stop_revised` with the old and the new decision and the cause.
    A stop that the corrected path still reaches at the same point is left as it was,
    so outcomes recorded after it (the overrun) never move it.
    """
    rule = rule_of(round_)
    if rule is None:
        return []
    ids = (
        target_ids
        if target_ids is not None
        else list(db.session.scalars(select(RoundTarget.target_id).where(RoundTarget.round_id == round_.id)))
    )
    if not ids:
        return []
    existing = {
        s.target_id: s
        for s in db.session.scalars(
            select(SequentialStop).where(SequentialStop.round_id == round_.id, SequentialStop.target_id.in_(ids))
        )
    }
    new, revised = [], []
    for target_id, path in sorted(discordant_paths(round_, ids).items()):
        decision = seq.decide_path(rule, path)
        stop = existing.get(target_id)
        if stop is None:
            if decision.decision == seq.CONTINUING:
                continue
            stop = SequentialStop(
                round_id=round_.id,
                target_id=target_id,
                decision=decision.decision,
                at_discordant=decision.at_discordant,
                reference=decision.reference,
                p_value=decision.p_value,
            )
            db.session.add(stop)
            new.append(stop)
            continue
        same = (stop.decision, stop.at_discordant, stop.reference) == (
            decision.decision,
            decision.at_discordant,
            decision.reference,
        )
        if same:
            continue
        old = _stop_entry(stop)
        if decision.decision == seq.CONTINUING:
            db.session.delete(stop)
            revised.append((old, None))
        else:
            stop.decision, stop.at_discordant = decision.decision, decision.at_discordant
            stop.reference, stop.p_value, stop.decided_at = decision.reference, decision.p_value, utcnow()
            revised.append((old, _stop_entry(stop)))
    if not (new or revised):
        return []
    db.session.flush()
    if new:
        record(
            "round.sequential_stop",
            round_,
            actor=actor,
            organisation_id=round_.organisation_id,
            summary=f"round {round_.id}: {len(new)} target(s) stopped by the sequential rule",
            changes={
                "stops": [
                    None,
                    [{"target_id": s.target_id, "decision": s.decision, "at_discordant": s.at_discordant} for s in new],
                ]
            },
        )
    for old, changed in revised:
        what = "lifted" if changed is None else f"moved to {changed['decision']} at {changed['at_discordant']}"
        record(
            "round.sequential_stop_revised",
            round_,
            actor=actor,
            organisation_id=round_.organisation_id,
            summary=f"round {round_.id}, target {old['target_id']}: stop {what} after {cause or 'a correction'}",
            changes={"stop": [old, changed]},
        )
    changes = [(None, _stop_entry(s)) for s in new] + revised
    return sorted(changes, key=lambda change: (change[0] or change[1])["target_id"])


def update_stops_of_rounds(round_ids) -> None:
    """`update_stops` for the rounds among `round_ids` that have a rule (after responses came in)."""
    for round_ in db.session.scalars(select(Round).where(Round.id.in_(list(round_ids)))):
        if stored_rule(round_):
            update_stops(round_)


def stops_of(round_: Round) -> list[SequentialStop]:
    return list(
        db.session.scalars(
            select(SequentialStop)
            .where(SequentialStop.round_id == round_.id)
            .order_by(SequentialStop.decided_at, SequentialStop.id)
        )
    )


def is_stopped(round_id: int, target_id: int) -> bool:
    """Whether the round's pre-registered rule has stopped this target (no new tests of it go out)."""
    return db.session.scalar(
        select(SequentialStop.id).where(SequentialStop.round_id == round_id, SequentialStop.target_id == target_id)
    ) is not None


def not_stopped_or_started():
    """Queue condition: the application's test has been started, or its target's rule has not stopped.

    Needs Test in the query. A stopped target's tests already under way are completed (their other
    application goes out), so the pair stays whole; only tests not yet started are held back.
    """
    from praktijktest.fieldwork.models import Test, TestStatus

    stopped = exists().where(SequentialStop.round_id == Test.round_id, SequentialStop.target_id == Test.target_id)
    return ~stopped | (Test.status != TestStatus.PLANNED)


def snapshot_section(round_: Round) -> dict | None:
    """The rule's decision per target code along its recorded path, for the analysis snapshot."""
    rule = rule_of(round_)
    if rule is None:
        return None
    codes = dict(
        db.session.execute(
            select(Target.id, Target.code)
            .join(RoundTarget, RoundTarget.target_id == Target.id)
            .where(RoundTarget.round_id == round_.id)
        ).all()
    )
    paths = discordant_paths(round_, list(codes))
    return {
        "rule": design_entry(round_),
        "targets": {codes[t]: seq.decide_path(rule, path).to_dict() for t, path in sorted(paths.items())},
    }
