"""The default maximum of a sequential rule reaches the fixed design's power: checked by brute force.

Everything here is computed from first principles in the test, not with `analysis.sequential`'s or
`analysis.power`'s functions: exact p-values as fractions of binomial counts, the calibration by
walking every sign sequence, the rule's power within T tests by walking every sign sequence (and, for
a small case, every sequence of test outcomes), the fixed design's power from the multinomial counts.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from analysis import sequential as seq


def tail(b: int, k: int) -> Fraction:
    """P(Bin(k, 1/2) >= b), exactly."""
    return Fraction(sum(math.comb(k, j) for j in range(max(b, 0), k + 1)), 2**k)


def first_crossings(n_max: int, boundary: Fraction) -> dict[tuple[bool, ...], int | None]:
    """For every sign sequence of length n_max: the first k with p <= boundary (None: never)."""
    out = {}
    for signs in itertools.product((True, False), repeat=n_max):
        b, hit = 0, None
        for k, favours in enumerate(signs, start=1):
            b += favours
            if tail(b, k) <= boundary:
                hit = k
                break
        out[signs] = hit
    return out


def brute_calibration(n_max: int, alpha: float) -> Fraction | None:
    """The largest attainable p <= alpha whose type I error (share 1/2, all 2^N sequences) is <= alpha."""
    attainable = sorted({tail(b, k) for k in range(1, n_max + 1) for b in range(k + 1)}, reverse=True)
    for c in attainable:
        if c > alpha:
            continue
        crossings = first_crossings(n_max, c)
        if Fraction(sum(hit is not None for hit in crossings.values()), 2**n_max) <= alpha:
            return c
    return None


def at_least(k: int, tests: int, discordance: float) -> float:
    return sum(math.comb(tests, j) * discordance**j * (1 - discordance) ** (tests - j) for j in range(k, tests + 1))


def brute_power_within(n_max: int, alpha: float, share: float, discordance: float, tests: int) -> float:
    """P(the calibrated rule stops for evidence within `tests` tests): the first crossing k along the signs
    needs k informative tests among the `tests` (independent of which signs they carry)."""
    c = brute_calibration(n_max, alpha)
    if c is None:
        return 0.0
    total = 0.0
    for signs, hit in first_crossings(n_max, c).items():
        if hit is None:
            continue
        weight = math.prod(share if s else 1 - share for s in signs)  # the full sequence: its prefix sums out
        total += weight * at_least(hit, tests, discordance)
    return total


def brute_fixed_power(tests: int, share: float, discordance: float, alpha: float) -> float:
    """P(exact sign test p <= alpha) after `tests` paired tests, summed over the multinomial counts."""
    ref, other, concordant = discordance * share, discordance * (1 - share), 1 - discordance
    total = 0.0
    for m in range(tests + 1):
        for b in range(m + 1):
            if m and tail(b, m) <= alpha:
                count = math.factorial(tests) // (math.factorial(b) * math.factorial(m - b) * math.factorial(tests - m))
                total += count * ref**b * other ** (m - b) * concordant ** (tests - m)
    return total


def brute_default(alpha, share, discordance, power, fixed_tests, limit=12):
    """The smallest N (linear scan) whose rule reaches `power` within max(fixed, ceil(N / discordance)) tests."""
    for n_max in range(1, limit + 1):
        tests = max(fixed_tests, math.ceil(n_max / discordance - 1e-9))
        if brute_power_within(n_max, alpha, share, discordance, tests) >= power:
            return n_max, tests
    return None


def pattern(ref_rate: float, other_rate: float) -> tuple[float, float]:
    discordance = ref_rate * (1 - other_rate) + other_rate * (1 - ref_rate)
    return (discordance + ref_rate - other_rate) / (2 * discordance), discordance


def test_power_within_tests_by_walking_every_sequence_of_test_outcomes():
    """The decomposition (first crossing x P(enough informative tests)) against all 3^8 outcome sequences."""
    share, discordance = pattern(0.8, 0.2)
    n_max, tests, alpha = 6, 8, 0.05
    c = brute_calibration(n_max, alpha)
    p = {"ref": discordance * share, "other": discordance * (1 - share), "same": 1 - discordance}
    total = 0.0
    for outcomes in itertools.product(p, repeat=tests):
        k = b = 0
        for outcome in outcomes:
            if outcome == "same" or k == n_max:
                continue
            k, b = k + 1, b + (outcome == "ref")
            if tail(b, k) <= c:
                total += math.prod(p[o] for o in outcomes)
                break
    assert brute_power_within(n_max, alpha, share, discordance, tests) == pytest.approx(total, abs=1e-12)
    assert seq.power_within_tests(n_max, alpha, share, discordance, tests) == pytest.approx(total, abs=1e-12)


@pytest.mark.parametrize(("ref_rate", "other_rate", "fixed_tests"), [(0.8, 0.2, 12), (0.7, 0.2, 12), (0.8, 0.2, 10)])
def test_default_maximum_is_the_smallest_that_keeps_the_fixed_designs_power(ref_rate, other_rate, fixed_tests):
    share, discordance = pattern(ref_rate, other_rate)
    alpha = 0.05
    fixed_power = brute_fixed_power(fixed_tests, share, discordance, alpha)
    expected = brute_default(alpha, share, discordance, fixed_power, fixed_tests)
    assert expected is not None
    found = seq.maximum_for_power(alpha, share, discordance, fixed_power, fixed_tests)
    assert found == expected
    n_max, tests = found
    assert tests > fixed_tests  # the rule needs a larger maximum than the fixed design ...
    power = brute_power_within(n_max, alpha, share, discordance, tests)
    assert power >= fixed_power
    # ... and the rule capped at the fixed design's tests (what the default was before) falls short of it.
    assert brute_power_within(n_max, alpha, share, discordance, fixed_tests) < fixed_power


def test_fixed_power_brute_force_agrees_with_the_planning_function():
    from analysis import power as stats

    share, discordance = pattern(0.8, 0.2)
    assert stats.flag_probability(12, share, discordance, 1, 0.05) == pytest.approx(
        brute_fixed_power(12, share, discordance, 0.05), abs=1e-12)


def test_no_maximum_when_the_power_cannot_be_reached():
    share, discordance = pattern(0.8, 0.2)
    assert seq.maximum_for_power(0.05, share, discordance, 0.999999, 10, limit=8) is None
