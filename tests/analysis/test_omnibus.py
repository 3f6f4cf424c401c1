"""Three or more groups: Cochran's Q against statsmodels, Holm against statsmodels."""
from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import cochrans_q
from statsmodels.stats.multitest import multipletests

from analysis import Applications, analyse_round
from analysis.data import Layout
from analysis.omnibus import cochran_q, holm


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


def test_holm_by_hand_keeps_none_and_caps_at_one():
    # four p-values (None is not a comparison): sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1 gives
    # 0.04, 0.09, 0.08, 0.5; the running maximum makes the third 0.09.
    assert holm([0.01, None, 0.04, 0.03, 0.5]) == pytest.approx([0.04, None, 0.09, 0.09, 0.5], abs=1e-15)
    # 0.4 x 2 = 0.8, 0.6 x 1 = 0.6 -> running maximum 0.8; 0.7 x 2 = 1.4 is capped at 1.
    assert holm([0.6, 0.4]) == pytest.approx([0.8, 0.8], abs=1e-15)
    assert holm([0.7, 0.9]) == [1.0, 1.0]
    assert holm([]) == [] and holm([None, None]) == [None, None]


@pytest.mark.parametrize("p", [[0.02, 0.02, 0.3], [0.2, 0.01, 0.01, 0.04, 0.3, 0.04], [0.5]])
def test_holm_with_ties_matches_statsmodels(p):
    assert holm(p) == pytest.approx(list(multipletests(p, method="holm")[1]), abs=1e-15)


def _cochran_round(rows) -> Layout:
    """rows: (test, group, positive)."""
    return Layout.of(Applications(test_id=[r[0] for r in rows], target=[r[0] for r in rows],
                                  group=[r[1] for r in rows], positive=[r[2] for r in rows]))


COMPLETE = [("t1", "a", 1), ("t1", "b", 1), ("t1", "c", 0), ("t2", "a", 1), ("t2", "b", 0), ("t2", "c", 0),
            ("t3", "a", 1), ("t3", "b", 1), ("t3", "c", 1), ("t4", "a", 0), ("t4", "b", 0), ("t4", "c", 0)]


def test_cochran_q_by_hand_leaves_out_incomplete_tests():
    # C = (3, 2, 1), R = (2, 1, 3, 0), N = 6, k = 3: Q = 2 (3 x 14 - 36) / (18 - 14) = 3, and the
    # chi-square sf with 2 df is exp(-Q / 2). t5 (only group a) and t6 (two of b, none of c) are left out.
    rows = COMPLETE + [("t5", "a", 1), ("t6", "a", 1), ("t6", "b", 0), ("t6", "b", 1)]
    out = cochran_q(_cochran_round(rows))
    assert out == {"method": "cochran_q", "q": pytest.approx(3.0, rel=1e-12), "df": 2,
                   "p_value": pytest.approx(math.exp(-1.5), rel=1e-12), "tests": 4,
                   "note": "2 tests without exactly one application of every group left out"}
    assert cochran_q(_cochran_round(COMPLETE))["note"] == ""


def test_cochran_q_without_variation_within_tests_gives_no_inference():
    # every complete test all positive or all negative: k N - sum R^2 = 3 x 6 - (9 + 9) = 0
    rows = [(t, g, t != "t2") for t in ("t1", "t2", "t3") for g in "abc"]
    out = cochran_q(_cochran_round(rows))
    assert out == {"method": "cochran_q", "q": None, "df": 2, "p_value": None, "tests": 3,
                   "note": "no variation within tests: no inference"}
    out = cochran_q(_cochran_round(rows + [("t9", "a", 1)]))
    assert out["note"] == "1 tests without exactly one application of every group left out; no variation " \
                          "within tests: no inference"
    # no complete test at all
    out = cochran_q(_cochran_round([("t1", "a", 1), ("t1", "b", 0), ("t2", "c", 1)]))
    assert out["q"] is None and out["tests"] == 0 and out["note"].startswith("2 tests without")


def test_cochran_q_needs_three_groups():
    rows = [r for r in COMPLETE if r[1] != "c"]
    assert cochran_q(_cochran_round(rows)) is None
