"""The two-type mixture recovers a known truth."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.bayes import fit_mixture


def _simulate(rng, n_targets=400, tests=10, share=0.3, odds_ratio=6.0):
    """Pairs with one positive each (discordant): P(reference) = 1/2 or psi / (1 + psi)."""
    bad = rng.uniform(size=n_targets) < share
    owner = np.repeat(np.arange(n_targets), tests)
    p_ref = np.where(bad[owner], odds_ratio / (1 + odds_ratio), 0.5)
    observed = (rng.uniform(size=owner.size) < p_ref).astype(int)
    ones = np.ones(owner.size, dtype=int)
    return bad, fit_mixture(owner, ones, ones, ones, observed, n_targets)


def test_recovers_share_and_odds_ratio():
    bad, fit = _simulate(np.random.default_rng(11))
    assert fit.converged
    assert fit.share == pytest.approx(0.3, abs=0.07)
    assert fit.odds_ratio == pytest.approx(6.0, rel=0.4)


def test_posteriors_are_calibrated():
    bad, fit = _simulate(np.random.default_rng(12), n_targets=2000)
    high = fit.posterior > 0.8
    low = fit.posterior < 0.2
    # among targets with posterior > 0.8 most discriminate, among < 0.2 few do
    assert bad[high].mean() > 0.8
    assert bad[low].mean() < 0.2
    assert np.mean(fit.posterior) == pytest.approx(bad.mean(), abs=0.05)


def test_one_pair_per_target_is_not_identified():
    owner = np.arange(50)
    ones = np.ones(50, dtype=int)
    fit = fit_mixture(owner, ones, ones, ones, (owner % 3 > 0).astype(int), 50)
    assert not fit.converged


def test_no_informative_tests():
    fit = fit_mixture(np.array([], int), *(np.array([], int),) * 4, 3)
    assert fit.share is None and np.isnan(fit.posterior).all()
