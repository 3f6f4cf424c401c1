"""Paired intervals against published worked examples."""
from __future__ import annotations

import math

import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from analysis.paired import _tango_statistic, bonett_price_ratio, newcombe_paired, tango

# Newcombe RG (1998) Stat Med 17:2635-2650, worked examples, method 10 limits.
# Cells e, f, g, h = both positive, first only, second only, neither.
NEWCOMBE_METHOD_10 = [
    ((36, 12, 2, 0), (0.0569, 0.3404)), ((20, 12, 2, 16), (0.0562, 0.3292)), ((18, 12, 2, 18), (0.0562, 0.3290)),
    ((36, 14, 0, 0), (0.1528, 0.4167)), ((35, 14, 0, 1), (0.1461, 0.4175)), ((18, 14, 0, 18), (0.1441, 0.3963)),
    ((2, 97, 1, 0), (0.8721, 0.9854)), ((1, 97, 1, 1), (0.8736, 0.9850)), ((0, 29, 1, 0), (0.6666, 0.9882)),
    ((2, 98, 0, 0), (0.9178, 0.9945)), ((1, 98, 0, 1), (0.9171, 0.9916)), ((0, 30, 0, 0), (0.8395, 1.0)),
    ((54, 0, 0, 0), (-0.0664, 0.0664)), ((53, 0, 0, 1), (-0.0729, 0.0729)), ((30, 0, 0, 24), (-0.0358, 0.0358)),
    ((29, 0, 0, 25), (-0.0354, 0.0354)), ((28, 0, 0, 26), (-0.0352, 0.0352)), ((27, 0, 0, 27), (-0.0351, 0.0351)),
]


@pytest.mark.parametrize(("cells", "limits"), NEWCOMBE_METHOD_10)
def test_newcombe_method_10(cells, limits):
    # Printed to 4 decimals; the (1, 97, 1, 1) lower limit is printed one unit low
    # in the paper (0.87367 computes and rounds to 0.8737), hence 1e-4.
    assert newcombe_paired(*cells) == pytest.approx(limits, abs=1e-4)


def test_newcombe_cavo_example():
    # Fagerland, Lydersen & Laake (2014) Stat Med 33:2850, Cavo et al. (2012) table
    assert newcombe_paired(59, 6, 16, 80) == pytest.approx((-0.1186, -0.0046), abs=5e-5)


@pytest.mark.parametrize(
    ("b", "c", "n", "level", "limits"),
    [
        (9, 3, 32, 0.95, (-0.027, 0.390)),  # Tango (1998) Stat Med 17:891, example 1
        (0, 1, 44, 0.90, (-0.096, 0.037)),  # Tango (1998), example 2 (43 concordant pairs)
        (6, 16, 161, 0.95, (-0.1240, -0.0054)),  # Fagerland et al. (2014), Cavo et al. data
    ],
)
def test_tango_score_interval(b, c, n, level, limits):
    digits = 5e-4 if limits[0] == round(limits[0], 3) else 5e-5
    assert tango(b, c, n, level) == pytest.approx(limits, abs=digits)


def test_tango_excludes_zero_exactly_when_the_uncorrected_mcnemar_rejects():
    z2 = 1.959963984540054**2
    for b in range(13):
        for c in range(13):
            if b + c == 0 or abs((b - c) ** 2 / (b + c) - z2) < 1e-3:
                continue
            lo, hi = tango(b, c, 30)
            assert (lo > 0 or hi < 0) == ((b - c) ** 2 / (b + c) > z2)


def test_bonett_price_ratio_cavo_example():
    # Fagerland et al. (2014): ratio 0.8667, 95% interval 0.7579 to 0.9910
    assert bonett_price_ratio(59, 6, 16) == pytest.approx((0.7579, 0.9910), abs=5e-5)


@pytest.mark.parametrize("n", [5, 10, 40])
@pytest.mark.parametrize("level", [0.90, 0.95])
def test_tango_when_every_test_favours_one_side(n, level):
    # c = 0, b = n: Tango's restricted MLE is q = (1 - delta) / 2, the variance n (1 - delta^2) and the
    # statistic sqrt(n (1 - delta) / (1 + delta)); it equals z at delta = (n - z^2) / (n + z^2), a
    # closed form. The other limit is the end of the range, 1. Mirrored for c = n.
    z = norm.isf((1 - level) / 2)
    lower = (n - z * z) / (n + z * z)
    assert tango(n, 0, n, level) == pytest.approx((lower, 1.0), abs=1e-9)
    assert tango(0, n, n, level) == pytest.approx((-1.0, -lower), abs=1e-9)


