"""The exact per-target test against scipy's exact tests and brute-force enumeration."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import binomtest, fisher_exact, hypergeom

from analysis.classification import sign_test
from analysis.targets import exact_tail


def test_single_test_equals_one_sided_fisher():
    # one test: 3 reference, 4 other applications, 4 positives of which 3 reference
    p, mid = exact_tail(np.array([0]), np.array([3]), np.array([4]), np.array([4]), np.array([3]), 1)
    table = [[3, 0], [1, 3]]  # reference: pos, neg; other: pos, neg
    assert p[0] == pytest.approx(fisher_exact(table, alternative="greater").pvalue, rel=1e-12)
    assert mid[0] == pytest.approx(p[0] - 0.5 * hypergeom.pmf(3, 7, 3, 4), rel=1e-12)


def test_pairs_equal_the_one_sided_binomial_test():
    # eight discordant pairs, six favouring the reference
    n = 8
    observed = np.array([1] * 6 + [0] * 2)
    p, _ = exact_tail(np.zeros(n, int), np.ones(n, int), np.ones(n, int), np.ones(n, int), observed, 1)
    assert p[0] == pytest.approx(binomtest(6, 8, 0.5, alternative="greater").pvalue, rel=1e-12)


def _brute_force(tests, observed_total):
    """P(S >= s) by enumerating every combination of per-test outcomes."""
    supports = []
    for n_ref, n_grp, k in tests:
        xs = range(max(0, k - n_grp), min(k, n_ref) + 1)
        supports.append([(x, hypergeom.pmf(x, n_ref + n_grp, n_ref, k)) for x in xs])
    total = 0.0
    for combo in itertools.product(*supports):
        if sum(x for x, _ in combo) >= observed_total:
            total += np.prod([pr for _, pr in combo])
    return total


def test_convolution_matches_enumeration_for_several_targets():
    rng = np.random.default_rng(3)
    owners, n_ref, n_grp, total, observed = [], [], [], [], []
    for owner in range(6):
        for _ in range(rng.integers(1, 6)):
            nr, ng = rng.integers(1, 4), rng.integers(1, 4)
            k = int(rng.integers(1, nr + ng))
            x = int(rng.integers(max(0, k - ng), min(k, nr) + 1))
            owners.append(owner), n_ref.append(nr), n_grp.append(ng), total.append(k), observed.append(x)
    arrays = [np.array(a) for a in (owners, n_ref, n_grp, total, observed)]
    p, _ = exact_tail(*arrays, 6)
    for owner in range(6):
        sel = arrays[0] == owner
        tests = list(zip(arrays[1][sel], arrays[2][sel], arrays[3][sel], strict=True))
        assert p[owner] == pytest.approx(_brute_force(tests, arrays[4][sel].sum()), rel=1e-10)


def test_sign_test_mid_p():
    p, mid = sign_test(7, 1)
    assert p == pytest.approx(binomtest(7, 8).pvalue)
    # two-sided mid-p: 2 * (P(X >= 7) - P(X = 7) / 2) = 2 * (9/256 - 4/256)
    assert mid == pytest.approx(10 / 256)
    assert sign_test(0, 0) == (1.0, 1.0)


def test_sign_test_equals_scipys_exact_binomial_test():
    # scipy.stats.binomtest sums the probabilities of every outcome no more likely than the one
    # observed; sign_test takes twice the far tail, which is the same set under p = 1/2.
    from scipy.stats import binomtest

    for m in (*range(1, 41), 99, 100, 501, 2000):
        for b in sorted({0, 1, m // 3, m // 2, (m + 1) // 2, m - 1, m}):
            assert sign_test(b, m - b)[0] == pytest.approx(binomtest(b, m, 0.5).pvalue, rel=1e-12, abs=1e-300)


def test_sign_test_worked_values():
    # 9 of 10 discordant tests one way: 2 * (C(10,9) + C(10,10)) / 2^10 = 22/1024.
    assert sign_test(9, 1)[0] == pytest.approx(22 / 1024, rel=1e-15)
    # 3 against 2: every outcome is at least as extreme as a 3-2 split, p = 1.
    assert sign_test(3, 2)[0] == 1.0
    assert sign_test(2, 2)[0] == 1.0


def test_sign_test_of_one_discordant_test():
    # One test favouring one side: P(X >= 1) = 1/2 for X ~ Bin(1, 1/2), so p = min(1, 2 * 1/2) = 1
    # and mid-p = 2 * (1/2 - 1/2 * 1/2) = 1/2.
    assert sign_test(1, 0) == (1.0, 0.5)
    assert sign_test(0, 1) == (1.0, 0.5)
