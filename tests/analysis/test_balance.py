"""Balance of the randomisation, counted per test where the levels within a test are complementary."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest, chi2

from analysis import Applications
from analysis.balance import balance_check, balance_checks


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


def _pearson(table) -> float:
    """Pearson's X^2 without continuity correction, sum (O - E)^2 / E with E = row x column / N."""
    o = np.asarray(table, float)
    e = o.sum(axis=1, keepdims=True) * o.sum(axis=0, keepdims=True) / o.sum()
    return float(((o - e) ** 2 / e).sum())


def _apps(rows, factor="send_order") -> Applications:
    """rows: (test, group, level)."""
    return Applications(test_id=[r[0] for r in rows], target=[r[0] for r in rows], group=[r[1] for r in rows],
                        positive=np.zeros(len(rows), bool), **{factor: [r[2] for r in rows]})


def test_application_level_chi_square_without_continuity_correction():
    # tests of three applications (two of ref): not a permutation design, so Pearson's X^2 on the 2 x 2 table
    # ref: level 1 in 7, level 2 in 3; grp: level 1 in 1, level 2 in 4 (uncorrected, by hand).
    rows = ([(f"t{i}", "ref", "1") for i in range(7)] + [(f"t{i}", "ref", "2") for i in range(7, 10)]
            + [(f"t{i}", "grp", "1") for i in range(1)] + [(f"t{i}", "grp", "2") for i in range(1, 5)])
    (check,) = balance_checks(_apps(rows))
    assert check.factor == "send_order" and check.levels == ("1", "2") and check.groups == ("grp", "ref")
    assert check.counts == ((1, 4), (7, 3))
    stat = _pearson([[1, 4], [7, 3]])
    assert check.chi2 == pytest.approx(stat, rel=1e-12) and check.df == 1
    assert check.p_value == pytest.approx(chi2.sf(stat, 1), rel=1e-12)
    assert check.note == ""


def test_missing_levels_are_left_out_and_counted():
    rows = [("t1", "ref", "x"), ("t1", "grp", "y"), ("t2", "ref", "x"), ("t2", "grp", ""), ("t3", "ref", ""),
            ("t3", "grp", "x"), ("t4", "ref", "y"), ("t4", "grp", "y")]
    check = balance_check("template", np.array([r[2] for r in rows]), np.array([r[1] for r in rows]))
    assert check.counts == ((1, 2), (2, 1)) and check.levels == ("x", "y")
    assert check.note == "2 applications without a recorded template left out"
    assert check.chi2 == pytest.approx(_pearson([[1, 2], [2, 1]]), rel=1e-12)


def test_one_level_or_one_group_gives_no_test():
    rows = [("t1", "ref", "1"), ("t1", "grp", "1"), ("t2", "ref", "1"), ("t2", "grp", "1")]
    (check,) = balance_checks(_apps(rows))
    assert check.counts == ((2,), (2,)) and (check.chi2, check.df, check.p_value) == (None, 0, None)
    check = balance_check("send_order", np.array(["1", "2"]), np.array(["ref", "ref"]), np.array(["t1", "t2"]))
    assert check.counts == ((1, 1),) and (check.chi2, check.df, check.p_value) == (None, 0, None)


def _permuted(per_test: list[list[str]], groups=("a", "b", "c")):
    """Each test: the level of each group, one application each."""
    return [(f"t{i:02d}", g, level) for i, levels in enumerate(per_test) for g, level in zip(groups, levels,
                                                                                           strict=True)]


def test_three_groups_permuted_over_three_levels_scale_the_chi_square():
    # 12 tests, each group once in each of the three positions: X^2 (G - 1) / G on (G - 1)^2 = 4 df.
    orders = [["1", "2", "3"]] * 5 + [["2", "3", "1"]] * 3 + [["3", "1", "2"]] * 2 + [["1", "3", "2"]] * 2
    rows = _permuted(orders)
    (check,) = balance_checks(_apps(rows))
    # a: level 1 in 7, 2 in 3, 3 in 2; b: 1 in 2, 2 in 5, 3 in 5; c: 1 in 3, 2 in 4, 3 in 5.
    assert check.counts == ((7, 3, 2), (2, 5, 5), (3, 4, 5))
    stat = _pearson(check.counts) * 2 / 3
    assert check.chi2 == pytest.approx(stat, rel=1e-12) and check.df == 4
    assert check.p_value == pytest.approx(chi2.sf(stat, 4), rel=1e-12)
    assert check.note == "levels are permuted within each test: chi-square scaled by (G-1)/G"


def test_two_groups_over_three_levels_are_not_a_permutation_design():
    # three levels, two groups: each test cannot use every level, so the application-level test stands
    rows = _permuted([["1", "2"], ["2", "3"], ["3", "1"], ["1", "2"], ["1", "3"]], groups=("a", "b"))
    (check,) = balance_checks(_apps(rows))
    assert check.counts == ((3, 1, 1), (1, 2, 2)) and check.note == ""
    assert check.chi2 == pytest.approx(_pearson(check.counts), rel=1e-12) and check.df == 2


