"""Tests with unequal numbers per group (2 reference + 1 other): counts centred, stratified exact test."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest, fisher_exact

from analysis import Applications, analyse_round
from analysis.classification import expected_favoured, stratified_exact_test


def _two_plus_one(rng, tests: int, rate: float) -> Applications:
    """Each test: two reference applications and one other, all at the same positive rate."""
    positive = rng.uniform(size=(tests, 3)) < rate
    return Applications(
        test_id=np.repeat(np.arange(tests), 3).astype(str), target=np.repeat(np.arange(tests), 3).astype(str),
        group=np.tile(["ref", "ref", "grp"], tests), positive=positive.ravel(),
    )


def test_expected_favoured_by_enumeration():
    # 2 + 1 with K = 1: the single positive is the other group's with probability 1/3.
    ref, grp = expected_favoured([2], [1], [1])
    # k_ref = 1 of 2 (share 1/2) vs k_grp = 0: reference favoured, probability 2/3
    assert (ref, grp) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    # K = 2: k_ref = 2 (share 1 vs 0) with 1/3; k_ref = 1 (1/2 vs 1) group favoured with 2/3
    assert expected_favoured([2], [1], [2]) == (pytest.approx(1 / 3), pytest.approx(2 / 3))


def test_one_stratum_is_fishers_exact_test():
    # one test of 6 + 6 applications: the stratified test is Fisher's two-sided... by doubling the tail
    p = stratified_exact_test([6], [6], [7], [5])
    one_sided = fisher_exact([[5, 1], [2, 4]], alternative="greater").pvalue
    assert p == pytest.approx(min(1, 2 * one_sided))


def test_pairs_reduce_to_the_sign_test():
    # 40 discordant pairs, 27 favouring the reference: the exact two-sided binomial test
    n_ref = n_grp = np.ones(60, int)
    k_ref = np.r_[np.ones(27), np.zeros(13), np.ones(10), np.zeros(10)].astype(int)
    k_grp = np.r_[np.zeros(27), np.ones(13), np.ones(10), np.zeros(10)].astype(int)
    p = stratified_exact_test(n_ref, n_grp, k_ref + k_grp, k_ref)
    assert p == pytest.approx(binomtest(27, 40, 0.5).pvalue, rel=1e-9)


def test_null_rounds_with_two_plus_one_do_not_reject():
    rng = np.random.default_rng(9)
    rejections, nets = [], []
    for _ in range(40):
        c = analyse_round(_two_plus_one(rng, 2000, 0.3), "ref", conditional_logit=False).comparisons[0]
        assert c.sign_test_method == "stratified_exact"
        rejections.append(c.sign_test_p <= 0.05)
        nets.append(c.net_discrimination)
    assert np.mean(rejections) <= 0.1  # the raw sign test rejected in almost every round
    assert abs(np.mean(nets)) < 0.01
