"""Positive-response rates with Wilson score intervals, per group."""
from __future__ import annotations

import numpy as np

from analysis.data import Layout
from analysis.distributions import norm
from analysis.result import GroupRate


def z_value(level: float = 0.95) -> float:
    """Two-sided standard normal quantile for a confidence level."""
    return float(norm.ppf(0.5 + level / 2))


def wilson(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval for k successes out of n, vectorised.

    Wilson EB (1927) JASA 22:209-212; Newcombe (1998a) Stat Med 17:857, method 3:
    (2k + z^2 -/+ z sqrt(z^2 + 4k(1 - k/n))) / (2(n + z^2)).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = z_value(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (k + z * z / 2) / (n + z * z)
        half = z * np.sqrt(n * p * (1 - p) + z * z / 4) / (n + z * z)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def group_rates(layout: Layout, level: float = 0.95) -> tuple[GroupRate, ...]:
    """Applications, positives, rate and Wilson interval of every group."""
    n = layout.n.sum(axis=0)
    k = layout.k.sum(axis=0)
    lo, hi = wilson(k, n, level)
    return tuple(
        GroupRate(group=str(g), applications=int(n[i]), positives=int(k[i]),
                  rate=float(k[i] / n[i]), ci95=(float(lo[i]), float(hi[i])))
        for i, g in enumerate(layout.groups)
    )
