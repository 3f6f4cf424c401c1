"""Round-level figures per value of an attribute, with a test of whether the gap differs."""
from __future__ import annotations

import numpy as np

from analysis.comparison import PairSample, compare
from analysis.data import Applications, Layout, factorize
from analysis.rates import group_rates
from analysis.regression import gap_heterogeneity
from analysis.result import Breakdown, BreakdownValue, Heterogeneity


def attribute_values(apps: Applications, name: str) -> np.ndarray:
    """The column to break down by: an attribute, or the template / send order."""
    if name in apps.attributes:
        return apps.attributes[name]
    if name in ("template", "send_order") and getattr(apps, name) is not None:
        return getattr(apps, name)
    known = ", ".join(sorted(apps.attributes)) or "none"
    raise ValueError(f"unknown attribute {name!r}; attributes are: {known}")


def _value_figures(apps: Applications, full: Layout, value: str, mask: np.ndarray, reference: str,
                   level: float) -> BreakdownValue:
    """Group rates and comparisons among the applications with this value."""
    sub = apps.subset(mask)
    layout = full.restrict(mask, sub.positive)
    comparisons = ()
    if reference in layout.groups:
        ref = layout.group_code(reference)
        comparisons = tuple(
            compare(sub, layout, ref, g, level=level, with_conditional_logit=False)
            for g in range(len(layout.groups))
            if g != ref and len(PairSample.of(layout, ref, g).tests)
        )
    return BreakdownValue(value, int(mask.sum()), group_rates(layout, level), comparisons)


def _heterogeneity(apps: Applications, layout: Layout, values: np.ndarray, ref: int, grp: int) -> Heterogeneity:
    """Does the gap of this group differ between values? (LPM interaction, clustered by test)."""
    s = PairSample.of(layout, ref, grp)
    in_sample = np.zeros(len(layout.tests), dtype=bool)
    in_sample[s.tests] = True
    g = layout.group_index
    rows = np.flatnonzero(in_sample[layout.test_index] & ((g == ref) | (g == grp)) & (values != ""))
    stat, df, p = gap_heterogeneity(apps.positive[rows], g[rows] == ref, layout.test_index[rows], values[rows])
    return Heterogeneity(str(layout.groups[grp]), stat, df, p)


def breakdown(apps: Applications, layout: Layout, name: str, reference: str, level: float = 0.95) -> Breakdown:
    """All round-level figures per value of attribute `name` (missing values left out)."""
    values = attribute_values(apps, name)
    levels = [v for v in factorize(values)[0] if v != ""]
    per_value = tuple(_value_figures(apps, layout, str(v), values == v, reference, level) for v in levels)
    ref = layout.group_code(reference)
    het = tuple(_heterogeneity(apps, layout, values, ref, g) for g in range(len(layout.groups)) if g != ref)
    return Breakdown(name, per_value, het, int(np.sum(values == "")))
