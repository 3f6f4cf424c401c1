"""Planning: power of the exact McNemar test, tests per round, tests per target.

Parametrisation: in a paired test the reference applicant alone is positive with
probability p10 and the other alone with p01; the gap is p10 - p01 and the
discordance p10 + p01.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.distributions import binom, norm
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
    if n > 1 and mcnemar_power_exact(n, gap, discordance, alpha) >= power:
        # Connor's n overshoots where few tests favour the other group (by 40 % and more when
        # none does): scan from the first n whose discordant tests can reach the power at all.
        n = _first_reachable(discordance, alpha, power, n)
    while n < 2000 and n <= max_tests:  # every n: a block of candidates at once
        block = np.arange(n, min(n + 64, 2000, max_tests + 1))
        hit = np.flatnonzero(_exact_power_many(block, gap, discordance, alpha) >= power)
        if len(hit):
            return TestsNeeded(gap, discordance, alpha, power, int(block[hit[0]]), start)
        n = int(block[-1]) + 1
    while n <= max_tests:
        if mcnemar_power_exact(n, gap, discordance, alpha) >= power:
            return TestsNeeded(gap, discordance, alpha, power, n, start)
        n += max(1, n // 200)
    return TestsNeeded(gap, discordance, alpha, power, None, start)


def _first_reachable(discordance: float, alpha: float, power: float, below: int) -> int:
    """Smallest n < `below` with P(M >= m_min) >= power, else `below`; no smaller n has that exact power.

    The exact test rejects only with at least m_min discordant tests (m_min: the first m whose
    rejection region is not empty), so its power at n is at most P(Bin(n, discordance) >= m_min),
    which grows with n.
    """
    # If no m below 1,100 can reject (alpha tiny), argmax gives 0: the scan then starts at n = 1,
    # which is only slower, never wrong.
    m_min = int(np.argmax(_critical_lower(np.arange(1100), alpha) >= 0))
    n = np.arange(1, below)
    reachable = np.flatnonzero(binom.sf(m_min - 1, n, discordance) >= power)
    return int(n[reachable[0]]) if len(reachable) else below


def _exact_power_many(ns: np.ndarray, gap: float, discordance: float, alpha: float) -> np.ndarray:
    """mcnemar_power_exact for several n at once (the rejection probability given m does not depend on n)."""
    p10, _ = _cells(gap, discordance)
    m = np.arange(int(ns.max()) + 1)
    lo = _critical_lower(m, alpha)
    share = p10 / discordance
    reject = np.where(lo >= 0, binom.cdf(lo, m, share) + binom.sf(m - lo - 1, m, share), 0.0)
    weights = binom.pmf(m[None, :], ns[:, None], discordance)  # zero where m > n
    return weights @ reject


def min_discordant_to_flag(targets: int, fdr: float = 0.05) -> int:
    """Fewest discordant tests, all favouring the reference, for a flag among `targets`.

    Such a target has one-sided p = 2^-m; flagged alone by Benjamini-Hochberg it needs
    p <= fdr / targets, i.e. m >= log2(targets / fdr).
    """
    return math.ceil(math.log2(targets / fdr) - 1e-12)


def _critical_upper(m: np.ndarray, threshold: float) -> np.ndarray:
    """Smallest b with one-sided P(Bin(m, 1/2) >= b) <= threshold (m + 1 when no b reaches it)."""
    m = np.asarray(m, dtype=np.int64)
    b = binom.isf(threshold, m, 0.5).astype(np.int64) + 1  # isf: smallest x with sf(x) <= threshold
    # Guard against rounding in isf: at a threshold equal to a tail probability deep in the tail
    # (below about 1e-16) it overshoots, by one at m = 54 and by more further out. Step back while
    # the b below reaches the threshold too (once, typically finding nothing), then forward if short.
    while True:
        back = (b > 0) & (binom.sf(b - 2, m, 0.5) <= threshold)
        if not back.any():
            break
        b = np.where(back, b - 1, b)
    b = np.where(binom.sf(b - 1, m, 0.5) <= threshold, b, b + 1)
    return np.minimum(b, m + 1)


def _flag_given_discordant(max_tests: int, share_reference: float, threshold: float) -> np.ndarray:
    """P(flag alone | m discordant tests) for m = 0..max_tests: B | m ~ Bin(m, share) reaching the critical value."""
    m = np.arange(max_tests + 1)
    crit = _critical_upper(m, threshold)
    return np.where(crit <= m, binom.sf(crit - 1, m, share_reference), 0.0)


def flag_probability(tests: int, share_reference: float, discordance: float, targets: int,
                     fdr: float = 0.05) -> float:
    """Exact chance that a target with `tests` paired tests and the given pattern is flagged alone.

    Discordant tests M ~ Bin(tests, discordance); those favouring the reference
    B | M ~ Bin(M, share_reference); flagged alone by Benjamini-Hochberg among
    `targets` comparisons when P(Bin(M, 1/2) >= B) <= fdr / targets. Alone is the
    worst case: BH can flag several extreme targets together at up to k fdr / targets.
    """
    given = _flag_given_discordant(tests, share_reference, fdr / targets)
    return float(binom.pmf(np.arange(tests + 1), tests, discordance) @ given)


def tests_per_target(share_reference: float, discordance: float, targets: int, fdr: float = 0.05,
                     power: float | None = None, max_tests: int = 2000) -> int | None:
    """Paired tests one target needs to be flagged alone at the round's FDR among `targets`.

    Without `power`: the target shows exactly its share (expected counts, 'same
    pattern'): the smallest n with round(n discordance) discordant tests of which
    round(share x that) favour the reference reaching p <= fdr / targets. With
    `power`: the smallest n whose flag probability (exact enumeration) reaches it.
    """
    if not 0.5 < share_reference <= 1 or not 0 < discordance <= 1:
        raise ValueError("need 0.5 < share_reference <= 1 and 0 < discordance <= 1")
    threshold = fdr / targets
    if power is None:
        n = np.arange(1, max_tests + 1)
        m = np.round(n * discordance)  # numpy rounds half to even, as Python's round()
        b = np.round(m * share_reference)
        hit = np.flatnonzero((m > 0) & (binom.sf(b - 1, m, 0.5) <= threshold))
        return int(n[hit[0]]) if len(hit) else None
    given = _flag_given_discordant(max_tests, share_reference, threshold)
    # P(M = m) for n tests from the row for n - 1 (Pascal's rule): one pass, no pmf per n.
    row = np.zeros(max_tests + 2)
    row[0] = 1.0
    for n in range(1, max_tests + 1):
        row[1:n + 1] = row[1:n + 1] * (1 - discordance) + row[:n] * discordance
        row[0] *= 1 - discordance
        if row[:n + 1] @ given[:n + 1] >= power:
            return n
    return None
