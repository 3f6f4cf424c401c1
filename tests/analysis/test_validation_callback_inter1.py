"""R package callback (Duguet, L'Horty et al.), data set inter1: eight groups against Man.F."""
from __future__ import annotations

import pytest
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar

from analysis import analyse_round
from tests.published import INTER1_CALLBACKS, INTER1_PAIRS

PUBLISHED = INTER1_PAIRS
CALLBACKS = INTER1_CALLBACKS


@pytest.fixture(scope="module")
def result(inter1):
    return analyse_round(inter1, "Man.F")


def test_callbacks_per_group(result):
    assert {g.group: g.positives for g in result.groups} == CALLBACKS
    assert all(g.applications == 310 for g in result.groups)


def test_wilson_interval_of_the_reference(result):
    man_f = next(g for g in result.groups if g.group == "Man.F")
    assert man_f.rate == pytest.approx(0.27741935, abs=1e-8)
    assert man_f.ci95 == pytest.approx((0.2305, 0.3298), abs=5e-5)


@pytest.mark.parametrize("group", sorted(PUBLISHED))
def test_counts_and_exact_mcnemar(result, group):
    neither, only_ref, only_group, both, p = PUBLISHED[group]
    c = next(c for c in result.comparisons if c.group == group)
    assert c.design == "paired"
    counts = c.test_counts
    assert (counts.no_positive, counts.reference_favoured, counts.group_favoured, counts.equal_positive) == (
        neither, only_ref, only_group, both)
    assert c.sign_test_p == pytest.approx(p, rel=5e-5)
    # the same as statsmodels' exact McNemar and scipy's binomial test
    table = [[both, only_ref], [only_group, neither]]
    assert c.sign_test_p == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-9)
    assert c.sign_test_p == pytest.approx(binomtest(only_ref, only_ref + only_group).pvalue, rel=1e-9)
    assert c.rate_difference == pytest.approx((only_ref - only_group) / 310, abs=1e-12)


def test_paired_conditional_odds_ratio_is_b_over_c(result):
    c = next(c for c in result.comparisons if c.group == "Man.M")
    assert c.conditional_logit.odds_ratio == pytest.approx(41 / 20)


def test_send_order_balance(result):
    check = next(b for b in result.balance if b.factor == "send_order")
    assert check.levels == tuple(str(i) for i in range(1, 9))
    assert sum(map(sum, check.counts)) == 2480 - 264
    assert check.p_value is not None and check.note
