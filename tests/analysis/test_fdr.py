"""q-values against statsmodels and against the definition."""
from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.fdr import bh_qvalues, qvalues, storey_pi0, storey_qvalues


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
