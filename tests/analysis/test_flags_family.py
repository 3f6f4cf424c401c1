"""The family's decisions (flags.decide, primary_p, sensitivity) on p-values worked by hand."""
from __future__ import annotations

import numpy as np
import pytest

from analysis import flags
from analysis.flags import primary_p, sensitivity


def decide(*columns_and_options):
    """flags.decide on arrays, as the round passes them."""
    *columns, fdr, q_method = columns_and_options
    return flags.decide(*(np.asarray(c) for c in columns), fdr, q_method)


def test_primary_p_exact_and_krw_with_its_fallback():
    exact_p, exact_min, krw_p, informative = [0.2, 0.03, 1.0], [0.01, 0.002, 0.5], [0.04, np.nan, 0.3], [3, 5, 0]
    p, source, min_p = primary_p("exact", exact_p, exact_min, krw_p, informative)
    assert p.tolist() == [0.2, 0.03, 1.0] and source.tolist() == ["exact"] * 3
    assert min_p[:2].tolist() == [0.01, 0.002] and np.isnan(min_p[2])  # no informative test: no min p
    p, source, min_p = primary_p("krw", exact_p, exact_min, krw_p, informative)
    # the z-test where it is defined (its smallest attainable p is 0), the exact test where it is not
    assert p.tolist() == [0.04, 0.03, 0.3] and source.tolist() == ["z", "exact", "z"]
    assert min_p.tolist() == [0.0, 0.002, 0.0]


def test_decide_by_hand():
    # BH, m = 4: 0.001 x 4 = 0.004, 0.004 x 4 / 2 = 0.008, 0.03 x 4 / 3 = 0.04, 0.5: all but the last
    # (not favoured) flagged. Alone-threshold: 5% x (others flagged + 1) / 4, at most 5%. Tarone on
    # min p 0.0001, 0.001, 0.01: K = 3 (3 reach 5% / 3), so family-wise flags need p <= 0.0167.
    fam = decide([0.001, 0.004, 0.03, 0.5], ["exact"] * 4, [0.0001, 0.001, 0.01, np.nan],
                 [True, True, True, False], [4, 6, 8, 2], 0.05, "bh")
    assert fam.size == 4 and fam.pi0 == 1.0
    assert fam.q == pytest.approx([0.004, 0.008, 0.04, 0.5])
    assert fam.flagged.tolist() == [True, True, True, False]
    assert fam.threshold == pytest.approx([0.0375, 0.0375, 0.0375, 0.05])
    assert fam.fw_threshold == pytest.approx(0.05 / 3) and fam.fw_tested == 3
    assert fam.fw_flagged.tolist() == [True, True, False, False]
    # one flagged only: its threshold counts the others (none), an unflagged one counts it.
    single = decide([0.001, 0.9], ["exact"] * 2, [0.001, 0.5], [True, True], [3, 3], 0.05, "bh")
    assert single.flagged.tolist() == [True, False]
    assert single.threshold == pytest.approx([0.025, 0.05])


def test_decide_on_an_empty_family_and_storey_on_a_small_one():
    fam = decide([], [], [], [], [], 0.05, "bh")
    assert fam.size == 0 and fam.q.shape == (0,) and fam.pi0 == 1.0 and fam.fw_tested == 0
    with pytest.raises(ValueError, match="at least 50"):
        decide([0.01] * 49, ["exact"] * 49, [0.01] * 49, [True] * 49, [1] * 49, 0.05, "storey")


def _fifty():
    # 20 at p = 0.001, 5 at 0.04, 25 at 0.2, all favoured. BH: the 0.04 group has q = 0.04 x 50 / 25 =
    # 0.08: 20 flagged. Storey (lambda 0.5): no p above it, pi0 = 1 / (50 x 0.5) = 0.04, q of the 0.04
    # group 0.0032: 25 flagged (the 0.2 group's own p is above 5%: the guard keeps it out).
    p = [0.001] * 20 + [0.04] * 5 + [0.2] * 25
    keys = [f"t{i}" for i in range(50)]
    return p, keys


