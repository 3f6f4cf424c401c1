"""analysis.distributions gives scipy.stats' values to the last bit, edges of every support included.

scipy.stats is the outside reference here: the module exists only so that the
engine need not import it (analysis/distributions.py says why), so every method
is compared with scipy.stats' own with exact equality (nan where scipy.stats
gives nan), on grids that cross the edges: below, at and past the support,
non-integer points, impossible parameters, q = 0 and q = 1.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from numpy.testing import assert_array_equal

from analysis import distributions as ours

K = np.array([-np.inf, -3, -1, -0.5, 0, 0.5, 1, 2, 3, 4.5, 5, 6, 9, 10, 11, 40, np.inf, np.nan])
BINOMIAL_PARAMETERS = [(0, 0.5), (1, 0.5), (5, 0.5), (10, 0.3), (10, 0.0), (10, 1.0), (37, 0.5), (400, 0.62),
                       (2000, 0.5)]
IMPOSSIBLE_BINOMIAL = [(-1, 0.5), (4.5, 0.5), (10, -0.1), (10, 1.1), (np.nan, 0.5)]
Q = np.array([-0.1, 0.0, 1e-300, 1e-12, 0.001, 0.025, 0.05, 0.3, 0.5, 0.975, 1 - 1e-12, 1.0, 1.1, np.nan])


def _same(mine, theirs):
    assert_array_equal(np.asarray(mine), np.asarray(theirs), strict=False)
    assert np.shape(mine) == np.shape(theirs)


@pytest.mark.parametrize(("n", "p"), BINOMIAL_PARAMETERS + IMPOSSIBLE_BINOMIAL)
@pytest.mark.parametrize("method", ["pmf", "cdf", "sf"])
def test_binomial_probabilities_equal_scipy_stats(method, n, p):
    _same(getattr(ours.binom, method)(K, n, p), getattr(st.binom, method)(K, n, p))


@pytest.mark.parametrize(("n", "p"), BINOMIAL_PARAMETERS + IMPOSSIBLE_BINOMIAL)
@pytest.mark.parametrize("method", ["ppf", "isf"])
def test_binomial_quantiles_equal_scipy_stats(method, n, p):
    _same(getattr(ours.binom, method)(Q, n, p), getattr(st.binom, method)(Q, n, p))


def test_binomial_broadcasts_as_scipy_stats():
    k = np.arange(-1, 12)[:, None]
    n = np.array([0, 3, 10, 11])[None, :]
    for method in ("pmf", "cdf", "sf"):
        _same(getattr(ours.binom, method)(k, n, 0.5), getattr(st.binom, method)(k, n, 0.5))
    m = np.arange(0, 30)
    _same(ours.binom.isf(0.025, m, 0.5), st.binom.isf(0.025, m, 0.5))
    _same(ours.binom.ppf(0.025, m, 0.5), st.binom.ppf(0.025, m, 0.5))


def test_scalars_come_back_as_numpy_scalars():
    for value in (ours.binom.sf(3, 10, 0.5), ours.binom.pmf(3, 10, 0.5), ours.hypergeom.pmf(1, 4, 2, 2),
                  ours.norm.isf(0.05), ours.t.sf(1.5, 4), ours.chi2.sf(3.0, 2)):
        assert isinstance(value, np.float64)
    # A worked value, so the comparison is not only between two pieces of code: P(X >= 8) for
    # X ~ Binomial(10, 1/2) is (45 + 10 + 1) / 1024.
    assert ours.binom.sf(7, 10, 0.5) == pytest.approx(56 / 1024, rel=1e-15)


HYPERGEOMETRIC_PARAMETERS = [(1, 0, 0), (1, 1, 1), (4, 2, 2), (10, 3, 4), (10, 7, 5), (10, 10, 3), (10, 0, 3),
                             (10, 3, 0), (10, 3, 10), (60, 30, 31), (500, 250, 3)]
IMPOSSIBLE_HYPERGEOMETRIC = [(0, 0, 0), (10, 11, 3), (10, 3, 11), (10, -1, 3), (10.5, 3, 3), (10, 3, 2.5),
                             (np.nan, 3, 3)]


@pytest.mark.parametrize(("M", "n", "N"), HYPERGEOMETRIC_PARAMETERS + IMPOSSIBLE_HYPERGEOMETRIC)
@pytest.mark.parametrize("method", ["pmf", "logpmf"])
def test_hypergeometric_equals_scipy_stats(method, M, n, N):
    with np.errstate(divide="ignore"):
        _same(getattr(ours.hypergeom, method)(K, M, n, N), getattr(st.hypergeom, method)(K, M, n, N))


def test_hypergeometric_broadcasts_as_the_per_target_tail_calls_it():
    # targets.py: pmf(x[None, :], total_size[:, None], n_ref[:, None], total[:, None])
    x = np.arange(0, 7)[None, :]
    n_ref = np.array([1, 2, 3, 3])[:, None]
    size = np.array([2, 4, 6, 5])[:, None]
    total = np.array([1, 2, 3, 0])[:, None]
    _same(ours.hypergeom.pmf(x, size, n_ref, total), st.hypergeom.pmf(x, size, n_ref, total))
    # Worked value: 2 of 4 marked, draw 2: P(both marked) = 1 / C(4, 2) = 1/6.
    assert ours.hypergeom.pmf(2, 4, 2, 2) == pytest.approx(1 / 6, rel=1e-15)


X = np.array([-np.inf, -40, -8.5, -3, -1.96, -0.5, 0, 1e-8, 0.5, 1, 1.96, 3, 8.5, 40, np.inf, np.nan])


@pytest.mark.parametrize("method", ["cdf", "sf"])
def test_normal_probabilities_equal_scipy_stats(method):
    _same(getattr(ours.norm, method)(X), getattr(st.norm, method)(X))
    _same(getattr(ours.norm, method)(1.2), getattr(st.norm, method)(1.2))


@pytest.mark.parametrize("method", ["ppf", "isf"])
def test_normal_quantiles_equal_scipy_stats(method):
    _same(getattr(ours.norm, method)(Q), getattr(st.norm, method)(Q))
    _same(getattr(ours.norm, method)(0.975), getattr(st.norm, method)(0.975))


@pytest.mark.parametrize("df", [0, -1, 0.5, 1, 2, 9, 40, 1e6, np.inf, np.nan])
def test_student_t_equals_scipy_stats(df):
    _same(ours.t.sf(X, df), st.t.sf(X, df))
    _same(ours.t.ppf(Q, df), st.t.ppf(Q, df))


@pytest.mark.parametrize("df", [0, -1, 0.5, 1, 2, 3, 9, 40, 1e4, np.nan])
def test_chi_square_equals_scipy_stats(df):
    _same(ours.chi2.sf(X, df), st.chi2.sf(X, df))


def test_textbook_quantiles():
    # Tables: z(0.975) = 1.959964, t(0.975; 9) = 2.262157, chi-square(1) upper 5 % point 3.841459.
    assert ours.norm.ppf(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert ours.t.ppf(0.975, 9) == pytest.approx(2.262157, abs=1e-6)
    assert ours.chi2.sf(3.841459, 1) == pytest.approx(0.05, abs=1e-7)
