"""When may the mixture posterior be shown? A curvature check and a calibration check on the round's own fit.

A methods review found the posterior miscalibrated and weakly identified even
under the correct model (100 targets x 10 pairs, 30% discriminators: a reported
0.80 is right 59% of the time; the Bertrand-Mullainathan profile likelihood for
the share is flat from 0.24 to 1.00). So it is shown only when

1. curvature: the profile-likelihood 95% interval for the share of discriminating
   targets (likelihood ratio, chi-square 1 df: 3.84) is at most MAX_SHARE_WIDTH wide;
2. calibration: in a parametric bootstrap from the fitted model on the round's own
   design (same tests, same positives per test, types and reference positives
   drawn from the fit, the mixture refitted), within every posterior band of width
   0.2 holding at least MIN_BAND targets the share that truly discriminate is
   within MAX_CALIBRATION_GAP of the mean posterior (Efron & Tibshirani 1993,
   An Introduction to the Bootstrap, ch. 6, parametric bootstrap).
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from analysis.bayes import GRID, MixtureFit, _patterns, fit_mixture

MAX_SHARE_WIDTH = 0.3
MAX_CALIBRATION_GAP = 0.1
MIN_BAND = 50
REPLICATES = 20
CHI2_95 = 3.841458820694124
SHARES = np.linspace(0.01, 0.99, 50)


def share_interval(fit: MixtureFit) -> tuple[float, float]:
    """Profile-likelihood 95% interval for the share (odds ratio profiled out on the fit's grid)."""
    deltas = np.array([fit.log_ratio(g) for g in GRID] + [fit.log_ratio(float(np.log(fit.odds_ratio)))])
    pi = SHARES[:, None, None]
    ll = np.sum(np.logaddexp(np.log1p(-pi), np.log(pi) + deltas[None, :, :]), axis=2).max(axis=1)
    top = float(np.sum(np.logaddexp(np.log1p(-fit.share), np.log(fit.share) + deltas[-1])))
    inside = SHARES[2 * (max(top, ll.max()) - ll) <= CHI2_95]
    return (float(inside.min()), float(inside.max())) if len(inside) else (fit.share, fit.share)


def _draw(rng, pattern, logw, ys, owner, bad, log_psi: float) -> np.ndarray:
    """Reference positives per test from the noncentral hypergeometric (psi = 1 or psi_1 by type)."""
    out = np.empty(len(pattern))
    for psi, is_bad in ((0.0, False), (log_psi, True)):
        a = logw + ys * psi
        prob = np.exp(a - a.max(axis=1, keepdims=True))
        cdf = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
        rows = np.flatnonzero(bad[owner] == is_bad)
        u = rng.uniform(size=len(rows))
        idx = np.minimum((cdf[pattern[rows]] < u[:, None]).sum(axis=1), ys.shape[1] - 1)
        out[rows] = ys[pattern[rows], idx]
    return out


def calibration_gap(fit: MixtureFit, owner, n_ref, n_grp, total, n_owners: int, seed: int = 20221) -> float:
    """Largest |mean posterior - share discriminating| over posterior bands, by parametric bootstrap."""
    rng = np.random.default_rng(seed)
    pattern, logw, ys = _patterns(n_ref, n_grp, total)
    log_psi = float(np.log(fit.odds_ratio))
    post, truth = [], []
    for _ in range(REPLICATES):
        bad = rng.uniform(size=n_owners) < fit.share
        observed = _draw(rng, pattern, logw, ys, owner, bad, log_psi)
        refit = fit_mixture(owner, n_ref, n_grp, total, observed, n_owners)
        has = np.bincount(owner, minlength=n_owners) > 0
        post.append(refit.posterior[has])
        truth.append(bad[has])
    post, truth = np.concatenate(post), np.concatenate(truth)
    band = np.minimum((post * 5).astype(int), 4)
    gaps = [abs(post[band == b].mean() - truth[band == b].mean()) for b in range(5) if np.sum(band == b) >= MIN_BAND]
    return float(max(gaps)) if gaps else float("inf")


def check(fit: MixtureFit, owner, n_ref, n_grp, total, n_owners: int) -> dict:
    """Both checks; `passed` decides whether posteriors are reported."""
    if not fit.converged or fit.log_ratio is None:
        return {"passed": False, "reason": "not identified"}
    low, high = share_interval(fit)
    out = {"share_interval": [low, high], "curvature_ok": high - low <= MAX_SHARE_WIDTH}
    if not out["curvature_ok"]:
        return out | {"passed": False, "reason": "the likelihood is too flat in the share of discriminating targets"}
    gap = calibration_gap(fit, owner, n_ref, n_grp, total, n_owners)
    out |= {"calibration_gap": gap, "calibration_ok": gap <= MAX_CALIBRATION_GAP, "replicates": REPLICATES}
    if not out["calibration_ok"]:
        return out | {"passed": False, "reason": "the posteriors are not calibrated on this design"}
    return out | {"passed": True, "reason": ""}


def posterior_range(fit: MixtureFit, interval: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Posterior at the ends of the share interval (odds ratio at its estimate): a band per owner."""
    delta = fit.log_ratio(float(np.log(fit.odds_ratio)))
    ends = [expit(np.log(p) - np.log1p(-p) + delta) for p in interval]
    return np.minimum(*ends), np.maximum(*ends)
