"""Intervals for paired designs (one reference and one other application per test).

Cells of the paired table: a = both positive, b = only the reference positive,
c = only the other group positive, d = neither; n = a + b + c + d.
The difference is p_ref - p_group = (b - c) / n, the ratio (a + b) / (a + c).
"""
from __future__ import annotations

import math

from scipy.optimize import brentq

from analysis.rates import wilson, z_value


def _wilson1(k: float, n: float, level: float) -> tuple[float, float]:
    lo, hi = wilson(k, n, level)
    return float(lo), float(hi)


def newcombe_paired(a: int, b: int, c: int, d: int, level: float = 0.95) -> tuple[float, float]:
    """Newcombe (1998b) method 10: Wilson limits of both margins, square-and-add with phi.

    Newcombe RG (1998) Improved confidence intervals for the difference between
    binomial proportions based on paired data. Stat Med 17:2635-2650, method 10:
    L = theta - sqrt(dl1^2 - 2 phi dl1 du2 + du2^2), U = theta + sqrt(du1^2 - 2 phi du1 dl2 + dl2^2),
    phi = (ad - bc) / sqrt((a+b)(c+d)(a+c)(b+d)), 0 when that product is 0; when
    ad > bc Newcombe shrinks the numerator to max(ad - bc - n/2, 0) (his eq. for
    phi-hat, a continuity correction of phi only: the Wilson limits stay uncorrected).
    The published method 10 limits of his worked examples require this form.
    """
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = _wilson1(a + b, n, level)
    l2, u2 = _wilson1(a + c, n, level)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if cross > 0:
        cross = max(cross - n / 2, 0.0)
    phi = cross / math.sqrt(denom) if denom > 0 else 0.0
    theta = p1 - p2
    lower = theta - math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    upper = theta + math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return max(lower, -1.0), min(upper, 1.0)


def _tango_statistic(delta: float, b: int, c: int, n: int) -> float:
    """Tango (1998) score statistic for H0: p_ref - p_group = delta.

    Tango T (1998) Stat Med 17:891-908, eqs (3)-(4): the restricted MLE of the
    'group only' cell is q = (sqrt(B^2 - 4AC) - B) / 2A with A = 2n,
    B = -b - c + (2n - b + c) delta, C = -c delta (1 - delta).
    """
    big_a = 2 * n
    big_b = -b - c + (2 * n - b + c) * delta
    big_c = -c * delta * (1 - delta)
    q21 = (math.sqrt(max(big_b * big_b - 4 * big_a * big_c, 0.0)) - big_b) / (2 * big_a)
    var = n * (2 * q21 + delta * (1 - delta))
    return (b - c - n * delta) / math.sqrt(var) if var > 0 else math.copysign(math.inf, b - c - n * delta)


def tango(b: int, c: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Tango (1998) asymptotic score interval for the paired difference (b - c) / n.

    The limits are the deltas where the score statistic equals -/+ z; the
    statistic is monotone in delta, so a bracketing root finder is exact.
    """
    z = z_value(level)
    eps = 1e-12
    estimate = (b - c) / n
    lower, upper = -1.0, 1.0
    if estimate > -1:
        lower = brentq(lambda d: _tango_statistic(d, b, c, n) - z, -1 + eps, min(estimate + eps, 1 - eps), xtol=1e-12)
    if estimate < 1:
        upper = brentq(lambda d: _tango_statistic(d, b, c, n) + z, max(estimate - eps, -1 + eps), 1 - eps, xtol=1e-12)
    return float(lower), float(upper)


def bonett_price_ratio(a: int, b: int, c: int, level: float = 0.95) -> tuple[float, float]:
    """Bonett & Price (2006) hybrid Wilson interval for the paired ratio (a + b) / (a + c).

    Bonett DG, Price RM (2006) Confidence intervals for a ratio of binomial
    proportions based on paired data. Stat Med 25:3039-3047: Wilson limits of both
    margins among n* = a + b + c with z adjusted by A / (B + C), then l1/u2, u1/l2.
    """
    n_star = a + b + c
    if n_star == 0:
        return 0.0, math.inf
    n1, n2 = a + b, a + c
    big_a = math.sqrt((b + c + 2) / ((n1 + 1) * (n2 + 1)))
    big_b = math.sqrt((1 - (n1 + 1) / (n_star + 2)) / (n1 + 1))
    big_c = math.sqrt((1 - (n2 + 1) / (n_star + 2)) / (n2 + 1))
    z = big_a / (big_b + big_c) * z_value(level)
    l1, u1 = _wilson_z(n1, n_star, z)
    l2, u2 = _wilson_z(n2, n_star, z)
    lower = l1 / u2 if u2 > 0 else 0.0
    upper = u1 / l2 if l2 > 0 else math.inf
    return lower, upper


def _wilson_z(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score limits for an arbitrary z (Bonett & Price adjust z)."""
    root = z * math.sqrt(z * z + 4 * k * (1 - k / n))
    return (2 * k + z * z - root) / (2 * (n + z * z)), (2 * k + z * z + root) / (2 * (n + z * z))
