"""Test-level classification: which group did each test favour, and the sign test."""
from __future__ import annotations

import numpy as np
from scipy.stats import binom, binomtest

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


def net_rates(counts: TestCounts) -> dict[str, float | None]:
    """Gross and net discrimination rates.

    Riach & Rich (2002) Economic Journal 112:F480: gross and net rates over the tests
    with at least one positive; the HUD convention divides the net count by all tests.
    """
    with_positive = counts.reference_favoured + counts.group_favoured + counts.equal_positive
    total = with_positive + counts.no_positive
    net = counts.reference_favoured - counts.group_favoured
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
    p = float(binomtest(b, m, 0.5).pvalue)
    hi = max(b, c)
    mid = 2 * (float(binom.sf(hi - 1, m, 0.5)) - 0.5 * float(binom.pmf(hi, m, 0.5)))
    return p, min(mid, 1.0)
