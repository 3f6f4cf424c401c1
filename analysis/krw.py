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

from analysis.comparison import PairSample
from analysis.data import Layout
from analysis.distributions import norm

# Fewest jobs (tests) per target, as the median over the round's targets, for the
# KRW z-test: from here on its exact size stays within a factor 1.5 of the nominal
# level at 0.05, 0.005 and 0.0005 (the BH thresholds q k / m for 100 targets at
# q = 5%). Pairs: worst case over discordance 0.2-1; two or more applications per
# group: independent responses at rates 0.1-0.5. `z_test_size` computes the table
# of docs/statistics.md; tests/analysis/test_krw_size.py checks these figures.
MIN_JOBS_PER_TARGET = {"pairs": 150, "multi": 100}


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
    # SE 0 (every job with the same gap) or one job: no z-test. The caller falls back
    # to the exact test for these targets rather than leaving them out of the family.
    # For the between-target SD and the shrinkage an SE of 0 would mean certainty (no
    # shrinkage, a "shrunk" gap of 1.0); it is a small-sample artefact, so such targets
    # get the SE of their number of jobs at the round's pooled within-target SD.
    se_eb = _pooled_se(se, ss, jobs)
    mean_gap, sd = _between_sd(gap, se_eb)
    shrunk = _shrink(gap, se_eb, mean_gap, sd)
    return KrwEstimates(targets, jobs, gap, se, z, p, shrunk, mean_gap, sd)


def _pooled_se(se: np.ndarray, ss: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    """se where positive; else the pooled within-target SD over sqrt(jobs) (NaN with one job)."""
    several = jobs > 1
    dof = float(np.sum(jobs[several] - 1))
    pooled = float(np.sqrt(np.sum(ss[several]) / dof)) if dof > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(se > 0, se, np.where(several, pooled / np.sqrt(jobs), np.nan))


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


def check_jobs(layout: Layout, ref: int, grp: int) -> None:
    """ValueError when the round has too few jobs per target for the KRW z-test (MIN_JOBS_PER_TARGET)."""
    s = PairSample.of(layout, ref, grp)
    _, owner = np.unique(layout.test_target[s.tests], return_inverse=True)
    jobs = np.bincount(owner)
    design = "pairs" if bool(np.all((s.n_ref == 1) & (s.n_grp == 1))) else "multi"
    need = MIN_JOBS_PER_TARGET[design]
    median = float(np.median(jobs)) if len(jobs) else 0.0
    if median < need:
        raise ValueError(
            f"target_method 'krw' needs at least {need} tests per target (median; this round: {median:g}); "
            f"below that its normal z-test flags far more often than its level. Use target_method='exact'")


def pair_gap_null(discordance: float) -> tuple[np.ndarray, np.ndarray]:
    """Job-gap distribution of a pair under equal treatment: +1 and -1 with d/2 each, 0 otherwise."""
    return np.array([-1, 0, 1]), np.array([discordance / 2, 1 - discordance, discordance / 2])


def binomial_gap_null(n: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Job gap of n + n applications with independent responses at one rate, in units of 1/n."""
    from analysis.distributions import binom

    k = np.arange(n + 1)
    pk = binom.pmf(k, n, rate)
    joint = np.subtract.outer(k, k).ravel()
    probs = np.multiply.outer(pk, pk).ravel()
    values = np.arange(-n, n + 1)
    return values, np.bincount(joint + n, weights=probs, minlength=2 * n + 1)


def z_test_size(jobs: int, values: np.ndarray, probs: np.ndarray, alpha: float) -> float:
    """Exact size of the one-sided KRW z-test of a target with `jobs` i.i.d. job gaps (integer `values`).

    Dynamic programme over (sum, sum of squares) of the gaps, both integers: the
    z statistic mean / (sd / sqrt(J)) is a function of the two. Jobs whose gaps are
    all equal (SD 0) are not rejected: the analysis falls back to the exact test there.
    """
    values = np.asarray(values, dtype=np.int64)
    top = int(np.abs(values).max())
    dist = np.ones((1, 1))
    for _ in range(jobs):
        grown = np.zeros((dist.shape[0] + 2 * top, dist.shape[1] + top * top))
        for v, pv in zip(values, probs, strict=True):
            if pv > 0:
                grown[v + top: v + top + dist.shape[0], v * v: v * v + dist.shape[1]] += pv * dist
        dist = grown
    s = (np.arange(dist.shape[0]) - top * jobs)[:, None].astype(float)
    q = np.arange(dist.shape[1])[None, :].astype(float)
    var = (q - s * s / jobs) / (jobs - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (s / jobs) / np.sqrt(var / jobs)
        # the analysis flags when its p = norm.sf(z) is at or below the threshold: the same rule here,
        # so that outcomes with p = alpha exactly (z = 1 at alpha = norm.sf(1), for one) count
        reject = (var > 1e-9) & (norm.sf(z) <= alpha)
    return float(dist[reject].sum())
