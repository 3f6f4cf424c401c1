"""Breakdowns by an attribute: the figures per value are those of the value's own applications, counted by hand,
and the heterogeneity test is statsmodels' clustered OLS on the rows chosen by hand."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.proportion import proportion_confint

from analysis import Applications
from analysis.breakdowns import attribute_values, breakdown
from analysis.comparison import compare
from analysis.data import Layout

# (test, group, positive, city). A: all three groups; B: ref with g1 or with g2, and a test of g2 alone;
# C: no reference; D: ref with g1 (two of g1 in d4: not paired), and g2 only in a test of its own;
# m1: no city recorded.
ROWS = [
    ("a1", "ref", 1, "A"), ("a1", "g1", 0, "A"), ("a1", "g2", 0, "A"),
    ("a2", "ref", 1, "A"), ("a2", "g1", 0, "A"), ("a2", "g2", 1, "A"),
    ("a3", "ref", 1, "A"), ("a3", "g1", 1, "A"), ("a3", "g2", 0, "A"),
    ("a4", "ref", 0, "A"), ("a4", "g1", 0, "A"), ("a4", "g2", 0, "A"),
    ("a5", "ref", 1, "A"), ("a5", "g1", 0, "A"), ("a5", "g2", 0, "A"),
    ("a6", "ref", 0, "A"), ("a6", "g1", 1, "A"), ("a6", "g2", 1, "A"),
    ("b1", "ref", 1, "B"), ("b1", "g1", 1, "B"), ("b2", "ref", 0, "B"), ("b2", "g1", 1, "B"),
    ("b3", "ref", 1, "B"), ("b3", "g1", 0, "B"), ("b4", "ref", 0, "B"), ("b4", "g1", 0, "B"),
    ("b5", "ref", 0, "B"), ("b5", "g1", 1, "B"), ("b6", "g2", 1, "B"),
    ("b7", "ref", 1, "B"), ("b7", "g2", 0, "B"), ("b8", "ref", 0, "B"), ("b8", "g2", 1, "B"),
    ("b9", "ref", 1, "B"), ("b9", "g2", 1, "B"),
    ("c1", "g1", 0, "C"), ("c1", "g2", 1, "C"), ("c2", "g1", 1, "C"), ("c2", "g2", 0, "C"),
    ("d1", "ref", 1, "D"), ("d1", "g1", 0, "D"), ("d3", "ref", 0, "D"), ("d3", "g1", 0, "D"),
    ("d4", "ref", 1, "D"), ("d4", "g1", 1, "D"), ("d4", "g1", 0, "D"), ("d2", "g2", 1, "D"),
    ("m1", "ref", 1, ""), ("m1", "g1", 0, ""), ("m1", "g2", 0, ""),
]


def _apps(rows, **extra) -> Applications:
    return Applications(test_id=[r[0] for r in rows], target=[r[0][0] for r in rows], group=[r[1] for r in rows],
                        positive=[bool(r[2]) for r in rows], attributes={"city": [r[3] for r in rows]}, **extra)


def test_figures_per_value_are_those_of_its_own_applications():
    apps = _apps(ROWS)
    out = breakdown(apps, Layout.of(apps), "city", "ref", level=0.90)
    assert out.attribute == "city" and out.applications_missing == 3  # m1's three applications
    assert [v.value for v in out.values] == ["A", "B", "C", "D"]
    # comparisons with the reference only where the group shares a test with it within the value
    expected_groups = {"A": ["g1", "g2"], "B": ["g1", "g2"], "C": [], "D": ["g1"]}
    for v in out.values:
        rows = [r for r in ROWS if r[3] == v.value]
        assert v.applications == len(rows)
        for rate in v.groups:
            mine = [r for r in rows if r[1] == rate.group]
            k = sum(r[2] for r in mine)
            assert (rate.applications, rate.positives) == (len(mine), k)
            assert rate.ci95 == pytest.approx(proportion_confint(k, len(mine), alpha=0.10, method="wilson"),
                                              abs=1e-12)
        assert sorted(r.group for r in v.groups) == sorted({r[1] for r in rows})
        assert [c.group for c in v.comparisons] == expected_groups[v.value]
        # each comparison is the one of a round made of this value's applications only, at the same level
        own = _apps(rows)
        own_layout = Layout.of(own)
        ref = own_layout.group_code("ref") if "ref" in own_layout.groups else None
        for c in v.comparisons:
            alone = compare(own, own_layout, ref, own_layout.group_code(c.group), level=0.90,
                            with_conditional_logit=False)
            assert c.to_dict() == alone.to_dict()
    # not paired: the conditional logit is not fitted in breakdowns (the closed form of pairs is)
    (d_g1,) = out.values[3].comparisons
    assert d_g1.design == "multi_application" and d_g1.conditional_logit is None


def _heterogeneity_by_hand(group: str):
    """Rows of tests where ref and `group` both applied, of those two groups, with a city: y ~ city + ref +
    ref:city, clustered by test, Wald test of the interactions."""
    both = {t for t in {r[0] for r in ROWS} if {"ref", group} <= {r[1] for r in ROWS if r[0] == t}}
    rows = [r for r in ROWS if r[0] in both and r[1] in ("ref", group) and r[3] != ""]
    cities = sorted({r[3] for r in rows})
    y = np.array([r[2] for r in rows], float)
    is_ref = np.array([r[1] == "ref" for r in rows], float)
    dummies = np.column_stack([[r[3] == c for r in rows] for c in cities[1:]]).astype(float)
    x = np.column_stack([np.ones(len(rows)), dummies, is_ref, dummies * is_ref[:, None]])
    tests = sorted(both)
    clusters = np.array([tests.index(r[0]) for r in rows])
    fit = OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    df = len(cities) - 1
    b = fit.params[-df:]
    stat = float(b @ np.linalg.solve(fit.cov_params()[-df:, -df:], b))
    return stat, df


def test_heterogeneity_uses_the_pairs_of_each_group_with_a_recorded_value():
    apps = _apps(ROWS)
    out = breakdown(apps, Layout.of(apps), "city", "ref")
    assert [h.group for h in out.heterogeneity] == ["g1", "g2"]
    for h in out.heterogeneity:
        stat, df = _heterogeneity_by_hand(h.group)
        assert (h.df, h.chi2) == (df, pytest.approx(stat, rel=1e-9))
        assert h.p_value == pytest.approx(chi2.sf(stat, df), rel=1e-9)
    assert [h.df for h in out.heterogeneity] == [2, 1]  # g1: A, B, D; g2: A, B


def test_breakdown_by_template_and_send_order():
    rows = [r for r in ROWS if r[3] in ("A", "B")]
    template = ["x" if r[0] in ("a1", "a2", "b1") else "y" for r in rows]
    apps = _apps(rows, template=template, send_order=[str(i % 2) for i in range(len(rows))])
    assert attribute_values(apps, "template").tolist() == template
    out = breakdown(apps, Layout.of(apps), "template", "ref")
    assert [(v.value, v.applications) for v in out.values] == [("x", 8), ("y", len(rows) - 8)]
    assert attribute_values(apps, "send_order").tolist() == [str(i % 2) for i in range(len(rows))]
    assert attribute_values(apps, "city").tolist() == [r[3] for r in rows]


def test_unknown_attributes_are_refused_with_the_known_ones():
    apps = _apps(ROWS)
    with pytest.raises(ValueError, match=r"^unknown attribute 'template'; attributes are: city$"):
        attribute_values(apps, "template")  # no template column recorded
    with pytest.raises(ValueError, match=r"^unknown attribute 'send_order'; attributes are: city$"):
        attribute_values(apps, "send_order")
    bare = Applications(test_id=["t", "t"], target=["t", "t"], group=["ref", "g"], positive=[True, False])
    with pytest.raises(ValueError, match=r"^unknown attribute 'city'; attributes are: none$"):
        attribute_values(bare, "city")
    two = Applications(test_id=["t"], target=["t"], group=["ref"], positive=[True],
                       attributes={"zone": ["1"], "city": ["x"]})
    with pytest.raises(ValueError, match=r"attributes are: city, zone$"):
        attribute_values(two, "size")
