"""The numpy least squares with clustered covariance against statsmodels' OLS(cov_type="cluster"),
and against the formula worked by hand on a design small enough to do on paper."""
from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS

from analysis.regression import gap_heterogeneity, lpm_clustered, ols_clustered


def _statsmodels(y, x, clusters):
    fit = OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    return np.asarray(fit.params), np.asarray(fit.cov_params())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_statsmodels_on_unbalanced_clusters_with_dummies(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 6, size=300)  # tests of 2 to 5 applications
    clusters = np.repeat(np.arange(300), sizes)
    rng.shuffle(clusters)  # cluster codes need not be sorted or contiguous in the rows
    clusters = clusters * 7 + 3
    n = len(clusters)
    is_ref = rng.integers(0, 2, size=n).astype(float)
    factor = rng.integers(0, 3, size=n)
    x = np.column_stack([np.ones(n), is_ref, factor == 1, factor == 2]).astype(float)
    y = (rng.random(n) < 0.2 + 0.1 * is_ref + 0.05 * factor).astype(float)
    params, cov = ols_clustered(y, x, clusters)
    sm_params, sm_cov = _statsmodels(y, x, clusters)
    np.testing.assert_allclose(params, sm_params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cov, sm_cov, rtol=1e-9, atol=1e-14)


def test_hand_worked_two_cluster_regression_on_a_constant():
    # y on a constant only: beta = mean(y) = 2; residuals -1, 1 | -1, 0, 1 ... worked by hand:
    # clusters {0: y 1, 3}, {1: y 1, 2, 3}: mean 10/5 = 2; residuals (-1, 1), (-1, 0, 1);
    # score sums per cluster 0 and 0, so the clustered variance is exactly 0.
    y = np.array([1.0, 3.0, 1.0, 2.0, 3.0])
    x = np.ones((5, 1))
    params, cov = ols_clustered(y, x, np.array([0, 0, 1, 1, 1]))
    assert params[0] == pytest.approx(2.0)
    assert cov[0, 0] == pytest.approx(0.0, abs=1e-15)
    # Clusters {1, 1}, {3, 2, 3}: residuals (-1, -1) and (1, 0, 1), score sums -2 and 2;
    # (X'X)^-1 = 1/5, meat = 4 + 4 = 8, factor G/(G-1) (N-1)/(N-K) = 2 * 4/4 = 2:
    # V = 2 * 8 / 25 = 0.64.
    params, cov = ols_clustered(np.array([1.0, 1.0, 3.0, 2.0, 3.0]), x, np.array([5, 5, 9, 9, 9]))
    assert params[0] == pytest.approx(2.0)
    assert cov[0, 0] == pytest.approx(0.64)


def test_lpm_and_heterogeneity_give_what_statsmodels_gives():
    rng = np.random.default_rng(10)
    clusters = np.repeat(np.arange(400), 2)
    is_ref = np.tile([1.0, 0.0], 400)
    city = np.repeat(rng.integers(0, 2, size=400), 2)
    y = (rng.random(800) < np.where(is_ref == 1, 0.3, 0.22) + 0.05 * city).astype(float)
    reg = lpm_clustered(y, is_ref, clusters, {})
    sm_params, sm_cov = _statsmodels(y, np.column_stack([np.ones(800), is_ref]), clusters)
    assert reg.coefficient == pytest.approx(sm_params[1], rel=1e-10)
    assert reg.se_clustered == pytest.approx(np.sqrt(sm_cov[1, 1]), rel=1e-9)
    stat, df, p = gap_heterogeneity(y, is_ref, clusters, city)
    x = np.column_stack([np.ones(800), city, is_ref, city * is_ref])
    sm_params, sm_cov = _statsmodels(y, x, clusters)
    assert df == 1
    assert stat == pytest.approx(sm_params[3] ** 2 / sm_cov[3, 3], rel=1e-9)


@pytest.mark.parametrize("tests", [5, 40, 1000])
def test_a_variance_that_is_zero_on_paper_is_zero_to_rounding_and_never_negative(tests):
    # Every pair concordant (both positive or both negative): within each test the residuals of the two
    # applications are equal, so the gap's clustered variance is exactly 0 on paper. Computed as
    # bread @ meat @ bread it came out as 4.4e-17 on one machine (an se of 6.7e-9 that passed the
    # "no variation" cut-off) and below zero under another BLAS thread count; as a sum of squares of
    # round-offs it is below 1e-30 and cannot be negative.
    rng = np.random.default_rng(tests)
    both = rng.integers(0, 2, size=tests).astype(float)
    y = np.repeat(both, 2)
    x = np.column_stack([np.ones(2 * tests), np.tile([1.0, 0.0], tests)])
    _, cov = ols_clustered(y, x, np.repeat(np.arange(tests), 2))
    assert 0.0 <= cov[1, 1] < 1e-30
    assert np.all(np.diag(cov) >= 0)


def test_no_residual_degree_of_freedom_gives_no_inference_instead_of_a_division_by_zero():
    # Two single-application tests: the LPM has two coefficients for two applications, so N - K = 0 and
    # the small-sample factor (N - 1) / (N - K) has no value. It raised ZeroDivisionError.
    reg = lpm_clustered(np.array([1.0, 0.0]), np.array([1.0, 0.0]), np.array([0, 1]), {})
    assert (reg.coefficient, reg.se_clustered, reg.p_value, reg.ci95) == (None, None, None, (None, None))
    assert (reg.applications, reg.clusters) == (2, 2)
    # A breakdown with one paired test per value: four applications, four coefficients (constant,
    # value b, is_ref, is_ref x b). No heterogeneity test, but its degrees of freedom are still said.
    y, is_ref = np.array([1.0, 0.0, 1.0, 1.0]), np.array([1.0, 0.0, 1.0, 0.0])
    assert gap_heterogeneity(y, is_ref, np.array([0, 0, 1, 1]), np.array(["a", "a", "b", "b"])) == (None, 1, None)
