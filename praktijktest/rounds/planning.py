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
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis import power as stats
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.i18n import format_percent
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
    min_tests_to_flag: int | None  # best case: every test discordant, all favouring the reference, alone
    tests_to_flag_expected: int | None  # a target showing exactly the expected counts
    can_flag: bool | None  # flag_probability reaches the planned power
    # The exact probability that a target with the expected pattern is flagged alone
    # (analysis.power.flag_probability), the tests per target for the planned power,
    # and the expected number of informative (discordant) tests per target.
    flag_probability: float | None = None
    tests_per_target_for_power: int | None = None
    expected_informative_tests: float | None = None
    is_round_power_low: bool | None = None  # the round as a whole is unlikely to detect the gap

    @property
    def needs_awareness_confirmation(self) -> bool:
        return self.can_flag is False

    @property
    def needs_power_confirmation(self) -> bool:
        return self.is_round_power_low is True

    @property
    def flag_probability_text(self) -> str:
        return format_probability(self.flag_probability)

    def to_dict(self) -> dict:
        return asdict(self)


def format_probability(value: float | None) -> str:
    """A probability in the reader's locale; a tiny one as "< 0,01 %" rather than "0,0 %"."""
    if value is None:
        return "-"
    if value == 0:
        return format_percent(0.0, 0)  # out of reach, not merely small
    return format_percent(value, 1) if value >= 0.0005 else "< " + format_percent(0.0001, 2)


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


def _plan_key(round_: Round, inputs: dict) -> tuple:
    """Everything the plan depends on: the inputs and the round's design (a pure function of these)."""
    drawn = sampled_targets(round_)
    groups = max(1, len(round_.groups) - len(round_.grounds))
    return (inputs["reference_rate"], inputs["other_rate"], inputs.get("discordance"), inputs["alpha"],
            inputs["power"], drawn or inputs.get("targets"), bool(drawn), groups,
            round_.planned_tests_per_target, round_.fdr_level)


def evidence_plan(round_: Round, inputs: dict | None = None) -> EvidencePlan:
    """The planning figures for `round_` with `inputs` (default: the saved ones, else the defaults).

    The figures are a pure function of `_plan_key`: stored with the round when the
    inputs are saved and on lock, and cached per process, so a page view does not
    recompute them (issue 16: 90 ms per view before).
    """
    inputs = {**DEFAULT_INPUTS, **(inputs or saved_inputs(round_) or {})}
    check_inputs(inputs)
    key = _plan_key(round_, inputs)
    stored = (round_.planning or {}).get("power") or {}
    if stored.get("figures_key") == list(key):
        try:
            return EvidencePlan(**stored["figures"])
        except (TypeError, KeyError):  # figures stored by an older version: recompute
            pass
    return plan_figures(*key)


@lru_cache(maxsize=512)
def plan_figures(ref: float, other: float, disc: float | None, alpha: float, power: float, targets: int | None,
                 from_sample: bool, groups: int, per_target: int | None, fdr: float) -> EvidencePlan:
    """The figures of one planning key (see `_plan_key`); frozen, so safe to share from the cache."""
    gap = ref - other
    assumed = disc is None
    discordance = ref * (1 - other) + other * (1 - ref) if assumed else disc
    needed = stats.tests_needed(gap, discordance, alpha, power)
    comparisons = targets * groups if targets else None
    planned = targets * per_target if targets and per_target else None
    at_planned = stats.mcnemar_power(planned, gap, discordance, alpha) if planned else None
    min_flag = stats.min_discordant_to_flag(comparisons, fdr) if comparisons else None
    share = (discordance + gap) / (2 * discordance)
    prob = (stats.flag_probability(per_target, share, discordance, comparisons, fdr)
            if comparisons and per_target else None)
    return EvidencePlan(
        reference_rate=ref, other_rate=other, gap=gap, discordance=discordance, is_discordance_assumed=assumed,
        alpha=alpha, power=power, tests_needed_exact=needed.exact,
        tests_needed_connor=needed.connor, targets=targets, targets_from_sample=from_sample,
        comparisons=comparisons, fdr_level=fdr, tests_per_target=per_target, planned_tests=planned,
        power_exact_at_planned=at_planned.exact if at_planned else None,
        power_connor_at_planned=at_planned.connor if at_planned else None,
        min_tests_to_flag=min_flag,
        tests_to_flag_expected=stats.tests_per_target(share, discordance, comparisons, fdr) if comparisons else None,
        can_flag=None if prob is None else prob >= power, flag_probability=prob,
        tests_per_target_for_power=(stats.tests_per_target(share, discordance, comparisons, fdr, power=power)
                                    if comparisons else None),
        expected_informative_tests=per_target * discordance if per_target else None,
        is_round_power_low=None if at_planned is None else at_planned.exact < power,
    )


def stored_planning(inputs: dict, plan: EvidencePlan, key: tuple) -> dict:
    """What round.planning["power"] holds: the inputs, the figures and the key they were computed for."""
    stored = {k: inputs.get(k, default) for k, default in DEFAULT_INPUTS.items()}
    return stored | {"figures": plan.to_dict(), "figures_key": list(key)}


def save_planning(round_: Round, inputs: dict, expected_version: int | None = None) -> EvidencePlan:
    """Store the planning inputs on a draft round (round.planning["power"]) and return the figures."""
    check_editable(round_, expected_version)
    inputs = {**DEFAULT_INPUTS, **inputs}
    plan = evidence_plan(round_, inputs)
    old = (round_.planning or {}).get("power")
    old_inputs = {k: old.get(k) for k in DEFAULT_INPUTS} if old else None
    stored = stored_planning(inputs, plan, _plan_key(round_, inputs))
    round_.planning = {**(round_.planning or {}), "power": stored}  # a new dict: JSON columns track assignment
    db.session.flush()
    record("round.planning", round_, summary=f"planning inputs for round {round_.id}",
           changes={"power": [old_inputs, {k: stored[k] for k in DEFAULT_INPUTS}]})
    return plan


def refresh_stored_plan(round_: Round) -> EvidencePlan:
    """Recompute the plan for the round's current design and store it (on lock)."""
    inputs = {**DEFAULT_INPUTS, **(saved_inputs(round_) or {})}
    plan = evidence_plan(round_, inputs)
    round_.planning = {**(round_.planning or {}), "power": stored_planning(inputs, plan, _plan_key(round_, inputs))}
    return plan
