"""False discovery rate: Benjamini-Hochberg and Storey q-values."""
from __future__ import annotations

import numpy as np


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


def storey_pi0(p, lam: float = 0.5) -> float:
    """Storey (2002, JRSS-B 64:479) estimate of the share of true nulls: #{p > lam} / (m (1 - lam)), capped at 1."""
    p = np.asarray(p, dtype=float)
    if len(p) == 0:
        return 1.0
    return float(min(1.0, np.sum(p > lam) / (len(p) * (1 - lam))))


def storey_qvalues(p, lam: float = 0.5) -> tuple[np.ndarray, float]:
    """Storey & Tibshirani (2003, PNAS 100:9440) q-values: pi0 times the BH q-values."""
    pi0 = storey_pi0(p, lam)
    return np.minimum(pi0 * bh_qvalues(p), 1.0), pi0


def qvalues(p, method: str = "bh") -> tuple[np.ndarray, float]:
    """q-values by 'bh' or 'storey'; also returns the pi0 used (1 for BH)."""
    if method == "bh":
        return bh_qvalues(p), 1.0
    if method == "storey":
        return storey_qvalues(p)
    raise ValueError(f"unknown q_method {method!r}: use 'bh' or 'storey'")
