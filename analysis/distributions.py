"""The five distributions the engine uses, computed as scipy.stats computes them, without importing scipy.stats.

Importing scipy.stats costs 0.7 to 0.9 s of CPU (it builds its whole catalogue of
distributions and tests, with their docstrings), more than the whole analysis of
the 83,643 applications of the Kline-Rose-Walters round. The engine needs the
binomial, the hypergeometric, the normal, Student's t and the chi-square, and a
few methods of each. scipy.stats evaluates them with scipy.special: the Boost
ufuncs for the binomial and the hypergeometric (`scipy.special._ufuncs._binom_*`,
`_hypergeom_pmf`; private names, so the pinned scipy is the one checked), and
cephes for the others (`ndtr`, `ndtri`, `stdtr`, `stdtrit`, `chdtrc`). This module
calls the same functions and adds what scipy.stats' generic wrappers add (the
edges of the support, nan for impossible parameters), so every value is the same
to the last bit: tests/analysis/test_distributions.py compares them with
scipy.stats over grids that cross every edge, with exact equality.

The rare paths that need more of scipy.stats (the exact binomial test's interval,
the contingency chi-square of the balance check) import it where they are used.
Call sites keep scipy.stats' names and argument order: `binom.sf(k, n, p)`,
`hypergeom.pmf(k, M, n, N)`, `norm.isf(q)`, `t.sf(x, df)`, `chi2.sf(x, df)`.
"""
from __future__ import annotations

import numpy as np
from scipy import special
from scipy.special import _ufuncs as _boost


def _floats(*values):
    return np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))


def _integral(x):
    return np.floor(x) == x


def _out(values):
    """A numpy scalar for scalar input, as scipy.stats returns."""
    return np.asarray(values, dtype=float)[()]


class _Binomial:
    """scipy.stats.binom: k successes in n trials with probability p."""

    @staticmethod
    def _valid(n, p):
        return (n >= 0) & _integral(n) & (p >= 0) & (p <= 1)

    def pmf(self, k, n, p):
        k, n, p = _floats(k, n, p)
        inside = (k >= 0) & (k <= n) & _integral(k)
        values = np.where(inside, _boost._binom_pmf(np.where(inside, k, 0), n, p), 0.0)
        return _out(np.where(self._valid(n, p) & ~np.isnan(k), values, np.nan))

    def cdf(self, k, n, p):
        k, n, p = _floats(np.floor(k), n, p)
        inside = (k >= 0) & (k < n)
        values = np.where(inside, _boost._binom_cdf(np.where(inside, k, 0), n, p), np.where(k >= n, 1.0, 0.0))
        return _out(np.where(self._valid(n, p) & ~np.isnan(k), values, np.nan))

    def sf(self, k, n, p):
        k, n, p = _floats(np.floor(k), n, p)
        inside = (k >= 0) & (k < n)
        values = np.where(inside, _boost._binom_sf(np.where(inside, k, 0), n, p), np.where(k < 0, 1.0, 0.0))
        return _out(np.where(self._valid(n, p) & ~np.isnan(k), values, np.nan))

    def ppf(self, q, n, p):
        """The smallest k with cdf(k) >= q; -1 at q = 0 and n at q = 1, as scipy.stats."""
        q, n, p = _floats(q, n, p)
        values = np.where(q == 0, -1.0, np.where(q == 1, n, _boost._binom_ppf(q, n, p)))  # Boost: nan off [0, 1]
        return _out(np.where(self._valid(n, p), values, np.nan))

    def isf(self, q, n, p):
        """The smallest k with sf(k) <= q; n at q = 0 and -1 at q = 1, as scipy.stats."""
        q, n, p = _floats(q, n, p)
        values = np.where(q == 1, -1.0, np.where(q == 0, n, _boost._binom_isf(q, n, p)))  # Boost: nan off [0, 1]
        return _out(np.where(self._valid(n, p), values, np.nan))


class _Hypergeometric:
    """scipy.stats.hypergeom: k marked among N drawn from M of which n are marked."""

    @staticmethod
    def _valid(M, n, N):
        return (M > 0) & (n >= 0) & (N >= 0) & (n <= M) & (N <= M) & _integral(M) & _integral(n) & _integral(N)

    @staticmethod
    def _inside(k, M, n, N):
        return (k >= np.maximum(N - (M - n), 0)) & (k <= np.minimum(n, N)) & _integral(k)

    def pmf(self, k, M, n, N):
        k, M, n, N = _floats(k, M, n, N)
        valid = self._valid(M, n, N)
        inside = valid & self._inside(k, M, n, N)
        # Boost is called only inside the support: with a nan parameter it does not return.
        ks, Ms, ns, Ns = (np.where(inside, x, safe) for x, safe in ((k, 0), (M, 1), (n, 0), (N, 0)))
        values = np.where(inside, _boost._hypergeom_pmf(ks, ns, Ns, Ms), 0.0)
        return _out(np.where(valid & ~np.isnan(k), values, np.nan))

    def logpmf(self, k, M, n, N):
        """log pmf by log-beta functions (scipy.stats' own formula), -inf outside the support."""
        k, M, n, N = _floats(k, M, n, N)
        valid = self._valid(M, n, N)
        inside = valid & self._inside(k, M, n, N)
        good, bad = n, M - n
        with np.errstate(invalid="ignore"):
            values = (special.betaln(good + 1, 1) + special.betaln(bad + 1, 1) + special.betaln(M - N + 1, N + 1)
                      - special.betaln(k + 1, good - k + 1) - special.betaln(N - k + 1, bad - N + k + 1)
                      - special.betaln(M + 1, 1))
        values = np.where(inside, values, -np.inf)
        return _out(np.where(valid & ~np.isnan(k), values, np.nan))


class _Normal:
    """scipy.stats.norm, the standard normal."""

    @staticmethod
    def cdf(x):
        return special.ndtr(x)

    @staticmethod
    def sf(x):
        return special.ndtr(np.negative(x))

    @staticmethod
    def ppf(q):
        return special.ndtri(q)

    @staticmethod
    def isf(q):
        return -special.ndtri(q)


class _StudentT:
    """scipy.stats.t with df degrees of freedom."""

    @staticmethod
    def sf(x, df):
        return special.stdtr(df, np.negative(x))  # nan for df <= 0, as scipy.stats

    @staticmethod
    def ppf(q, df):
        # stdtrit gives inf at q = 1 and nan off [0, 1] or for df <= 0, but inf at q = 0.
        q, df = _floats(q, df)
        return _out(np.where((q == 0) & (df > 0), -np.inf, special.stdtrit(df, q)))


class _ChiSquare:
    """scipy.stats.chi2 with df degrees of freedom."""

    @staticmethod
    def sf(x, df):
        # chdtrc is 1 at x = 0 (so for x < 0 through the maximum) and nan for nan x,
        # but 0 for df = 0 where scipy.stats says nan.
        x, df = _floats(x, df)
        return _out(np.where(df > 0, special.chdtrc(df, np.maximum(x, 0)), np.nan))


binom = _Binomial()
hypergeom = _Hypergeometric()
norm = _Normal()
t = _StudentT()
chi2 = _ChiSquare()
