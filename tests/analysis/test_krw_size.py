"""The KRW z-test's exact size with few jobs per target, and the minimum that the analysis enforces."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaln
from scipy.stats import norm

from analysis.krw import MIN_JOBS_PER_TARGET, binomial_gap_null, pair_gap_null, z_test_size

ALPHAS = (0.05, 0.005, 0.0005)  # BH thresholds q k / m at q = 5% for m = 100: k = 100, 10, 1
DISCORDANCE = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


def _trinomial_size(jobs: int, d: float, alpha: float) -> float:
    """Independent check for pairs: enumerate (n+, n-) jobs with gap +1 / -1, the rest 0."""
    a, b = np.meshgrid(np.arange(jobs + 1), np.arange(jobs + 1), indexing="ij")
    ok = a + b <= jobs
    c = np.where(ok, jobs - a - b, 0)
    mean = (a - b) / jobs
    var = (a + b - jobs * mean**2) / (jobs - 1)
    with np.errstate(all="ignore"):
        z = mean / np.sqrt(var / jobs)
        logp = (gammaln(jobs + 1) - gammaln(a + 1) - gammaln(b + 1) - gammaln(c + 1)
                + (a + b) * np.log(d / 2) + c * (np.log1p(-d) if d < 1 else 0))
    reject = ok & (var > 1e-12) & (z > norm.isf(alpha)) & ((c == 0) | (d < 1))
    return float(np.exp(logp[reject]).sum())


@pytest.mark.parametrize("jobs", [5, 12, 40])
def test_dynamic_programme_matches_enumeration(jobs):
    for d in (0.3, 0.6):
        assert z_test_size(jobs, *pair_gap_null(d), 0.005) == pytest.approx(_trinomial_size(jobs, d, 0.005), rel=1e-9)


def test_the_issue_figures():
    # Issue 8 (reviewer's computation): about 0.005 with 5 pairs, 0.002 with 10, 0.0012 with 40 at 0.0005.
    for jobs, size in ((5, 0.005), (10, 0.002), (40, 0.0012)):
        assert z_test_size(jobs, *pair_gap_null(0.4), 0.0005) == pytest.approx(size, rel=0.1)


def test_pairs_minimum_keeps_the_size_within_one_and_a_half_times_nominal():
    need = MIN_JOBS_PER_TARGET["pairs"]
    for jobs in (need, need + 25, 2 * need):
        for alpha in ALPHAS:
            worst = max(z_test_size(jobs, *pair_gap_null(d), alpha) for d in DISCORDANCE)
            assert worst <= 1.5 * alpha, (jobs, alpha, worst / alpha)
    # and two thirds of it does not
    assert max(z_test_size(100, *pair_gap_null(d), 0.0005) for d in DISCORDANCE) > 1.5 * 0.0005


def test_multi_application_minimum_for_two_plus_two():
    need = MIN_JOBS_PER_TARGET["multi"]
    for rate in (0.1, 0.25, 0.5):
        for alpha in ALPHAS:
            assert z_test_size(need, *binomial_gap_null(2, rate), alpha) <= 1.5 * alpha
    assert z_test_size(40, *binomial_gap_null(2, 0.5), 0.0005) > 1.5 * 0.0005
