"""Empirical-Bayes posterior probability that a target discriminates: a two-type mixture.

In the spirit of Kline & Walters (2021) "Reasonable Doubt: Experimental Detection
of Job-Level Employment Discrimination", Econometrica 89(2):765-792: a share pi of
the round's targets discriminate, the rest treat both groups equally. Within a test
with n_ref reference and n_grp other applications and K positives, the number of
reference positives follows Fisher's noncentral hypergeometric distribution with
odds ratio psi (psi = 1 for equal treatment; psi = psi_1 > 1 for a discriminating
target): the conditional likelihood of a logit model with a test fixed effect.
pi and psi_1 are estimated by maximum likelihood over all targets of the round
(profile likelihood: pi solved exactly for each psi_1, psi_1 by a grid and Brent);
each target's posterior is P(discriminates | its tests) by Bayes' rule.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import expit, gammaln

# An odds ratio of 100 is far beyond any published correspondence test; the bound
# keeps the fit finite when psi is not identified (one test per target).
MAX_LOG_PSI = float(np.log(100.0))
GRID = np.linspace(0.02, MAX_LOG_PSI, 30)


@dataclass(frozen=True, eq=False)
class MixtureFit:
    """Fitted share of discriminating targets, their odds ratio, and the posteriors."""

    share: float | None
    odds_ratio: float | None
    posterior: np.ndarray
    converged: bool
    log_ratio: object = None  # callable log_psi -> log L1 - log L0 per owner (for the checks)


def _patterns(n_ref, n_grp, total):
    """Unique (n_ref, n_grp, K) test patterns with log-weights log C(n_ref,y) + log C(n_grp,K-y)."""
    keys, inverse = np.unique(np.column_stack([n_ref, n_grp, total]), axis=0, return_inverse=True)
    nr, ng, k = keys.T
    lo = np.maximum(0, k - ng)
    hi = np.minimum(k, nr)
    y = lo[:, None] + np.arange(int((hi - lo).max()) + 1)[None, :]
    valid = y <= hi[:, None]
    ys = np.where(valid, y, 0)
    logw = gammaln(nr + 1)[:, None] - gammaln(ys + 1) - gammaln(nr[:, None] - ys + 1)
    logw += gammaln(ng + 1)[:, None] - gammaln(k[:, None] - ys + 1) - gammaln(ng[:, None] - k[:, None] + ys + 1)
    return inverse.ravel(), np.where(valid, logw, -np.inf), ys


def _log_norm(logw, ys, log_psi: float) -> np.ndarray:
    """log sum_y w_y psi^y per pattern (the noncentral hypergeometric normaliser), overflow-safe."""
    a = logw + ys * log_psi
    top = a.max(axis=1)
    return top + np.log(np.exp(a - top[:, None]).sum(axis=1))


def _best_share(delta: np.ndarray) -> float:
    """pi maximising sum log(1 - pi + pi e^delta); the score is decreasing in pi."""
    r = np.expm1(np.minimum(delta, 700.0))

    def score(pi: float) -> float:
        return float(np.sum(r / (1 + pi * r)))

    top = 1.0 - 1e-12  # at pi = 1 a target with r = -1 would divide by zero
    if score(0.0) <= 0:
        return 0.0
    if score(top) >= 0:
        return 1.0
    return brentq(score, 0.0, top, xtol=1e-10)


def _profile(delta: np.ndarray) -> tuple[float, float]:
    """Profile log-likelihood (up to a constant) and the share that attains it."""
    pi = _best_share(delta)
    if pi <= 0:
        return 0.0, 0.0
    if pi >= 1:
        return float(delta.sum()), 1.0
    return float(np.sum(np.logaddexp(np.log1p(-pi), np.log(pi) + delta))), pi


def fit_mixture(owner, n_ref, n_grp, total, observed, n_owners: int) -> MixtureFit:
    """Fit pi and psi_1 by maximum likelihood; return each owner's posterior probability."""
    if len(owner) == 0:
        return MixtureFit(None, None, np.full(n_owners, np.nan), False)
    pattern, logw, ys = _patterns(n_ref, n_grp, total)
    counts = np.zeros((n_owners, logw.shape[0]))
    np.add.at(counts, (owner, pattern), 1.0)
    s_obs = np.bincount(owner, weights=observed, minlength=n_owners)
    base = _log_norm(logw, ys, 0.0)

    def log_ratio(log_psi: float) -> np.ndarray:
        # log L1 - log L0 per owner: the binomial-coefficient terms cancel.
        return s_obs * log_psi - counts @ (_log_norm(logw, ys, log_psi) - base)

    values = [_profile(log_ratio(g))[0] for g in GRID]
    i = int(np.argmax(values))
    lo, hi = GRID[max(i - 1, 0)], GRID[min(i + 1, len(GRID) - 1)]
    res = minimize_scalar(lambda g: -_profile(log_ratio(g))[0], bounds=(lo, hi), method="bounded")
    log_psi = float(res.x) if -res.fun >= values[i] else float(GRID[i])
    delta = log_ratio(log_psi)
    _, pi = _profile(delta)
    with np.errstate(divide="ignore"):
        prior_logit = np.log(pi) - np.log1p(-pi) if 0 < pi < 1 else (np.inf if pi >= 1 else -np.inf)
    posterior = expit(prior_logit + delta)
    # pi and psi_1 are separately identified only if some target's statistic can take
    # three or more values (pairs with one test per target give a ridge, not a peak).
    span = np.bincount(owner, weights=(ys.max(axis=1) - np.where(np.isfinite(logw), ys, np.inf).min(axis=1))[pattern],
                       minlength=n_owners)
    identified = bool(res.success) and bool(span.max() >= 2) and log_psi < MAX_LOG_PSI - 1e-3 and 0 < pi < 1
    return MixtureFit(pi, float(np.exp(log_psi)), posterior, identified, log_ratio)
