"""Planning functions against brute-force enumeration and simulation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from analysis import power as planning
from analysis.power import connor_tests, flag_probability, mcnemar_power, mcnemar_power_exact, min_discordant_to_flag


def _brute_power(n, p10, p01, alpha):
    """Power by enumerating every (b, c) table and running scipy's exact test."""
    total = 0.0
    for b in range(n + 1):
        for c in range(n + 1 - b):
            if b + c and binomtest(b, b + c).pvalue <= alpha:
                prob = math.factorial(n) / (math.factorial(b) * math.factorial(c) * math.factorial(n - b - c))
                total += prob * p10**b * p01**c * (1 - p10 - p01) ** (n - b - c)
    return total


@pytest.mark.parametrize(("n", "gap", "disc"), [(30, 0.2, 0.4), (40, 0.1, 0.3), (25, 0.3, 0.3)])
def test_exact_power_matches_enumeration(n, gap, disc):
    p10, p01 = (disc + gap) / 2, (disc - gap) / 2
    assert mcnemar_power_exact(n, gap, disc) == pytest.approx(_brute_power(n, p10, p01, 0.05), abs=1e-10)


def test_exact_power_matches_simulation():
    rng = np.random.default_rng(7)
    n, gap, disc = 120, 0.08, 0.25
    b, c, _ = rng.multinomial(n, [(disc + gap) / 2, (disc - gap) / 2, 1 - disc], size=20000).T
    # two-sided exact sign test, written out: twice the smaller binomial tail, capped at 1
    m = b + c
    p = np.minimum(1, 2 * np.minimum(binom.cdf(b, m, 0.5), binom.sf(b - 1, m, 0.5)))
    assert mcnemar_power_exact(n, gap, disc) == pytest.approx(np.mean(p <= 0.05), abs=0.012)


def test_connor_formula_and_its_undershoot():
    # Connor (1987): n = (z_.975 sqrt(psi) + z_.8 sqrt(psi - d^2))^2 / d^2
    n = (1.959964 * math.sqrt(0.2) + 0.841621 * math.sqrt(0.2 - 0.0025)) ** 2 / 0.0025
    assert connor_tests(0.05, 0.2) == math.ceil(n)
    plan = planning.tests_needed(0.05, 0.2)
    assert plan.exact > plan.connor  # the normal formula undershoots the exact test
    assert mcnemar_power_exact(plan.exact, 0.05, 0.2) >= 0.8
    assert mcnemar_power(plan.connor, 0.05, 0.2).exact < 0.8


def test_tests_per_target_rule_of_log2():
    # a target whose discordant tests all favour the reference: m >= log2(F / q)
    for targets in (10, 100, 1000):
        m = min_discordant_to_flag(targets, 0.05)
        assert 2.0**-m <= 0.05 / targets < 2.0 ** -(m - 1)
        assert planning.tests_per_target(1.0, 1.0, targets) == m


def test_flag_probability_by_enumeration():
    # 12 pairs, all discordant; flagged alone among 10 targets needs one-sided p <= 0.005
    p = flag_probability(12, 0.9, 1.0, 10)
    threshold_b = next(b for b in range(13) if binom.sf(b - 1, 12, 0.5) <= 0.005)
    assert p == pytest.approx(binom.sf(threshold_b - 1, 12, 0.9))
    assert planning.tests_per_target(0.9, 1.0, 10, power=0.5) <= 12
    assert planning.tests_per_target(0.9, 1.0, 10, power=0.99) > 12


