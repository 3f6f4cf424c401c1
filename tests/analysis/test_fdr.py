"""q-values against statsmodels and against the definition."""
from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.fdr import bh_qvalues, check_q_method, flag_rule, qvalues, storey_pi0, storey_qvalues, tarone_threshold


def test_bh_matches_statsmodels():
    p = np.random.default_rng(1).uniform(size=200) ** 3
    assert bh_qvalues(p) == pytest.approx(multipletests(p, method="fdr_bh")[1], rel=1e-12)


def test_storey_is_pi0_times_bh():
    p = np.array([0.001, 0.01, 0.2, 0.6, 0.7, 0.9, 0.95, 1.0])
    assert storey_pi0(p) == 1.0  # STS: (1 + 5) / (8 * 0.5) = 1.5, capped at 1
    q, used = storey_qvalues(p)
    assert used == 1.0 and q == pytest.approx(bh_qvalues(p))
    # Storey, Taylor & Siegmund (2004) eq. 6: (1 + #{p > 0.5}) / (m (1 - 0.5)) = (1 + 1) / 2
    assert storey_pi0([0.01, 0.02, 0.9, 0.03]) == pytest.approx(1.0)
    assert storey_pi0([0.01, 0.02, 0.9, 0.03, 0.04, 0.01]) == pytest.approx(2 / 3)


def test_storey_pi0_is_never_zero():
    # Storey (2002) gives 0 when no p exceeds lambda; STS gives 1 / (m (1 - lambda)).
    assert storey_pi0(np.full(20, 0.5)) == pytest.approx(1 / 10)


def test_unknown_method_rejected():
    with pytest.raises(ValueError):
        qvalues([0.1], "bonferroni")


def test_bh_by_hand_with_ties_and_an_empty_family():
    # m = 4, p sorted 0.01, 0.02, 0.02, 0.5: m p / rank = 0.04, 0.04, 0.0267, 0.5; running minimum
    # from the top: 0.0267, 0.0267, 0.0267, 0.5. Given out of order, returned in the input's order.
    q = bh_qvalues([0.5, 0.02, 0.01, 0.02])
    assert q == pytest.approx([0.5, 0.08 / 3, 0.08 / 3, 0.08 / 3])
    empty = bh_qvalues([])
    assert empty.shape == (0,)


def test_storey_tie_rule_counts_p_equal_to_lambda_only_when_asked():
    # 60 p-values: 20 at exactly 0.5, 10 at 0.8, 30 at 0.01. STS: (1 + #{p > 0.5}) / (60 x 0.5).
    p = [0.5] * 20 + [0.8] * 10 + [0.01] * 30
    assert storey_pi0(p) == pytest.approx(11 / 30)
    assert storey_pi0(p, ties="at_or_above") == 1.0  # (1 + 30) / 30, capped at 1
    assert storey_pi0(p[20:] + [0.5] * 5, ties="at_or_above") == pytest.approx(16 / 22.5)
    assert storey_pi0(p[20:] + [0.5] * 5) == pytest.approx(11 / 22.5)
    assert storey_pi0([0.6, 0.01], lam=0.2) == pytest.approx(1.0)  # (1 + 1) / (2 x 0.8) = 1.25, capped
    assert storey_pi0([0.1] * 8 + [0.6] * 2, lam=0.2) == pytest.approx(3 / 8)  # (1 + 2) / (10 x 0.8)
    assert storey_pi0([]) == 1.0
    with pytest.raises(ValueError, match="unknown tie rule 'below'"):
        storey_pi0([0.1], ties="below")


