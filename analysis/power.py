"""Planning: power of the exact McNemar test, tests per round, tests per target.

Parametrisation: in a paired test the reference applicant alone is positive with
probability p10 and the other alone with p01; the gap is p10 - p01 and the
discordance p10 + p01.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, norm

from analysis.result import Serialisable


@dataclass(frozen=True)
class Power(Serialisable):
    """Power of the two-sided exact McNemar test, by enumeration and by Connor's formula."""

    tests: int
    gap: float
    discordance: float
    alpha: float
    exact: float
    connor: float


@dataclass(frozen=True)
class TestsNeeded(Serialisable):
    """Tests a round needs: exact enumeration and Connor's normal approximation."""

    gap: float
    discordance: float
    alpha: float
    power: float
    exact: int | None
    connor: int


def _cells(gap: float, discordance: float) -> tuple[float, float]:
    if not 0 < discordance <= 1 or not 0 < gap <= discordance:
        raise ValueError("need 0 < gap <= discordance <= 1")
    return (discordance + gap) / 2, (discordance - gap) / 2


def _critical_lower(m: np.ndarray, alpha: float) -> np.ndarray:
    """Largest b with two-sided exact p = 2 P(B <= b | m, 1/2) <= alpha (-1 if none)."""
    b = binom.ppf(alpha / 2, m, 0.5)
    # ppf gives the smallest b with cdf >= alpha/2; step back where the cdf overshoots.
    b = np.where(binom.cdf(b, m, 0.5) <= alpha / 2, b, b - 1)
    return b.astype(np.int64)


def mcnemar_power_exact(tests: int, gap: float, discordance: float, alpha: float = 0.05) -> float:
    """Exact power: sum over the number of discordant tests m ~ Bin(n, discordance) of
    P(reject | m), B | m ~ Bin(m, p10 / discordance), rejection region of the exact test."""
    p10, _ = _cells(gap, discordance)
    m = np.arange(tests + 1)
    lo = _critical_lower(m, alpha)
    share = p10 / discordance
    reject = binom.cdf(lo, m, share) + binom.sf(m - lo - 1, m, share)
    reject = np.where(lo >= 0, reject, 0.0)
    return float(np.sum(binom.pmf(m, tests, discordance) * reject))


def mcnemar_power_connor(tests: int, gap: float, discordance: float, alpha: float = 0.05) -> float:
    """Connor (1987) Biometrics 43:207-211, eq. (2) solved for power:
    Phi((|gap| sqrt(n) - z_{a/2} sqrt(psi)) / sqrt(psi - gap^2))."""
    _cells(gap, discordance)
    z = norm.isf(alpha / 2)
    spread = discordance - gap * gap
    if spread <= 0:
        return 1.0
    return float(norm.cdf((gap * math.sqrt(tests) - z * math.sqrt(discordance)) / math.sqrt(spread)))


def mcnemar_power(tests: int, gap: float, discordance: float, alpha: float = 0.05) -> Power:
    """Both power figures for `tests` paired tests."""
    return Power(tests, gap, discordance, alpha, mcnemar_power_exact(tests, gap, discordance, alpha),
                 mcnemar_power_connor(tests, gap, discordance, alpha))


def connor_tests(gap: float, discordance: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Connor (1987) eq. (2): n = (z_{a/2} sqrt(psi) + z_b sqrt(psi - gap^2))^2 / gap^2."""
    _cells(gap, discordance)
    za, zb = norm.isf(alpha / 2), norm.isf(1 - power)
    return math.ceil((za * math.sqrt(discordance) + zb * math.sqrt(max(discordance - gap * gap, 0))) ** 2 / gap**2)


def tests_needed(gap: float, discordance: float, alpha: float = 0.05, power: float = 0.8,
                 max_tests: int = 100_000) -> TestsNeeded:
    """Smallest n whose exact power reaches `power`, scanning up from below Connor's n.

    Exact power saw-tooths with n (discreteness); the smallest n reaching the target
    is reported. Connor's figure is shown beside it: it tends to undershoot.
    """
    start = connor_tests(gap, discordance, alpha, power)
    n = max(1, int(start * 0.7))
    while n <= max_tests:
        if mcnemar_power_exact(n, gap, discordance, alpha) >= power:
            return TestsNeeded(gap, discordance, alpha, power, n, start)
        n += 1 if n < 2000 else max(1, n // 200)
    return TestsNeeded(gap, discordance, alpha, power, None, start)


def min_discordant_to_flag(targets: int, fdr: float = 0.05) -> int:
    """Fewest discordant tests, all favouring the reference, for a flag among `targets`.

    Such a target has one-sided p = 2^-m; flagged alone by Benjamini-Hochberg it needs
    p <= fdr / targets, i.e. m >= log2(targets / fdr).
    """
    return math.ceil(math.log2(targets / fdr) - 1e-12)


def flag_probability(tests: int, share_reference: float, discordance: float, targets: int,
                     fdr: float = 0.05) -> float:
    """Chance that a target with `tests` paired tests is flagged alone at the round's FDR.

    Discordant tests M ~ Bin(tests, discordance); those favouring the reference
    B | M ~ Bin(M, share_reference); flagged when P(Bin(M, 1/2) >= B) <= fdr / targets.
    """
    m = np.arange(tests + 1)
    threshold = fdr / targets
    # smallest b per m with one-sided p <= threshold (m + 1 when none)
    b = np.arange(tests + 1)[None, :]
    ok = (binom.sf(b - 1, m[:, None], 0.5) <= threshold) & (b <= m[:, None])
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), m + 1)
    flagged = binom.sf(first - 1, m, share_reference)
    return float(np.sum(binom.pmf(m, tests, discordance) * flagged))


def tests_per_target(share_reference: float, discordance: float, targets: int, fdr: float = 0.05,
                     power: float | None = None, max_tests: int = 2000) -> int | None:
    """Paired tests one target needs to be flagged at the round's FDR among `targets`.

    Without `power`: the target shows exactly its share (expected counts, 'same
    pattern'): the smallest n with round(n discordance) discordant tests of which
    round(share x that) favour the reference reaching p <= fdr / targets. With
    `power`: the smallest n whose flag probability (exact enumeration) reaches it.
    """
    if not 0.5 < share_reference <= 1 or not 0 < discordance <= 1:
        raise ValueError("need 0.5 < share_reference <= 1 and 0 < discordance <= 1")
    threshold = fdr / targets
    for n in range(1, max_tests + 1):
        if power is None:
            m = round(n * discordance)
            b = round(m * share_reference)
            if m and binom.sf(b - 1, m, 0.5) <= threshold:
                return n
        elif flag_probability(n, share_reference, discordance, targets, fdr) >= power:
            return n
    return None