def test_a_last_test_with_one_application_breaks_the_permutation_design():
    # 20 complementary pairs and a last test ("t99") with the reference alone: not every test has one
    # application per group, so the application-level chi-square is used (not the binomial test).
    rows = _permuted([["1", "2"]] * 12 + [["2", "1"]] * 8, groups=("a", "b")) + [("t99", "a", "1")]
    (check,) = balance_checks(_apps(rows))
    assert check.counts == ((13, 8), (8, 12))
    assert check.chi2 == pytest.approx(_pearson(check.counts), rel=1e-12) and check.note == ""
    # without the last test it is the binomial test over 20 tests: 12 of 20 with a on level 1
    (check,) = balance_checks(_apps(rows[:-1]))
    assert check.chi2 is None and check.df == 1
    assert check.p_value == pytest.approx(binomtest(12, 20, 0.5).pvalue, rel=1e-12)
    assert check.note == "levels are complementary within each test: exact binomial test over 20 tests"


def test_a_permutation_design_with_missing_levels_notes_both():
    # group x is recorded without a send order in tests of its own: left out, the rest is still permuted
    rows = _permuted([["1", "2"]] * 6 + [["2", "1"]] * 4, groups=("a", "b")) + [("u1", "x", ""), ("u2", "x", "")]
    (check,) = balance_checks(_apps(rows))
    assert check.groups == ("a", "b")
    assert check.note == ("2 applications without a recorded send_order left out; levels are complementary "
                          "within each test: exact binomial test over 10 tests")
    assert check.p_value == pytest.approx(binomtest(6, 10, 0.5).pvalue, rel=1e-12)


def test_balance_checks_cover_the_recorded_factors_in_order():
    base = [("t1", "ref", "1"), ("t1", "grp", "2"), ("t2", "ref", "2"), ("t2", "grp", "1")]
    both = Applications(test_id=[r[0] for r in base], target=["t"] * 4, group=[r[1] for r in base],
                        positive=np.zeros(4, bool), template=["p", "q", "q", "p"], send_order=[r[2] for r in base])
    assert [c.factor for c in balance_checks(both)] == ["template", "send_order"]
    unrecorded = Applications(test_id=both.test_id, target=both.target, group=both.group, positive=both.positive,
                              template=["", "", "", ""], send_order=both.send_order)
    assert [c.factor for c in balance_checks(unrecorded)] == ["send_order"]
    assert [c.factor for c in balance_checks(_apps(base, factor="template"))] == ["template"]
    none = Applications(test_id=both.test_id, target=both.target, group=both.group, positive=both.positive)
    assert balance_checks(none) == ()


def test_one_application_per_group_is_not_enough_without_complementary_levels():
    # every test has one application of each group, but in 4 of 10 both are on level 1: not complementary,
    # so the application-level chi-square (2 x 2, uncorrected)
    rows = _permuted([["1", "2"]] * 4 + [["2", "1"]] * 2 + [["1", "1"]] * 4, groups=("a", "b"))
    (check,) = balance_checks(_apps(rows))
    assert check.counts == ((8, 2), (6, 4)) and check.note == ""
    assert check.chi2 == pytest.approx(_pearson(check.counts), rel=1e-12)
    # every test uses both levels once, but with two applications of group a in 3 tests: not a permutation
    rows = _permuted([["1", "2"]] * 5 + [["2", "1"]] * 2, groups=("a", "b")) + [
        (f"u{i}", "a", level) for i in range(3) for level in ("1", "2")]
    (check,) = balance_checks(_apps(rows))
    assert check.counts == ((8, 5), (2, 5)) and check.note == ""
    assert check.chi2 == pytest.approx(_pearson(check.counts), rel=1e-12)


def test_four_groups_permuted_over_four_levels_use_nine_degrees_of_freedom():
    # (G - 1)^2 = 9 df for G = 4 (for G = 3 it is 4 = 2 (G - 1) as well, so three groups cannot tell them apart)
    orders = [["1", "2", "3", "4"]] * 4 + [["2", "3", "4", "1"]] * 3 + [["4", "3", "2", "1"]] * 3
    (check,) = balance_checks(_apps(_permuted(orders, groups=("a", "b", "c", "d"))))
    # a: 1 x 4, 2 x 3, 4 x 3; b: 2 x 4, 3 x 6; c: 3 x 4, 4 x 3, 2 x 3; d: 4 x 4, 1 x 6
    assert check.counts == ((4, 3, 0, 3), (0, 4, 6, 0), (0, 3, 4, 3), (6, 0, 0, 4))
    stat = _pearson(check.counts) * 3 / 4
    assert check.chi2 == pytest.approx(stat, rel=1e-12) and check.df == 9
    assert check.p_value == pytest.approx(chi2.sf(stat, 9), rel=1e-12)
