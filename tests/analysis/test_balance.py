"""Balance of the randomisation, counted per test where the levels within a test are complementary."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from analysis import Applications
from analysis.balance import balance_checks


def _pairs(first: np.ndarray) -> Applications:
    """Paired tests; `first[i]` is True when the reference applied first in test i."""
    n = len(first)
    order_ref = np.where(first, "1", "2")
    order_grp = np.where(first, "2", "1")
    return Applications(
        test_id=np.repeat(np.arange(n), 2).astype(str), target=np.repeat(np.arange(n), 2).astype(str),
        group=np.tile(["ref", "grp"], n), positive=np.zeros(2 * n, bool),
        send_order=np.column_stack([order_ref, order_grp]).ravel(),
    )


def test_sixty_of_hundred_is_the_binomial_test():
    first = np.arange(100) < 60
    (check,) = balance_checks(_pairs(first))
    assert check.p_value == pytest.approx(binomtest(60, 100, 0.5).pvalue)  # 0.057, not 0.0047
    assert "exact binomial test over 100 tests" in check.note


def test_fair_rounds_raise_few_false_alarms():
    rng = np.random.default_rng(10)
    alarms = [balance_checks(_pairs(rng.uniform(size=100) < 0.5))[0].p_value <= 0.05 for _ in range(400)]
    assert np.mean(alarms) <= 0.06  # the application-level chi-square gave about 20%


def test_permuted_orders_of_eight_groups(inter1):
    # callback inter1: eight candidates per offer, each in one of eight send positions.
    checks = {c.factor: c for c in balance_checks(inter1)}
    assert "permuted within each test" in checks["send_order"].note


def test_pearson_chi_square_equals_scipys_contingency_test():
    from scipy.stats import chi2_contingency

    from analysis.balance import pearson_chi_square

    rng = np.random.default_rng(7)
    for shape in ((2, 2), (2, 3), (3, 2), (4, 5), (8, 8)):
        for _ in range(20):
            table = rng.integers(1, 60, size=shape)
            expected = chi2_contingency(table, correction=False)
            stat, df, p = pearson_chi_square(table)
            assert (stat, df) == (pytest.approx(expected.statistic, rel=1e-12), expected.dof)
            assert p == pytest.approx(expected.pvalue, rel=1e-10, abs=1e-300)


def test_pearson_chi_square_worked_table():
    # [[10, 20], [20, 10]]: every expected count is 15, X^2 = 4 * 25 / 15 = 20/3 on 1 df,
    # p = P(chi-square(1) > 20/3) = erfc(sqrt(10/3)).
    import math

    from analysis.balance import pearson_chi_square

    stat, df, p = pearson_chi_square([[10, 20], [20, 10]])
    assert stat == pytest.approx(20 / 3, rel=1e-14) and df == 1
    assert p == pytest.approx(math.erfc(math.sqrt(10 / 3)), rel=1e-12)
