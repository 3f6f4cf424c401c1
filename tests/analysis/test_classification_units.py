"""Test classification, net rates, the sign test and the stratified exact test against brute-force
enumeration of which applications are positive, hand-worked counts and scipy."""
from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from analysis.classification import (
    EQUAL_POSITIVE,
    GROUP_FAVOURED,
    NO_POSITIVE,
    REFERENCE_FAVOURED,
    classify,
    count_classes,
    expected_favoured,
    net_rates,
    sign_test,
    stratified_exact_test,
)
from analysis.result import TestCounts as Counts


def _subsets(nr: int, ng: int, k: int):
    """Every equally likely choice of the k positive applications among nr reference + ng others: the
    reference positives of each (the permutation argument under equal treatment)."""
    return [sum(1 for i in chosen if i < nr) for chosen in itertools.combinations(range(nr + ng), k)]


def _brute_expected(patterns):
    ref = grp = Fraction(0)
    for nr, ng, k in patterns:
        ys = _subsets(nr, ng, k)
        ref += Fraction(sum(Fraction(y, nr) > Fraction(k - y, ng) for y in ys), len(ys))
        grp += Fraction(sum(Fraction(y, nr) < Fraction(k - y, ng) for y in ys), len(ys))
    return float(ref), float(grp)


def test_classify_compares_shares_not_counts():
    n_ref, k_ref = [2, 2, 2, 2, 3, 1, 1], [1, 1, 2, 0, 1, 1, 0]
    n_grp, k_grp = [1, 1, 1, 1, 6, 2, 2], [0, 1, 1, 0, 2, 1, 0]
    # 1/2 > 0; 1/2 < 1; 1 = 1; none; 1/3 = 2/6 (equal shares, unequal counts); 1 > 1/2; none
    assert classify(n_ref, k_ref, n_grp, k_grp).tolist() == [
        REFERENCE_FAVOURED, GROUP_FAVOURED, EQUAL_POSITIVE, NO_POSITIVE, EQUAL_POSITIVE, REFERENCE_FAVOURED,
        NO_POSITIVE]


def test_count_classes_counts_each_class_including_absent_ones():
    assert count_classes(np.array([0, 0, 2, 0])) == Counts(3, 0, 1, 0)
    assert count_classes(np.array([3, 1, 1, 2, 0, 3, 3])) == Counts(1, 2, 1, 3)
    assert count_classes(np.array([], dtype=np.int64)) == Counts(0, 0, 0, 0)


def test_net_rates_by_hand():
    # 12 reference favoured, 4 group favoured, 8 equal, 16 none: 24 tests with a positive, 40 in all
    rates = net_rates(Counts(12, 4, 8, 16))
    assert rates == {"gross_reference_favoured": 12 / 24, "gross_group_favoured": 4 / 24,
                     "net_discrimination": 8 / 24, "net_discrimination_all_tests": 8 / 40}
    # an expected difference of 2.5 under equal treatment comes off the net count: (12 - 4 - 2.5)
    centred = net_rates(Counts(12, 4, 8, 16), 2.5)
    assert centred["net_discrimination"] == pytest.approx(5.5 / 24)
    assert centred["net_discrimination_all_tests"] == pytest.approx(5.5 / 40)
    assert centred["gross_reference_favoured"] == 0.5


def test_net_rates_without_positives():
    assert net_rates(Counts(0, 0, 0, 5)) == {
        "gross_reference_favoured": None, "gross_group_favoured": None, "net_discrimination": None,
        "net_discrimination_all_tests": 0.0}
    assert set(net_rates(Counts(0, 0, 0, 0)).values()) == {None}


@pytest.mark.parametrize(("b", "c"), [(7, 1), (1, 7), (3, 3), (0, 4), (5, 0), (10, 13)])
def test_sign_test_against_scipy_and_the_mid_p_by_hand(b, c):
    m = b + c
    p, mid = sign_test(b, c)
    assert p == pytest.approx(binomtest(b, m, 0.5).pvalue, rel=1e-12)
    # mid-p (Lancaster): twice the larger count's upper tail, less its own point probability once
    hi = max(b, c)
    tail = Fraction(sum(comb(m, j) for j in range(hi, m + 1)), 2**m)
    expected = min(1, 2 * (tail - Fraction(comb(m, hi), 2**m) / 2))
    assert mid == pytest.approx(float(expected), rel=1e-12)