def test_exact_power_of_few_tests_includes_every_discordant_count():
    # n = 6 with discordance 0.9: P(M = 6) = 0.53, so a sum that dropped any m would be far off.
    # Compared with the enumeration to 1e-12 relative, not an absolute 1e-10 that small n would hide.
    for n, gap, disc in [(6, 0.9, 0.9), (9, 0.5, 0.7), (12, 0.4, 1.0)]:
        p10, p01 = (disc + gap) / 2, (disc - gap) / 2
        assert mcnemar_power_exact(n, gap, disc) == pytest.approx(_brute_power(n, p10, p01, 0.05), rel=1e-12)
    # n = 5, all discordant, all favouring (gap = discordance = 1): the only rejection is 5 of 5
    # either way, two-sided p = 2 / 32 = 0.0625 > 0.05: power 0; with 6 tests 2 / 64 <= 0.05: power 1.
    assert mcnemar_power_exact(5, 1.0, 1.0) == 0.0
    assert mcnemar_power_exact(6, 1.0, 1.0) == pytest.approx(1.0)


def test_connor_power_by_hand():
    # Connor (1987) for 200 tests, gap 0.1, discordance 0.3, two-sided 5%:
    # (0.1 sqrt(200) - 1.959964 sqrt(0.3)) / sqrt(0.3 - 0.01) = (1.414214 - 1.073516) / 0.538516 = 0.63266;
    # Phi(0.63266) = 0.7365 (tables: Phi(0.63) = 0.7357, Phi(0.64) = 0.7389).
    assert mcnemar_power(200, 0.1, 0.3).connor == pytest.approx(0.7365, abs=2e-4)
    # alpha 1%: z = 2.575829; (1.414214 - 1.410838) / 0.538516 = 0.00627, Phi = 0.5025.
    assert planning.mcnemar_power_connor(200, 0.1, 0.3, alpha=0.01) == pytest.approx(0.5025, abs=2e-4)
    # The formula inverts connor_tests: its n reaches the power, one test fewer does not.
    n = connor_tests(0.1, 0.3, power=0.8)
    assert planning.mcnemar_power_connor(n, 0.1, 0.3) >= 0.8 > planning.mcnemar_power_connor(n - 1, 0.1, 0.3)
    # gap = discordance = 1: every test favours the reference, no spread: power 1.
    assert planning.mcnemar_power_connor(10, 1.0, 1.0) == 1.0


@pytest.mark.parametrize(("gap", "disc"), [(0.0, 0.3), (-0.1, 0.3), (0.4, 0.3), (0.1, 0.0), (0.1, 1.2)])
def test_impossible_patterns_are_refused(gap, disc):
    for call in (lambda: mcnemar_power(50, gap, disc), lambda: connor_tests(gap, disc),
                 lambda: planning.tests_needed(gap, disc)):
        with pytest.raises(ValueError, match=r"^need 0 < gap <= discordance <= 1$"):
            call()


def test_critical_values_by_enumeration():
    # Largest b with 2 P(B <= b | m) <= alpha, smallest b with P(B >= b | m) <= t, against binomtest.
    m = np.arange(0, 41)
    lower = planning._critical_lower(m, 0.05)
    upper = planning._critical_upper(m, 0.004)
    assert (lower[0], upper[0]) == (-1, 1)  # no discordant test: nothing rejects
    for mi in range(1, 41):
        low = [b for b in range(mi + 1) if binomtest(b, mi, alternative="less").pvalue * 2 <= 0.05]
        assert lower[mi] == (max(low) if low else -1), mi
        up = [b for b in range(mi + 1) if binomtest(b, mi, alternative="greater").pvalue <= 0.004]
        assert upper[mi] == (min(up) if up else mi + 1), mi


def _flag_probability_brute(n, share, disc, threshold):
    """P(flag alone) by enumerating every (m, b) and running scipy's one-sided binomial test."""
    total = 0.0
    for m in range(1, n + 1):
        for b in range(m + 1):
            if binomtest(b, m, alternative="greater").pvalue <= threshold:
                total += binom.pmf(m, n, disc) * binom.pmf(b, m, share)
    return total


def test_flag_probability_with_concordant_tests_by_enumeration():
    # Half the tests discordant: a wrong use of the discordance (or of the share) changes the figure.
    for n, share, disc, targets in [(20, 0.9, 0.5, 5), (30, 0.8, 0.3, 2), (15, 1.0, 0.6, 10)]:
        assert flag_probability(n, share, disc, targets) == pytest.approx(
            _flag_probability_brute(n, share, disc, 0.05 / targets), rel=1e-10)


