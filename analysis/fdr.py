"""False discovery rate and family-wise rules for the per-target flags.

Benjamini-Hochberg (pi0 = 1) is the default for every method. Storey's adaptive
q-values are an explicit option: with few targets and discrete p-values the
estimate of pi0 is unreliable (a round of 20 targets whose exact p-values are all
0.5 gives pi0 = 0 with Storey's 2002 estimator and flags every target), so the
option uses the Storey-Taylor-Siegmund estimator, refuses families smaller than
STOREY_MIN_TARGETS and never flags a target whose own p-value exceeds the level.
"""
from __future__ import annotations

import numpy as np

Q_METHODS = ("bh", "storey")
STOREY_LAMBDA = 0.5
# Below this many comparisons the estimate of pi0 rests on a handful of p-values
# (with m = 50 and lambda = 0.5 about 25 of them under the global null): refused.
STOREY_MIN_TARGETS = 50


def bh_qvalues(p) -> np.ndarray:
    """Benjamini & Hochberg (1995, JRSS-B 57:289) adjusted p-values (q-values).

    q_(i) = min_{j >= i} m p_(j) / j, capped at 1; reject every hypothesis with q <= level.
    """
    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def storey_pi0(p, lam: float = STOREY_LAMBDA, ties: str = "above") -> float:
    """Storey, Taylor & Siegmund (2004, JRSS-B 66:187, eq. 6) share of true nulls, capped at 1.

    pi0 = (1 + #{p > lam}) / (m (1 - lam)). The added 1 keeps pi0 above 0 (Storey's
    2002 estimator #{p > lam} / (m (1 - lam)) is 0 when no p-value exceeds lam).
    Tie rule: a p-value equal to lam counts as not above it (ties="above", the
    published definition); ties="at_or_above" counts it, for the sensitivity check.
    """
    p = np.asarray(p, dtype=float)
    if len(p) == 0:
        return 1.0
    if ties not in ("above", "at_or_above"):
        raise ValueError(f"unknown tie rule {ties!r}")
    above = np.sum(p > lam) if ties == "above" else np.sum(p >= lam - 1e-12)
    return float(min(1.0, (1 + above) / (len(p) * (1 - lam))))


def storey_qvalues(p, lam: float = STOREY_LAMBDA, ties: str = "above") -> tuple[np.ndarray, float]:
    """Storey & Tibshirani (2003, PNAS 100:9440) q-values: pi0 (STS estimator) times the BH q-values."""
    pi0 = storey_pi0(p, lam, ties)
    return np.minimum(pi0 * bh_qvalues(p), 1.0), pi0


def check_q_method(method: str, comparisons: int) -> None:
    """ValueError for an unknown q-method, or Storey on a family too small to estimate pi0."""
    if method not in Q_METHODS:
        raise ValueError(f"unknown q_method {method!r}: use 'bh' or 'storey'")
    if method == "storey" and comparisons < STOREY_MIN_TARGETS:
        raise ValueError(f"Storey q-values need at least {STOREY_MIN_TARGETS} target comparisons "
                         f"(this round has {comparisons}); use q_method='bh'")


def qvalues(p, method: str = "bh", lam: float = STOREY_LAMBDA, ties: str = "above") -> tuple[np.ndarray, float]:
    """q-values by 'bh' or 'storey'; also returns the pi0 used (1 for BH)."""
    if method == "bh":
        return bh_qvalues(p), 1.0
    if method == "storey":
        return storey_qvalues(p, lam, ties)
    raise ValueError(f"unknown q_method {method!r}: use 'bh' or 'storey'")


def flag_rule(p, q, favoured, level: float) -> np.ndarray:
    """The flag: q <= level, the reference favoured, and (the Storey guard) the target's own p <= level.

    With pi0 = 1 (BH) q >= p always, so the guard only binds for Storey q-values.
    """
    p, q = np.asarray(p, float), np.asarray(q, float)
    with np.errstate(invalid="ignore"):
        return (q <= level) & (p <= level) & np.asarray(favoured, bool)


def tarone_threshold(min_p, level: float) -> tuple[float, int]:
    """Tarone (1990, Biometrics 46:515-522) modified Bonferroni for discrete tests.

    The smallest K with m(K) <= K, where m(K) counts the hypotheses whose smallest
    attainable p-value is <= level / K; only those m(K) are tested, each at level / K.
    Controls the family-wise error rate at `level`. Returns (level / K, m(K)).
    """
    min_p = np.sort(np.asarray(min_p, float)[np.isfinite(min_p)])
    m = len(min_p)
    for k in range(1, m + 1):
        tested = int(np.searchsorted(min_p, level / k * (1 + 1e-12), side="right"))
        if tested <= k:
            return level / k, tested
    return level / max(m, 1), m
