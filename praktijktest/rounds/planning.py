"""Evidence planning: the adapter between a round and `analysis.power`.

All statistics live in analysis/power.py; this module only turns the
coordinator's inputs (rates in the round's terms) and the round's design
(tests per target, number of targets, false discovery rate) into the calls,
and says in words what the figures mean.

Conversion of inputs: with expected positive rates p_ref and p_other, the
paired gap is p10 - p01 = p_ref - p_other. When the coordinator does not know
how often the two applications of a test are treated differently (the
discordance p10 + p01), we assume the two responses are independent within a
test: p_ref (1 - p_other) + p_other (1 - p_ref). Real pairs are positively
correlated (both invited or both ignored), so this assumption overstates the
discordance and is conservative for the number of tests.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis import power as stats
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.rounds.models import Round, RoundTarget
from praktijktest.rounds.services import RoundError, check_editable

DEFAULT_INPUTS = {"reference_rate": 0.40, "other_rate": 0.30, "discordance": None, "alpha": 0.05, "power": 0.80,
                  "targets": None}


@dataclass(frozen=True)
class EvidencePlan:
    """What the planning panel shows, in plain values (JSON-safe through `to_dict`)."""

    reference_rate: float
    other_rate: float
    gap: float
    discordance: float
    is_discordance_assumed: bool
    alpha: float
    power: float
    tests_needed_exact: int | None
    tests_needed_connor: int
    targets: int | None
    targets_from_sample: bool
    comparisons: int | None  # targets x groups compared with the reference: what the FDR corrects for
    fdr_level: float
    tests_per_target: int | None
    planned_tests: int | None
    power_exact_at_planned: float | None
    power_connor_at_planned: float | None
    min_tests_to_flag: int | None  # best case: every test discordant, all favouring the reference
    tests_to_flag_expected: int | None  # a target showing the expected pattern
    can_flag: bool | None

    @property
    def needs_awareness_confirmation(self) -> bool:
        return self.can_flag is False

    def to_dict(self) -> dict:
        return asdict(self)


def saved_inputs(round_: Round) -> dict | None:
    """The planning inputs stored on the round, or None before the coordinator saved them."""
    stored = (round_.planning or {}).get("power")
    return {key: stored.get(key, default) for key, default in DEFAULT_INPUTS.items()} if stored else None


def sampled_targets(round_: Round) -> int:
    return db.session.scalar(select(func.count()).select_from(RoundTarget).where(RoundTarget.round_id == round_.id))


def check_inputs(inputs: dict) -> None:
    """RoundError when the inputs cannot describe a gap the tests could detect."""
    ref, other, disc = inputs["reference_rate"], inputs["other_rate"], inputs.get("discordance")
    if not (0 <= other < ref <= 1):
        raise RoundError(_("The reference group's expected rate must be higher than the other group's."))
    if disc is not None and not (ref - other <= disc <= 1):
        raise RoundError(_("The discordance must be at least the gap (%(gap)s percentage points) and at most 100%%.",
                           gap=round((ref - other) * 100, 1)))
    if not (0 < inputs["alpha"] < 0.5 and 0.5 <= inputs["power"] < 1):
        raise RoundError(_("Choose a significance level below 50% and a power between 50% and 100%."))
    if inputs.get("targets") is not None and not 1 <= inputs["targets"] <= 100_000:
        raise RoundError(_("The number of targets must lie between 1 and 100000."))


def evidence_plan(round_: Round, inputs: dict | None = None) -> EvidencePlan:
    """The planning figures for `round_` with `inputs` (default: the saved ones, else the defaults)."""
    inputs = {**DEFAULT_INPUTS, **(inputs or saved_inputs(round_) or {})}
    check_inputs(inputs)
    ref, other = inputs["reference_rate"], inputs["other_rate"]
    gap = ref - other
    assumed = inputs.get("discordance") is None
    discordance = ref * (1 - other) + other * (1 - ref) if assumed else inputs["discordance"]
    needed = stats.tests_needed(gap, discordance, inputs["alpha"], inputs["power"])
    drawn = sampled_targets(round_)
    targets = drawn or inputs.get("targets")
    per_target = round_.planned_tests_per_target
    comparisons = targets * max(1, len(round_.groups) - len(round_.grounds)) if targets else None
    planned = targets * per_target if targets and per_target else None
    at_planned = stats.mcnemar_power(planned, gap, discordance, inputs["alpha"]) if planned else None
    min_flag = stats.min_discordant_to_flag(comparisons, round_.fdr_level) if comparisons else None
    return EvidencePlan(
        reference_rate=ref, other_rate=other, gap=gap, discordance=discordance, is_discordance_assumed=assumed,
        alpha=inputs["alpha"], power=inputs["power"], tests_needed_exact=needed.exact,
        tests_needed_connor=needed.connor, targets=targets, targets_from_sample=bool(drawn),
        comparisons=comparisons, fdr_level=round_.fdr_level, tests_per_target=per_target, planned_tests=planned,
        power_exact_at_planned=at_planned.exact if at_planned else None,
        power_connor_at_planned=at_planned.connor if at_planned else None,
        min_tests_to_flag=min_flag, tests_to_flag_expected=_expected_pattern(gap, discordance, comparisons, round_),
        can_flag=None if min_flag is None or per_target is None else per_target >= min_flag,
    )


def save_planning(round_: Round, inputs: dict, expected_version: int | None = None) -> EvidencePlan:
    """Store the planning inputs on a draft round (round.planning["power"]) and return the figures."""
    check_editable(round_, expected_version)
    plan = evidence_plan(round_, inputs)
    old = (round_.planning or {}).get("power")
    stored = {key: inputs.get(key, default) for key, default in DEFAULT_INPUTS.items()}
    round_.planning = {**(round_.planning or {}), "power": stored}  # a new dict: JSON columns track assignment
    db.session.flush()
    record("round.planning", round_, summary=f"planning inputs for round {round_.id}",
           changes={"power": [old, stored]})
    return plan


def _expected_pattern(gap: float, discordance: float, comparisons: int | None, round_: Round) -> int | None:
    """Tests a target needs when it shows the round's expected pattern (share p10 / discordance)."""
    share = (discordance + gap) / (2 * discordance)
    if not comparisons or share <= 0.5:
        return None
    return stats.tests_per_target(share, discordance, comparisons, round_.fdr_level)