def test_tests_per_target_with_concordant_tests():
    # Same pattern: n tests give round(n d) discordant, round(share x that) favouring; brute force
    # with scipy's binomial test for share 0.8, discordance 0.4, 5 targets (p <= 0.01).
    def flagged(n):
        m = round(n * 0.4)
        return m > 0 and binomtest(round(m * 0.8), m, alternative="greater").pvalue <= 0.01

    first = next(n for n in range(1, 500) if flagged(n))
    assert planning.tests_per_target(0.8, 0.4, 5) == first
    # With power: the smallest n whose flag probability (enumerated above) reaches 50%.
    brute = next(n for n in range(1, 80) if _flag_probability_brute(n, 0.9, 0.5, 0.01) >= 0.5)
    assert planning.tests_per_target(0.9, 0.5, 5, power=0.5) == brute
    # Out of reach within max_tests: None, with and without power.
    assert planning.tests_per_target(0.8, 0.4, 5, max_tests=first - 1) is None
    assert planning.tests_per_target(0.9, 0.5, 5, power=0.5, max_tests=brute - 1) is None
    for share, disc in [(0.5, 0.4), (1.1, 0.4), (0.8, 0.0), (0.8, 1.5)]:
        with pytest.raises(ValueError, match=r"^need 0\.5 < share_reference <= 1 and 0 < discordance <= 1$"):
            planning.tests_per_target(share, disc, 5)