def test_sensitivity_from_bh_and_from_storey():
    p, keys = _fifty()
    args = (["exact"] * 50, [1e-4] * 50, [True] * 50, [5] * 50, 0.05)
    bh = decide(p, *args, "bh")
    assert int(bh.flagged.sum()) == 20
    out = sensitivity(bh, 0.05, "bh", keys)
    assert out["q_method"] == {"method": "storey", "applicable": True, "flagged": 25,
                               "newly_flagged": keys[20:25], "no_longer_flagged": []}
    # lambda 0.5, 0.6, 0.7, each tie rule: no p at or above lambda, pi0 = 1 / (50 (1 - lambda)).
    runs = out["storey_lambda"]
    assert [(r["lambda"], r["ties"]) for r in runs] == [(lam, t) for lam in (0.5, 0.6, 0.7)
                                                        for t in ("above", "at_or_above")]
    assert [r["pi0"] for r in runs] == pytest.approx([1 / 25, 1 / 25, 1 / 20, 1 / 20, 1 / 15, 1 / 15])
    assert all(r["flagged"] == 25 and r["newly_flagged"] == keys[20:25] for r in runs)
    storey = decide(p, *args, "storey")
    assert storey.pi0 == pytest.approx(1 / 25) and int(storey.flagged.sum()) == 25
    back = sensitivity(storey, 0.05, "storey", keys)["q_method"]
    assert back == {"method": "bh", "applicable": True, "flagged": 20, "newly_flagged": [],
                    "no_longer_flagged": keys[20:25]}


def test_sensitivity_of_a_family_too_small_for_storey():
    fam = decide([0.001] * 49, ["exact"] * 49, [1e-4] * 49, [True] * 49, [5] * 49, 0.05, "bh")
    out = sensitivity(fam, 0.05, "bh", [f"t{i}" for i in range(49)])
    assert out == {"q_method": {"method": "storey", "applicable": False,
                                "reason": "fewer than 50 target comparisons"},
                   "storey_lambda": []}


def test_primary_p_counts_one_informative_test_as_informative():
    # informative counts 1 and 0: the smallest attainable p is kept with one informative test, NaN with none
    p, source, min_p = primary_p("exact", [0.5, 1.0], [0.5, 0.25], [np.nan, np.nan], [1, 0])
    assert min_p[0] == 0.5 and np.isnan(min_p[1])
    p, source, min_p = primary_p("krw", [0.5, 1.0], [0.5, 0.25], [np.nan, np.nan], [1, 0])
    assert p.tolist() == [0.5, 1.0] and source.tolist() == ["exact", "exact"]
    assert min_p[0] == 0.5 and np.isnan(min_p[1])


def test_familywise_flag_at_its_threshold_exactly():
    # one comparison, K = 1: Tarone's threshold is the level itself, 0.05. BH q = p.
    # p = 0.05 exactly (min p 0.01) is flagged family-wise: p <= threshold.
    fam = decide([0.05], ["exact"], [0.01], [True], [4], 0.05, "bh")
    assert fam.flagged.tolist() == [True] and fam.fw_threshold == 0.05 and fam.fw_flagged.tolist() == [True]
    # min p = 0.05 exactly can still reach the threshold: tested and flagged.
    fam = decide([0.01], ["exact"], [0.05], [True], [4], 0.05, "bh")
    assert fam.fw_tested == 1 and fam.fw_flagged.tolist() == [True]
    # a flagged comparison with no informative test (min p NaN) is not flagged family-wise
    fam = decide([0.01, 0.01], ["exact"] * 2, [0.01, np.nan], [True, True], [4, 0], 0.05, "bh")
    assert fam.flagged.tolist() == [True, True] and fam.fw_flagged.tolist() == [True, False]


def test_storey_alone_threshold_is_capped_at_the_level():
    # _fifty under Storey: pi0 = 1/25, 25 flagged. Alone-threshold 5% x (R + 1) / (50 pi0) = 0.625 for the
    # flagged (R = 24) and 0.65 for the others (R = 25): both above 5%, so the level itself.
    p, _ = _fifty()
    storey = decide(p, ["exact"] * 50, [1e-4] * 50, [True] * 50, [5] * 50, 0.05, "storey")
    assert storey.threshold == pytest.approx([0.05] * 50, abs=0)
    assert storey.p_source.tolist() == ["exact"] * 50 and storey.favoured.dtype == bool
    assert storey.min_p.dtype == float and storey.informative.tolist() == [5] * 50


def test_sensitivity_lambdas_apply_each_tie_rule():
    # 20 at 0.001, 5 exactly at 0.5, 25 at 0.2. Storey pi0 = min(1, (1 + #) / (50 (1 - lambda))):
    # lambda 0.5: # {p > 0.5} = 0 gives 1/25, # {p >= 0.5} = 5 gives 6/25; lambda 0.6 and 0.7: none, 1/20, 1/15.
    p = [0.001] * 20 + [0.5] * 5 + [0.2] * 25
    keys = [f"t{i}" for i in range(50)]
    fam = decide(p, ["exact"] * 50, [1e-4] * 50, [True] * 50, [5] * 50, 0.05, "bh")
    runs = sensitivity(fam, 0.05, "bh", keys)["storey_lambda"]
    assert [r["pi0"] for r in runs] == pytest.approx([1 / 25, 6 / 25, 1 / 20, 1 / 20, 1 / 15, 1 / 15], rel=1e-12)
