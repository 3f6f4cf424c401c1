"""Kline, Rose & Walters (2022) large-sample firm-level estimates.

Kline P, Rose EK, Walters CR (2022) Systemic discrimination among large U.S.
employers. Quarterly Journal of Economics 137(4):1963-2036, section IV: the
gap of firm f is the mean of its job-level gaps, with standard error sd/sqrt(J_f);
the variance of true gaps across firms is the variance of the estimates minus the
mean sampling variance; linear empirical Bayes shrinks each estimate towards the
mean by sigma^2 / (sigma^2 + s_f^2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from analysis.comparison import PairSample
from analysis.data import Layout


@dataclass(frozen=True, eq=False)
class KrwEstimates:
    """Per-target arrays (aligned with `target`) and the round's between-target SD."""

    target: np.ndarray
    jobs: np.ndarray
    gap: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    shrunk_gap: np.ndarray
    mean_gap: float | None
    between_sd: float | None


def krw_estimates(layout: Layout, ref: int, grp: int) -> KrwEstimates:
    """Firm gaps, SEs, one-sided p-values, bias-corrected SD and shrunk gaps for one comparison."""
    s = PairSample.of(layout, ref, grp)
    job_gap = s.k_ref / s.n_ref - s.k_grp / s.n_grp
    targets, owner = np.unique(layout.test_target[s.tests], return_inverse=True)
    jobs = np.bincount(owner, minlength=len(targets))
    total = np.bincount(owner, weights=job_gap, minlength=len(targets))
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = total / jobs
        ss = np.bincount(owner, weights=(job_gap - gap[owner]) ** 2, minlength=len(targets))
        # sd with J-1 in the denominator; a firm with one job has no SE.
        se = np.where(jobs > 1, np.sqrt(ss / np.maximum(jobs - 1, 1)) / np.sqrt(jobs), np.nan)
        z = np.where(se > 0, gap / se, np.nan)
    p = norm.sf(z)
    mean_gap, sd = _between_sd(gap, se)
    shrunk = _shrink(gap, se, mean_gap, sd)
    return KrwEstimates(targets, jobs, gap, se, z, p, shrunk, mean_gap, sd)


def _between_sd(gap: np.ndarray, se: np.ndarray) -> tuple[float | None, float | None]:
    """Bias-corrected SD of true gaps: sqrt(mean((theta_f - mu)^2 - (F-1)/F s_f^2)), floored at 0."""
    ok = np.isfinite(se)
    f = int(ok.sum())
    if f < 2:
        return (float(gap[ok].mean()) if f else None), None
    mu = float(gap[ok].mean())
    var = float(np.mean((gap[ok] - mu) ** 2 - (f - 1) / f * se[ok] ** 2))
    return mu, float(np.sqrt(max(var, 0.0)))


def _shrink(gap, se, mu, sd) -> np.ndarray:
    """Linear empirical Bayes posterior mean mu + sigma^2/(sigma^2 + s_f^2) (theta_f - mu)."""
    if mu is None or sd is None:
        return np.full(len(gap), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = sd**2 / (sd**2 + se**2)
    return np.where(np.isfinite(se), mu + weight * (gap - mu), np.nan)