def test_tango_with_no_discordant_test():
    # b = c = 0: A = 2n, B = 2n delta, C = 0, so q = 0 for delta > 0 and the statistic is
    # -sqrt(n delta / (1 - delta)); it equals -z at delta = z^2 / (n + z^2), and mirrored below 0.
    z = norm.isf(0.025)
    limit = z * z / (20 + z * z)
    assert tango(0, 0, 20) == pytest.approx((-limit, limit), abs=1e-9)


def _wilson_statsmodels(k, n, z):
    return proportion_confint(k, n, alpha=2 * norm.sf(z), method="wilson")


@pytest.mark.parametrize(("a", "b", "c"), [(59, 6, 16), (10, 3, 1), (0, 5, 0), (0, 0, 5), (4, 0, 0)])
def test_bonett_price_against_statsmodels_wilson_limits(a, b, c):
    # Bonett & Price (2006): z* = A / (B + C) z with A = sqrt((b + c + 2) / ((n1 + 1)(n2 + 1))),
    # B = sqrt((1 - (n1 + 1) / (n* + 2)) / (n1 + 1)), C likewise for n2; Wilson limits of n1 and n2
    # among n* = a + b + c at z* (statsmodels), then l1 / u2 and u1 / l2 (infinite when l2 = 0).
    n_star, n1, n2 = a + b + c, a + b, a + c
    big_a = math.sqrt((b + c + 2) / ((n1 + 1) * (n2 + 1)))
    big_b = math.sqrt((1 - (n1 + 1) / (n_star + 2)) / (n1 + 1))
    big_c = math.sqrt((1 - (n2 + 1) / (n_star + 2)) / (n2 + 1))
    z = big_a / (big_b + big_c) * norm.isf(0.025)
    l1, u1 = _wilson_statsmodels(n1, n_star, z)
    l2, u2 = _wilson_statsmodels(n2, n_star, z)
    lower, upper = bonett_price_ratio(a, b, c)
    assert lower == pytest.approx(l1 / u2, rel=1e-9, abs=1e-12)
    if n2 == 0:
        assert upper == math.inf
    else:
        assert upper == pytest.approx(u1 / l2, rel=1e-9)


def test_bonett_price_with_no_informative_cell():
    assert bonett_price_ratio(0, 0, 0) == (0.0, math.inf)
    lo, hi = bonett_price_ratio(3, 0, 0)  # ratio 1 exactly; the interval holds it
    assert lo < 1 < hi


def _newcombe_by_hand(a, b, c, d, level):
    """Newcombe (1998b) method 10 from statsmodels' Wilson limits of both margins (phi shrunk when ad > bc)."""
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = proportion_confint(a + b, n, alpha=1 - level, method="wilson")
    l2, u2 = proportion_confint(a + c, n, alpha=1 - level, method="wilson")
    cross = a * d - b * c
    if cross > 0:
        cross = max(cross - n / 2, 0)
    product = (a + b) * (c + d) * (a + c) * (b + d)
    phi = cross / math.sqrt(product) if product else 0.0
    lower = p1 - p2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    upper = p1 - p2 + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    return lower, upper


@pytest.mark.parametrize("cells", [(36, 12, 2, 0), (20, 12, 2, 16), (59, 6, 16, 80), (3, 1, 4, 2)])
def test_newcombe_at_ninety_percent(cells):
    assert newcombe_paired(*cells, level=0.90) == pytest.approx(_newcombe_by_hand(*cells, 0.90), abs=1e-12)


def test_newcombe_with_one_test_of_each_discordant_kind():
    # a = d = 0, b = c = 1: every margin is 1, the product is 1 and phi = (0 - 1) / 1 = -1, so the
    # half-widths add: theta = 0 -/+ (w + w), w the Wilson distance of 1 of 2 from 1/2.
    lo, hi = proportion_confint(1, 2, alpha=0.05, method="wilson")
    assert newcombe_paired(0, 1, 1, 0) == pytest.approx((-(hi - lo), hi - lo), abs=1e-12)
    # a = d = 1: cross = 1 - n/2 = 0 after Newcombe's shrinking, phi = 0: square-and-add of two half-widths
    assert newcombe_paired(1, 0, 0, 1) == pytest.approx((-(hi - lo) / math.sqrt(2), (hi - lo) / math.sqrt(2)),
                                                       abs=1e-12)


def test_tango_statistic_with_zero_variance_is_infinite():
    # b = c = 0 at delta = 0: A = 2n, B = 0, C = 0, so q = 0 and the variance n (2q + delta (1 - delta)) is 0;
    # the statistic is then infinite with the sign of its numerator b - c - n delta = 0 (+0.0: +inf).
    assert _tango_statistic(0.0, 0, 0, 10) == math.inf