def test_tests_needed_past_two_thousand_and_out_of_reach():
    # Gap 0.03 at discordance 0.3: Connor's n is about 2600, so the scan runs every n up to 2000 and
    # then steps by n // 200. The answer reaches 80% exact power; the n visited before it does not.
    plan = planning.tests_needed(0.03, 0.3)
    assert plan.exact > 2000 and plan.connor == connor_tests(0.03, 0.3)
    assert mcnemar_power_exact(plan.exact, 0.03, 0.3) >= 0.8
    before = next(k for k in range(plan.exact - 40, plan.exact) if k + max(1, k // 200) == plan.exact)
    assert mcnemar_power_exact(before, 0.03, 0.3) < 0.8
    # Below 2000: every n is tried, so the n before the answer misses 80%.
    small = planning.tests_needed(0.1, 0.3)
    assert mcnemar_power_exact(small.exact, 0.1, 0.3) >= 0.8 > mcnemar_power_exact(small.exact - 1, 0.1, 0.3)
    assert planning.tests_needed(0.02, 0.2, max_tests=1000).exact is None


def test_power_record_holds_its_inputs_and_uses_its_alpha():
    # alpha 1%: exact power by enumeration with scipy's exact test; Connor's by hand (0.5025, above).
    plan = mcnemar_power(30, 0.3, 0.5, alpha=0.01)
    assert (plan.tests, plan.gap, plan.discordance, plan.alpha) == (30, 0.3, 0.5, 0.01)
    assert plan.exact == pytest.approx(_brute_power(30, 0.4, 0.1, 0.01), rel=1e-12)
    assert mcnemar_power(200, 0.1, 0.3, alpha=0.01).connor == pytest.approx(0.5025, abs=2e-4)


def test_tests_needed_for_a_large_gap_and_another_power():
    # Gap 0.9 at discordance 0.9: a handful of tests; the smallest n whose exact power (checked against
    # enumeration above) reaches 80%, where rejecting at b = 0 of m = 6 (2 / 64 <= 5%) already counts.
    plan = planning.tests_needed(0.9, 0.9)
    powers = [_brute_power(n, 0.9, 0.0, 0.05) for n in range(1, 15)]
    assert plan.exact == 1 + next(i for i, p in enumerate(powers) if p >= 0.8)
    # the answer as the last candidate of its block (max_tests): every discordant count still counts
    assert planning.tests_needed(0.9, 0.9, max_tests=plan.exact).exact == plan.exact
    assert planning.tests_needed(0.1, 0.3, power=0.9).connor == connor_tests(0.1, 0.3, power=0.9)
    n = (1.959964 * math.sqrt(0.3) + 1.281552 * math.sqrt(0.29)) ** 2 / 0.01  # Connor by hand, 90%
    assert connor_tests(0.1, 0.3, power=0.9) == math.ceil(n)


def test_min_discordant_at_a_power_of_two_and_by_default():
    assert min_discordant_to_flag(8, 0.0625) == 7  # 8 / 0.0625 = 128 = 2^7 exactly: 7, not 8
    assert min_discordant_to_flag(10) == 8  # log2(10 / 0.05) = log2(200) = 7.64


def test_tests_per_target_edges():
    # One test, discordant and favouring: p = 1/2, flagged at threshold 1/2 (1 target, FDR 50%).
    assert planning.tests_per_target(1.0, 1.0, 1, fdr=0.5) == 1
    assert planning.tests_per_target(1.0, 1.0, 1, fdr=0.5, power=1.0) == 1  # flag probability exactly 1
    # p = 2^-5 equal to the threshold 1 x 2^-5: five tests, not six.
    assert planning.tests_per_target(1.0, 1.0, 1, fdr=2.0**-5) == 5
    # an answer at exactly max_tests is found, with and without power
    first = planning.tests_per_target(0.8, 0.4, 5)
    assert planning.tests_per_target(0.8, 0.4, 5, max_tests=first) == first
    with_power = planning.tests_per_target(0.9, 0.5, 5, power=0.5)
    assert planning.tests_per_target(0.9, 0.5, 5, power=0.5, max_tests=with_power) == with_power


@pytest.mark.parametrize(("alpha", "threshold"), [(0.05, 0.004), (0.01, 5e-4), (0.001, 1e-6)])
def test_critical_values_for_many_discordant_tests(alpha, threshold):
    # Up to 400 discordant tests, from the binomial cdf of every b (no quantile function):
    # the largest b with 2 cdf(b) <= alpha, the smallest b with sf(b - 1) <= threshold.
    m = np.arange(1, 401)
    lower, upper = planning._critical_lower(m, alpha), planning._critical_upper(m, threshold)
    for mi in (1, 2, 5, 9, 17, 33, 64, 100, 151, 200, 257, 333, 400):
        b = np.arange(mi + 1)
        low = b[2 * binom.cdf(b, mi, 0.5) <= alpha]
        up = b[binom.sf(b - 1, mi, 0.5) <= threshold]
        assert lower[mi - 1] == (low.max() if len(low) else -1), mi
        assert upper[mi - 1] == (up.min() if len(up) else mi + 1), mi


def test_critical_values_at_exact_ties():
    # alpha and threshold equal to a binomial tail: "p <= alpha" rejects at the tie itself.
    # Lower: 2 P(B <= b) = alpha exactly, for every b with alpha < 1; upper: P(B >= b) = threshold.
    for mi in (1, 2, 5, 6, 9, 16, 25):
        m = np.array([mi])
        b = np.arange(mi + 1)
        cdf, sf = binom.cdf(b, mi, 0.5), binom.sf(b - 1, mi, 0.5)
        for k in b[2 * cdf < 1]:
            low = b[2 * cdf <= 2 * cdf[k]]
            assert planning._critical_lower(m, 2 * cdf[k])[0] == low.max() == k, (mi, k)
        for k in b[(sf < 1) & (sf > 0)]:
            assert planning._critical_upper(m, sf[k])[0] == b[sf <= sf[k]].min() == k, (mi, k)


def test_critical_upper_where_scipy_isf_overshoots_a_deep_tie():
    # P(Bin(m, 1/2) >= m) = 2^-m and P(>= m - 1) = (m + 1) 2^-m: at threshold 2^-m the smallest b is m.
    # For m = 54..61 binom.isf(2^-m) rounds one too high; the guard steps back (without it: m + 1, "none").
    for mi in range(54, 62):
        assert planning._critical_upper(np.array([mi]), 2.0 ** -mi)[0] == mi, mi
        assert planning._critical_lower(np.array([mi]), 2.0 ** -(mi - 1))[0] == 0, mi  # 2 P(B <= 0) = alpha


def test_tests_needed_is_the_first_n_of_its_documented_scan():
    # The scan, written out: below 2000 every n (so the answer is the smallest n reaching the power
    # at all), from 2000 on the grid 2000, 2000 + 10, ... (n += n // 200). Exact power per n from
    # mcnemar_power_exact, itself checked against enumeration above.
    small = planning.tests_needed(0.1, 0.3)
    assert small.exact == next(n for n in range(1, 2000) if mcnemar_power_exact(n, 0.1, 0.3) >= 0.8)
    grid = [2000]
    while grid[-1] < 4000:
        grid.append(grid[-1] + grid[-1] // 200)
    large = planning.tests_needed(0.03, 0.3)
    assert large.exact in grid and mcnemar_power_exact(1999, 0.03, 0.3) < 0.8
    before = grid[grid.index(large.exact) - 1]  # the grid point visited before the answer misses
    assert mcnemar_power_exact(large.exact, 0.03, 0.3) >= 0.8 > mcnemar_power_exact(before, 0.03, 0.3)
    # at most max_tests below 2000 as well: the answer less one allowed gives none
    assert planning.tests_needed(0.1, 0.3, max_tests=small.exact - 1).exact is None


@pytest.mark.parametrize(("d", "alpha", "power", "m_min"), [
    (0.1, 0.01, 0.99, 8),  # 2 x 2^-8 = 0.0078 <= 0.01 < 2 x 2^-7
    (0.05, 1e-6, 0.99, 21),  # 2 x 2^-21 = 9.5e-7
    (0.3, 0.001, 0.99, 11),  # 2 x 2^-11 = 0.00098
    (0.001, 1e-6, 0.95, 21),  # past 2000 tests
    (0.2, 0.01, 0.99, 8),  # 0.7 of Connor's n (76) is the answer itself: no smaller n can reach 99 %
])
def test_tests_needed_when_no_test_favours_the_other_group(d, alpha, power, m_min):
    # gap = discordance: every discordant test favours the reference, so the exact test rejects
    # exactly when M >= m_min (all M of them one way, 2 x 2^-M <= alpha): power P(Bin(n, d) >= m_min),
    # which grows with n. Connor's n overshoots here (0.7 of it was already past the answer: 160 for 156).
    assert 2 * 0.5**m_min <= alpha < 2 * 0.5 ** (m_min - 1)
    n = np.arange(1, 40_000)
    expected = int(n[np.argmax(binom.sf(m_min - 1, n, d) >= power)])
    plan = planning.tests_needed(d, d, alpha, power)
    assert plan.exact == expected
    assert (plan.gap, plan.discordance, plan.alpha, plan.power) == (d, d, alpha, power)


def test_tests_needed_at_a_power_reached_exactly():
    # gap = discordance = 1/2: rejection needs 6 discordant tests (2 x 2^-6 <= 0.05 < 2 x 2^-5),
    # so the power of 6 tests is P(M = 6) = 2^-6 exactly, of 5 tests 0; "reaches" includes equality.
    assert planning.tests_needed(0.5, 0.5, power=2.0**-6).exact == 6


def test_tests_needed_past_two_thousand_at_another_alpha():
    # alpha 1%: Connor's n is 3864, 0.7 of it 2704, past 2000: the scan starts there and steps n // 200.
    start = connor_tests(0.03, 0.3, alpha=0.01)
    grid = [int(start * 0.7)]
    while grid[-1] < 6000:
        grid.append(grid[-1] + grid[-1] // 200)
    plan = planning.tests_needed(0.03, 0.3, alpha=0.01)
    assert (plan.gap, plan.discordance, plan.alpha, plan.power, plan.connor) == (0.03, 0.3, 0.01, 0.8, start)
    assert plan.exact in grid
    before = grid[grid.index(plan.exact) - 1]
    assert mcnemar_power_exact(plan.exact, 0.03, 0.3, 0.01) >= 0.8 > mcnemar_power_exact(before, 0.03, 0.3, 0.01)
    # the answer as the last n allowed (max_tests) is still found
    assert planning.tests_needed(0.03, 0.3, alpha=0.01, max_tests=plan.exact).exact == plan.exact


def test_tests_per_target_stops_at_2000_tests_by_default():
    # all discordant tests favour the reference, 10 targets at 5%: 8 are needed (2^-8 <= 0.005 < 2^-7).
    # Discordance 7.5 / 2000.5: 2000 tests give round(7.498) = 7 discordant, 2001 give round(7.502) = 8.
    d = 7.5 / 2000.5
    assert planning.tests_per_target(1.0, d, 10) is None
    assert planning.tests_per_target(1.0, d, 10, max_tests=2001) == 2001


@pytest.mark.parametrize("mi", [60, 75, 129])
def test_critical_upper_at_every_tie_however_deep(mi):
    # thresholds equal to each tail P(B >= k) of Bin(mi, 1/2), down to 2^-129: scipy's isf overshoots
    # the deepest of them by two and more (m = 60, k = 59 gave 60), the answer is still k.
    b = np.arange(mi + 1)
    sf = binom.sf(b - 1, mi, 0.5)
    for k in b[(sf > 0) & (sf < 1)]:
        assert planning._critical_upper(np.array([mi]), sf[k])[0] == b[sf <= sf[k]].min() == k, k


def test_critical_upper_steps_back_only_where_isf_overshoots_in_a_mixed_array():
    # At threshold 2^-54 the answer for m = 54 is 54 (scipy's isf overshoots there, above); for
    # m = 10 and m = 53 no b reaches 2^-54 (the deepest tail is 2^-m), so the answer is m + 1.
    # One call with all three: the step back must change the first and leave the others alone.
    got = planning._critical_upper(np.array([54, 10, 53]), 2.0 ** -54)
    assert got.tolist() == [54, 11, 54]
    assert got.dtype.kind == "i"


def test_tests_needed_out_of_reach_keeps_its_inputs_and_connors_figure():
    from statistics import NormalDist

    plan = planning.tests_needed(0.02, 0.2, alpha=0.05, power=0.8, max_tests=1000)
    # Connor (1987) eq. (2) by hand, with the standard library's normal quantiles:
    z = NormalDist().inv_cdf
    connor = math.ceil((z(0.975) * math.sqrt(0.2) + z(0.8) * math.sqrt(0.2 - 0.02**2)) ** 2 / 0.02**2)
    assert connor == 3923
    assert (plan.gap, plan.discordance, plan.alpha, plan.power, plan.exact, plan.connor) == (
        0.02, 0.2, 0.05, 0.8, None, connor)


def test_first_reachable_counts_a_power_reached_exactly():
    # The exact two-sided test at alpha 5% can reject from m = 6 discordant tests on
    # (2 * 2^-6 = 0.031; at m = 5, 2 * 2^-5 = 0.0625). With P(Bin(20, 1/2) >= 6) as the power
    # asked, n = 20 reaches it exactly ("reaches" is >=), and every smaller n falls short.
    asked = binom.sf(5, 20, 0.5)
    assert binom.sf(5, 19, 0.5) < asked
    assert planning._first_reachable(0.5, 0.05, asked, 1000) == 20


def test_tests_needed_counts_a_power_reached_exactly():
    # Below 2000 every n is tried: asking for exactly the power of the 80% answer gives that answer.
    n0 = planning.tests_needed(0.1, 0.3).exact
    assert planning.tests_needed(0.1, 0.3, power=mcnemar_power_exact(n0, 0.1, 0.3)).exact == n0
