"""Group rates and Wilson intervals against statsmodels and closed forms."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from analysis import Applications
from analysis.data import Layout
from analysis.rates import group_rates, wilson, z_value


@pytest.mark.parametrize("level", [0.80, 0.90, 0.99])
def test_z_value_is_the_two_sided_normal_quantile(level):
    assert z_value(level) == pytest.approx(norm.isf((1 - level) / 2), rel=1e-12)


def test_z_value_defaults_to_95_percent():
    assert z_value() == pytest.approx(1.959963984540054, rel=1e-12)


@pytest.mark.parametrize("level", [0.90, 0.99])
def test_wilson_matches_statsmodels_over_every_count(level):
    n = 13
    k = np.arange(n + 1)
    lo, hi = wilson(k, np.full(n + 1, n), level)
    expected_lo, expected_hi = proportion_confint(k, n, alpha=1 - level, method="wilson")
    assert lo == pytest.approx(expected_lo, abs=1e-12)
    assert hi == pytest.approx(expected_hi, abs=1e-12)


def test_wilson_defaults_to_95_percent():
    lo, hi = wilson(7, 20)
    assert (float(lo), float(hi)) == pytest.approx(proportion_confint(7, 20, alpha=0.05, method="wilson"), abs=1e-12)


def test_wilson_limits_at_the_ends_are_exactly_zero_and_one():
    # k = 0: centre = z^2 / 2 / (n + z^2) and half = z sqrt(z^2 / 4) / (n + z^2), the same number, so the
    # lower limit is 0 and the upper z^2 / (n + z^2); k = n mirrored. The limits are clipped into [0, 1].
    z = norm.isf(0.025)
    lo, hi = wilson([0, 10], [10, 10])
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert hi[0] == pytest.approx(z * z / (10 + z * z), rel=1e-12)
    assert lo[1] == pytest.approx(10 / (10 + z * z), rel=1e-12)


def test_wilson_with_no_applications_is_undefined_without_a_warning():
    # warnings are errors in this suite: 0 / 0 must stay quiet and give NaN limits
    lo, hi = wilson(np.array([0.0, 3.0]), np.array([0.0, 4.0]))
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and 0 < lo[1] < hi[1] < 1


def _three_groups() -> Applications:
    # group a: 4 applications, 1 positive; b: 5 applications, 5 positive; c: 3 applications, 0 positive,
    # spread over tests so that the sums run over several rows of the layout.
    rows = [("t1", "a", True), ("t1", "b", True), ("t1", "c", False), ("t2", "a", False), ("t2", "b", True),
            ("t2", "c", False), ("t3", "a", False), ("t3", "b", True), ("t3", "b", True), ("t4", "a", False),
            ("t4", "b", True), ("t4", "c", False)]
    return Applications(test_id=[r[0] for r in rows], target=[r[0] for r in rows], group=[r[1] for r in rows],
                        positive=[r[2] for r in rows])


@pytest.mark.parametrize("level", [None, 0.90])
def test_group_rates_count_every_test_and_use_the_level(level):
    layout = Layout.of(_three_groups())
    rates = group_rates(layout) if level is None else group_rates(layout, level)
    alpha = 0.05 if level is None else 1 - level
    assert [(r.group, r.applications, r.positives) for r in rates] == [("a", 4, 1), ("b", 5, 5), ("c", 3, 0)]
    assert [r.rate for r in rates] == [0.25, 1.0, 0.0]
    for r in rates:
        assert r.ci95 == pytest.approx(proportion_confint(r.positives, r.applications, alpha=alpha,
                                                          method="wilson"), abs=1e-12)
        assert all(type(x) is float for x in (r.rate, *r.ci95)) and type(r.applications) is int


@pytest.mark.parametrize(("n", "level"), [(32, 0.90), (33, 0.90), (37, 0.90)])
def test_wilson_upper_limit_of_all_positive_is_one_not_more(n, level):
    # k = n: centre + half = (n + z^2 / 2) / (n + z^2) + (z^2 / 2) / (n + z^2) = 1 exactly, but the two
    # rounded quotients add up to 1 + 2^-52 for these n: the limit is clipped to 1.
    lo, hi = wilson(n, n, level)
    assert float(hi) == 1.0
    assert float(lo) == pytest.approx(proportion_confint(n, n, alpha=1 - level, method="wilson")[0], abs=1e-12)
