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
