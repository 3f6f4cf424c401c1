"""Three or more groups: Cochran's Q against statsmodels, Holm against statsmodels."""
from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import cochrans_q
from statsmodels.stats.multitest import multipletests

from analysis import analyse_round


def test_cochran_q_on_inter1_matches_statsmodels(inter1):
    result = analyse_round(inter1, "Man.F")
    groups = sorted(set(inter1.group.tolist()))
    tests = sorted(set(inter1.test_id.tolist()))
    index = {t: i for i, t in enumerate(tests)}
    x = np.zeros((len(tests), len(groups)))
    for t, g, p in zip(inter1.test_id, inter1.group, inter1.positive, strict=True):
        x[index[t], groups.index(g)] = p
    expected = cochrans_q(x)
    assert result.omnibus["q"] == pytest.approx(expected.statistic, rel=1e-10)
    assert result.omnibus["p_value"] == pytest.approx(expected.pvalue, rel=1e-8)
    assert result.omnibus["df"] == 7 and result.omnibus["tests"] == 310


def test_holm_adjusted_comparisons(inter1):
    result = analyse_round(inter1, "Man.F")
    raw = [c.sign_test_p for c in result.comparisons]
    assert [c.sign_test_p_holm for c in result.comparisons] == pytest.approx(
        list(multipletests(raw, method="holm")[1]), rel=1e-12)


def test_two_groups_have_no_omnibus(bm):
    result = analyse_round(bm, "white")
    assert result.omnibus is None and result.comparisons[0].sign_test_p_holm is None