def test_sign_test_mid_p_of_a_tie_is_one():
    # b = c = 3: 2 (P(X >= 3) - P(X = 3) / 2) = 2 (42 - 10) / 64 = 1
    assert sign_test(3, 3) == (pytest.approx(1.0), 1.0)
    # a probability: never above 1, although the two scipy terms add to 1 + 2^-52 at many ties
    assert all(sign_test(h, h)[1] <= 1.0 for h in range(1, 30))
    assert float(binom.sf(2, 6, 0.5)) == pytest.approx(42 / 64)


@pytest.mark.parametrize("patterns", [
    [(1, 2, 2)],  # one reference, two others, both positives: (y = 1: 1 > 1/2) 2/3, (y = 0) 1/3
    [(1, 2, 1), (1, 2, 2), (3, 2, 2), (3, 2, 2), (2, 3, 4)],
    [(2, 1, 1), (2, 1, 2), (2, 1, 3), (2, 1, 0), (4, 2, 3), (4, 2, 3), (4, 2, 3)],
])
def test_expected_favoured_by_enumerating_the_positive_applications(patterns):
    nr, ng, k = (list(col) for col in zip(*patterns, strict=True))
    ref, grp = expected_favoured(nr, ng, k)
    assert (ref, grp) == (pytest.approx(_brute_expected(patterns)[0], abs=1e-12),
                          pytest.approx(_brute_expected(patterns)[1], abs=1e-12))


def test_expected_favoured_of_no_tests_is_zero():
    assert expected_favoured([], [], []) == (0.0, 0.0)


def _brute_stratified(tests):
    """Two-sided p of the sum of reference positives over tests (nr, ng, K, k_ref): the exact distribution
    by enumerating every choice of positives in every test, p = min(1, 2 min(P(S >= s), P(S <= s)))."""
    dist = {0: Fraction(1)}
    for nr, ng, k, _ in tests:
        ys = _subsets(nr, ng, k)
        step = {}
        for s, w in dist.items():
            for y in ys:
                step[s + y] = step.get(s + y, 0) + w / len(ys)
        dist = step
    s_obs = sum(t[3] for t in tests)
    upper = sum(w for s, w in dist.items() if s >= s_obs)
    lower = sum(w for s, w in dist.items() if s <= s_obs)
    return float(min(1, 2 * min(upper, lower)))


@pytest.mark.parametrize("tests", [
    # (nr, ng, K, k_ref): several strata, repeated patterns (1, 2, 3 and 5 times), and tests with no or
    # only positives, which carry no information
    [(2, 1, 1, 1), (2, 1, 1, 1), (2, 1, 2, 2), (2, 1, 0, 0), (2, 1, 3, 2)],
    [(2, 2, 2, 2)] * 5 + [(3, 1, 2, 2)] * 3 + [(1, 2, 1, 0)] * 2 + [(2, 3, 3, 1)],
    [(1, 1, 1, 1)] * 6 + [(1, 1, 1, 0)] + [(1, 1, 2, 1)] * 4,
    [(3, 2, 4, 3), (2, 3, 1, 0), (2, 3, 1, 0), (2, 3, 1, 1)],
    # two patterns whose smallest reference count is above 0 (K > others): their offsets add up
    [(2, 1, 2, 1), (2, 1, 2, 2), (3, 1, 3, 2), (3, 1, 3, 3), (3, 1, 2, 1)],
    # the reference has fewer positives than expected: the lower tail is the smaller one
    [(2, 1, 2, 1)] * 4 + [(2, 1, 1, 0)] * 3 + [(1, 1, 1, 0)] * 2,
])
def test_stratified_exact_test_by_enumeration(tests):
    nr, ng, k, kr = (np.array(col) for col in zip(*tests, strict=True))
    assert stratified_exact_test(nr, ng, k, kr) == pytest.approx(_brute_stratified(tests), rel=1e-9)


def test_stratified_exact_test_without_informative_tests_is_one():
    assert stratified_exact_test([2, 1], [1, 2], [0, 3], [0, 1]) == 1.0


def test_stratified_exact_test_reads_whole_number_floats_as_counts():
    tests = [(2, 1, 2, 1), (2, 1, 2, 2), (3, 1, 3, 2), (3, 1, 2, 1)]
    nr, ng, k, kr = (np.array(col, dtype=float) for col in zip(*tests, strict=True))
    assert stratified_exact_test(nr, ng, k, kr) == pytest.approx(_brute_stratified(tests), rel=1e-9)
