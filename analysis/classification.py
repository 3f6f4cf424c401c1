"""Test-level classification: which group did each test favour, and the sign test."""
from __future__ import annotations

import numpy as np

from analysis.distributions import binom
from analysis.result import TestCounts

REFERENCE_FAVOURED, GROUP_FAVOURED, EQUAL_POSITIVE, NO_POSITIVE = 0, 1, 2, 3


def classify(n_ref, k_ref, n_grp, k_grp) -> np.ndarray:
    """Class of each test by the share of positives of each group within the test.

    Shares are compared by cross-multiplication (k_ref * n_grp vs k_grp * n_ref),
    so no rounding can turn an equal share into a favoured one.
    """
    left = np.asarray(k_ref) * np.asarray(n_grp)
    right = np.asarray(k_grp) * np.asarray(n_ref)
    any_positive = (np.asarray(k_ref) + np.asarray(k_grp)) > 0
    return np.select(
        [left > right, left < right, any_positive],
        [REFERENCE_FAVOURED, GROUP_FAVOURED, EQUAL_POSITIVE],
        default=NO_POSITIVE,
    )


def count_classes(classes: np.ndarray) -> TestCounts:
    """Counts of the four classes."""
    c = np.bincount(classes, minlength=4)
    return TestCounts(int(c[0]), int(c[1]), int(c[2]), int(c[3]))


def net_rates(counts: TestCounts, expected_difference: float = 0.0) -> dict[str, float | None]:
    """Gross and net discrimination rates.

    Riach & Rich (2002) Economic Journal 112:F480: gross and net rates over the tests
    with at least one positive; the HUD convention divides the net count by all tests.
    `expected_difference`: E[reference favoured] - E[group favoured] under equal
    treatment, subtracted from the net count (0 when both groups are equally many
    in every test; see `expected_favoured`).
    """
    with_positive = counts.reference_favoured + counts.group_favoured + counts.equal_positive
    total = with_positive + counts.no_positive
    net = counts.reference_favoured - counts.group_favoured - expected_difference
    return {
        "gross_reference_favoured": counts.reference_favoured / with_positive if with_positive else None,
        "gross_group_favoured": counts.group_favoured / with_positive if with_positive else None,
        "net_discrimination": net / with_positive if with_positive else None,
        "net_discrimination_all_tests": net / total if total else None,
    }


def sign_test(b: int, c: int) -> tuple[float, float]:
    """Exact two-sided sign test of b vs c discordant tests, and its mid-p value.

    For pairs this is the exact McNemar test. Under H0 b ~ Binomial(b + c, 1/2); the
    distribution is symmetric, so two-sided = twice the smaller tail (capped at 1),
    and mid-p = twice (tail - half the point probability) (Lancaster 1961, JASA 56:223).
    """
    m = b + c
    if m == 0:
        return 1.0, 1.0
    hi = max(b, c)
    tail = float(binom.sf(hi - 1, m, 0.5))  # P(X >= max(b, c))
    mid = 2 * (tail - 0.5 * float(binom.pmf(hi, m, 0.5)))
    return min(2 * tail, 1.0), min(mid, 1.0)


def expected_favoured(n_ref, n_grp, total) -> tuple[float, float]:
    """Expected numbers of tests favouring the reference and the group under equal treatment.

    Given its K positives, a test's reference positives are hypergeometric; the test
    favours the reference when k_ref n_grp > (K - k_ref) n_ref. With equal numbers per
    group the two expectations are equal; with 2 reference and 1 other application
    they are not, which biases the raw counts, the sign test and net discrimination.
    """
    from analysis.distributions import hypergeom

    n_ref, n_grp, total = (np.asarray(a, dtype=np.int64) for a in (n_ref, n_grp, total))
    if not len(total):
        return 0.0, 0.0
    keys, inverse = np.unique(np.column_stack([n_ref, n_grp, total]), axis=0, return_inverse=True)
    weight = np.bincount(inverse.ravel(), minlength=len(keys))
    ref_fav = grp_fav = 0.0
    for (nr, ng, k), w in zip(keys, weight, strict=True):
        y = np.arange(max(0, k - ng), min(k, nr) + 1)
        pmf = hypergeom.pmf(y, nr + ng, nr, k)
        ref_fav += w * float(pmf[y * ng > (k - y) * nr].sum())
        grp_fav += w * float(pmf[y * ng < (k - y) * nr].sum())
    return ref_fav, grp_fav


def stratified_exact_test(n_ref, n_grp, total, k_ref) -> float:
    """Two-sided exact test that the reference's positives are as expected, stratified by test.

    The sum over tests of hypergeometric counts (the per-target test of analysis.targets
    over the whole comparison): p = min(1, 2 min(P(S >= s), P(S <= s))). The
    distribution is built per distinct test pattern by repeated squaring with FFT
    convolution (Fisher 1935's permutation argument; Mantel & Haenszel 1959 strata).
    """
    from analysis.distributions import hypergeom

    n_ref, n_grp, total, k_ref = (np.asarray(a, dtype=np.int64) for a in (n_ref, n_grp, total, k_ref))
    inf = (total > 0) & (total < n_ref + n_grp)
    if not inf.any():
        return 1.0
    n_ref, n_grp, total = n_ref[inf], n_grp[inf], total[inf]
    keys, inverse = np.unique(np.column_stack([n_ref, n_grp, total]), axis=0, return_inverse=True)
    weight = np.bincount(inverse.ravel(), minlength=len(keys))
    dist, low = np.ones(1), 0
    for (nr, ng, k), w in zip(keys, weight, strict=True):
        lo = max(0, k - ng)
        pmf = hypergeom.pmf(np.arange(lo, min(k, nr) + 1), nr + ng, nr, k)
        dist = np.clip(fft_convolve(dist, _power(pmf, int(w))), 0, None)
        low += lo * int(w)
    dist /= dist.sum()
    s = int(k_ref[inf].sum()) - low
    upper, lower = float(dist[s:].sum()), float(dist[: s + 1].sum())
    return min(1.0, 2 * min(upper, lower))


def _power(pmf: np.ndarray, times: int) -> np.ndarray:
    """pmf convolved with itself `times` times, by repeated squaring."""
    out, base = np.ones(1), pmf
    while times:
        if times & 1:
            out = np.clip(fft_convolve(out, base), 0, None)
        times >>= 1
        if times:
            base = np.clip(fft_convolve(base, base), 0, None)
    return out


def fft_convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Full linear convolution of two real sequences through the FFT (the convolution theorem).

    What scipy.signal.fftconvolve does for 1-D input: zero-pad both to a fast length
    >= len(a) + len(b) - 1, multiply the real FFTs, transform back. Done with scipy.fft,
    which scipy.stats loads anyway, instead of importing scipy.signal (a tenth of a second
    at the start of every command-line analysis). Rounding leaves values near 0 slightly
    negative; the callers clip them.
    """
    from scipy import fft

    n = len(a) + len(b) - 1
    size = fft.next_fast_len(n, real=True)
    return fft.irfft(fft.rfft(a, size) * fft.rfft(b, size), size)[:n]
