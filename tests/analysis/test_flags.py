"""The flag rule: BH by default, Storey only as an explicit guarded option, KRW only where it holds.

Each case is a reproducing example from issue 8; the expected values come from
closed forms (binomial tails), not from the code under test.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from analysis import Applications, analyse_round
from analysis.fdr import STOREY_MIN_TARGETS, flag_rule, storey_pi0, storey_qvalues, tarone_threshold
from analysis.krw import MIN_JOBS_PER_TARGET
from tests.analysis.pairs import AGST, BOTH, FAV, NONE, _pairs  # noqa: F401


def _three_two_five(targets: int) -> Applications:
    """Each target: 10 pairs, 3 favour the reference, 2 the other group, 5 neither (exact p = 0.5)."""
    return _pairs({f"t{i}": [FAV] * 3 + [AGST] * 2 + [NONE] * 5 for i in range(targets)})


def test_exact_p_of_the_example_is_one_half():
    assert binom.sf(3 - 1, 5, 0.5) == pytest.approx(0.5)


def test_bh_is_the_default_and_flags_nothing_when_every_p_is_one_half():
    result = analyse_round(_three_two_five(20), "ref")
    assert result.q_method == "bh" and result.flagged_targets == 0
    # BH: q = min_j 20 * 0.5 / j over j >= i = 0.5 for every target
    assert all(t.q_value == pytest.approx(0.5) for t in result.targets)


def test_storey_is_refused_on_small_families():
    with pytest.raises(ValueError, match=str(STOREY_MIN_TARGETS)):
        analyse_round(_three_two_five(20), "ref", q_method="storey")


def test_storey_never_flags_a_target_whose_own_p_exceeds_the_level():
    # 60 targets, all p = 0.5: STS pi0 = (1 + 0) / (60 * 0.5) = 1/30, q = 0.5/30 = 0.017 <= 0.05.
    p = np.full(60, 0.5)
    q, pi0 = storey_qvalues(p)
    assert pi0 == pytest.approx(1 / 30) and np.all(q <= 0.05)
    assert not flag_rule(p, q, np.ones(60, bool), 0.05).any()
    result = analyse_round(_three_two_five(60), "ref", q_method="storey")
    assert result.flagged_targets == 0


def test_sts_estimator_is_never_zero_and_states_its_tie_rule():
    p = [0.01, 0.02, 0.5, 0.3]
    assert storey_pi0(p) == pytest.approx(1 / (4 * 0.5))  # nothing strictly above 0.5: (1 + 0) / 2
    assert storey_pi0(p, ties="at_or_above") == pytest.approx(min(1.0, 2 / (4 * 0.5)))


def test_krw_falls_back_to_the_exact_test_when_the_se_is_zero():
    # 'allref': every one of its 160 tests favours the reference, so every job gap is 1 and SD 0.
    data = {"allref": [FAV] * 160} | {f"n{i}": ([FAV] * 40 + [AGST] * 40 + [NONE] * 80) for i in range(9)}
    result = analyse_round(_pairs(data), "ref", target_method="krw")
    t = next(t for t in result.targets if t.target == "allref")
    assert t.krw.se == 0 and t.krw.p_value is None
    assert t.p_source == "exact" and t.krw.p_source == "exact"
    assert t.p_value == pytest.approx(0.5**160)
    assert t.flagged and t.evidence_level == "flagged"
    assert any("exact one-sided p-value is used" in n for n in result.notes)
    # SE 0 is not certainty: the shrunk gap is pulled towards the mean like any other (was 1.0)
    mean = sum(x.gap for x in result.targets) / len(result.targets)
    assert mean < t.shrunk_gap < 1.0


def test_krw_is_refused_with_few_jobs_per_target():
    data = {f"t{i}": [FAV] * 3 + [AGST] * 2 + [NONE] * 15 for i in range(10)}
    with pytest.raises(ValueError, match=f"at least {MIN_JOBS_PER_TARGET['pairs']} tests per target"):
        analyse_round(_pairs(data), "ref", target_method="krw")


def test_mid_p_is_never_the_basis_of_a_flag():
    # 5 of 5 discordant favour the reference: p = 1/32 = 0.031, mid-p = 1/64 = 0.016.
    data = {"a": [FAV] * 5, "b": [FAV] * 5} | {f"q{i}": [NONE, BOTH] for i in range(3)}
    result = analyse_round(_pairs(data), "ref")
    a = next(t for t in result.targets if t.target == "a")
    assert a.p_value == pytest.approx(1 / 32) and a.mid_p_value == pytest.approx(1 / 64)
    # BH over 5 comparisons: 1/32 * 5 / 2 = 0.078 > 0.05 (mid-p would give 0.039 and a flag).
    assert result.flagged_targets == 0
    with pytest.raises(TypeError):
        analyse_round(_pairs(data), "ref", use_mid_p=True)


def test_tarone_leaves_out_targets_that_cannot_reach():
    # Min attainable p: two targets at 1e-4, eight at 0.25 (two discordant tests each).
    min_p = [1e-4, 1e-4] + [0.25] * 8
    thr, tested = tarone_threshold(min_p, 0.05)
    # K = 1: m(1) = 2 > 1; K = 2: only the two at 1e-4 reach 0.025, m(2) = 2 <= 2.
    assert (thr, tested) == (0.025, 2)


def test_familywise_flag_and_smallest_attainable_p_are_reported():
    data = {"strong": [FAV] * 12} | {f"q{i}": [FAV, AGST, NONE] for i in range(19)}
    result = analyse_round(_pairs(data), "ref")
    strong = next(t for t in result.targets if t.target == "strong")
    assert strong.min_p_value == pytest.approx(0.5**12)
    # Tarone: only 'strong' can reach 0.05 / K for small K (the others' min p is 1/4): K = 1.
    assert result.familywise["method"] == "tarone" and result.familywise["threshold"] == pytest.approx(0.05)
    assert strong.familywise_flagged and strong.familywise_threshold == pytest.approx(0.05)
