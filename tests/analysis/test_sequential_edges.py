"""The sequential rule's edges, worked by hand or by enumeration: the smallest rules, the input range,
the paths that end without a stop, the design's printed figures and the simulation against exact values.

Expected values come from hand-worked binomial tails (shown in the comments), Fractions of binomial
counts, scipy.stats.binom, or walking every sign / outcome sequence; never from analysis.sequential.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import binom

from analysis import sequential as seq


def tail(b: int, k: int) -> Fraction:
    """P(Bin(k, 1/2) >= b), exactly (1 for b <= 0, 0 for b > k)."""
    return Fraction(sum(math.comb(k, j) for j in range(max(b, 0), k + 1)), 2**k)


def brute_stop(signs, boundary: Fraction, n_max: int) -> tuple[str, int]:
    """First stop along one sign sequence: evidence when p <= c; futility when no later look (up to n_max)
    can reach c even with every further test favouring the reference; at n_max the rule stops anyway."""
    b = 0
    for k, favours in enumerate(signs, start=1):
        b += favours
        if tail(b, k) <= boundary:
            return "evidence", k
        if not any(tail(b + j, k + j) <= boundary for j in range(1, n_max - k + 1)):
            return "futility", k
    raise AssertionError("a full sequence of n_max signs always stops")


def brute_calibration(n_max: int, alpha: float) -> Fraction:
    """The largest attainable p <= alpha whose type I error over all 2^N sign sequences is <= alpha."""
    attainable = sorted({tail(b, k) for k in range(1, n_max + 1) for b in range(k + 1)}, reverse=True)
    for c in attainable:
        if c <= alpha:
            hits = sum(brute_stop(s, c, n_max)[0] == "evidence" for s in itertools.product((1, 0), repeat=n_max))
            if Fraction(hits, 2**n_max) <= alpha:
                return c
    raise AssertionError("no attainable boundary under alpha in these cases")


def test_one_sided_p_at_its_edges_matches_scipy():
    # no discordant test: no evidence, p = 1 whatever b is
    assert seq.one_sided_p(0, 0) == 1.0 and seq.one_sided_p(1, 0) == 1.0
    # one test favouring the reference: P(Bin(1, 1/2) >= 1) = 1/2
    assert seq.one_sided_p(1, 1) == 0.5
    for k in (1, 3, 6):
        for b in (-2, -1, 0, 1, k, k + 1, k + 2, k + 7):  # outside 0..k the tail is 1 (b <= 0) or 0 (b > k)
            assert seq.one_sided_p(b, k) == pytest.approx(binom.sf(b - 1, k, 0.5), abs=1e-15), (b, k)


def test_evidence_bounds_are_integer_counts_with_none_at_the_start():
    # c = 0.2, hand-worked: k = 1: P(b >= 1) = 1/2; k = 2: P(2) = 1/4; k = 3: P(3) = 1/8 <= 0.2, P(2) = 1/2;
    # k = 4: P(4) = 1/16, P(>= 3) = 5/16 > 0.2. Before any test (k = 0) there is no evidence: e[0] = k + 1 = 1.
    bounds = seq.evidence_bounds(4, 0.2)
    assert bounds.dtype.kind == "i"  # counts of tests, used as such by the futility bounds and the rule
    assert bounds.tolist() == [1, 2, 3, 3, 4]


def test_evidence_bounds_at_a_boundary_of_one_need_no_reference_favouring_test():
    # p <= 1 holds for every b, so e[k] = 0 for k >= 1; at k = 0 no test has been made: still 1.
    assert seq.evidence_bounds(5, 1.0).tolist() == [1, 0, 0, 0, 0, 0]


def test_futility_bounds_by_hand():
    # From e = [1, 2, 3, 3, 4] (c = 0.2): evidence is reachable at k' = 3 (e = 3) and k' = 4 (e = 4), both
    # with e[k'] - k' = 0, so from (k, b) with k < 3 the boundary is reachable iff b >= k: f[k] = k for
    # k = 0, 1, 2; at k = 3 only k' = 4 follows, reachable iff b + 1 >= 4: f[3] = 3; at N = 4 nothing
    # follows and every b < e[4] stops (f[4] > 4).
    futility = seq.futility_bounds(np.array([1, 2, 3, 3, 4]))
    assert futility.dtype.kind == "i" and len(futility) == 5
    assert futility[:4].tolist() == [0, 1, 2, 3] and futility[4] > 4


def test_a_boundary_reached_only_when_every_test_favours_the_reference():
    # N = 5, c = 2^-5: only b = k = 5 reaches (2^-4 > c at k = 4), so the rule stops for futility at the
    # first test favouring the group; P(evidence) = share^5 and the type I error is exactly 1/32.
    rule = seq.Rule.make(5, 0.5**5)
    assert rule.evidence[5] == 5 and rule.futility[:5] == (0, 1, 2, 3, 4) and rule.can_stop_for_evidence
    assert seq.type_i_error(rule) == pytest.approx(1 / 32, abs=1e-15)
    assert seq.operating_characteristics(rule, 0.7).p_evidence == pytest.approx(0.7**5, abs=1e-15)


def test_a_rule_of_one_discordant_test():
    # N = 1, c = 1/2: the single test decides; evidence iff it favours the reference (p = 1/2 <= c).
    rule = seq.Rule.make(1, 0.5)
    assert rule.evidence == (1, 1) and rule.futility[0] <= 0 and rule.can_stop_for_evidence
    assert seq.type_i_error(rule) == pytest.approx(0.5)
    chars = seq.operating_characteristics(rule, 0.8)
    assert chars.evidence_at == pytest.approx((0.0, 0.8)) and chars.futility_at == pytest.approx((0.0, 0.2))
    assert chars.share == 0.8
    # a path of one reference-favouring test stops for evidence at the first look, p = 1/2
    assert seq.decide_path(rule, [True]) == seq.PathDecision(seq.EVIDENCE, 1, 1, 0.5, 0)
    assert seq.decide_path(rule, [False, True]) == seq.PathDecision(seq.FUTILITY, 1, 0, 1.0, 1)


def test_a_rule_that_cannot_stop_for_evidence_stops_every_path_before_the_first_test():
    # N = 3, c = 0.01 < 1/8 = P(3 of 3): all the probability is a futility stop at k = 0
    chars = seq.operating_characteristics(seq.Rule.make(3, 0.01), 0.9)
    assert chars.share == 0.9
    assert chars.futility_at == (1.0, 0.0, 0.0, 0.0) and chars.evidence_at == (0.0, 0.0, 0.0, 0.0)
    assert chars.expected_discordant == 0.0


def test_rule_records_its_boundary_and_refuses_what_is_out_of_range():
    rule = seq.Rule.make(seq.MAX_DISCORDANT, 0.01)  # the largest maximum is allowed
    assert rule.max_discordant == 400 and len(rule.evidence) == len(rule.futility) == 401
    assert rule.boundary == 0.01 and isinstance(rule.boundary, float)
    assert isinstance(seq.Rule.make(3, Fraction(1, 4)).boundary, float)
    for n in (0, seq.MAX_DISCORDANT + 1):
        with pytest.raises(ValueError, match=r"^need 1 <= max_discordant <= 400$"):
            seq.Rule.make(n, 0.05)
    for c in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"^need 0 < boundary < 1$"):
            seq.Rule.make(10, c)


def test_paths_that_end_without_a_stop():
    rule = seq.Rule.make(5, 0.5**5)  # futility (0, 1, 2, 3, 4, ...): a path of reference-favouring tests runs on
    # nothing sent yet: still running, p = 1, nothing after a stop
    assert seq.decide_path(rule, []) == seq.PathDecision(seq.CONTINUING, 0, 0, 1.0, 0)
    # two of two favour the reference: P(Bin(2, 1/2) >= 2) = 1/4
    assert seq.decide_path(rule, [True, True]) == seq.PathDecision(seq.CONTINUING, 2, 2, 0.25, 0)
    assert seq.decide_path(rule, [True, False, True]) == seq.PathDecision(seq.FUTILITY, 2, 1, 0.75, 1)
    never = seq.Rule.make(3, 0.01)  # 1/8 > 0.01: the rule stops before the first test
    assert seq.decide_path(never, []) == seq.PathDecision(seq.FUTILITY, 0, 0, 1.0, 0)


def test_design_prints_the_figures_of_the_calibrated_rule_by_enumeration():
    n_max, max_tests, alpha, comparisons, share, disc = 6, 9, 0.1, 3, 0.8, 0.5
    c = brute_calibration(n_max, alpha)
    null_e = alt_e = power = null_k = alt_k = 0.0
    for signs in itertools.product((1, 0), repeat=n_max):
        decision, k = brute_stop(signs, c, n_max)
        ones = sum(signs)
        w_null, w_alt = 0.5**n_max, share**ones * (1 - share) ** (n_max - ones)
        null_k, alt_k = null_k + w_null * k, alt_k + w_alt * k
        if decision == "evidence":
            null_e, alt_e = null_e + w_null, alt_e + w_alt
            power += w_alt * binom.sf(k - 1, max_tests, disc)  # the k-th informative test comes by test 9
    d = seq.design(n_max, max_tests, alpha, comparisons, share, disc)
    assert (d.max_discordant, d.max_tests, d.alpha, d.comparisons, d.share, d.discordance) == (
        n_max, max_tests, alpha, comparisons, share, disc)
    assert d.boundary == float(c)
    assert d.type_i_error == pytest.approx(null_e, abs=1e-12) and d.type_i_error <= alpha
    assert d.power_discordant == pytest.approx(alt_e, abs=1e-12)
    assert d.power == pytest.approx(power, abs=1e-12)
    assert d.family_wise_bound == pytest.approx(comparisons * null_e, abs=1e-12)
    assert d.expected_discordant_null == pytest.approx(null_k, abs=1e-12)
    assert d.expected_discordant_alternative == pytest.approx(alt_k, abs=1e-12)
    assert d.evidence[1:] == tuple(min([b for b in range(k + 1) if tail(b, k) <= c], default=k + 1)
                                   for k in range(1, n_max + 1))
    assert len(d.futility) == n_max + 1 and d.futility[0] <= 0  # c is reachable, so the rule can stop


def _simulated(rule, max_tests, disc, share, runs=4000, seed=7):
    return seq.simulate_tests(rule, max_tests, disc, share, runs, np.random.default_rng(seed))


def _within(observed, p, runs=4000):
    return abs(observed - p) <= 4 * math.sqrt(p * (1 - p) / runs) + 1e-12


def test_simulated_tests_against_every_outcome_sequence():
    """Rule N = 2, c = 0.3 (e = [1, 2, 2], futility below 1 at k = 1): stop at the first informative test
    if it favours the group, else at the second. Capped at 4 tests; every one of the 3^4 outcome sequences
    (reference-favouring, group-favouring, concordant) is weighted to give E[tests used] and P(evidence)."""
    rule, max_tests, disc, share = seq.Rule.make(2, 0.3), 4, 0.4, 0.7
    assert rule.evidence == (1, 2, 2) and rule.futility[:2] == (0, 1)
    prob = {"r": disc * share, "g": disc * (1 - share), "c": 1 - disc}
    mean_tests = p_evidence = 0.0
    for outcomes in itertools.product("rgc", repeat=max_tests):
        weight, used, k, b = math.prod(prob[o] for o in outcomes), max_tests, 0, 0
        for t, o in enumerate(outcomes, start=1):
            if o == "c":
                continue
            k, b = k + 1, b + (o == "r")
            if k == 1 and b == 0 or k == 2 and b < 2:
                used = t
                break
            if k == 2:  # b = 2: p = 1/4 <= 0.3
                used, p_evidence = t, p_evidence + weight
                break
        mean_tests += weight * used
    tests, evidence = _simulated(rule, max_tests, disc, share)
    assert tests.dtype.kind == "i" and evidence.dtype == bool and len(tests) == len(evidence) == 4000
    assert set(np.unique(tests)) <= {1, 2, 3, 4}
    assert _within(evidence.mean(), p_evidence)
    # tests used take values 1..4: their SD is at most 1.5
    assert abs(tests.mean() - mean_tests) <= 4 * 1.5 / math.sqrt(4000)


def test_simulated_rule_stops_at_its_maximum_and_at_the_first_test():
    # every test informative: N = 2, c = 0.3 stops at test 1 (group favoured) or test 2 (the maximum):
    # E[tests] = 1 + share, P(evidence) = share^2
    tests, evidence = _simulated(seq.Rule.make(2, 0.3), 6, 1.0, 0.5)
    assert set(np.unique(tests)) == {1, 2}
    assert _within((tests == 2).mean(), 0.5) and _within(evidence.mean(), 0.25)
    # N = 1, c = 1/2: evidence at the first test iff it favours the reference
    tests, evidence = _simulated(seq.Rule.make(1, 0.5), 3, 1.0, 0.8)
    assert np.all(tests == 1) and _within(evidence.mean(), 0.8)


def test_simulated_rule_that_cannot_stop_for_evidence_sends_nothing():
    tests, evidence = _simulated(seq.Rule.make(3, 0.01), 5, 0.5, 0.8, runs=50)
    assert tests.dtype.kind == "i" and evidence.dtype == bool
    assert tests.tolist() == [0] * 50 and evidence.tolist() == [False] * 50


def test_simulate_records_its_figures_and_uses_the_documented_defaults():
    """docs/statistics.md: 4000 simulated targets each, seed 20261202. With a cap that never binds in
    practice (P(fewer than 10 informative among 80 tests) = binom.cdf(9, 80, 0.5) ~ 1e-13), tests used =
    discordant tests used / discordance in expectation (Wald's identity), and the evidence rates are
    the exact ones."""
    rule, disc, share = seq.Rule.make(10, 0.0107), 0.5, 0.8
    sim = seq.simulate(rule, 80, 33, disc, share)
    assert (sim.runs, sim.seed, sim.fixed_tests) == (4000, 20261202, 33)
    assert sim == seq.simulate(rule, 80, 33, disc, share, runs=4000, seed=20261202)
    null, alt = seq.operating_characteristics(rule, 0.5), seq.operating_characteristics(rule, share)
    assert _within(sim.evidence_null, null.p_evidence) and _within(sim.evidence_alternative, alt.p_evidence)
    # discordant tests used are at most 10: the SD of tests used is below 10 / disc x 2 = 40
    assert sim.expected_tests_null == pytest.approx(null.expected_discordant / disc, abs=4 * 40 / math.sqrt(4000))
    assert sim.expected_tests_alternative == pytest.approx(alt.expected_discordant / disc,
                                                           abs=4 * 40 / math.sqrt(4000))
    assert sim.expected_tests_null != sim.expected_tests_alternative


def test_tests_for_discordant_is_the_whole_number_of_tests_expected_to_hold_n_informative_ones():
    # 21 informative tests at discordance 0.7 are expected in 21 / 0.7 = 30 tests; in floating point the
    # quotient is 30.000000000000004, which must not round up to 31.
    assert 21 / 0.7 > 30
    assert seq.tests_for_discordant(21, 0.7) == 30
    assert seq.tests_for_discordant(10, 0.3) == 34  # 33.3...: the next whole test
    assert seq.tests_for_discordant(21, 0.7, min_tests=45) == 45  # never fewer than the fixed design's tests
    assert seq.tests_for_discordant(1, 0.5, min_tests=1) == 2
    assert seq.tests_for_discordant(1, 1.0) == 1  # every test informative: one test; no floor beyond one


def _recording(predicate):
    tried = []

    def enough(n):
        tried.append(n)
        return predicate(n)

    return enough, tried


def test_bracket_and_bisect_doubles_from_the_start_then_bisects():
    # a predicate true from 37 on: doubling from 4 tries 4, 8, 16, 32, 64; bisection in 33..64 finds 37
    enough, tried = _recording(lambda n: n >= 37)
    assert seq._bracket_and_bisect(enough, 4, 400) == 37
    assert tried[:5] == [4, 8, 16, 32, 64] and all(33 <= n <= 64 for n in tried[5:])
    # true already at the start: bisection between 1 and the start
    assert seq._bracket_and_bisect(lambda n: n >= 1, 4, 400) == 1
    assert seq._bracket_and_bisect(lambda n: n >= 3, 10, 400) == 3
    # just past a doubling: 4 is not enough, 5 is (the bracket starts right after the last failure)
    assert seq._bracket_and_bisect(lambda n: n >= 5, 4, 400) == 5
    # the doubling stops at the limit, which is tried itself
    assert seq._bracket_and_bisect(lambda n: n >= 390, 7, 400) == 390
    assert seq._bracket_and_bisect(lambda n: n >= 400, 7, 400) == 400
    assert seq._bracket_and_bisect(lambda n: n >= 401, 7, 400) is None
    assert seq._bracket_and_bisect(lambda n: False, 1, 1) is None


def test_bracket_and_bisect_answers_within_the_first_bracket_for_a_non_monotone_predicate():
    # enough at 6 and from 12 on (power is only roughly monotone in N): doubling from 3 tries 3 then 6,
    # so the answer is 6 (enough, and 5 is not), not 12
    enough, tried = _recording(lambda n: n == 6 or n >= 12)
    assert seq._bracket_and_bisect(enough, 3, 400) == 6
    assert tried == [3, 6, 5]


@pytest.mark.parametrize(("n_max", "alpha"), [(1, 0.5), (2, 0.5), (5, 0.5**5), (5, 0.12), (7, 0.05)])
def test_calibration_of_small_rules_matches_walking_every_sign_sequence(n_max, alpha):
    # (1, 1/2): the one test decides; (5, 1/32): only 5 of 5 reaches, at p = 2^-5 attainable only at k = 5;
    # (5, 0.12): 1/16 (4 of 4) is the largest p <= 0.12 attainable within 5 tests (7/64 needs 6)
    rule = seq.calibrate(n_max, alpha)
    assert rule.boundary == float(brute_calibration(n_max, alpha))
    assert rule.max_discordant == n_max


def test_calibration_falls_back_below_every_attainable_p():
    # N = 5, alpha = 0.02 < 2^-5: no attainable p is small enough; the boundary is half of 2^-5 and no path
    # reaches it (the rule cannot stop for evidence), so its type I error is 0.
    rule = seq.calibrate(5, 0.02)
    assert rule.boundary == 0.5**5 / 2 and not rule.can_stop_for_evidence and seq.type_i_error(rule) == 0