def test_qvalues_by_method():
    p = np.array([0.001, 0.2, 0.3, 0.9])
    q, pi0 = qvalues(p)
    assert pi0 == 1.0 and q == pytest.approx(multipletests(p, method="fdr_bh")[1])
    # Storey: pi0 = (1 + 1) / (4 x 0.5) = 1; with lambda 0.25: (1 + 3) / (4 x 0.75) = 4/3, capped at 1.
    # With 0.1, 0.2, 0.3, 0.04 and lambda 0.25: (1 + 1) / 3 = 2/3, q = 2/3 of BH's.
    p2 = np.array([0.1, 0.2, 0.3, 0.04])
    q2, pi0_2 = qvalues(p2, "storey", lam=0.25)
    assert pi0_2 == pytest.approx(2 / 3)
    assert q2 == pytest.approx(2 / 3 * multipletests(p2, method="fdr_bh")[1])
    # The tie rule reaches Storey's q: two p at exactly 0.5 among 6. Above: (1 + 0) / 3 = 1/3;
    # at or above: (1 + 2) / 3 = 1.
    p3 = [0.5, 0.5, 0.01, 0.02, 0.03, 0.04]
    q3, pi0_3 = qvalues(p3, "storey", ties="at_or_above")
    assert pi0_3 == 1.0 and q3 == pytest.approx(multipletests(p3, method="fdr_bh")[1])
    q4, pi0_4 = qvalues(p3, "storey")
    assert pi0_4 == pytest.approx(1 / 3) and q4 == pytest.approx(multipletests(p3, method="fdr_bh")[1] / 3)
    with pytest.raises(ValueError, match="unknown q_method 'by'"):
        qvalues(p, "by")


def test_storey_is_refused_below_fifty_comparisons():
    check_q_method("bh", 1)
    check_q_method("storey", 50)
    with pytest.raises(ValueError, match="at least 50 target comparisons \\(this round has 49\\)"):
        check_q_method("storey", 49)
    with pytest.raises(ValueError, match="unknown q_method 'holm'"):
        check_q_method("holm", 100)


def test_flag_rule_at_its_boundaries():
    # Flag when q <= level, p <= level and favoured; every condition at and just past its boundary.
    p = np.array([0.05, 0.05, 0.0501, 0.01, 0.01, np.nan])
    q = np.array([0.05, 0.0501, 0.01, 0.01, 0.01, 0.01])
    favoured = [True, True, True, True, False, True]
    assert flag_rule(p, q, favoured, 0.05).tolist() == [True, False, False, True, False, False]


def test_tarone_by_hand():
    # level 5%, smallest attainable p 0.001, 0.01, 0.02, 0.3, 0.5 (and one undefined, left out):
    # K = 1: 3 at <= 0.05 > 1; K = 2: 3 at <= 0.025 > 2; K = 3: 2 at <= 0.0167 <= 3: level / 3, 2 tested.
    assert tarone_threshold([0.001, 0.01, 0.02, 0.3, 0.5, np.nan], 0.05) == (pytest.approx(0.05 / 3), 2)
    # K = 1 already: only one hypothesis can reach 5% at all.
    assert tarone_threshold([0.01, 0.2, 0.7], 0.05) == (pytest.approx(0.05), 1)
    # p equal to level / K counts as reachable: 0.025 at K = 2 makes m(2) = 3 > 2; K = 3: 1 <= 3.
    assert tarone_threshold([0.001, 0.025, 0.025], 0.05) == (pytest.approx(0.05 / 3), 1)
    # every hypothesis reaches every level: K = m = 2.
    assert tarone_threshold([1e-9, 1e-9], 0.05) == (pytest.approx(0.025), 2)
    # none attainable (all undefined): the plain level, nothing tested.
    assert tarone_threshold([np.nan], 0.05) == (pytest.approx(0.05), 0)
    assert tarone_threshold([], 0.05) == (pytest.approx(0.05), 0)


def test_tolerances_at_lambda_and_at_tarone_levels():
    # at_or_above counts a p within 1e-12 below lambda as a tie: (1 + 1) / (6 x 0.5) = 2/3.
    assert storey_pi0([0.5 - 1e-12] + [0.01] * 5, ties="at_or_above") == pytest.approx(2 / 3)
    # Tarone counts a smallest attainable p up to level / K (1 + 1e-12) as reaching level / K.
    assert tarone_threshold([0.05 * (1 + 1e-12)], 0.05) == (pytest.approx(0.05), 1)


def test_bh_takes_decimal_p_values():
    from decimal import Decimal
    assert bh_qvalues([Decimal("0.04"), Decimal("0.01")]) == pytest.approx([0.04, 0.02])
